#include "braid/cpu/im2col.h"

#include <omp.h>

#include <cstring>

#include "braid/cpu/cpu_features.h"

namespace braid::cpu {

void im2col(const ConvGeometry& g, const std::byte* x, float* cols, int n_threads) {
  const int64_t k = g.k(), positions = g.positions();
  // A small matrix stays on the calling thread (a fork costs ~1 µs).
  const int threads = positions * k >= (int64_t{1} << 14) ? resolve_threads(n_threads) : 1;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t p = 0; p < positions; ++p) {
    const int64_t oy = p / g.w_out, ox = p % g.w_out;
    const int64_t ix0 = ox * g.stride_w - g.pad_w;
    // A patch embedding (kernel = stride, no padding) always takes the memcpy branch.
    const bool inside = ix0 >= 0 && ix0 + g.kw <= g.w && g.x_w == 4;
    float* row = cols + p * k;
    for (int64_t c = 0; c < g.c_in; ++c) {
      for (int64_t i = 0; i < g.kh; ++i) {
        float* out = row + (c * g.kh + i) * g.kw;
        const int64_t iy = oy * g.stride_h - g.pad_h + i;
        if (iy < 0 || iy >= g.h) {
          std::memset(out, 0, static_cast<size_t>(g.kw) * sizeof(float));
          continue;
        }
        const std::byte* line = x + c * g.x_c + iy * g.x_h;
        if (inside) {
          std::memcpy(out, line + ix0 * 4, static_cast<size_t>(g.kw) * sizeof(float));
          continue;
        }
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t ix = ix0 + j;
          if (ix < 0 || ix >= g.w) {
            out[j] = 0.0f;
          } else {
            std::memcpy(&out[j], line + ix * g.x_w, 4);
          }
        }
      }
    }
  }
}

}  // namespace braid::cpu
