// Device-side helpers shared by the kernels: reading F16/BF16 values, the GGUF block formats
// (dequantized 32 values at a time, the sub-block size every braid block type divides into),
// warp reductions, and launch arithmetic. Layouts follow core/include/braid/core/quant_blocks.h.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace braid::cuda {

// GGUF type ids (core/include/braid/core/dtype.h).
constexpr uint32_t kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8,
                   kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kI32 = 26, kBF16 = 30;

constexpr int kWarp = 32;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
/// Blocks for a 1-D launch of n threads, capped so the grid stays legal (kernels grid-stride).
inline unsigned grid_for(int64_t n, int threads) {
  const int64_t blocks = ceil_div(n, threads);
  return static_cast<unsigned>(blocks < 65535 * 16 ? (blocks < 1 ? 1 : blocks) : 65535 * 16);
}

__device__ __forceinline__ float half_bits_to_float(uint16_t bits) {
  return __half2float(__ushort_as_half(bits));
}
__device__ __forceinline__ float bf16_bits_to_float(uint16_t bits) {
  return __uint_as_float(static_cast<uint32_t>(bits) << 16);
}
__device__ __forceinline__ uint16_t load_u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
__device__ __forceinline__ uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

/// Element i of a plain-type (F32, F16, BF16) array, as float.
__device__ __forceinline__ float load_plain(const void* base, uint32_t dtype, int64_t i) {
  if (dtype == kF32) return static_cast<const float*>(base)[i];
  const uint16_t bits = static_cast<const uint16_t*>(base)[i];
  return dtype == kF16 ? half_bits_to_float(bits) : bf16_bits_to_float(bits);
}

