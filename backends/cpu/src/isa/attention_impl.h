// The attention kernels of attention.h in the 16-lane vocabulary, compiled per instruction-set
// path. attention.cpp validated the arguments and made the AttentionPlan (splits and scratch).
#pragma once

#include <omp.h>

#include <cmath>
#include <cstdint>

#include "attention_plan.h"
#include "braid/cpu/attention.h"
#include "isa/math_impl.h"

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

constexpr int64_t kBlock = kAttentionKeyBlock;
constexpr int64_t kTile = kAttentionKeyTile;
// How far a score may exceed the running max before the max is moved (see decode_item).
constexpr float kSlack = 40.0f;
// Decode prefetches the cache rows this many 16-row blocks ahead.
constexpr int64_t kPrefetchBlocks = 1;
// Prefill micro-tile: kRows query rows × kVecs 16-lane vectors of keys (or of value columns)
// live in registers: 24 accumulators of 32 zmm; 8 of 16 ymm on AVX2.
constexpr int kRows = kIsAvx512 ? 6 : 2;
constexpr int kVecs = kIsAvx512 ? 4 : 2;
static_assert(kRows <= kAttentionMaxQueryRows);

inline int64_t amin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t amax(int64_t a, int64_t b) { return a > b ? a : b; }

// n halves at src as f32 at dst, zero-filled up to n_pad (a multiple of 16).
inline void convert_row(const uint16_t* src, int64_t n, int64_t n_pad, float* dst) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) store(dst + i, load_f16(src + i));
  if (i < n) {
    store(dst + i, load_f16_n(src + i, static_cast<int>(n - i)));
    i += 16;
  }
  for (; i < n_pad; i += 16) store(dst + i, zero());
}

// n floats at src at dst, zero-filled up to n_pad.
inline void copy_row(const float* src, int64_t n, int64_t n_pad, float* dst) {
  int64_t i = 0;
  for (; i < n; ++i) dst[i] = src[i];
  for (; i < n_pad; ++i) dst[i] = 0;
}

// Keys visible to query i: [0, limit).
inline int64_t key_limit(const AttentionArgs& a, const AttentionPlan& p, int64_t i) {
  int64_t limit = p.key_end;
  if (a.causal) limit = amin(limit, static_cast<int64_t>(a.positions[i]) + 1);
  return amax(limit, 0);
}

// Into L2 (T1): measured on two threads, T1 one block ahead streams ~5 % faster than T0 two
// blocks ahead, and 35 % faster than no software prefetch (the strided rows defeat the hardware
// prefetchers).
inline void prefetch_row(const uint16_t* row, int64_t bytes) {
  for (int64_t b = 0; b < bytes; b += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(row) + b, _MM_HINT_T1);
  }
}

// ---- decode -------------------------------------------------------------------------------------

// 16 scores q · k_t for the block in kbuf (rows hd apart); NC = hd / 16 when known, else 0.
template <int NC>
inline F32 block_scores(const float* q, const float* kbuf, int64_t hd) {
  F32 part[kBlock];
  if constexpr (NC > 0) {
    F32 qv[NC];
    for (int c = 0; c < NC; ++c) qv[c] = load(q + 16 * c);
      // Fully unrolled, so the 16 partial sums stay in registers for the transpose.
#pragma GCC unroll 16
    for (int t = 0; t < kBlock; ++t) {
      F32 s = mul(qv[0], load(kbuf + t * hd));
#pragma GCC unroll 8
      for (int c = 1; c < NC; ++c) s = fmadd(qv[c], load(kbuf + t * hd + 16 * c), s);
      part[t] = s;
    }
  } else {
    for (int t = 0; t < kBlock; ++t) {
      F32 s = zero();
      for (int64_t c = 0; c < hd; c += 16) s = fmadd(load(q + c), load(kbuf + t * hd + c), s);
      part[t] = s;
    }
  }
  return transpose_reduce16(part);
}

