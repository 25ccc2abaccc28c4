// fp16 / bf16 conversions, checked against oracles computed here in double precision (ldexp on
// the bit fields, nearest-neighbour search with ties to even), not against the code under test.
#include "braid/core/half.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace braid::core {
namespace {

uint32_t bits_of(float f) { return std::bit_cast<uint32_t>(f); }
float float_of(uint32_t u) { return std::bit_cast<float>(u); }

bool fp16_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0; }

// The value of finite fp16 bits from the definition: (-1)^s · 2^(e-15) · 1.m, or 2^-14 · 0.m.
double fp16_value(uint16_t h) {
  const int sign = h >> 15;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  const double magnitude =
      exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(mantissa + 1024, exponent - 25);
  return sign ? -magnitude : magnitude;
}

// Round-to-nearest-even f32 -> fp16 by search: the non-negative finite fp16 values are sorted by
// their bits, so pick the neighbours of |x| and compare distances exactly in double.
uint16_t fp16_oracle(float x) {
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double ax = std::fabs(static_cast<double>(x));
  if (ax >= 65520.0) return sign | 0x7c00;  // 65520 is the tie between 65504 and 2^16
  uint16_t lo = 0;
  uint16_t hi = 0x7bff;
  while (hi - lo > 1) {  // invariant: value(lo) <= ax, and ax < value(hi) unless hi == 0x7bff
    const auto mid = static_cast<uint16_t>((lo + hi) / 2);
    (fp16_value(mid) <= ax ? lo : hi) = mid;
  }
  if (fp16_value(hi) <= ax) return sign | hi;
  const double below = ax - fp16_value(lo);
  const double above = fp16_value(hi) - ax;
  if (below < above) return sign | lo;
  if (above < below) return sign | hi;
  return sign | ((lo & 1) ? hi : lo);
}

TEST(Half, Fp16KnownValues) {
  EXPECT_EQ(fp16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_f32(0x3555), 0.333251953125f);
  EXPECT_EQ(fp16_to_f32(0x7bff), 65504.0f);              // largest finite
  EXPECT_EQ(fp16_to_f32(0x0400), 0x1p-14f);              // smallest normal
  EXPECT_EQ(fp16_to_f32(0x0001), 0x1p-24f);              // smallest subnormal
  EXPECT_EQ(fp16_to_f32(0x03ff), 1023 * 0x1p-24f);       // largest subnormal
  EXPECT_EQ(bits_of(fp16_to_f32(0x8000)), 0x80000000u);  // -0 keeps its sign
  EXPECT_EQ(fp16_to_f32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_f32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(bits_of(fp16_to_f32(0x7e00)), 0x7fc00000u);  // canonical quiet NaN
  EXPECT_TRUE(std::isnan(fp16_to_f32(0x7c01)));          // signalling NaN stays NaN
}

TEST(Half, Fp16ToF32IsExactForEveryEncoding) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = fp16_to_f32(bits);
    if ((bits & 0x7c00) == 0x7c00) {
      EXPECT_EQ(std::isnan(f), fp16_is_nan(bits)) << std::hex << h;
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), fp16_value(bits)) << std::hex << h;
    ASSERT_EQ(std::signbit(f), (h >> 15) != 0) << std::hex << h;
  }
}

TEST(Half, Fp16RoundTripsEveryEncoding) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const uint16_t back = f32_to_fp16(fp16_to_f32(bits));
    if (fp16_is_nan(bits)) {
      // NaN stays NaN with its sign and payload; a signalling NaN comes back quiet.
      EXPECT_EQ(back, bits | 0x0200) << std::hex << h;
    } else {
      ASSERT_EQ(back, bits) << std::hex << h;
    }
  }
}

TEST(Half, F32ToFp16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_fp16(65519.996f), 0x7bff);  // just below the tie: stays finite
  EXPECT_EQ(f32_to_fp16(65520.0f), 0x7c00);    // the tie goes to the even side: inf
  EXPECT_EQ(f32_to_fp16(1e10f), 0x7c00);
  EXPECT_EQ(f32_to_fp16(-1e10f), 0xfc00);
  EXPECT_EQ(f32_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(f32_to_fp16(0x1p-25f), 0x0000);              // half the smallest subnormal: ties to 0
  EXPECT_EQ(f32_to_fp16(float_of(0x33000001)), 0x0001);  // just above it rounds up
  EXPECT_EQ(f32_to_fp16(0x1.8p-24f), 0x0002);            // 1.5 units: tie to even 2
  EXPECT_EQ(f32_to_fp16(0x1.ffcp-15f), 0x0400);          // rounds up out of the subnormals
  EXPECT_EQ(f32_to_fp16(1.0f + 0x1p-11f), 0x3c00);       // tie between 1 and 1+2^-10: even is 1
  EXPECT_EQ(f32_to_fp16(1.0f + 0x3p-11f), 0x3c02);       // tie: even is 1+2^-9
  EXPECT_EQ(f32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_fp16(std::numeric_limits<float>::quiet_NaN()), 0x7e00);
  EXPECT_TRUE(fp16_is_nan(f32_to_fp16(float_of(0x7f800001))));  // low-payload NaN stays NaN
}

