// Norms, RoPE, softmax and element-wise ops (norm.h, rope.h, softmax.h, elementwise.h) in the
// 16-lane vocabulary, compiled per instruction-set path. Arguments were checked by the callers in
// elementwise.cpp. Rows (or chunks of a flat array) are split over OpenMP threads when there is
// enough work to pay for the fork (~1 µs with GNU OpenMP's spinning workers).
#pragma once

#include <omp.h>

#include <cmath>
#include <cstdint>

#include "braid/cpu/elementwise.h"
#include "braid/cpu/rope.h"
#include "isa/math_impl.h"

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

constexpr int kLanes = 16;
// Below this many values a flat op runs on the calling thread alone.
constexpr int64_t kMinParallelValues = 1 << 15;

inline int64_t lmin(int64_t a, int64_t b) { return a < b ? a : b; }

inline int threads_for(int n_threads, int64_t work_items, int64_t values) {
  if (values < kMinParallelValues) return 1;
  return static_cast<int>(lmin(n_threads, work_items));
}

// Applies f to every 16-lane piece [i, i + count) of [0, n), the last one partial.
template <typename F>
inline void for_each_piece(int64_t n, F&& f) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) f(i, kLanes);
  if (i < n) f(i, static_cast<int>(n - i));
}

inline F32 load_any(const float* p, int count) {
  return count == kLanes ? load(p) : load_n(p, count);
}
inline void store_any(float* p, F32 v, int count) {
  if (count == kLanes) {
    store(p, v);
  } else {
    store_n(p, v, count);
  }
}

// ---- norms --------------------------------------------------------------------------------------

void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps) {
  F32 sum = zero();
  for_each_piece(n, [&](int64_t i, int c) {
    const F32 v = load_any(x + i, c);
    sum = fmadd(v, v, sum);
  });
  const float mean = reduce_add(sum) / static_cast<float>(n);
  const F32 inv = set1(1.0f / std::sqrt(mean + eps));
  for_each_piece(n, [&](int64_t i, int c) {
    F32 v = mul(load_any(x + i, c), inv);
    if (w != nullptr) v = mul(v, load_any(w + i, c));
    store_any(y + i, v, c);
  });
}

void layer_norm_row(
    const float* x, const float* w, const float* b, float* y, int64_t n, float eps) {
  F32 sum = zero();
  for_each_piece(n, [&](int64_t i, int c) { sum = add(sum, load_any(x + i, c)); });
  const float mean = reduce_add(sum) / static_cast<float>(n);
  // Second pass over x − mean: no cancellation when the mean is large against the spread.
  F32 squares = zero();
  const F32 m = set1(mean);
  for_each_piece(n, [&](int64_t i, int c) {
    F32 d = sub(load_any(x + i, c), m);
    if (c < kLanes) d = select_lt(lane_index(), set1(static_cast<float>(c)), d, zero());
    squares = fmadd(d, d, squares);
  });
  const float var = reduce_add(squares) / static_cast<float>(n);
  const F32 inv = set1(1.0f / std::sqrt(var + eps));
  for_each_piece(n, [&](int64_t i, int c) {
    F32 v = mul(sub(load_any(x + i, c), m), inv);
    if (w != nullptr) v = mul(v, load_any(w + i, c));
    if (b != nullptr) v = add(v, load_any(b + i, c));
    store_any(y + i, v, c);
  });
}

// ---- softmax ------------------------------------------------------------------------------------

