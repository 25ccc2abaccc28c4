// half_gemv (half_gemv.h) for one instruction-set path. Each step takes kStepRows weight rows
// (outputs) and all m ≤ 4 rows of x: the weights stream from memory once, 16 halves at a time,
// widened to f32 in registers; x (a few rows of k floats) stays in L1/L2. Steps are split over
// the threads by output rows, so each thread streams its own share of the matrix.
#include <omp.h>

#include <cstdint>

#include "isa/isa_kernels.h"

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

// 4 rows × 4 x-rows of accumulators fit the 32 zmm registers; AVX2's F32 is two ymm, so 2 rows.
constexpr int kStepRows = kIsAvx512 ? 4 : 2;

template <bool kBf16>
F32 load_weights(const uint16_t* p) {
  if constexpr (kBf16) {
    return load_bf16(p);
  } else {
    return load_f16(p);
  }
}

template <bool kBf16>
F32 load_weights_n(const uint16_t* p, int n) {
  if constexpr (kBf16) {
    return load_bf16_n(p, n);
  } else {
    return load_f16_n(p, n);
  }
}

// y[r, j0 .. j0 + R) for the M rows of x.
template <bool kBf16, int R, int M>
void dot_rows(const uint16_t* w,
              int64_t k,
              int64_t stride,
              const float* x,
              const float* bias,
              float* y,
              int64_t n,
              int64_t j0) {
  F32 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < M; ++i) acc[r][i] = zero();
  const uint16_t* rows[R];
  for (int r = 0; r < R; ++r) rows[r] = w + (j0 + r) * stride;
  int64_t kk = 0;
  for (; kk + 16 <= k; kk += 16) {
    F32 xv[M];
    for (int i = 0; i < M; ++i) xv[i] = load(x + i * k + kk);
    for (int r = 0; r < R; ++r) {
      const F32 wv = load_weights<kBf16>(rows[r] + kk);
      for (int i = 0; i < M; ++i) acc[r][i] = fmadd(wv, xv[i], acc[r][i]);
    }
  }
  if (kk < k) {
    const int rest = static_cast<int>(k - kk);
    F32 xv[M];
    for (int i = 0; i < M; ++i) xv[i] = load_n(x + i * k + kk, rest);
    for (int r = 0; r < R; ++r) {
      const F32 wv = load_weights_n<kBf16>(rows[r] + kk, rest);
      for (int i = 0; i < M; ++i) acc[r][i] = fmadd(wv, xv[i], acc[r][i]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const float b = bias != nullptr ? bias[j0 + r] : 0.0f;
    for (int i = 0; i < M; ++i) y[i * n + j0 + r] = reduce_add(acc[r][i]) + b;
  }
}

// One row of x: the weight rows one after another (with stride k they are one sequential stream
// per thread, which the hardware prefetcher follows best), four accumulators per row.
template <bool kBf16>
void dot_single(const uint16_t* w,
                int64_t k,
                int64_t stride,
                const float* x,
                const float* bias,
                float* y,
                int64_t j) {
  const uint16_t* row = w + j * stride;
  F32 acc[4] = {zero(), zero(), zero(), zero()};
  int64_t kk = 0;
  for (; kk + 64 <= k; kk += 64) {
    for (int u = 0; u < 4; ++u) {
      acc[u] = fmadd(load_weights<kBf16>(row + kk + 16 * u), load(x + kk + 16 * u), acc[u]);
    }
  }
  for (; kk < k; kk += 16) {
    const int rest = k - kk >= 16 ? 16 : static_cast<int>(k - kk);
    acc[0] = fmadd(load_weights_n<kBf16>(row + kk, rest), load_n(x + kk, rest), acc[0]);
  }
  y[j] = reduce_add(add(add(acc[0], acc[1]), add(acc[2], acc[3]))) +
         (bias != nullptr ? bias[j] : 0.0f);
}

template <bool kBf16, int M>
void gemv_rows(const uint16_t* w,
               int64_t n,
               int64_t k,
               int64_t stride,
               const float* x,
               const float* bias,
               float* y,
               int n_threads) {
  const int64_t steps = n / kStepRows;
  const int threads = static_cast<int>(steps < n_threads ? (steps > 0 ? steps : 1) : n_threads);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t s = 0; s < steps; ++s) {
    dot_rows<kBf16, kStepRows, M>(w, k, stride, x, bias, y, n, s * kStepRows);
  }
  for (int64_t j = steps * kStepRows; j < n; ++j)
    dot_rows<kBf16, 1, M>(w, k, stride, x, bias, y, n, j);
}

template <bool kBf16>
void gemv_any_rows(const uint16_t* w,
                   int64_t n,
                   int64_t k,
                   int64_t stride,
                   const float* x,
                   int64_t m,
                   const float* bias,
                   float* y,
                   int n_threads) {
  switch (m) {
    case 1: {
      // Rows one by one while x stays small in L1 (k ≤ 4096: 16 KiB); longer rows share each
      // x load among kStepRows weight rows instead (x no longer fits beside the stream).
      if (k > 4096) return gemv_rows<kBf16, 1>(w, n, k, stride, x, bias, y, n_threads);
      const int threads = static_cast<int>(n < n_threads ? n : n_threads);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
      for (int64_t j = 0; j < n; ++j) dot_single<kBf16>(w, k, stride, x, bias, y, j);
      return;
    }
    case 2:
      return gemv_rows<kBf16, 2>(w, n, k, stride, x, bias, y, n_threads);
    case 3:
      return gemv_rows<kBf16, 3>(w, n, k, stride, x, bias, y, n_threads);
    default:
      return gemv_rows<kBf16, 4>(w, n, k, stride, x, bias, y, n_threads);
  }
}

}  // namespace

void half_gemv_rows(bool bf16,
                    const uint16_t* w,
                    int64_t n,
                    int64_t k,
                    int64_t row_stride,
                    const float* x,
                    int64_t m,
                    const float* bias,
                    float* y,
                    int n_threads) {
  if (bf16) {
    gemv_any_rows<true>(w, n, k, row_stride, x, m, bias, y, n_threads);
  } else {
    gemv_any_rows<false>(w, n, k, row_stride, x, m, bias, y, n_threads);
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