// Value rows as the PV products read them: f32 (the prefill kernel's converted copy) or the F16
// cache itself (decode). `load` reads 16 columns; `load_n` the first n of them and nothing past.
struct F32Rows {
  const float* base;
  int64_t stride;
  F32 load_at(int64_t j, int64_t col) const { return load(base + j * stride + col); }
  F32 load_n_at(int64_t j, int64_t col, int n) const { return load_n(base + j * stride + col, n); }
};
struct F16Rows {
  const uint16_t* base;
  int64_t stride;
  F32 load_at(int64_t j, int64_t col) const { return load_f16(base + j * stride + col); }
  F32 load_n_at(int64_t j, int64_t col, int n) const {
    return load_f16_n(base + j * stride + col, n);
  }
};

// O[r][col0 ..] = O[r][col0 ..] · alpha[r] + Σ_{j < jn} P[r][j] · V[j][col0 ..] for BQ rows and
// NV 16-lane vectors of value columns, all in registers; rows of P are ldp apart, of O ldo apart.
// tail > 0: one vector of which only `tail` columns exist in V (the last, partial one).
template <int BQ, int NV, typename Rows>
inline void pv_micro(const float* pb,
                     int64_t ldp,
                     const Rows& vr,
                     int64_t col0,
                     int64_t jn,
                     const float* alpha,
                     float* ob,
                     int64_t ldo,
                     int tail) {
  F32 acc[BQ][NV];
  for (int r = 0; r < BQ; ++r) {
    for (int v = 0; v < NV; ++v)
      acc[r][v] = mul(load(ob + r * ldo + col0 + 16 * v), set1(alpha[r]));
  }
  if (tail > 0) {
    for (int64_t j = 0; j < jn; ++j) {
      const F32 vv = vr.load_n_at(j, col0, tail);
      for (int r = 0; r < BQ; ++r) acc[r][0] = fmadd(set1(pb[r * ldp + j]), vv, acc[r][0]);
    }
  } else {
    for (int64_t j = 0; j < jn; ++j) {
      F32 vv[NV];
      for (int v = 0; v < NV; ++v) vv[v] = vr.load_at(j, col0 + 16 * v);
      for (int r = 0; r < BQ; ++r) {
        const F32 pj = set1(pb[r * ldp + j]);
        for (int v = 0; v < NV; ++v) acc[r][v] = fmadd(pj, vv[v], acc[r][v]);
      }
    }
  }
  for (int r = 0; r < BQ; ++r) {
    for (int v = 0; v < NV; ++v) store(ob + r * ldo + col0 + 16 * v, acc[r][v]);
  }
}

// BQ rows of O (ldo = hdv) += P · V over all hdv (padded) columns; `width` columns are real.
template <int BQ, typename Rows>
inline void pv_row_block(const float* pb,
                         int64_t ldp,
                         const Rows& vr,
                         int64_t width,
                         int64_t hdv,
                         int64_t jn,
                         const float* alpha,
                         float* ob) {
  int64_t col = 0;
  for (; col + 16 * kVecs <= width; col += 16 * kVecs) {
    pv_micro<BQ, kVecs>(pb, ldp, vr, col, jn, alpha, ob, hdv, 0);
  }
  for (; col + 16 <= width; col += 16) pv_micro<BQ, 1>(pb, ldp, vr, col, jn, alpha, ob, hdv, 0);
  if (col < hdv) {
    pv_micro<BQ, 1>(pb, ldp, vr, col, jn, alpha, ob, hdv, static_cast<int>(width - col));
  }
}

