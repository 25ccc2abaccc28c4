// Element-wise ops over contiguous F32: activations, scale, add/mul with broadcasting, SwiGLU.
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

__device__ __forceinline__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

__global__ void unary_kernel(
    Unary op, const float* x, float* y, int64_t n, float scale, float bias) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float v = x[i];
    float r;
    switch (op) {
      case Unary::Scale:
        r = v * scale + bias;
        break;
      case Unary::Silu:
        r = v * sigmoid(v);
        break;
      case Unary::Gelu:
        r = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
        break;
      case Unary::GeluTanh:
        r = 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
        break;
      default:
        r = v * sigmoid(1.702f * v);
        break;  // quick GELU
    }
    y[i] = r;
  }
}

struct Shape4 {
  int64_t d[4];
};

__global__ void binary_kernel(
    bool is_add, const float* a, Shape4 as, const float* b, Shape4 bs, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    // The index into b: each coordinate of a, taken modulo b's dim (1 or equal).
    int64_t rest = i, bi = 0, bstride = 1;
    for (int d = 3; d >= 0; --d) {
      const int64_t coord = rest % as.d[d];
      rest /= as.d[d];
      bi += (bs.d[d] == 1 ? 0 : coord) * bstride;
      bstride *= bs.d[d];
    }
    y[i] = is_add ? a[i] + b[bi] : a[i] * b[bi];
  }
}

// b is one row repeated over a (the common case: a bias or norm-like weight).
__global__ void binary_row_kernel(
    bool is_add, const float* a, const float* b, int64_t row, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float other = b[i % row];
    y[i] = is_add ? a[i] + other : a[i] * other;
  }
}

__global__ void swiglu_kernel(const float* gate, const float* up, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float g = gate[i];
    y[i] = g * sigmoid(g) * up[i];
  }
}

}  // namespace

void unary(
    Unary op, const float* x, float* y, int64_t n, float scale, float bias, cudaStream_t stream) {
  if (n == 0) return;
  unary_kernel<<<grid_for(n, 256), 256, 0, stream>>>(op, x, y, n, scale, bias);
}

void binary(bool is_add,
            const float* a,
            const int64_t a_shape[4],
            const float* b,
            const int64_t b_shape[4],
            float* y,
            cudaStream_t stream) {
  Shape4 as{{a_shape[0], a_shape[1], a_shape[2], a_shape[3]}};
  Shape4 bs{{b_shape[0], b_shape[1], b_shape[2], b_shape[3]}};
  const int64_t n = as.d[0] * as.d[1] * as.d[2] * as.d[3];
  if (n == 0) return;
  // Trailing dims of b equal to a's and leading ones 1: b repeats as a block of `row` values.
  int64_t row = 1;
  int d = 3;
  for (; d >= 0 && bs.d[d] == as.d[d]; --d) row *= bs.d[d];
  bool leading_ones = true;
  for (int e = d; e >= 0; --e) leading_ones = leading_ones && bs.d[e] == 1;
  if (leading_ones) {
    binary_row_kernel<<<grid_for(n, 256), 256, 0, stream>>>(is_add, a, b, row, y, n);
  } else {
    binary_kernel<<<grid_for(n, 256), 256, 0, stream>>>(is_add, a, as, b, bs, y, n);
  }
}

void swiglu(const float* gate, const float* up, float* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  swiglu_kernel<<<grid_for(n, 256), 256, 0, stream>>>(gate, up, y, n);
}

}  // namespace braid::cuda
