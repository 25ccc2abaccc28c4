// The 16-lane vector vocabulary of simd_avx512.h for the AVX2 path: each value is a pair of ymm
// registers (lanes 0–7 in `lo`, 8–15 in `hi`), so the kernels in *_impl.h compile unchanged.
// Integer dot products use vpmaddubsw + vpmaddwd in place of VNNI's vpdpbusd.
//
// Include only from a translation unit built with the AVX2 flags (see CMakeLists.txt).
#pragma once

// GCC 12 warns "may be used uninitialized" inside its own AVX-512 intrinsics (the deliberately
// undefined pass-through operand, GCC bug 105593); silence it for the intrinsic headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

namespace braid::cpu::avx2 {

inline constexpr bool kIsAvx512 = false;
/// Rows of activations the quantized small-M kernels keep in registers at once (16 ymm only).
inline constexpr int kMaxQuantRows = 2;
/// dot_q8 computes the true signed product here (vpsignb trick), so no offset to subtract.
inline constexpr int kQ8DotOffset = 0;

// ---- 16 floats ----------------------------------------------------------------------------------

struct F32 {
  __m256 lo, hi;
};

/// All-ones in the first n (0..8) 32-bit lanes.
inline __m256i lane_mask8(int n) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), index);
}
inline int clamp8(int n) { return n < 0 ? 0 : (n > 8 ? 8 : n); }

inline F32 lane_index() {
  return {_mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), _mm256_setr_ps(8, 9, 10, 11, 12, 13, 14, 15)};
}
inline F32 zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline F32 set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
inline F32 load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
/// Loads the first n (0..16) lanes, zero-filling the rest; reads nothing past p + n.
inline F32 load_n(const float* p, int n) {
  return {_mm256_maskload_ps(p, lane_mask8(clamp8(n))),
          _mm256_maskload_ps(p + 8, lane_mask8(clamp8(n - 8)))};
}
inline void store(float* p, F32 a) {
  _mm256_storeu_ps(p, a.lo);
  _mm256_storeu_ps(p + 8, a.hi);
}
inline void store_n(float* p, F32 a, int n) {
  _mm256_maskstore_ps(p, lane_mask8(clamp8(n)), a.lo);
  _mm256_maskstore_ps(p + 8, lane_mask8(clamp8(n - 8)), a.hi);
}
inline F32 load_f16(const uint16_t* p) {
  return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
          _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)))};
}
inline F32 load_f16_n(const uint16_t* p, int n) {
  alignas(32) uint16_t buffer[16] = {};
  for (int i = 0; i < n && i < 16; ++i) buffer[i] = p[i];
  return load_f16(buffer);
}
/// 16 bfloat16 values to floats (a bf16 is the top half of an f32).
inline F32 load_bf16(const uint16_t* p) {
  const __m256i lo = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i hi =
      _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(lo, 16)),
          _mm256_castsi256_ps(_mm256_slli_epi32(hi, 16))};
}
inline F32 load_bf16_n(const uint16_t* p, int n) {
  alignas(32) uint16_t buffer[16] = {};
  for (int i = 0; i < n && i < 16; ++i) buffer[i] = p[i];
  return load_bf16(buffer);
}
inline void store_f16(uint16_t* p, F32 a) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(a.lo, kRound));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 8), _mm256_cvtps_ph(a.hi, kRound));
}
inline F32 add(F32 a, F32 b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
inline F32 sub(F32 a, F32 b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
inline F32 mul(F32 a, F32 b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
inline F32 div(F32 a, F32 b) { return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)}; }
inline F32 max(F32 a, F32 b) { return {_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)}; }
/// 1 / a to about 2 ulp: a 12-bit estimate and one Newton step.
inline F32 reciprocal(F32 a) {
  auto one = [](__m256 x) {
    const __m256 r = _mm256_rcp_ps(x);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(x, r, _mm256_set1_ps(2.0f)));
  };
  return {one(a.lo), one(a.hi)};
}
inline F32 min(F32 a, F32 b) { return {_mm256_min_ps(a.lo, b.lo), _mm256_min_ps(a.hi, b.hi)}; }
inline F32 fmadd(F32 a, F32 b, F32 c) {
  return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}