// O[rows][hdv] = O · alpha + P[rows][jn] · V[jn][hdv], in register blocks of up to kRows rows.
template <typename Rows>
inline void pv_rows(const float* pb,
                    int64_t ldp,
                    const Rows& vr,
                    int64_t width,
                    int64_t hdv,
                    int64_t jn,
                    const float* alpha,
                    float* ob,
                    int64_t rows) {
  int64_t r = 0;
  for (; r + kRows <= rows; r += kRows) {
    pv_row_block<kRows>(pb + r * ldp, ldp, vr, width, hdv, jn, alpha + r, ob + r * hdv);
  }
  if constexpr (kRows > 4) {
    for (; r + 4 <= rows; r += 4) {
      pv_row_block<4>(pb + r * ldp, ldp, vr, width, hdv, jn, alpha + r, ob + r * hdv);
    }
  }
  for (; r + 2 <= rows; r += 2) {
    pv_row_block<2>(pb + r * ldp, ldp, vr, width, hdv, jn, alpha + r, ob + r * hdv);
  }
  for (; r < rows; ++r)
    pv_row_block<1>(pb + r * ldp, ldp, vr, width, hdv, jn, alpha + r, ob + r * hdv);
}

// One work item: KV heads [g_begin, g_end), keys of chunk `chunk`, every query and query head.
// Keys are the outer loop, so when the cache interleaves heads within a row the item streams its
// rows front to back, all heads at once.
template <int NC>
void decode_item(const AttentionArgs& a,
                 const AttentionPlan& p,
                 int64_t g_begin,
                 int64_t g_end,
                 int64_t chunk,
                 float* scratch) {
  const int64_t group = a.n_head / a.n_head_kv;
  const int64_t per_head = a.n_q * group;  // query rows that share one KV head
  const int64_t nqh = (g_end - g_begin) * per_head;
  const int64_t hd = p.head_dim_pad, hdv = p.head_dim_v_pad;
  // Query row qh = (g − g_begin) · per_head + i · group + hh.
  float* qs = scratch;                     // nqh × hd, scaled queries
  float* acc = qs + nqh * hd;              // nqh × hdv
  float* kbuf = acc + nqh * hdv;           // 16 × hd
  float* probs = kbuf + kBlock * hd;       // nqh × 16
  float* row_sums = probs + nqh * kBlock;  // nqh × 16 lanes of the running sum
  float* row_max = row_sums + nqh * 16;
  float* alpha = row_max + nqh;
  int64_t limit[kAttentionDecodeMaxQueries];  // keys each query sees

  for (int64_t g = g_begin; g < g_end; ++g) {
    for (int64_t i = 0; i < a.n_q; ++i) {
      for (int64_t hh = 0; hh < group; ++hh) {
        const int64_t qh = (g - g_begin) * per_head + i * group + hh;
        const float* src = a.q + i * a.q_stride + (g * group + hh) * a.head_dim;
        for (int64_t d = 0; d < hd; ++d) qs[qh * hd + d] = d < a.head_dim ? src[d] * a.scale : 0.0f;
        for (int64_t d = 0; d < hdv; d += 16) store(acc + qh * hdv + d, zero());
        store(row_sums + qh * 16, zero());
        row_max[qh] = -INFINITY;
      }
    }
  }
  for (int64_t i = 0; i < a.n_q; ++i) limit[i] = key_limit(a, p, i);
  const int64_t j_begin = chunk * p.chunk_len;
  const int64_t j_end = amin(p.key_end, j_begin + p.chunk_len);
  const int64_t k_bytes = a.head_dim * 2, v_bytes = a.head_dim_v * 2;
  const F32 minus_inf = set1(-INFINITY);

  for (int64_t j0 = j_begin; j0 < j_end; j0 += kBlock) {
    const int64_t count = amin(kBlock, j_end - j0);
    // Rows kPrefetchBlocks ahead, spread over the work of this block (head by head, K during the
    // scores, V during P·V): a burst of prefetches at the top of the block would fill the line
    // fill buffers and stall the core instead of overlapping memory with compute.
    const int64_t ahead = j0 + kPrefetchBlocks * kBlock;
    const int64_t ahead_rows = amin(kBlock, j_end - ahead);
    // Keys of this block that some query sees (a query's hidden keys get probability 0).
    int64_t used = 0;
    for (int64_t i = 0; i < a.n_q; ++i) used = amax(used, amin(limit[i] - j0, count));
    if (used <= 0) continue;
    // Two passes over the heads: scores and softmax for all of them, then P·V for all of them.
    // P·V reads the probabilities back as scalars; storing them a whole pass earlier lets the
    // stores reach L1 first (a 4-byte load from a 64-byte store still in the store buffer stalls).
    for (int64_t g = g_begin; g < g_end; ++g) {
      const uint16_t* k_head = a.k + g * a.k_head_stride;
      for (int64_t t = 0; t < ahead_rows; ++t)
        prefetch_row(k_head + (ahead + t) * a.k_stride, k_bytes);
      if constexpr (NC > 0) {  // head_dim = 16·NC: straight-line conversion
        for (int64_t t = 0; t < count; ++t) {
          const uint16_t* row = k_head + (j0 + t) * a.k_stride;
          for (int c = 0; c < NC; ++c) store(kbuf + t * hd + 16 * c, load_f16(row + 16 * c));
        }
      } else {
        for (int64_t t = 0; t < count; ++t) {
          convert_row(k_head + (j0 + t) * a.k_stride, a.head_dim, hd, kbuf + t * hd);
        }
      }
      const int64_t q0 = (g - g_begin) * per_head;
      for (int64_t r = 0; r < per_head; ++r) {
        const int64_t qh = q0 + r, i = r / group;
        float* pr_row = probs + qh * kBlock;
        alpha[qh] = 1.0f;
        const int64_t visible = amin(limit[i] - j0, count);
        F32 s = minus_inf;
        if (visible > 0) {
          s = block_scores<NC>(qs + qh * hd, kbuf, hd);
          if (a.mask != nullptr) {
            s = add(s, load_n(a.mask + i * a.mask_stride + j0, static_cast<int>(visible)));
          }
          // Lanes past `visible` may hold scores of stale buffer rows: hide them.
          s = select_lt(lane_index(), set1(static_cast<float>(visible)), s, minus_inf);
        }
        // The running max only moves when a score exceeds it by kSlack: probabilities up to
        // e^kSlack are harmless in f32, and the common block then needs no horizontal max and no
        // rescaling. The sum stays a vector until the end.
        float* sum_lanes = row_sums + qh * 16;
        const float old_max = row_max[qh];
        if (old_max == -INFINITY || any_greater(s, set1(old_max + kSlack))) {
          const float block_max = reduce_max(s);
          if (block_max == -INFINITY) {
            store(pr_row, zero());
            continue;
          }
          const float new_max = old_max > block_max ? old_max : block_max;
          alpha[qh] = old_max == -INFINITY ? 0.0f : std::exp(old_max - new_max);
          store(sum_lanes, mul(load(sum_lanes), set1(alpha[qh])));
          row_max[qh] = new_max;
        }
        const F32 pr = vexp(sub(s, set1(row_max[qh])));
        store(sum_lanes, add(load(sum_lanes), pr));
        store(pr_row, pr);
      }
    }
    for (int64_t g = g_begin; g < g_end; ++g) {
      // V straight from the cache: each row is used by every query row of the group at once.
      const int64_t q0 = (g - g_begin) * per_head;
      const uint16_t* v_head = a.v + g * a.v_head_stride;
      for (int64_t t = 0; t < ahead_rows; ++t)
        prefetch_row(v_head + (ahead + t) * a.v_stride, v_bytes);
      const F16Rows rows{v_head + j0 * a.v_stride, a.v_stride};
      pv_rows(probs + q0 * kBlock, kBlock, rows, a.head_dim_v, hdv, used, alpha + q0,
              acc + q0 * hdv, per_head);
    }
  }

  // Results: final (one chunk) or partial (max, sum, unnormalized accumulator).
  for (int64_t g = g_begin; g < g_end; ++g) {
    for (int64_t i = 0; i < a.n_q; ++i) {
      for (int64_t hh = 0; hh < group; ++hh) {
        const int64_t qh = (g - g_begin) * per_head + i * group + hh, head = g * group + hh;
        const float* o = acc + qh * hdv;
        const float row_sum = reduce_add(load(row_sums + qh * 16));
        if (p.n_chunks == 1) {
          float* dst = a.out + i * a.out_stride + head * a.head_dim_v;
          const float inv = row_sum > 0 ? 1.0f / row_sum : 0.0f;
          for (int64_t d = 0; d < a.head_dim_v; ++d) dst[d] = o[d] * inv;
        } else {
          float* dst = p.partials + ((chunk * a.n_q + i) * a.n_head + head) * (hdv + 2);
          dst[0] = row_max[qh];
          dst[1] = row_sum;
          for (int64_t d = 0; d < hdv; ++d) dst[2 + d] = o[d];
        }
      }
    }
  }
}

