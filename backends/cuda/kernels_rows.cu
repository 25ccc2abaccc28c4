// Row-wise ops over contiguous F32: RMSNorm and LayerNorm, softmax with a scale and an additive
// mask, and rotary position embedding.
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

constexpr int kRowThreads = 256;

// One block per row. Mean and variance in two passes over the row (it stays in cache).
__global__ void norm_kernel(const float* x,
                            float* y,
                            int64_t n,
                            const float* weight,
                            const float* bias,
                            float eps,
                            bool layer_norm) {
  const float* row = x + blockIdx.x * n;
  float* out = y + blockIdx.x * n;
  float mean = 0.0f;
  if (layer_norm) {
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += row[i];
    mean = block_sum(sum) / static_cast<float>(n);
  }
  float sum_sq = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float c = row[i] - mean;
    sum_sq += c * c;
  }
  const float inv = rsqrtf(block_sum(sum_sq) / static_cast<float>(n) + eps);
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    float v = (row[i] - mean) * inv;
    if (weight) v *= weight[i];
    if (bias) v += bias[i];
    out[i] = v;
  }
}

struct Shape4 {
  int64_t d[4];
};

// One block per row; the mask index follows the broadcast rule of add.
__global__ void softmax_kernel(
    const float* x, float* y, Shape4 xs, float scale, const float* mask, Shape4 ms) {
  const int64_t n = xs.d[3];
  const int64_t r = blockIdx.x;
  const float* row = x + r * n;
  float* out = y + r * n;
  // Coordinates of this row in x's outer dims, for the mask's broadcast.
  int64_t rest = r, mask_row = 0, stride = ms.d[3];
  for (int d = 2; d >= 0; --d) {
    const int64_t coord = rest % xs.d[d];
    rest /= xs.d[d];
    mask_row += (ms.d[d] == 1 ? 0 : coord) * stride;
    stride *= ms.d[d];
  }
  auto value = [&](int64_t i) {
    float v = row[i] * scale;
    if (mask) v += mask[mask_row + (ms.d[3] == 1 ? 0 : i)];
    return v;
  };
  float local_max = -INFINITY;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) local_max = fmaxf(local_max, value(i));
  const float max = block_max(local_max);
  if (max == -INFINITY) {  // every entry masked: zeros (backend.h)
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) out[i] = 0.0f;
    return;
  }
  float sum = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float e = expf(value(i) - max);
    out[i] = e;
    sum += e;
  }
  const float inv = 1.0f / block_sum(sum);
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) out[i] *= inv;
}

// One thread per (token, head, rotated pair); dims past n_rot pass through.
__global__ void rope_kernel(const float* x,
                            float* y,
                            int64_t n_tokens,
                            int64_t n_heads,
                            int64_t head_dim,
                            const int32_t* positions,
                            const float* factors,
                            int32_t n_rot,
                            bool adjacent,
                            float freq_base,
                            float freq_scale) {
  const int64_t half = n_rot / 2;
  const int64_t pass = head_dim - n_rot;  // values per head that do not rotate
  const int64_t per_head = half + pass;
  const int64_t total = n_tokens * n_heads * per_head;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t head = t / per_head, j = t % per_head;
    const int64_t token = head / n_heads;
    const float* in = x + head * head_dim;
    float* out = y + head * head_dim;
    if (j >= half) {
      const int64_t i = n_rot + (j - half);
      out[i] = in[i];
      continue;
    }
    // Angle in double: float32 pos * freq at large positions loses precision (see tolerance).
    double theta = static_cast<double>(positions[token]) * freq_scale *
                   pow(static_cast<double>(freq_base), -2.0 * j / n_rot);
    if (factors) theta /= factors[j];
    double s, c;
    sincos(theta, &s, &c);
    const int64_t i0 = adjacent ? 2 * j : j;
    const int64_t i1 = adjacent ? 2 * j + 1 : j + half;
    const float x0 = in[i0], x1 = in[i1];
    out[i0] = static_cast<float>(x0 * c - x1 * s);
    out[i1] = static_cast<float>(x0 * s + x1 * c);
  }
}

}  // namespace

void norm_rows(const float* x,
               float* y,
               int64_t n_rows,
               int64_t n,
               const float* weight,
               const float* bias,
               float eps,
               bool layer_norm,
               cudaStream_t stream) {
  if (n_rows == 0) return;
  norm_kernel<<<static_cast<unsigned>(n_rows), kRowThreads, 0, stream>>>(x, y, n, weight, bias, eps,
                                                                         layer_norm);
}

void softmax_rows(const float* x,
                  float* y,
                  const int64_t x_shape[4],
                  float scale,
                  const float* mask,
                  const int64_t mask_shape[4],
                  cudaStream_t stream) {
  Shape4 xs{{x_shape[0], x_shape[1], x_shape[2], x_shape[3]}};
  Shape4 ms{{1, 1, 1, 1}};
  if (mask) ms = Shape4{{mask_shape[0], mask_shape[1], mask_shape[2], mask_shape[3]}};
  const int64_t n_rows = xs.d[0] * xs.d[1] * xs.d[2];
  if (n_rows == 0) return;
  softmax_kernel<<<static_cast<unsigned>(n_rows), kRowThreads, 0, stream>>>(x, y, xs, scale, mask,
                                                                            ms);
}

void rope(const float* x,
          float* y,
          int64_t n_tokens,
          int64_t n_heads,
          int64_t head_dim,
          const int32_t* positions,
          const float* factors,
          int32_t n_rot,
          bool adjacent,
          float freq_base,
          float freq_scale,
          cudaStream_t stream) {
  const int64_t total = n_tokens * n_heads * (n_rot / 2 + head_dim - n_rot);
  if (total == 0) return;
  rope_kernel<<<grid_for(total, 256), 256, 0, stream>>>(x, y, n_tokens, n_heads, head_dim,
                                                        positions, factors, n_rot, adjacent,
                                                        freq_base, freq_scale);
}

}  // namespace braid::cuda