void softmax_row(const float* x, float* y, int64_t n, float scale, const float* mask) {
  const F32 s = set1(scale);
  const F32 minus_inf = set1(-INFINITY);
  auto value = [&](int64_t i, int c) {
    F32 v = mul(load_any(x + i, c), s);
    if (mask != nullptr) v = add(v, load_any(mask + i, c));
    return v;
  };
  F32 vmax = minus_inf;
  for_each_piece(n, [&](int64_t i, int c) {
    const F32 v = value(i, c);
    // Lanes past c hold 0 and must not win the max.
    vmax = max(
        vmax, c == kLanes ? v : select_lt(lane_index(), set1(static_cast<float>(c)), v, minus_inf));
  });
  const float row_max = reduce_max(vmax);
  if (row_max == -INFINITY) {  // everything hidden
    for_each_piece(n, [&](int64_t i, int c) { store_any(y + i, zero(), c); });
    return;
  }
  const F32 m = set1(row_max);
  F32 sum = zero();
  for_each_piece(n, [&](int64_t i, int c) {
    F32 e = vexp(sub(value(i, c), m));
    if (c < kLanes) e = select_lt(lane_index(), set1(static_cast<float>(c)), e, zero());
    store_any(y + i, e, c);
    sum = add(sum, e);
  });
  const F32 inv = set1(1.0f / reduce_add(sum));
  for_each_piece(n, [&](int64_t i, int c) { store_any(y + i, mul(load_any(y + i, c), inv), c); });
}

// ---- RoPE ---------------------------------------------------------------------------------------

constexpr int kMaxRot = 1024;

void rope_token(const float* x,
                float* y,
                int64_t n_heads,
                int64_t head_dim,
                int32_t position,
                const double* inv_freq,
                int n_rot,
                float freq_scale,
                RopeMode mode) {
  const int half = n_rot / 2;
  // cos/sin per pair, laid out so that one multiply-add per 16 lanes rotates them.
  alignas(64) float cos_table[kMaxRot];
  alignas(64) float sin_table[kMaxRot];
  const double pos = static_cast<double>(position) * static_cast<double>(freq_scale);
  for (int i = 0; i < half; ++i) {
    const double theta = pos * inv_freq[i];
    const auto c = static_cast<float>(std::cos(theta));
    const auto s = static_cast<float>(std::sin(theta));
    if (mode == RopeMode::Adjacent) {
      cos_table[2 * i] = cos_table[2 * i + 1] = c;
      sin_table[2 * i] = -s;
      sin_table[2 * i + 1] = s;
    } else {
      cos_table[i] = c;
      sin_table[i] = s;
    }
  }
  for (int64_t h = 0; h < n_heads; ++h) {
    const float* xh = x + h * head_dim;
    float* yh = y + h * head_dim;
    if (mode == RopeMode::Adjacent) {
      // n_rot is even, so a 16-lane piece never splits a pair.
      for_each_piece(n_rot, [&](int64_t i, int c) {
        const F32 v = load_any(xh + i, c);
        const F32 r =
            fmadd(v, load_any(cos_table + i, c), mul(swap_pairs(v), load_any(sin_table + i, c)));
        store_any(yh + i, r, c);
      });
    } else {
      for_each_piece(half, [&](int64_t i, int c) {
        const F32 a = load_any(xh + i, c);
        const F32 b = load_any(xh + half + i, c);
        const F32 cs = load_any(cos_table + i, c);
        const F32 sn = load_any(sin_table + i, c);
        store_any(yh + i, fnmadd(b, sn, mul(a, cs)), c);
        store_any(yh + half + i, fmadd(a, sn, mul(b, cs)), c);
      });
    }
    if (yh != xh) {
      for (int64_t i = n_rot; i < head_dim; ++i) yh[i] = xh[i];
    }
  }
}

}  // namespace

void rms_norm_rows(const float* x,
                   int64_t ldx,
                   const float* w,
                   float* y,
                   int64_t ldy,
                   int64_t rows,
                   int64_t n,
                   float eps,
                   int n_threads) {
  const int threads = threads_for(n_threads, rows, rows * n);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) rms_norm_row(x + r * ldx, w, y + r * ldy, n, eps);
}

void layer_norm_rows(const float* x,
                     int64_t ldx,
                     const float* w,
                     const float* b,
                     float* y,
                     int64_t ldy,
                     int64_t rows,
                     int64_t n,
                     float eps,
                     int n_threads) {
  const int threads = threads_for(n_threads, rows, rows * n);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) layer_norm_row(x + r * ldx, w, b, y + r * ldy, n, eps);
}