// Combines the chunks' partial softmaxes of query i, head h (flash-decoding's reduction).
void merge_chunks(const AttentionArgs& a, const AttentionPlan& p, int64_t i, int64_t head) {
  const int64_t hdv = p.head_dim_v_pad;
  const int64_t step = a.n_q * a.n_head * (hdv + 2);
  const float* first = p.partials + (i * a.n_head + head) * (hdv + 2);
  float m = -INFINITY;
  for (int64_t c = 0; c < p.n_chunks; ++c) m = m > first[c * step] ? m : first[c * step];
  float* dst = a.out + i * a.out_stride + head * a.head_dim_v;
  if (m == -INFINITY) {
    for (int64_t d = 0; d < a.head_dim_v; ++d) dst[d] = 0;
    return;
  }
  float total = 0;
  for (int64_t c = 0; c < p.n_chunks; ++c) {
    const float* part = first + c * step;
    if (part[0] != -INFINITY) total += part[1] * std::exp(part[0] - m);
  }
  const float inv = total > 0 ? 1.0f / total : 0.0f;
  for (int64_t d = 0; d < a.head_dim_v; ++d) {
    float v = 0;
    for (int64_t c = 0; c < p.n_chunks; ++c) {
      const float* part = first + c * step;
      if (part[0] != -INFINITY) v += part[2 + d] * std::exp(part[0] - m);
    }
    dst[d] = v * inv;
  }
}