inline F32 fnmadd(F32 a, F32 b, F32 c) {
  return {_mm256_fnmadd_ps(a.lo, b.lo, c.lo), _mm256_fnmadd_ps(a.hi, b.hi, c.hi)};
}
inline F32 abs(F32 a) {
  const __m256 mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  return {_mm256_and_ps(a.lo, mask), _mm256_and_ps(a.hi, mask)};
}
inline F32 round_nearest(F32 a) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  return {_mm256_round_ps(a.lo, kRound), _mm256_round_ps(a.hi, kRound)};
}
inline F32 select_lt(F32 a, F32 b, F32 x, F32 y) {
  return {_mm256_blendv_ps(y.lo, x.lo, _mm256_cmp_ps(a.lo, b.lo, _CMP_LT_OQ)),
          _mm256_blendv_ps(y.hi, x.hi, _mm256_cmp_ps(a.hi, b.hi, _CMP_LT_OQ))};
}
inline bool any_greater(F32 a, F32 b) {
  return _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(a.lo, b.lo, _CMP_GT_OQ),
                                         _mm256_cmp_ps(a.hi, b.hi, _CMP_GT_OQ))) != 0;
}
inline F32 swap_pairs(F32 a) {
  return {_mm256_permute_ps(a.lo, 0xb1), _mm256_permute_ps(a.hi, 0xb1)};
}
inline float hsum8(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float reduce_add(F32 a) { return hsum8(_mm256_add_ps(a.lo, a.hi)); }
inline float reduce_max(F32 a) {
  const __m256 m8 = _mm256_max_ps(a.lo, a.hi);
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
inline float first_lane(F32 a) { return _mm256_cvtss_f32(a.lo); }

/// a · 2^n for integral n in [-126, 127] (callers clamp; builds the power from exponent bits).
inline F32 scale_by_pow2(F32 a, F32 n) {
  auto pow2 = [](__m256 e) {
    const __m256i bits =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(e), _mm256_set1_epi32(127)), 23);
    return _mm256_castsi256_ps(bits);
  };
  return {_mm256_mul_ps(a.lo, pow2(n.lo)), _mm256_mul_ps(a.hi, pow2(n.hi))};
}

// Eight horizontal sums: lane i of the result is the sum of the lanes of s[i].
inline __m256 transpose_reduce8(const __m256* s) {
  const __m256 h01 = _mm256_hadd_ps(s[0], s[1]);
  const __m256 h23 = _mm256_hadd_ps(s[2], s[3]);
  const __m256 h45 = _mm256_hadd_ps(s[4], s[5]);
  const __m256 h67 = _mm256_hadd_ps(s[6], s[7]);
  const __m256 h0123 = _mm256_hadd_ps(h01, h23);  // [s0 s1 s2 s3] per 128-bit half
  const __m256 h4567 = _mm256_hadd_ps(h45, h67);
  return _mm256_add_ps(_mm256_permute2f128_ps(h0123, h4567, 0x20),
                       _mm256_permute2f128_ps(h0123, h4567, 0x31));
}
/// Lane i of the result is reduce_add(v[i]).
inline F32 transpose_reduce16(const F32* v) {
  __m256 s[16];
  for (int i = 0; i < 16; ++i) s[i] = _mm256_add_ps(v[i].lo, v[i].hi);
  return {transpose_reduce8(s), transpose_reduce8(s + 8)};
}

// ---- 16 int32 -----------------------------------------------------------------------------------

struct I32 {
  __m256i lo, hi;
};

