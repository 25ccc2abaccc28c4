// Matmul kernels that read weights in their file formats. matvec streams every weight row once
// per call and serves decode (up to kMaxMatvecRows activation rows); larger batches convert
// the weights to F16/BF16 and go to cuBLAS (cuda_matmul.cpp).
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

constexpr int kMaxRows = 8;  // activation rows one matvec call handles (cuda_matmul.cpp)
constexpr int kWarpsPerBlock = 4;

// One warp per weight row n. Block types: lanes take 32-value groups in turn, dequantize each
// once and use it for every activation row. Plain types: lanes take values in turn.
template <uint32_t kType>
__global__ void matvec_kernel(const float* x,
                              int64_t m,
                              int64_t k,
                              const uint8_t* w,
                              int64_t w_row_stride,
                              int64_t n,
                              const float* bias,
                              float* y) {
  const int lane = threadIdx.x % kWarp;
  const int64_t row = blockIdx.x * int64_t(kWarpsPerBlock) + threadIdx.x / kWarp;
  if (row >= n) return;
  const uint8_t* wrow = w + row * w_row_stride;
  float acc[kMaxRows] = {};
  if constexpr (kType == kF32 || kType == kF16 || kType == kBF16) {
    for (int64_t i = lane; i < k; i += kWarp) {
      const float wv = load_plain(wrow, kType, i);
      for (int r = 0; r < m; ++r) acc[r] += wv * x[r * k + i];
    }
  } else {
    float values[32];
    for (int64_t g = lane; g < k / 32; g += kWarp) {
      dequant32<kType>(wrow, g, values);
      for (int r = 0; r < m; ++r) {
        const float* xr = x + r * k + g * 32;
        float s = 0.0f;
#pragma unroll
        for (int j = 0; j < 32; ++j) s += values[j] * xr[j];
        acc[r] += s;
      }
    }
  }
  for (int r = 0; r < m; ++r) {
    const float total = warp_sum(acc[r]);
    if (lane == 0) y[r * n + row] = total + (bias ? bias[row] : 0.0f);
  }
}

template <bool kBf16>
__global__ void weights_to_half_kernel(
    const uint8_t* w, uint32_t dtype, int64_t row_stride, int64_t n, int64_t k, void* dst) {
  const bool blocks = block_bytes(dtype) != 0;
  const int64_t units_per_row = blocks ? k / 32 : k;
  const int64_t total = n * units_per_row;
  for (int64_t u = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; u < total;
       u += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = u / units_per_row, unit = u % units_per_row;
    const uint8_t* row = w + r * row_stride;
    auto store = [&](int64_t i, float v) {
      if constexpr (kBf16) {
        static_cast<__nv_bfloat16*>(dst)[r * k + i] = __float2bfloat16_rn(v);
      } else {
        static_cast<__half*>(dst)[r * k + i] = __float2half_rn(v);
      }
    };
    if (!blocks) {
      store(unit, load_plain(row, dtype, unit));
    } else {
      float values[32];
      dequant32_any(dtype, row, unit, values);
      for (int j = 0; j < 32; ++j) store(unit * 32 + j, values[j]);
    }
  }
}

template <bool kBf16>
__global__ void f32_to_half_kernel(const float* x, int64_t n, void* dst) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    if constexpr (kBf16) {
      static_cast<__nv_bfloat16*>(dst)[i] = __float2bfloat16_rn(x[i]);
    } else {
      static_cast<__half*>(dst)[i] = __float2half_rn(x[i]);
    }
  }
}

__global__ void add_bias_kernel(float* y, int64_t m, int64_t n, const float* bias) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < m * n;
       i += int64_t(gridDim.x) * blockDim.x) {
    y[i] += bias[i % n];
  }
}

template <uint32_t kType>
void launch_matvec(const float* x,
                   int64_t m,
                   int64_t k,
                   const void* w,
                   int64_t w_row_stride,
                   int64_t n,
                   const float* bias,
                   float* y,
                   cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>(ceil_div(n, kWarpsPerBlock));
  matvec_kernel<kType><<<blocks, kWarpsPerBlock * kWarp, 0, stream>>>(
      x, m, k, static_cast<const uint8_t*>(w), w_row_stride, n, bias, y);
}

}  // namespace

void matvec(const float* x,
            int64_t m,
            int64_t k,
            const void* w,
            uint32_t w_dtype,
            int64_t w_row_stride,
            int64_t n,
            const float* bias,
            float* y,
            cudaStream_t stream) {
  if (m == 0 || n == 0) return;
  switch (w_dtype) {
    case kF32:
      launch_matvec<kF32>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kF16:
      launch_matvec<kF16>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kBF16:
      launch_matvec<kBF16>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ8_0:
      launch_matvec<kQ8_0>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ4_0:
      launch_matvec<kQ4_0>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ4_1:
      launch_matvec<kQ4_1>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ5_0:
      launch_matvec<kQ5_0>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ5_1:
      launch_matvec<kQ5_1>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ4_K:
      launch_matvec<kQ4_K>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ5_K:
      launch_matvec<kQ5_K>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    case kQ6_K:
      launch_matvec<kQ6_K>(x, m, k, w, w_row_stride, n, bias, y, stream);
      break;
    default:
      break;  // cuda_support.cpp declines other types
  }
}

void weights_to_half(const void* w,
                     uint32_t w_dtype,
                     int64_t w_row_stride,
                     int64_t n,
                     int64_t k,
                     void* dst,
                     bool bf16,
                     cudaStream_t stream) {
  const int64_t units = n * (block_bytes(w_dtype) != 0 ? k / 32 : k);
  if (units == 0) return;
  const auto* bytes = static_cast<const uint8_t*>(w);
  if (bf16) {
    weights_to_half_kernel<true>
        <<<grid_for(units, 256), 256, 0, stream>>>(bytes, w_dtype, w_row_stride, n, k, dst);
  } else {
    weights_to_half_kernel<false>
        <<<grid_for(units, 256), 256, 0, stream>>>(bytes, w_dtype, w_row_stride, n, k, dst);
  }
}

void f32_to_half(const float* x, int64_t n, void* dst, bool bf16, cudaStream_t stream) {
  if (n == 0) return;
  if (bf16) {
    f32_to_half_kernel<true><<<grid_for(n, 256), 256, 0, stream>>>(x, n, dst);
  } else {
    f32_to_half_kernel<false><<<grid_for(n, 256), 256, 0, stream>>>(x, n, dst);
  }
}

void add_bias(float* y, int64_t m, int64_t n, const float* bias, cudaStream_t stream) {
  if (m * n == 0) return;
  add_bias_kernel<<<grid_for(m * n, 256), 256, 0, stream>>>(y, m, n, bias);
}

}  // namespace braid::cuda
