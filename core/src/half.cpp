#include "braid/core/half.h"

#include <bit>

// Pure integer bit manipulation: no F16C / _Float16, so results do not depend on the compiler,
// the CPU or the floating-point rounding mode. Rounding is IEEE round-to-nearest-even, as in
// numpy's float16 casts and ggml's GGML_FP32_TO_FP16 / GGML_FP32_TO_BF16.

namespace braid::core {
namespace {

constexpr uint32_t kF32SignMask = 0x80000000u;
constexpr uint32_t kF32AbsMask = 0x7fffffffu;
constexpr uint32_t kF32ExpMask = 0x7f800000u;
constexpr uint32_t kF32MantMask = 0x007fffffu;

// Rounds `value >> shift` to nearest, ties to even (1 <= shift <= 31).
uint32_t shift_right_rne(uint32_t value, int shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((uint32_t{1} << shift) - 1);
  const uint32_t half = uint32_t{1} << (shift - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

}  // namespace

float fp16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  const uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) {  // inf, or NaN with its payload (the quiet bit maps onto the quiet bit)
    return std::bit_cast<float>(sign | kF32ExpMask | (mantissa << 13));
  }
  if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24, exact in f32
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(magnitude));
  }
  // Normal: rebias the exponent (15 -> 127) and widen the mantissa (10 -> 23 bits).
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t f32_to_fp16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((bits & kF32SignMask) >> 16);
  const uint32_t abs = bits & kF32AbsMask;
  if (abs > kF32ExpMask) {  // NaN: keep the top payload bits and force the quiet bit
    return static_cast<uint16_t>(sign | 0x7e00u | ((abs & kF32MantMask) >> 13));
  }
  // 65520 = halfway between 65504 (the largest fp16) and 65536; the tie rounds to the even
  // neighbour, 65536, so everything from there up (inf included) becomes inf.
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);
  const uint32_t exponent = abs >> 23;
  if (exponent < 113) {
    // Below 2^-14: an fp16 subnormal (or zero) counting units of 2^-24. With the implicit bit,
    // abs = m · 2^(e-150), so the count is m >> (126 - e); a carry out of the subnormal range
    // lands exactly on the smallest normal's encoding (0x0400).
    const int shift = 126 - static_cast<int>(exponent);
    if (shift > 24) return sign;  // below 2^-25, rounds to zero (2^-25 itself ties to zero)
    const uint32_t mantissa = (abs & kF32MantMask) | 0x00800000u;
    return static_cast<uint16_t>(sign | shift_right_rne(mantissa, shift));
  }
  // Normal: drop 13 mantissa bits with rounding; a mantissa carry correctly bumps the exponent.
  const uint32_t rebased = abs - (uint32_t{112} << 23);
  return static_cast<uint16_t>(sign | shift_right_rne(rebased, 13));
}

float bf16_to_f32(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

uint16_t f32_to_bf16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & kF32AbsMask) > kF32ExpMask) {
    // NaN: truncate and set the quiet bit (bf16 bit 6), as ggml's GGML_FP32_TO_BF16 does, so a
    // signalling NaN whose payload sits in the low half cannot turn into inf.
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  }
  return static_cast<uint16_t>(shift_right_rne(bits, 16));
}

}  // namespace braid::core