void run_decode(const AttentionArgs& a, const AttentionPlan& p) {
  const int64_t head_groups = a.n_head_kv / p.heads_per_item;
  const int64_t items = head_groups * p.n_chunks;
  const int threads = static_cast<int>(amin(p.threads, items));
  const int64_t nc = p.head_dim_pad / 16;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* scratch = p.scratch + omp_get_thread_num() * p.scratch_per_thread;
#pragma omp for schedule(static)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t g0 = item / p.n_chunks * p.heads_per_item, chunk = item % p.n_chunks;
      const int64_t g1 = g0 + p.heads_per_item;
      if (nc == 4 && a.head_dim == 64) {
        decode_item<4>(a, p, g0, g1, chunk, scratch);
      } else if (nc == 8 && a.head_dim == 128) {
        decode_item<8>(a, p, g0, g1, chunk, scratch);
      } else {
        decode_item<0>(a, p, g0, g1, chunk, scratch);
      }
    }
    if (p.n_chunks > 1) {
#pragma omp for schedule(static)
      for (int64_t qh = 0; qh < a.n_q * a.n_head; ++qh)
        merge_chunks(a, p, qh / a.n_head, qh % a.n_head);
    }
  }
}

// ---- prefill ------------------------------------------------------------------------------------

// S[r][col0 + 16v] = Σ_d q[r][d] · kt[d][col0 + 16v], for BQ rows and NV vectors of keys.
template <int BQ, int NV>
inline void qk_micro(const float* qb, const float* kt, int64_t hd, int64_t col0, float* sb) {
  F32 acc[BQ][NV];
  for (int r = 0; r < BQ; ++r) {
    for (int v = 0; v < NV; ++v) acc[r][v] = zero();
  }
  for (int64_t d = 0; d < hd; ++d) {
    F32 kv[NV];
    for (int v = 0; v < NV; ++v) kv[v] = load(kt + d * kTile + col0 + 16 * v);
    for (int r = 0; r < BQ; ++r) {
      const F32 q = set1(qb[r * hd + d]);
      for (int v = 0; v < NV; ++v) acc[r][v] = fmadd(q, kv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < BQ; ++r) {
    for (int v = 0; v < NV; ++v) store(sb + r * kTile + col0 + 16 * v, acc[r][v]);
  }
}

// Online-softmax update of one row of a score tile: hides keys at or past `visible`, returns the
// rescale factor for the row's accumulator and leaves the probabilities in s.
inline float softmax_tile_row(
    float* s, const float* mask, int64_t visible, float* row_max, float* row_sum) {
  const F32 minus_inf = set1(-INFINITY);
  F32 v[kTile / 16];
  F32 vmax = minus_inf;
  for (int c = 0; c < kTile / 16; ++c) {
    const int64_t left = visible - 16 * c;
    F32 x = load(s + 16 * c);
    if (mask != nullptr && left > 0)
      x = add(x, load_n(mask + 16 * c, static_cast<int>(amin(16, left))));
    x = select_lt(lane_index(), set1(static_cast<float>(amax(amin(16, left), 0))), x, minus_inf);
    v[c] = x;
    vmax = max(vmax, x);
  }
  const float tile_max = reduce_max(vmax);
  if (tile_max == -INFINITY) {
    for (int c = 0; c < kTile / 16; ++c) store(s + 16 * c, zero());
    return 1.0f;
  }
  const float old_max = *row_max;
  const float new_max = old_max > tile_max ? old_max : tile_max;
  F32 sum = zero();
  for (int c = 0; c < kTile / 16; ++c) {
    const F32 e = vexp(sub(v[c], set1(new_max)));
    store(s + 16 * c, e);
    sum = add(sum, e);
  }
  const float alpha = old_max == -INFINITY ? 0.0f : std::exp(old_max - new_max);
  *row_sum = *row_sum * alpha + reduce_add(sum);
  *row_max = new_max;
  return alpha;
}

// One work item: KV head g, queries [i_begin, i_end) of every head in its group.
void prefill_item(const AttentionArgs& a,
                  const AttentionPlan& p,
                  int64_t g,
                  int64_t i_begin,
                  int64_t i_end,
                  float* scratch) {
  const int64_t group = a.n_head / a.n_head_kv;
  const int64_t hd = p.head_dim_pad, hdv = p.head_dim_v_pad;
  const int64_t n_tiles = (p.key_end + kTile - 1) / kTile;
  float* kt = scratch;                     // n_tiles × hd × 64: tile t holds [d][key]
  float* vb = kt + n_tiles * hd * kTile;   // n_tiles·64 × hdv
  float* qb = vb + n_tiles * kTile * hdv;  // kRows × hd
  float* ob = qb + kRows * hd;             // kRows × hdv
  float* pb = ob + kRows * hdv;            // kRows × 64
  alignas(64) float row_buf[1024];

  // Convert this KV head's keys (transposed per tile) and values once.
  const bool f32 = a.k_f32 != nullptr;
  for (int64_t j = 0; j < n_tiles * kTile; ++j) {
    float* ktile = kt + (j / kTile) * hd * kTile + j % kTile;
    if (j < p.key_end) {
      const int64_t k_at = g * a.k_head_stride + j * a.k_stride;
      const int64_t v_at = g * a.v_head_stride + j * a.v_stride;
      if (f32) {
        copy_row(a.k_f32 + k_at, a.head_dim, hd, row_buf);
        copy_row(a.v_f32 + v_at, a.head_dim_v, hdv, vb + j * hdv);
      } else {
        convert_row(a.k + k_at, a.head_dim, hd, row_buf);
        convert_row(a.v + v_at, a.head_dim_v, hdv, vb + j * hdv);
      }
      for (int64_t d = 0; d < hd; ++d) ktile[d * kTile] = row_buf[d];
    } else {
      for (int64_t d = 0; d < hd; ++d) ktile[d * kTile] = 0;
      for (int64_t d = 0; d < hdv; d += 16) store(vb + j * hdv + d, zero());
    }
  }

  for (int64_t hh = 0; hh < group; ++hh) {
    const int64_t head = g * group + hh;
    for (int64_t r0 = i_begin; r0 < i_end; r0 += kRows) {
      const int64_t rows = amin(kRows, i_end - r0);
      float row_max[kRows], row_sum[kRows], alpha[kRows];
      int64_t limit[kRows];
      int64_t tile_end = 0;
      for (int r = 0; r < kRows; ++r) {
        const bool live = r < rows;
        const float* src = live ? a.q + (r0 + r) * a.q_stride + head * a.head_dim : nullptr;
        for (int64_t d = 0; d < hd; ++d)
          qb[r * hd + d] = live && d < a.head_dim ? src[d] * a.scale : 0;
        for (int64_t d = 0; d < hdv; d += 16) store(ob + r * hdv + d, zero());
        for (int64_t c = 0; c < kTile; c += 16) store(pb + r * kTile + c, zero());
        row_max[r] = -INFINITY;
        row_sum[r] = 0;
        alpha[r] = 1;
        limit[r] = live ? key_limit(a, p, r0 + r) : 0;
        tile_end = amax(tile_end, limit[r]);
      }
      for (int64_t t = 0; t * kTile < tile_end; ++t) {
        const int64_t j0 = t * kTile;
        for (int64_t col = 0; col < kTile; col += 16 * kVecs) {
          qk_micro<kRows, kVecs>(qb, kt + t * hd * kTile, hd, col, pb);
        }
        for (int r = 0; r < kRows; ++r) {
          if (r >= rows) {
            for (int64_t c = 0; c < kTile; c += 16) store(pb + r * kTile + c, zero());
            continue;
          }
          const float* mask = a.mask != nullptr ? a.mask + (r0 + r) * a.mask_stride + j0 : nullptr;
          alpha[r] =
              softmax_tile_row(pb + r * kTile, mask, limit[r] - j0, &row_max[r], &row_sum[r]);
        }
        const int64_t jn = amin(kTile, tile_end - j0);
        const F32Rows values{vb + j0 * hdv, hdv};
        pv_rows(pb, kTile, values, hdv, hdv, jn, alpha, ob, kRows);
      }
      for (int64_t r = 0; r < rows; ++r) {
        float* dst = a.out + (r0 + r) * a.out_stride + head * a.head_dim_v;
        const float inv = row_sum[r] > 0 ? 1.0f / row_sum[r] : 0.0f;
        for (int64_t d = 0; d < a.head_dim_v; ++d) dst[d] = ob[r * hdv + d] * inv;
      }
    }
  }
}

void run_prefill(const AttentionArgs& a, const AttentionPlan& p) {
  const int64_t items = a.n_head_kv * p.q_splits;
  const int threads = static_cast<int>(amin(p.threads, items));
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* scratch = p.scratch + omp_get_thread_num() * p.scratch_per_thread;
#pragma omp for schedule(static)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t g = item / p.q_splits, split = item % p.q_splits;
      const int64_t i_begin = a.n_q * split / p.q_splits;
      const int64_t i_end = a.n_q * (split + 1) / p.q_splits;
      prefill_item(a, p, g, i_begin, i_end, scratch);
    }
  }
}

}  // namespace

void attention_run(const AttentionArgs& a, const AttentionPlan& p) {
  if (p.decode) {
    run_decode(a, p);
  } else {
    run_prefill(a, p);
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
