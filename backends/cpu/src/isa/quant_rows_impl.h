// The plain-GGUF-row kernels of quant_matmul.h: W read block by block as the file stores it, each
// row dotted with up to kMaxQuantRows activation rows at once. 32-byte vectors (one 32-value block)
// on both paths; dot256 is vpdpbusd (AVX-512 VNNI, VL form) or vpmaddubsw + vpmaddwd (AVX2).
// Included after quant_repacked_impl.h (shares its helpers).
#pragma once

#include <cstring>

#include "braid/core/quant_blocks.h"

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

inline float half_to_float(uint16_t bits) { return _cvtsh_ss(bits); }

inline float hsum256(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m256i nibbles_low(__m256i x) { return _mm256_and_si256(x, _mm256_set1_epi8(0x0f)); }
inline __m256i nibbles_high(__m256i x) {
  return _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0f));
}

// Each kernel: out[m] = Σ over the row's blocks of W · a[m]; `row` is one GGUF row.

template <int MR>
void row_q8_0(const uint8_t* row, int64_t blocks, const ActRow* a, float* out) {
  __m256 acc[MR];
  float corr[MR];
  for (int m = 0; m < MR; ++m) {
    acc[m] = _mm256_setzero_ps();
    corr[m] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const auto* block = reinterpret_cast<const core::BlockQ8_0*>(row) + b;
    prefetch_line(reinterpret_cast<const char*>(block) + kPrefetchBytes);
    const float dw = half_to_float(block->d);
    const __m256i w = load256(block->qs);
    for (int m = 0; m < MR; ++m) {
      const __m256i dot = dot256_q8(_mm256_setzero_si256(), w, load256(a[m].q + 32 * b));
      const float s = dw * a[m].d[b];
      acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(s), acc[m]);
      if constexpr (kQ8DotOffset != 0)
        corr[m] += s * static_cast<float>(kQ8DotOffset * a[m].sum32[b]);
    }
  }
  for (int m = 0; m < MR; ++m) out[m] = hsum256(acc[m]) - corr[m];
}

template <int MR>
void row_q4_0(const uint8_t* row, int64_t blocks, const ActRow* a, float* out) {
  __m256 acc[MR];
  float corr[MR];
  for (int m = 0; m < MR; ++m) {
    acc[m] = _mm256_setzero_ps();
    corr[m] = 0;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const auto* block = reinterpret_cast<const core::BlockQ4_0*>(row) + b;
    prefetch_line(reinterpret_cast<const char*>(block) + kPrefetchBytes);
    const float dw = half_to_float(block->d);
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block->qs));
    // Values 0..15 are the low nibbles, 16..31 the high ones.
    const __m256i w = nibbles_low(_mm256_set_m128i(_mm_srli_epi16(x, 4), x));
    for (int m = 0; m < MR; ++m) {
      const __m256i dot = dot256(_mm256_setzero_si256(), w, load256(a[m].q + 32 * b));
      const float s = dw * a[m].d[b];
      acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(s), acc[m]);
      corr[m] += s * static_cast<float>(8 * a[m].sum32[b]);
    }
  }
  for (int m = 0; m < MR; ++m) out[m] = hsum256(acc[m]) - corr[m];
}

inline void unpack_scale_min(const uint8_t* packed, uint8_t* sc, uint8_t* mn) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = packed[j] & 63;
    mn[j] = packed[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    mn[j] = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// Q4_K and Q5_K rows (the same block apart from Q5_K's qh bit-plane).
template <typename Block, bool kFiveBit, int MR>
void row_affine_k(const uint8_t* row, int64_t blocks, const ActRow* a, float* out) {
  __m256 acc[MR];
  float corr[MR];
  for (int m = 0; m < MR; ++m) {
    acc[m] = _mm256_setzero_ps();
    corr[m] = 0;
  }
  for (int64_t sb = 0; sb < blocks; ++sb) {
    const auto* block = reinterpret_cast<const Block*>(row) + sb;
    for (int i = 0; i < static_cast<int>(sizeof(Block)); i += 64) {
      prefetch_line(reinterpret_cast<const char*>(block) + kPrefetchBytes + i);
    }
    const float d = half_to_float(block->d);
    const float dmin = half_to_float(block->dmin);
    uint8_t sc[8], mn[8];
    unpack_scale_min(block->scales, sc, mn);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFiveBit) qh = load256(block->qh);
    for (int g = 0; g < 4; ++g) {
      const __m256i raw = load256(block->qs + 32 * g);
      __m256i lo = nibbles_low(raw);
      __m256i hi = nibbles_high(raw);
      if constexpr (kFiveBit) {
        // Bit j of qh[l] is the 5th bit of value l of sub-block j.
        const __m256i one = _mm256_set1_epi8(1);
        const __m256i b_lo = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * g)), one);
        const __m256i b_hi =
            _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * g + 1)), one);
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(b_lo, 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(b_hi, 4));
      }
      const int j0 = 2 * g, j1 = 2 * g + 1;
      const int64_t b0 = 8 * sb + j0, b1 = b0 + 1;
      for (int m = 0; m < MR; ++m) {
        const int8_t* aq = a[m].q + 256 * sb + 64 * g;
        const __m256i dlo = dot256(_mm256_setzero_si256(), lo, load256(aq));
        const __m256i dhi = dot256(_mm256_setzero_si256(), hi, load256(aq + 32));
        const float da0 = a[m].d[b0], da1 = a[m].d[b1];
        acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dlo), _mm256_set1_ps(d * sc[j0] * da0), acc[m]);
        acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dhi), _mm256_set1_ps(d * sc[j1] * da1), acc[m]);
        corr[m] += dmin * (mn[j0] * da0 * static_cast<float>(a[m].sum32[b0]) +
                           mn[j1] * da1 * static_cast<float>(a[m].sum32[b1]));
      }
    }
  }
  for (int m = 0; m < MR; ++m) out[m] = hsum256(acc[m]) - corr[m];
}

