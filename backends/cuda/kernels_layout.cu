// Moving and converting data: strided copies with dtype conversion (copy, cast, permute and
// concat are all this), Q8_0 row quantization, and the row gather/scatter of get_rows/set_rows.
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

__device__ __forceinline__ void store_plain(void* base, uint32_t dtype, float v) {
  if (dtype == kF32) {
    *static_cast<float*>(base) = v;
  } else if (dtype == kF16) {
    *static_cast<__half*>(base) = __float2half_rn(v);
  } else {
    *static_cast<__nv_bfloat16*>(base) = __float2bfloat16_rn(v);
  }
}

__global__ void strided_convert_kernel(const uint8_t* src,
                                       uint32_t src_dtype,
                                       Strided4 in,
                                       uint8_t* dst,
                                       uint32_t dst_dtype,
                                       Strided4 out,
                                       int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, src_off = 0, dst_off = 0;
    for (int d = 3; d >= 0; --d) {
      const int64_t idx = rest % in.shape[d];
      rest /= in.shape[d];
      src_off += idx * in.strides[d];
      dst_off += idx * out.strides[d];
    }
    if (src_dtype == kI32) {
      *reinterpret_cast<int32_t*>(dst + dst_off) = *reinterpret_cast<const int32_t*>(src + src_off);
    } else {
      store_plain(dst + dst_off, dst_dtype, load_plain(src + src_off, src_dtype, 0));
    }
  }
}

// One Q8_0 block from 32 values, as the reference quantizer: scale amax / 127 (stored as
// fp16), quants round(x / scale) with ties away from zero.
__device__ void quantize_block_q8_0(const float* x, uint8_t* out) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = fmaxf(amax, fabsf(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  const uint16_t bits = __half_as_ushort(__float2half_rn(d));
  out[0] = static_cast<uint8_t>(bits & 0xff);
  out[1] = static_cast<uint8_t>(bits >> 8);
  for (int j = 0; j < 32; ++j) {
    out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(roundf(x[j] * id)));
  }
}

// One thread per 32-value block.
__global__ void quantize_q8_0_kernel(
    const float* src, int64_t n_rows, int64_t n, uint8_t* dst, int64_t dst_row_stride) {
  const int64_t blocks_per_row = n / 32;
  const int64_t total = n_rows * blocks_per_row;
  for (int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; b < total;
       b += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = b / blocks_per_row, block = b % blocks_per_row;
    const float* x = src + row * n + block * 32;
    quantize_block_q8_0(x, dst + row * dst_row_stride + block * 34);
  }
}

__global__ void get_rows_kernel(const uint8_t* table,
                                uint32_t dtype,
                                int64_t n_table_rows,
                                int64_t row_stride,
                                const int32_t* rows,
                                int64_t m,
                                int64_t n,
                                float* dst,
                                int32_t* error) {
  const bool blocks = block_bytes(dtype) != 0;
  const int64_t units_per_row = blocks ? n / 32 : n;  // a unit: 32 values, or one value
  const int64_t total = m * units_per_row;
  for (int64_t u = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; u < total;
       u += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = u / units_per_row, unit = u % units_per_row;
    const int32_t r = rows[i];
    if (r < 0 || r >= n_table_rows) {
      atomicExch(error, kRowIndexOutOfRange);
      continue;
    }
    const uint8_t* row = table + r * row_stride;
    if (!blocks) {
      dst[i * n + unit] = load_plain(row, dtype, unit);
    } else {
      float values[32];
      dequant32_any(dtype, row, unit, values);
      for (int j = 0; j < 32; ++j) dst[i * n + unit * 32 + j] = values[j];
    }
  }
}

