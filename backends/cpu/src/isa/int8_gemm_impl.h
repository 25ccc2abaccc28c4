// The activation quantizer and the s32 → f32 epilogue around oneDNN's int8 matmul (gemm.h,
// GemmInt8), compiled per instruction-set path.
#pragma once

#include <omp.h>

#include <cstdint>

#ifndef BRAID_CPU_ISA_NS
#error "define BRAID_CPU_ISA_NS and include the matching simd header first"
#endif

namespace braid::cpu::BRAID_CPU_ISA_NS {

void quantize_rows_u8(
    const float* x, int64_t rows, int64_t k, uint8_t* q, float* scales, int n_threads) {
  const int threads = rows * k >= (1 << 15) && n_threads > 1 ? n_threads : 1;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    uint8_t* qr = q + r * k;
    F32 vmax = zero();
    int64_t i = 0;
    for (; i + 16 <= k; i += 16) vmax = max(vmax, abs(load(xr + i)));
    if (i < k) vmax = max(vmax, abs(load_n(xr + i, static_cast<int>(k - i))));
    const float scale = reduce_max(vmax) / 127.0f;
    const F32 inv = set1(scale != 0 ? 1.0f / scale : 0.0f);
    const I32 offset = set1_i32(128);  // codes −127..127 become 1..255
    for (i = 0; i < k; i += 16) {
      const int count = k - i >= 16 ? 16 : static_cast<int>(k - i);
      const F32 v = count == 16 ? load(xr + i) : load_n(xr + i, count);
      store_u8_n(qr + i, add(to_i32(mul(v, inv)), offset), count);
    }
    scales[r] = scale;
  }
}

void int8_epilogue(const int32_t* acc,
                   int64_t rows,
                   int64_t n,
                   const float* row_scales,
                   const float* col_scales,
                   const int32_t* col_offsets,
                   const float* bias,
                   bool accumulate,
                   float* y,
                   int n_threads) {
  const int threads = rows * n >= (1 << 15) && n_threads > 1 ? n_threads : 1;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t* ar = acc + r * n;
    float* yr = y + r * n;
    const F32 sx = set1(row_scales[r]);
    for (int64_t i = 0; i < n; i += 16) {
      const int count = n - i >= 16 ? 16 : static_cast<int>(n - i);
      const I32 centred = sub(load_i32_n(ar + i, count), load_i32_n(col_offsets + i, count));
      const F32 scale = mul(sx, load_n(col_scales + i, count));
      const F32 b = accumulate        ? load_n(yr + i, count)
                    : bias != nullptr ? load_n(bias + i, count)
                                      : zero();
      store_n(yr + i, fmadd(to_f32(centred), scale, b), count);
    }
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