TEST(Half, F32ToFp16MatchesOracleAtEveryTie) {
  // Midpoints between neighbouring fp16 values are exact in f32; so are their f32 neighbours.
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    const double mid =
        (fp16_value(static_cast<uint16_t>(h)) + fp16_value(static_cast<uint16_t>(h + 1))) / 2;
    const float tie = static_cast<float>(mid);
    ASSERT_EQ(static_cast<double>(tie), mid);
    for (float x : {tie, std::nextafter(tie, 0.0f), std::nextafter(tie, 1e9f)}) {
      ASSERT_EQ(f32_to_fp16(x), fp16_oracle(x)) << x;
      ASSERT_EQ(f32_to_fp16(-x), fp16_oracle(-x)) << -x;
    }
  }
}

TEST(Half, F32ToFp16MatchesOracleOnRandomBits) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    // Exponents from far below the subnormals to beyond the fp16 range.
    const uint32_t exponent = 90 + rng() % 60;
    const uint32_t bits = (rng() & 0x80000000u) | (exponent << 23) | (rng() & 0x007fffffu);
    const float x = float_of(bits);
    ASSERT_EQ(f32_to_fp16(x), fp16_oracle(x)) << std::hex << bits;
  }
}

TEST(Half, Bf16KnownValues) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc040), -3.0f);
  EXPECT_EQ(bits_of(bf16_to_f32(0x7f7f)), 0x7f7f0000u);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(float_of(0x3f808000)), 0x3f80);               // tie, even stays
  EXPECT_EQ(f32_to_bf16(float_of(0x3f818000)), 0x3f82);               // tie, odd rounds up
  EXPECT_EQ(f32_to_bf16(float_of(0x3f808001)), 0x3f81);               // above the tie
  EXPECT_EQ(f32_to_bf16(float_of(0x3f807fff)), 0x3f80);               // below the tie
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(f32_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(f32_to_bf16(float_of(0x00000001)), 0x0000);  // f32 denormal: tiny, rounds to 0
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()), 0x7fc0);
  // A NaN whose payload is only in the low half must not truncate to inf: quiet bit forced.
  EXPECT_EQ(f32_to_bf16(float_of(0x7f800001)), 0x7fc0);
  EXPECT_EQ(f32_to_bf16(float_of(0xff812345)), 0xffc1);
}

TEST(Half, Bf16RoundTripsEveryEncoding) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const auto bits = static_cast<uint16_t>(b);
    const float f = bf16_to_f32(bits);
    ASSERT_EQ(bits_of(f), b << 16);
    if (std::isnan(f)) {
      EXPECT_EQ(f32_to_bf16(f), bits | 0x0040) << std::hex << b;
    } else {
      ASSERT_EQ(f32_to_bf16(f), bits) << std::hex << b;
    }
  }
}

TEST(Half, F32ToBf16MatchesOracleOnRandomBits) {
  std::mt19937 rng(11);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t bits = rng();
    const float x = float_of(bits);
    if (!std::isfinite(x)) continue;
    // Neighbours: truncation and the next bf16 away from zero; pick the nearer, ties to even.
    // Past the largest finite bf16 the next "value" is 2^128, where IEEE rounding puts inf.
    const uint32_t down = bits >> 16;
    const uint32_t up = down + 1;
    auto value = [](uint32_t b) {
      if ((b & 0x7fff) == 0x7f80) return std::copysign(std::ldexp(1.0, 128), (b & 0x8000) ? -1 : 1);
      return static_cast<double>(bf16_to_f32(static_cast<uint16_t>(b)));
    };
    const double d_down = std::fabs(static_cast<double>(x) - value(down));
    const double d_up = std::fabs(value(up) - static_cast<double>(x));
    const uint32_t want = d_down < d_up ? down : d_up < d_down ? up : ((down & 1) ? up : down);
    ASSERT_EQ(f32_to_bf16(x), want) << std::hex << bits;
  }
}

}  // namespace
}  // namespace braid::core