// Plain destinations: one thread per value. (Q8_0 goes through quantize_q8_0 per row.)
__global__ void set_rows_plain_kernel(const float* src,
                                      int64_t m,
                                      int64_t inner,
                                      const int32_t* rows,
                                      uint8_t* dst,
                                      uint32_t dst_dtype,
                                      int64_t n_dst_rows,
                                      int64_t row_stride,
                                      int32_t* error) {
  const int64_t total = m * inner;
  const int64_t elem = dst_dtype == kF32 ? 4 : 2;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = t / inner, j = t % inner;
    const int32_t r = rows[i];
    if (r < 0 || r >= n_dst_rows) {
      atomicExch(error, kRowIndexOutOfRange);
      continue;
    }
    store_plain(dst + r * row_stride + j * elem, dst_dtype, src[t]);
  }
}

__global__ void set_rows_q8_0_kernel(const float* src,
                                     int64_t m,
                                     int64_t inner,
                                     const int32_t* rows,
                                     uint8_t* dst,
                                     int64_t n_dst_rows,
                                     int64_t row_stride,
                                     int32_t* error) {
  const int64_t blocks_per_row = inner / 32;
  for (int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; b < m * blocks_per_row;
       b += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = b / blocks_per_row, block = b % blocks_per_row;
    const int32_t r = rows[i];
    if (r < 0 || r >= n_dst_rows) {
      atomicExch(error, kRowIndexOutOfRange);
      continue;
    }
    const float* x = src + i * inner + block * 32;
    quantize_block_q8_0(x, dst + r * row_stride + block * 34);
  }
}

}  // namespace

void strided_convert(const void* src,
                     uint32_t src_dtype,
                     const Strided4& src_layout,
                     void* dst,
                     uint32_t dst_dtype,
                     const Strided4& dst_layout,
                     cudaStream_t stream) {
  const int64_t n =
      src_layout.shape[0] * src_layout.shape[1] * src_layout.shape[2] * src_layout.shape[3];
  if (n == 0) return;
  strided_convert_kernel<<<grid_for(n, 256), 256, 0, stream>>>(
      static_cast<const uint8_t*>(src), src_dtype, src_layout, static_cast<uint8_t*>(dst),
      dst_dtype, dst_layout, n);
}

void quantize_rows_q8_0(const float* src,
                        int64_t n_rows,
                        int64_t n,
                        void* dst,
                        int64_t dst_row_stride,
                        cudaStream_t stream) {
  const int64_t blocks = n_rows * (n / 32);
  if (blocks == 0) return;
  quantize_q8_0_kernel<<<grid_for(blocks, 128), 128, 0, stream>>>(
      src, n_rows, n, static_cast<uint8_t*>(dst), dst_row_stride);
}

void get_rows(const void* table,
              uint32_t dtype,
              int64_t n_table_rows,
              int64_t table_row_stride,
              const int32_t* rows,
              int64_t m,
              int64_t n,
              float* dst,
              DeviceErrors errors,
              cudaStream_t stream) {
  const int64_t units = m * (block_bytes(dtype) != 0 ? n / 32 : n);
  if (units == 0) return;
  get_rows_kernel<<<grid_for(units, 128), 128, 0, stream>>>(static_cast<const uint8_t*>(table),
                                                            dtype, n_table_rows, table_row_stride,
                                                            rows, m, n, dst, errors.flag);
}

void set_rows(const float* src,
              int64_t m,
              int64_t inner,
              const int32_t* rows,
              void* dst,
              uint32_t dst_dtype,
              int64_t n_dst_rows,
              int64_t dst_row_stride,
              DeviceErrors errors,
              cudaStream_t stream) {
  if (m * inner == 0) return;
  if (dst_dtype == kQ8_0) {
    set_rows_q8_0_kernel<<<grid_for(m * inner / 32, 128), 128, 0, stream>>>(
        src, m, inner, rows, static_cast<uint8_t*>(dst), n_dst_rows, dst_row_stride, errors.flag);
  } else {
    set_rows_plain_kernel<<<grid_for(m * inner, 256), 256, 0, stream>>>(
        src, m, inner, rows, static_cast<uint8_t*>(dst), dst_dtype, n_dst_rows, dst_row_stride,
        errors.flag);
  }
}

}  // namespace braid::cuda