void softmax_rows(const float* x,
                  int64_t ldx,
                  float* y,
                  int64_t ldy,
                  int64_t rows,
                  int64_t n,
                  float scale,
                  const float* mask,
                  int64_t ld_mask,
                  int n_threads) {
  const int threads = threads_for(n_threads, rows, rows * n);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    softmax_row(x + r * ldx, y + r * ldy, n, scale, mask != nullptr ? mask + r * ld_mask : nullptr);
  }
}

void rope_tokens(const float* x,
                 float* y,
                 int64_t n_tokens,
                 int64_t n_heads,
                 int64_t head_dim,
                 int64_t ld_token,
                 const int32_t* positions,
                 const double* inv_freq,
                 int n_rot,
                 float freq_scale,
                 RopeMode mode,
                 int n_threads) {
  const int threads = threads_for(n_threads, n_tokens, n_tokens * n_heads * head_dim);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t t = 0; t < n_tokens; ++t) {
    rope_token(x + t * ld_token, y + t * ld_token, n_heads, head_dim, positions[t], inv_freq, n_rot,
               freq_scale, mode);
  }
}

void unary(Activation f, const float* x, float* y, int64_t n, int n_threads) {
  const int threads = threads_for(n_threads, (n + kLanes - 1) / kLanes, n);
  auto apply = [f](F32 v) {
    switch (f) {
      case Activation::Silu:
        return mul(v, vsigmoid(v));
      case Activation::Gelu:
        return vgelu(v);
      case Activation::GeluTanh: {
        const F32 inner =
            mul(set1(0.7978845608028654f), fmadd(mul(set1(0.044715f), v), mul(v, v), v));
        return mul(mul(set1(0.5f), v), add(set1(1.0f), vtanh(inner)));
      }
      case Activation::QuickGelu:
        return mul(v, vsigmoid(mul(set1(1.702f), v)));
    }
    return v;
  };
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t pieces = (n + kLanes - 1) / kLanes;
    const int64_t begin = pieces * tid / nt * kLanes,
                  end = lmin(n, pieces * (tid + 1) / nt * kLanes);
    for_each_piece(end - begin, [&](int64_t i, int c) {
      store_any(y + begin + i, apply(load_any(x + begin + i, c)), c);
    });
  }
}

void swiglu_values(const float* gate, const float* up, float* y, int64_t n, int n_threads) {
  const int threads = threads_for(n_threads, (n + kLanes - 1) / kLanes, n);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t pieces = (n + kLanes - 1) / kLanes;
    const int64_t begin = pieces * tid / nt * kLanes,
                  end = lmin(n, pieces * (tid + 1) / nt * kLanes);
    for_each_piece(end - begin, [&](int64_t i, int c) {
      const F32 g = load_any(gate + begin + i, c);
      store_any(y + begin + i, mul(mul(g, vsigmoid(g)), load_any(up + begin + i, c)), c);
    });
  }
}

void binary_rows(BinaryOp op,
                 const float* a,
                 int64_t lda,
                 const float* b,
                 int64_t ldb,
                 float* y,
                 int64_t ldy,
                 int64_t rows,
                 int64_t n,
                 int n_threads) {
  const int threads = threads_for(n_threads, rows, rows * n);
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* ar = a + r * lda;
    const float* br = b + r * ldb;
    float* yr = y + r * ldy;
    for_each_piece(n, [&](int64_t i, int c) {
      const F32 u = load_any(ar + i, c), v = load_any(br + i, c);
      store_any(yr + i, op == BinaryOp::Add ? add(u, v) : mul(u, v), c);
    });
  }
}

void scale_values(const float* x, float* y, int64_t n, float s, float bias, int n_threads) {
  const int threads = threads_for(n_threads, (n + kLanes - 1) / kLanes, n);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t pieces = (n + kLanes - 1) / kLanes;
    const int64_t begin = pieces * tid / nt * kLanes,
                  end = lmin(n, pieces * (tid + 1) / nt * kLanes);
    for_each_piece(end - begin, [&](int64_t i, int c) {
      store_any(y + begin + i, fmadd(load_any(x + begin + i, c), set1(s), set1(bias)), c);
    });
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
