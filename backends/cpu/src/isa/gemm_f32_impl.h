// The f32 GEMM of PanelGemmF32 (gemm.h) for one instruction-set path: y[m, n] = x[m, k] · Wᵀ
// (+ bias) with W packed in panels of 16 columns ([panel][k][16], zero past n). A micro-tile
// keeps kRows rows × kVecs panels of accumulators in registers (24 zmm on AVX-512; 8 ymm pairs on
// AVX2) and streams its panels once per k block; the panels of a column block stay in L2 while
// every row block passes over them. Columns are split over the threads.
#include <omp.h>

#include <cstdint>

#include "isa/isa_kernels.h"

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

constexpr int kGemmRows = kIsAvx512 ? 6 : 3;
constexpr int kGemmVecs = kIsAvx512 ? 4 : 2;
// k is walked in blocks: kGemmRows rows × kBlock floats of x stay in L1 for all the panels.
constexpr int64_t kBlock = 256;

// acc (+)= x[r, k0:k1] · panels; then stored to y (first block) or added to it.
template <int R, int V>
void gemm_tile(const float* x,
               int64_t ldx,
               int64_t k0,
               int64_t k1,
               const float* panels,
               int64_t panel_stride,
               int64_t cols,
               const float* bias,
               bool first,
               float* y,
               int64_t ldy) {
  F32 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = zero();
  for (int64_t kk = k0; kk < k1; ++kk) {
    F32 b[V];
    for (int v = 0; v < V; ++v) b[v] = load(panels + v * panel_stride + kk * 16);
    for (int r = 0; r < R; ++r) {
      const F32 a = set1(x[r * ldx + kk]);
      for (int v = 0; v < V; ++v) acc[r][v] = fmadd(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float* row = y + r * ldy;
    for (int v = 0; v < V; ++v) {
      const int64_t c = v * 16;
      if (c >= cols) break;
      const int n = cols - c >= 16 ? 16 : static_cast<int>(cols - c);
      F32 value = acc[r][v];
      if (first) {
        if (bias != nullptr) value = add(value, load_n(bias + c, n));
      } else {
        value = add(value, load_n(row + c, n));
      }
      store_n(row + c, value, n);
    }
  }
}

template <int V>
void gemm_rows(int rows,
               const float* x,
               int64_t ldx,
               int64_t k0,
               int64_t k1,
               const float* panels,
               int64_t panel_stride,
               int64_t cols,
               const float* bias,
               bool first,
               float* y,
               int64_t ldy) {
  switch (rows) {
#define BRAID_GEMM_ROWS(R)                                                              \
  case R:                                                                               \
    if constexpr (R <= kGemmRows) {                                                     \
      gemm_tile<R, V>(x, ldx, k0, k1, panels, panel_stride, cols, bias, first, y, ldy); \
    }                                                                                   \
    return;
    BRAID_GEMM_ROWS(1)
    BRAID_GEMM_ROWS(2)
    BRAID_GEMM_ROWS(3)
    BRAID_GEMM_ROWS(4)
    BRAID_GEMM_ROWS(5)
    BRAID_GEMM_ROWS(6)
#undef BRAID_GEMM_ROWS
    default:
      return;
  }
}

}  // namespace

void gemm_f32_panels(const float* x,
                     int64_t m,
                     int64_t k,
                     const float* packed,
                     int64_t n,
                     const float* bias,
                     float* y,
                     int n_threads) {
  const int64_t panel_stride = k * 16;
  const int64_t col_block = kGemmVecs * 16;
  const int64_t col_blocks = (n + col_block - 1) / col_block;
  const int threads = static_cast<int>(col_blocks < n_threads ? col_blocks : n_threads);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t cb = 0; cb < col_blocks; ++cb) {
    const int64_t c0 = cb * col_block;
    const int64_t cols = n - c0 < col_block ? n - c0 : col_block;
    const float* panels = packed + (c0 / 16) * panel_stride;
    const float* b = bias != nullptr ? bias + c0 : nullptr;
    const int vecs = static_cast<int>((cols + 15) / 16);
    for (int64_t k0 = 0; k0 < k; k0 += kBlock) {
      const int64_t k1 = k - k0 < kBlock ? k : k0 + kBlock;
      for (int64_t r0 = 0; r0 < m; r0 += kGemmRows) {
        const int rows = static_cast<int>(m - r0 < kGemmRows ? m - r0 : kGemmRows);
        const float* xr = x + r0 * k;
        float* yr = y + r0 * n + c0;
        if (vecs == kGemmVecs) {
          gemm_rows<kGemmVecs>(rows, xr, k, k0, k1, panels, panel_stride, cols, b, k0 == 0, yr, n);
        } else {  // the last column block: fewer panels
          gemm_rows<1>(rows, xr, k, k0, k1, panels, panel_stride, cols, b, k0 == 0, yr, n);
          for (int v = 1; v < vecs; ++v) {
            const int64_t c = v * 16;
            gemm_rows<1>(rows, xr, k, k0, k1, panels + v * panel_stride, panel_stride, cols - c,
                         b != nullptr ? b + c : nullptr, k0 == 0, yr + c, n);
          }
        }
      }
    }
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