inline I32 zero_i32() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
inline I32 set1_i32(int32_t x) { return {_mm256_set1_epi32(x), _mm256_set1_epi32(x)}; }
inline I32 add(I32 a, I32 b) {
  return {_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)};
}
inline I32 sub(I32 a, I32 b) {
  return {_mm256_sub_epi32(a.lo, b.lo), _mm256_sub_epi32(a.hi, b.hi)};
}
inline I32 mullo(I32 a, I32 b) {
  return {_mm256_mullo_epi32(a.lo, b.lo), _mm256_mullo_epi32(a.hi, b.hi)};
}
inline F32 to_f32(I32 a) { return {_mm256_cvtepi32_ps(a.lo), _mm256_cvtepi32_ps(a.hi)}; }
inline I32 to_i32(F32 a) { return {_mm256_cvtps_epi32(a.lo), _mm256_cvtps_epi32(a.hi)}; }
inline I32 load_u8_i32(const uint8_t* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return {_mm256_cvtepu8_epi32(x), _mm256_cvtepu8_epi32(_mm_srli_si128(x, 8))};
}
inline I32 load_s8_i32(const int8_t* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return {_mm256_cvtepi8_epi32(x), _mm256_cvtepi8_epi32(_mm_srli_si128(x, 8))};
}
inline void store_s8(int8_t* p, I32 a) {
  // int32 -> int16 -> int8 with saturation; packs work within 128-bit halves, hence the permute.
  const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a.lo, a.hi), 0xd8);
  const __m128i w8 = _mm_packs_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), w8);
}
inline I32 load_i32(const int32_t* p) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 8))};
}
inline I32 load_i32_n(const int32_t* p, int n) {
  return {_mm256_maskload_epi32(p, lane_mask8(clamp8(n))),
          _mm256_maskload_epi32(p + 8, lane_mask8(clamp8(n - 8)))};
}
inline void store_u8_n(uint8_t* p, I32 a, int n) {
  const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packus_epi32(a.lo, a.hi), 0xd8);
  const __m128i w8 =
      _mm_packus_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
  alignas(16) uint8_t bytes[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(bytes), w8);
  for (int i = 0; i < n && i < 16; ++i) p[i] = bytes[i];
}
inline int32_t reduce_add(I32 a) {
  const __m256i s8 = _mm256_add_epi32(a.lo, a.hi);
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// ---- 64 bytes -----------------------------------------------------------------------------------

struct U8 {
  __m256i lo, hi;
};

inline U8 load_u8(const void* p) {
  const auto* q = static_cast<const __m256i*>(p);
  return {_mm256_load_si256(q), _mm256_load_si256(q + 1)};
}
inline U8 bcast4(const void* p) {
  int32_t x;
  __builtin_memcpy(&x, p, 4);
  const __m256i v = _mm256_set1_epi32(x);
  return {v, v};
}
inline U8 set1_u8(uint8_t x) {
  const __m256i v = _mm256_set1_epi8(static_cast<char>(x));
  return {v, v};
}
inline U8 and_(U8 a, U8 b) { return {_mm256_and_si256(a.lo, b.lo), _mm256_and_si256(a.hi, b.hi)}; }
inline U8 or_(U8 a, U8 b) { return {_mm256_or_si256(a.lo, b.lo), _mm256_or_si256(a.hi, b.hi)}; }
inline U8 or_and(U8 a, U8 b, U8 mask) { return or_(a, and_(b, mask)); }
template <int kBits>
inline U8 srli16(U8 a) {
  return {_mm256_srli_epi16(a.lo, kBits), _mm256_srli_epi16(a.hi, kBits)};
}
template <int kBits>
inline U8 slli16(U8 a) {
  return {_mm256_slli_epi16(a.lo, kBits), _mm256_slli_epi16(a.hi, kBits)};
}

/// 8 lanes of dot(): w unsigned (<= 128 keeps vpmaddubsw's pair sums below saturation).
inline __m256i dot256(__m256i acc, __m256i w, __m256i a) {
  const __m256i pairs = _mm256_maddubs_epi16(w, a);
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}
/// Signed w × signed a exactly: |w| (<= 128) times a with w's sign moved onto it.
inline __m256i dot256_q8(__m256i acc, __m256i w, __m256i a) {
  return dot256(acc, _mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

inline I32 dot(I32 acc, U8 w, U8 a) {
  return {dot256(acc.lo, w.lo, a.lo), dot256(acc.hi, w.hi, a.hi)};
}
/// Q8_0 weights stored as w + 128: flip back to signed, then the exact signed product.
inline I32 dot_q8(I32 acc, U8 w_plus_128, U8 a) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  return {dot256_q8(acc.lo, _mm256_xor_si256(w_plus_128.lo, flip), a.lo),
          dot256_q8(acc.hi, _mm256_xor_si256(w_plus_128.hi, flip), a.hi)};
}

}  // namespace braid::cpu::avx2
