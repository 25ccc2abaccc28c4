// Vector transcendental functions on the 16-lane vocabulary of simd_*.h: exp, sigmoid, tanh, GELU.
// Included by the kernels' impl headers inside their instruction-set namespace.
//
// Accuracy (checked in tests/unit/cpu/elementwise_test.cpp against <cmath> in double):
//   exp: within 2 ulp on [-87, 88] (Cephes' polynomial after the reduction x = n·ln2 + r);
//        0 below -87.3, where the true value is under 1.2e-38;
//   gelu: x/2 · (1 + erf(x/√2)) with erfc from Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7
//         in erf), evaluated without cancellation for negative x.
#pragma once

#ifndef BRAID_CPU_ISA_NS
#error "define BRAID_CPU_ISA_NS and include the matching simd header first"
#endif

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

inline F32 vexp(F32 x) {
  const F32 lowest = set1(-87.3f);
  const F32 clamped = min(max(x, lowest), set1(88.3f));
  const F32 n = round_nearest(mul(clamped, set1(1.44269504088896341f)));
  // r = x − n·ln2 in two steps: ln2's high part has few enough bits that n·hi is exact.
  F32 r = fnmadd(n, set1(0.693359375f), clamped);
  r = fnmadd(n, set1(-2.12194440e-4f), r);
  F32 p = set1(1.9875691500e-4f);
  p = fmadd(p, r, set1(1.3981999507e-3f));
  p = fmadd(p, r, set1(8.3334519073e-3f));
  p = fmadd(p, r, set1(4.1665795894e-2f));
  p = fmadd(p, r, set1(1.6666665459e-1f));
  p = fmadd(p, r, set1(5.0000001201e-1f));
  p = fmadd(p, mul(r, r), add(r, set1(1.0f)));
  return select_lt(x, lowest, zero(), scale_by_pow2(p, n));
}

/// 1 / (1 + e^-x)
inline F32 vsigmoid(F32 x) { return reciprocal(add(set1(1.0f), vexp(sub(zero(), x)))); }

/// tanh(x) = 1 − 2 / (e^{2x} + 1): saturates correctly at ±1 (e^{2x} → inf or 0).
inline F32 vtanh(F32 x) {
  const F32 e = vexp(add(x, x));
  return fnmadd(set1(2.0f), reciprocal(add(e, set1(1.0f))), set1(1.0f));
}

/// erfc(a) for a >= 0, as p(t)·e^{−a²} (Abramowitz & Stegun 7.1.26): no cancellation, so
/// 1 + erf(x) for negative x keeps its relative accuracy where it is tiny.
inline F32 verfc_nonnegative(F32 a) {
  const F32 t = reciprocal(fmadd(set1(0.3275911f), a, set1(1.0f)));
  F32 p = set1(1.061405429f);
  p = fmadd(p, t, set1(-1.453152027f));
  p = fmadd(p, t, set1(1.421413741f));
  p = fmadd(p, t, set1(-0.284496736f));
  p = fmadd(p, t, set1(0.254829592f));
  return mul(mul(p, t), vexp(sub(zero(), mul(a, a))));
}

/// x · Φ(x) = x/2 · (1 + erf(x / √2)), the exact GELU.
inline F32 vgelu(F32 x) {
  const F32 c = verfc_nonnegative(mul(abs(x), set1(0.70710678118654752f)));
  // 1 + erf(x/√2) is 2 − erfc(|x|/√2) for x >= 0 and erfc(|x|/√2) for x < 0.
  const F32 one_plus_erf = select_lt(x, zero(), c, sub(set1(2.0f), c));
  return mul(mul(set1(0.5f), x), one_plus_erf);
}

}  // namespace
}  // namespace braid::cpu::BRAID_CPU_ISA_NS
