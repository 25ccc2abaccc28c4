// The 16-lane vector vocabulary the kernels are written in, for the AVX-512 path: one zmm register
// per value. simd_avx2.h gives the same names and meanings with two ymm registers, so each
// *_impl.h kernel is written once and compiled for both paths.
//
// Include only from a translation unit built with the AVX-512 flags (see CMakeLists.txt).
#pragma once

// GCC 12 warns "may be used uninitialized" inside its own AVX-512 intrinsics (the deliberately
// undefined pass-through operand, GCC bug 105593); silence it for the intrinsic headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

namespace braid::cpu::avx512 {

inline constexpr bool kIsAvx512 = true;
/// Rows of activations the quantized small-M kernels keep in registers at once.
inline constexpr int kMaxQuantRows = 4;
/// vpdpbusd on w + 128 (unsigned) × a (signed) adds 128 · Σa; dot_q8 callers subtract this times
/// Σa.
inline constexpr int kQ8DotOffset = 128;

// ---- 16 floats ----------------------------------------------------------------------------------

struct F32 {
  __m512 v;
};

inline __mmask16 lane_mask(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1u);
}

inline F32 lane_index() {
  return {_mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)};
}
inline F32 zero() { return {_mm512_setzero_ps()}; }
inline F32 set1(float x) { return {_mm512_set1_ps(x)}; }
inline F32 load(const float* p) { return {_mm512_loadu_ps(p)}; }
/// Loads the first n (0..16) lanes, zero-filling the rest; reads nothing past p + n.
inline F32 load_n(const float* p, int n) { return {_mm512_maskz_loadu_ps(lane_mask(n), p)}; }
inline void store(float* p, F32 a) { _mm512_storeu_ps(p, a.v); }
inline void store_n(float* p, F32 a, int n) { _mm512_mask_storeu_ps(p, lane_mask(n), a.v); }
/// 16 IEEE halves to floats.
inline F32 load_f16(const uint16_t* p) {
  return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))};
}
inline F32 load_f16_n(const uint16_t* p, int n) {
  return {_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(lane_mask(n), p))};
}
/// 16 bfloat16 values to floats (a bf16 is the top half of an f32).
inline F32 load_bf16(const uint16_t* p) {
  const __m512i wide =
      _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(wide, 16))};
}
inline F32 load_bf16_n(const uint16_t* p, int n) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(lane_mask(n), p));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(wide, 16))};
}
inline void store_f16(uint16_t* p, F32 a) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                      _mm512_cvtps_ph(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline F32 add(F32 a, F32 b) { return {_mm512_add_ps(a.v, b.v)}; }
inline F32 sub(F32 a, F32 b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline F32 mul(F32 a, F32 b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline F32 div(F32 a, F32 b) { return {_mm512_div_ps(a.v, b.v)}; }
inline F32 max(F32 a, F32 b) { return {_mm512_max_ps(a.v, b.v)}; }
/// 1 / a to about 1 ulp: a 14-bit estimate and one Newton step (a divide costs ~10× more).
inline F32 reciprocal(F32 a) {
  const __m512 r = _mm512_rcp14_ps(a.v);
  return {_mm512_mul_ps(r, _mm512_fnmadd_ps(a.v, r, _mm512_set1_ps(2.0f)))};
}
inline F32 min(F32 a, F32 b) { return {_mm512_min_ps(a.v, b.v)}; }
/// a · b + c
inline F32 fmadd(F32 a, F32 b, F32 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
/// c − a · b
inline F32 fnmadd(F32 a, F32 b, F32 c) { return {_mm512_fnmadd_ps(a.v, b.v, c.v)}; }
inline F32 abs(F32 a) { return {_mm512_abs_ps(a.v)}; }
inline F32 round_nearest(F32 a) {
  return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)};
}
/// Lanes where a < b take x, the others y.
inline F32 select_lt(F32 a, F32 b, F32 x, F32 y) {
  return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ), y.v, x.v)};
}
/// True when a > b in any lane.
inline bool any_greater(F32 a, F32 b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ) != 0; }
/// Lanes (0,1), (2,3), … swapped.
inline F32 swap_pairs(F32 a) { return {_mm512_permute_ps(a.v, 0xb1)}; }
inline float reduce_add(F32 a) { return _mm512_reduce_add_ps(a.v); }
inline float reduce_max(F32 a) { return _mm512_reduce_max_ps(a.v); }
inline float first_lane(F32 a) { return _mm512_cvtss_f32(a.v); }

/// a · 2^n for integral n (scalef handles underflow to zero and overflow to inf).
inline F32 scale_by_pow2(F32 a, F32 n) { return {_mm512_scalef_ps(a.v, n.v)}; }