template <int MR>
void row_q6_k(const uint8_t* row, int64_t blocks, const ActRow* a, float* out) {
  __m256 acc[MR];
  float corr[MR];
  for (int m = 0; m < MR; ++m) {
    acc[m] = _mm256_setzero_ps();
    corr[m] = 0;
  }
  const __m256i top = _mm256_set1_epi8(0x30);
  for (int64_t sb = 0; sb < blocks; ++sb) {
    const auto* block = reinterpret_cast<const core::BlockQ6_K*>(row) + sb;
    for (int i = 0; i < static_cast<int>(sizeof(core::BlockQ6_K)); i += 64) {
      prefetch_line(reinterpret_cast<const char*>(block) + kPrefetchBytes + i);
    }
    const float d = half_to_float(block->d);
    for (int h = 0; h < 2; ++h) {
      const __m256i l0 = load256(block->ql + 64 * h);
      const __m256i l1 = load256(block->ql + 64 * h + 32);
      const __m256i hb = load256(block->qh + 32 * h);
      // Values 128h + 32i + l, i = 0..3 (see BlockQ6_K); each 32 spans sub-blocks 8h+2i, 8h+2i+1.
      const __m256i q[4] = {
          _mm256_or_si256(nibbles_low(l0), _mm256_and_si256(_mm256_slli_epi16(hb, 4), top)),
          _mm256_or_si256(nibbles_low(l1), _mm256_and_si256(_mm256_slli_epi16(hb, 2), top)),
          _mm256_or_si256(nibbles_high(l0), _mm256_and_si256(hb, top)),
          _mm256_or_si256(nibbles_high(l1), _mm256_and_si256(_mm256_srli_epi16(hb, 2), top)),
      };
      for (int i = 0; i < 4; ++i) {
        const int s0 = 8 * h + 2 * i;
        const int sc0 = block->scales[s0], sc1 = block->scales[s0 + 1];
        const __m256i scales = _mm256_setr_epi32(sc0, sc0, sc0, sc0, sc1, sc1, sc1, sc1);
        const int64_t blk = 8 * sb + 4 * h + i;
        for (int m = 0; m < MR; ++m) {
          const __m256i dot = dot256(_mm256_setzero_si256(), q[i], load256(a[m].q + 32 * blk));
          const float s = d * a[m].d[blk];
          acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_mullo_epi32(dot, scales)),
                                   _mm256_set1_ps(s), acc[m]);
          // Codes are q + 32.
          corr[m] += s * static_cast<float>(
                             32 * (sc0 * a[m].sum16[2 * blk] + sc1 * a[m].sum16[2 * blk + 1]));
        }
      }
    }
  }
  for (int m = 0; m < MR; ++m) out[m] = hsum256(acc[m]) - corr[m];
}

template <int MR>
void row_dot(core::DType dtype, const uint8_t* row, int64_t k, const ActRow* a, float* out) {
  switch (dtype) {
    case core::DType::Q8_0:
      return row_q8_0<MR>(row, k / 32, a, out);
    case core::DType::Q4_0:
      return row_q4_0<MR>(row, k / 32, a, out);
    case core::DType::Q4_K:
      return row_affine_k<core::BlockQ4_K, false, MR>(row, k / 256, a, out);
    case core::DType::Q5_K:
      return row_affine_k<core::BlockQ5_K, true, MR>(row, k / 256, a, out);
    case core::DType::Q6_K:
      return row_q6_k<MR>(row, k / 256, a, out);
    default:
      return;
  }
}

}  // namespace

void quant_matmul_rows(const GgufMatrix& w,
                       const QuantizedActivations& a,
                       const float* bias,
                       float* y,
                       int64_t ldy,
                       int n_threads) {
  const int threads = static_cast<int>(imin(n_threads, w.n));
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t n_begin = w.n * tid / nt, n_end = w.n * (tid + 1) / nt;
    for (int64_t n = n_begin; n < n_end; ++n) {
      const uint8_t* row = static_cast<const uint8_t*>(w.data) + n * w.row_stride;
      const float b = bias != nullptr ? bias[n] : 0.0f;
      for (int64_t m0 = 0; m0 < a.rows; m0 += kMaxQuantRows) {
        const int mr = static_cast<int>(imin(kMaxQuantRows, a.rows - m0));
        ActRow rows[kMaxQuantRows];
        for (int m = 0; m < mr; ++m) rows[m] = act_row(a, m0 + m);
        float out[kMaxQuantRows] = {};
        switch (mr) {
          case 1:
            row_dot<1>(w.dtype, row, w.k, rows, out);
            break;
          case 2:
            row_dot<2>(w.dtype, row, w.k, rows, out);
            break;
          default:
            if constexpr (kMaxQuantRows >= 4) {
              if (mr == 3) {
                row_dot<3>(w.dtype, row, w.k, rows, out);
              } else {
                row_dot<4>(w.dtype, row, w.k, rows, out);
              }
            }
            break;
        }
        for (int m = 0; m < mr; ++m) y[(m0 + m) * ldy + n] = out[m] + b;
      }
    }
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