/// Bytes of one block and values per block of a block type (0 for plain types).
__host__ __device__ inline int block_bytes(uint32_t dtype) {
  switch (dtype) {
    case kQ8_0:
      return 34;
    case kQ4_0:
      return 18;
    case kQ4_1:
      return 20;
    case kQ5_0:
      return 22;
    case kQ5_1:
      return 24;
    case kQ4_K:
      return 144;
    case kQ5_K:
      return 176;
    case kQ6_K:
      return 210;
    default:
      return 0;
  }
}
__host__ __device__ inline int block_values(uint32_t dtype) {
  return (dtype == kQ4_K || dtype == kQ5_K || dtype == kQ6_K) ? 256 : 32;
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block.
__device__ __forceinline__ void k_scale_min(const uint8_t* packed,
                                            int j,
                                            float* scale,
                                            float* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = (packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4);
    *min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

/// Dequantizes values [32 g, 32 g + 32) of a row of block type `dtype` into out[0..32).
template <uint32_t kType>
__device__ __forceinline__ void dequant32(const uint8_t* row, int64_t g, float* out) {
  if constexpr (kType == kQ8_0) {
    const uint8_t* b = row + g * 34;
    const float d = half_bits_to_float(load_u16(b));
    const int8_t* q = reinterpret_cast<const int8_t*>(b + 2);
#pragma unroll
    for (int j = 0; j < 32; ++j) out[j] = d * q[j];
  } else if constexpr (kType == kQ4_0 || kType == kQ4_1) {
    const uint8_t* b = row + g * (kType == kQ4_0 ? 18 : 20);
    const float d = half_bits_to_float(load_u16(b));
    const float m = kType == kQ4_1 ? half_bits_to_float(load_u16(b + 2)) : -8.0f * d;
    const uint8_t* q = b + (kType == kQ4_0 ? 2 : 4);
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      out[j] = d * (q[j] & 0x0f) + m;
      out[j + 16] = d * (q[j] >> 4) + m;
    }
  } else if constexpr (kType == kQ5_0 || kType == kQ5_1) {
    const uint8_t* b = row + g * (kType == kQ5_0 ? 22 : 24);
    const float d = half_bits_to_float(load_u16(b));
    const float m = kType == kQ5_1 ? half_bits_to_float(load_u16(b + 2)) : -16.0f * d;
    const uint8_t* p = b + (kType == kQ5_0 ? 2 : 4);
    const uint32_t qh = load_u32(p);
    const uint8_t* q = p + 4;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      out[j] = d * ((q[j] & 0x0f) | (((qh >> j) & 1u) << 4)) + m;
      out[j + 16] = d * ((q[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) + m;
    }
  } else if constexpr (kType == kQ4_K || kType == kQ5_K) {
    const int64_t super = g / 8;
    const int sub = static_cast<int>(g % 8);
    const uint8_t* b = row + super * (kType == kQ4_K ? 144 : 176);
    const float d = half_bits_to_float(load_u16(b));
    const float dmin = half_bits_to_float(load_u16(b + 2));
    float sc, mn;
    k_scale_min(b + 4, sub, &sc, &mn);
    const float scale = d * sc, offset = dmin * mn;
    const bool high = sub & 1;
    if constexpr (kType == kQ4_K) {
      const uint8_t* q = b + 16 + 32 * (sub / 2);
#pragma unroll
      for (int l = 0; l < 32; ++l) out[l] = scale * (high ? q[l] >> 4 : q[l] & 0x0f) - offset;
    } else {
      const uint8_t* qh = b + 16;
      const uint8_t* q = b + 48 + 32 * (sub / 2);
#pragma unroll
      for (int l = 0; l < 32; ++l) {
        const int nib = high ? q[l] >> 4 : q[l] & 0x0f;
        out[l] = scale * (nib | (((qh[l] >> sub) & 1) << 4)) - offset;
      }
    }
  } else if constexpr (kType == kQ6_K) {
    const int64_t super = g / 8;
    const int part = static_cast<int>(g % 8);
    const int half = part / 4, quarter = part % 4;
    const uint8_t* b = row + super * 210;
    const uint8_t* ql = b + 64 * half + (quarter & 1) * 32;
    const uint8_t* qh = b + 128 + 32 * half;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + 8 * half + 2 * quarter;
    const float d = half_bits_to_float(load_u16(b + 208));
    const int low_shift = quarter >= 2 ? 4 : 0;
    const int high_shift = 2 * quarter;
#pragma unroll
    for (int l = 0; l < 32; ++l) {
      const int q = ((ql[l] >> low_shift) & 0x0f) | (((qh[l] >> high_shift) & 3) << 4);
      out[l] = d * sc[l / 16] * (q - 32);
    }
  }
}

/// dequant32 with the type chosen at run time (for kernels that are not templated on it).
__device__ __forceinline__ void dequant32_any(uint32_t dtype,
                                              const uint8_t* row,
                                              int64_t g,
                                              float* out) {
  switch (dtype) {
    case kQ8_0:
      dequant32<kQ8_0>(row, g, out);
      break;
    case kQ4_0:
      dequant32<kQ4_0>(row, g, out);
      break;
    case kQ4_1:
      dequant32<kQ4_1>(row, g, out);
      break;
    case kQ5_0:
      dequant32<kQ5_0>(row, g, out);
      break;
    case kQ5_1:
      dequant32<kQ5_1>(row, g, out);
      break;
    case kQ4_K:
      dequant32<kQ4_K>(row, g, out);
      break;
    case kQ5_K:
      dequant32<kQ5_K>(row, g, out);
      break;
    case kQ6_K:
      dequant32<kQ6_K>(row, g, out);
      break;
    default:
      for (int j = 0; j < 32; ++j) out[j] = 0.0f;
  }
}

/// Value i of a row of any dtype (plain or block), as float. Slow for blocks (decodes a whole
/// group for one value); used where a kernel touches few values of a row.
__device__ __forceinline__ float load_any(const void* row, uint32_t dtype, int64_t i) {
  if (block_bytes(dtype) == 0) return load_plain(row, dtype, i);
  float group[32];
  dequant32_any(dtype, static_cast<const uint8_t*>(row), i / 32, group);
  return group[i % 32];
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

/// Sum over a block of up to 1024 threads (blockDim.x a multiple of 32); every thread gets it.
__device__ __forceinline__ float block_sum(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  v = warp_sum(v);
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float w = lane < static_cast<int>(blockDim.x / kWarp) ? partial[lane] : 0.0f;
    w = warp_sum(w);
    if (lane == 0) total = w;
  }
  __syncthreads();
  const float result = total;
  __syncthreads();  // partial/total may be reused by a following call
  return result;
}
__device__ __forceinline__ float block_max(float v) {
  __shared__ float partial[32];
  __shared__ float total;
  v = warp_max(v);
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float w = lane < static_cast<int>(blockDim.x / kWarp) ? partial[lane] : -INFINITY;
    w = warp_max(w);
    if (lane == 0) total = w;
  }
  __syncthreads();
  const float result = total;
  __syncthreads();
  return result;
}

}  // namespace braid::cuda
