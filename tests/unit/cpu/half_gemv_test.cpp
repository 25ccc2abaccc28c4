// cpu::half_gemv (F16/BF16 weights read in place, a few rows of activations) against x · Wᵀ in
// double over the weights' exact f32 values, on both instruction-set paths: sizes with k tails
// (k not a multiple of 16), n tails (not a multiple of the step rows), row strides wider than k,
// m = 1..4, with and without bias; bad arguments refused.
#include "braid/cpu/half_gemv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "braid/core/half.h"
#include "isa_param.h"

namespace braid::cpu {
namespace {

class HalfGemv : public test::IsaTest {};

uint16_t to_half(HalfType type, float v) {
  return type == HalfType::F16 ? core::f32_to_fp16(v) : core::f32_to_bf16(v);
}
float from_half(HalfType type, uint16_t h) {
  return type == HalfType::F16 ? core::fp16_to_f32(h) : core::bf16_to_f32(h);
}

TEST_P(HalfGemv, MatchesDoubleOnEverySizeAndType) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (HalfType type : {HalfType::F16, HalfType::BF16}) {
    for (int64_t n : {1, 3, 4, 7, 64, 130}) {
      for (int64_t k : {1, 15, 16, 17, 100, 256, 1000}) {
        const int64_t stride = k + 3;
        std::vector<uint16_t> w(static_cast<size_t>(n * stride));
        for (auto& h : w) h = to_half(type, 0.1f * normal(rng));
        std::vector<float> bias(static_cast<size_t>(n));
        for (auto& b : bias) b = normal(rng);
        for (int64_t m = 1; m <= kHalfGemvMaxRows; ++m) {
          std::vector<float> x(static_cast<size_t>(m * k));
          for (auto& v : x) v = normal(rng);
          for (bool with_bias : {false, true}) {
            std::vector<float> y(static_cast<size_t>(m * n), 7.0f);
            ASSERT_TRUE(half_gemv(type, w.data(), n, k, stride, x.data(), m,
                                  with_bias ? bias.data() : nullptr, y.data(), 2)
                            .is_ok());
            for (int64_t r = 0; r < m; ++r) {
              for (int64_t j = 0; j < n; ++j) {
                double want = with_bias ? bias[j] : 0.0, magnitude = std::fabs(want);
                for (int64_t i = 0; i < k; ++i) {
                  const double term = double{x[r * k + i]} * from_half(type, w[j * stride + i]);
                  want += term;
                  magnitude += std::fabs(term);
                }
                ASSERT_NEAR(y[r * n + j], want, 1e-5 * magnitude + 1e-7)
                    << (type == HalfType::F16 ? "F16" : "BF16") << " n " << n << " k " << k << " m "
                    << m << " at " << r << ", " << j;
              }
            }
          }
        }
      }
    }
  }
}

TEST_P(HalfGemv, RefusesBadArguments) {
  std::vector<uint16_t> w(64);
  std::vector<float> x(64), y(64);
  EXPECT_FALSE(
      half_gemv(HalfType::F16, w.data(), 4, 8, 8, x.data(), 5, nullptr, y.data(), 1).is_ok());
  EXPECT_FALSE(
      half_gemv(HalfType::F16, w.data(), 4, 8, 8, x.data(), 0, nullptr, y.data(), 1).is_ok());
  EXPECT_FALSE(
      half_gemv(HalfType::F16, w.data(), 4, 8, 7, x.data(), 1, nullptr, y.data(), 1).is_ok());
  EXPECT_FALSE(
      half_gemv(HalfType::F16, nullptr, 4, 8, 8, x.data(), 1, nullptr, y.data(), 1).is_ok());
  EXPECT_FALSE(
      half_gemv(HalfType::BF16, w.data(), 0, 8, 8, x.data(), 1, nullptr, y.data(), 1).is_ok());
}

BRAID_INSTANTIATE_ISA_TESTS(HalfGemv);

}  // namespace
}  // namespace braid::cpu