/// Lane i of the result is reduce_add(v[i]): sixteen horizontal sums for the price of ~30 ops.
inline F32 transpose_reduce16(const F32* v) {
  // 1. Pairs (a, b): each 128-bit quarter q becomes [a0+a2, b0+b2, a1+a3, b1+b3] of that quarter.
  __m512 t[8];
  for (int i = 0; i < 8; ++i) {
    const __m512 a = v[2 * i].v, b = v[2 * i + 1].v;
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  }
  // 2. Pairs of those: quarter q of u[i] holds the quarter-q sums of inputs 4i .. 4i+3.
  __m512 u[4];
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[2 * i]), b = _mm512_castps_pd(t[2 * i + 1]);
    u[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  // 3. Sum the four quarters of each u[i] into quarter i of the result.
  const __m512 p01 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x44),   // q0 q1 | q0 q1
                                   _mm512_shuffle_f32x4(u[0], u[1], 0xee));  // q2 q3 | q2 q3
  const __m512 p23 =
      _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x44), _mm512_shuffle_f32x4(u[2], u[3], 0xee));
  return {_mm512_add_ps(_mm512_shuffle_f32x4(p01, p23, 0x88),    // q0 q2 | q0 q2
                        _mm512_shuffle_f32x4(p01, p23, 0xdd))};  // q1 q3 | q1 q3
}

// ---- 16 int32 -----------------------------------------------------------------------------------

struct I32 {
  __m512i v;
};

inline I32 zero_i32() { return {_mm512_setzero_si512()}; }
inline I32 set1_i32(int32_t x) { return {_mm512_set1_epi32(x)}; }
inline I32 add(I32 a, I32 b) { return {_mm512_add_epi32(a.v, b.v)}; }
inline I32 sub(I32 a, I32 b) { return {_mm512_sub_epi32(a.v, b.v)}; }
inline I32 mullo(I32 a, I32 b) { return {_mm512_mullo_epi32(a.v, b.v)}; }
inline F32 to_f32(I32 a) { return {_mm512_cvtepi32_ps(a.v)}; }
/// Rounds to nearest even.
inline I32 to_i32(F32 a) { return {_mm512_cvtps_epi32(a.v)}; }
/// 16 unsigned bytes, zero-extended.
inline I32 load_u8_i32(const uint8_t* p) {
  return {_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))};
}
/// 16 signed bytes, sign-extended.
inline I32 load_s8_i32(const int8_t* p) {
  return {_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))};
}
/// Saturating narrow of 16 int32 to int8, stored at p.
inline void store_s8(int8_t* p, I32 a) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtsepi32_epi8(a.v));
}
inline int32_t reduce_add(I32 a) { return _mm512_reduce_add_epi32(a.v); }
inline I32 load_i32(const int32_t* p) { return {_mm512_loadu_si512(p)}; }
inline I32 load_i32_n(const int32_t* p, int n) {
  return {_mm512_maskz_loadu_epi32(lane_mask(n), p)};
}
/// Unsigned-saturating narrow of 16 int32 to uint8, stored at p (n of them).
inline void store_u8_n(uint8_t* p, I32 a, int n) {
  _mm_mask_storeu_epi8(p, lane_mask(n),
                       _mm512_cvtusepi32_epi8(_mm512_max_epi32(a.v, _mm512_setzero_si512())));
}

// ---- 64 bytes -----------------------------------------------------------------------------------

struct U8 {
  __m512i v;
};

/// 64 bytes from a 64-byte aligned address.
inline U8 load_u8(const void* p) { return {_mm512_load_si512(p)}; }
/// The 4 bytes at p repeated in every 32-bit lane.
inline U8 bcast4(const void* p) {
  int32_t x;
  __builtin_memcpy(&x, p, 4);
  return {_mm512_set1_epi32(x)};
}
inline U8 set1_u8(uint8_t x) { return {_mm512_set1_epi8(static_cast<char>(x))}; }
inline U8 and_(U8 a, U8 b) { return {_mm512_and_si512(a.v, b.v)}; }
inline U8 or_(U8 a, U8 b) { return {_mm512_or_si512(a.v, b.v)}; }
/// a | (b & mask) in one instruction.
inline U8 or_and(U8 a, U8 b, U8 mask) {
  return {_mm512_ternarylogic_epi32(a.v, b.v, mask.v, 0xf8)};
}
template <int kBits>
inline U8 srli16(U8 a) {
  return {_mm512_srli_epi16(a.v, kBits)};
}
template <int kBits>
inline U8 slli16(U8 a) {
  return {_mm512_slli_epi16(a.v, kBits)};
}

/// acc[i] += Σ_{j<4} w[4i+j] · a[4i+j], w unsigned, a signed. The AVX2 path saturates the pair
/// sums at 32767, so callers keep w <= 128 (|a| <= 127 always).
inline I32 dot(I32 acc, U8 w, U8 a) { return {_mm512_dpbusd_epi32(acc.v, w.v, a.v)}; }
/// Q8_0 weights stored as w + 128: acc += Σ w·a + kQ8DotOffset · Σa.
inline I32 dot_q8(I32 acc, U8 w_plus_128, U8 a) {
  return {_mm512_dpbusd_epi32(acc.v, w_plus_128.v, a.v)};
}

// ---- 32-byte helpers for the plain GGUF row kernels ---------------------------------------------

/// As dot(), on 8 lanes.
inline __m256i dot256(__m256i acc, __m256i w, __m256i a) { return _mm256_dpbusd_epi32(acc, w, a); }
/// Signed w × signed a: acc += Σ w·a + kQ8DotOffset · Σa.
inline __m256i dot256_q8(__m256i acc, __m256i w, __m256i a) {
  return _mm256_dpbusd_epi32(acc, _mm256_xor_si256(w, _mm256_set1_epi8(static_cast<char>(0x80))),
                             a);
}

}  // namespace braid::cpu::avx512
