// cpu::GemmF32, cpu::PanelGemmF32 and cpu::GemmInt8 (oneDNN matmul with packed weights and M
// buckets, our own panel kernel) against
// x · Wᵀ evaluated in double: f32 to rounding, int8 within the error bound gemm.h states. M runs
// over bucket sizes, bucket ± 1, values needing several pieces and a padded tail.
#include "braid/cpu/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "braid/core/quant.h"
#include "braid/cpu/cpu_features.h"

namespace braid::cpu {
namespace {

std::vector<float> random_values(int64_t n, float stddev, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

constexpr int64_t kRows[] = {1, 15, 16, 17, 100, 513, 700};

class GemmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (best_supported_isa() == Isa::None) GTEST_SKIP() << "no AVX2";
  }
};

template <typename Gemm>
void expect_f32_matches_double_precision(std::initializer_list<int64_t> ns,
                                         std::initializer_list<int64_t> ks) {
  for (int64_t n : ns) {
    for (int64_t k : ks) {
      const int64_t ldw = k + 2;
      const auto w = random_values(n * ldw, 0.1f, static_cast<uint32_t>(n + k));
      const auto bias = random_values(n, 1.0f, 3);
      for (bool with_bias : {false, true}) {
        auto gemm = Gemm::create(w.data(), n, k, ldw, with_bias ? bias.data() : nullptr);
        ASSERT_TRUE(gemm.ok()) << gemm.status().to_string();
        for (int64_t m : kRows) {
          const auto x = random_values(m * k, 1.0f, static_cast<uint32_t>(m));
          std::vector<float> y(static_cast<size_t>(m * n), 7.0f);
          ASSERT_TRUE((*gemm)->run(x.data(), m, y.data(), 2).is_ok());
          for (int64_t r = 0; r < m; ++r) {
            for (int64_t j = 0; j < n; ++j) {
              double want = with_bias ? bias[j] : 0.0, magnitude = std::fabs(want);
              for (int64_t i = 0; i < k; ++i) {
                want += double{x[r * k + i]} * w[j * ldw + i];
                magnitude += std::fabs(double{x[r * k + i]} * w[j * ldw + i]);
              }
              ASSERT_NEAR(y[r * n + j], want, 1e-5 * magnitude + 1e-7)
                  << "n " << n << " k " << k << " m " << m << " at " << r << ", " << j;
            }
          }
        }
      }
    }
  }
}

TEST_F(GemmTest, F32MatchesDoublePrecision) {
  expect_f32_matches_double_precision<GemmF32>({1, 3, 17, 64}, {5, 64, 300});
  const std::vector<float> w(64, 0.5f);
  auto gemm = GemmF32::create(w.data(), 8, 8, 8, nullptr);
  ASSERT_TRUE(gemm.ok()) << gemm.status().to_string();
  EXPECT_EQ((*gemm)->implementation().find("ref"), std::string::npos) << (*gemm)->implementation();
}

// Our own kernel, built with or without oneDNN: tile edges (n not a multiple of 16 or 64, m not
// a multiple of the register rows, k past one 256 block) all land in the cases above.
TEST_F(GemmTest, PanelF32MatchesDoublePrecision) {
  expect_f32_matches_double_precision<PanelGemmF32>({1, 17, 100}, {5, 300});
}

// The bound of gemm.h: Σ_k (|x_k|·sw/2 + |w_k|·sx/2 + sx·sw/4), plus f32 rounding.
void expect_int8_close(const GemmInt8& gemm,
                       const std::vector<float>& w,
                       int64_t ldw,
                       const std::vector<float>& bias,
                       int64_t m,
                       uint32_t seed) {
  const int64_t n = gemm.n(), k = gemm.k();
  const auto x = random_values(m * k, 1.0f, seed);
  std::vector<float> y(static_cast<size_t>(m * n));
  ASSERT_TRUE(gemm.run(x.data(), m, y.data(), 2).is_ok());
  for (int64_t r = 0; r < m; ++r) {
    double xmax = 0;
    for (int64_t i = 0; i < k; ++i) xmax = std::max(xmax, std::fabs(double{x[r * k + i]}));
    const double sx = xmax / 127;
    for (int64_t j = 0; j < n; ++j) {
      double wmax = 0;
      for (int64_t i = 0; i < k; ++i) wmax = std::max(wmax, std::fabs(double{w[j * ldw + i]}));
      const double sw = wmax / 127;
      double want = bias.empty() ? 0.0 : bias[j], bound = 0, magnitude = std::fabs(want);
      for (int64_t i = 0; i < k; ++i) {
        const double xv = x[r * k + i], wv = w[j * ldw + i];
        want += xv * wv;
        bound += std::fabs(xv) * sw / 2 + std::fabs(wv) * sx / 2 + sx * sw / 4;
        magnitude += std::fabs(xv * wv);
      }
      ASSERT_NEAR(y[r * n + j], want, bound + 1e-5 * magnitude)
          << "n " << n << " k " << k << " m " << m << " at " << r << ", " << j;
    }
  }
}

TEST_F(GemmTest, Int8WithinTheStatedBound) {
  if (!gemm_uses_onednn()) GTEST_SKIP() << "built without oneDNN: no int8 GEMM";
  for (int64_t n : {1, 3, 17, 64}) {
    for (int64_t k : {5, 64, 300}) {
      const int64_t ldw = k + 1;
      const auto w = random_values(n * ldw, 0.1f, static_cast<uint32_t>(2 * n + k));
      const auto bias = random_values(n, 1.0f, 4);
      auto gemm = GemmInt8::create(w.data(), n, k, ldw, n == 17 ? bias.data() : nullptr);
      ASSERT_TRUE(gemm.ok()) << gemm.status().to_string();
      EXPECT_EQ((*gemm)->implementation().find("ref"), std::string::npos)
          << (*gemm)->implementation();
      for (int64_t m : kRows) {
        expect_int8_close(**gemm, w, ldw, n == 17 ? bias : std::vector<float>{}, m,
                          static_cast<uint32_t>(m));
      }
    }
  }
}

TEST_F(GemmTest, Int8FromGgufBlocks) {
  if (!gemm_uses_onednn()) GTEST_SKIP() << "built without oneDNN: no int8 GEMM";
  const int64_t n = 33, k = 512;
  const auto values = random_values(n * k, 0.05f, 9);
  const auto row_bytes = static_cast<int64_t>(*core::dtype_row_bytes(core::DType::Q4_K, k));
  std::vector<uint8_t> blocks(static_cast<size_t>(n * row_bytes));
  std::vector<float> dequantized(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(core::quantize_row(core::DType::Q4_K, values.data() + i * k,
                                   blocks.data() + i * row_bytes, k)
                    .is_ok());
    ASSERT_TRUE(core::dequantize_row(core::DType::Q4_K, blocks.data() + i * row_bytes,
                                     dequantized.data() + i * k, k)
                    .is_ok());
  }
  auto gemm =
      GemmInt8::create_from_gguf(core::DType::Q4_K, blocks.data(), n, k, row_bytes, nullptr);
  ASSERT_TRUE(gemm.ok()) << gemm.status().to_string();
  expect_int8_close(**gemm, dequantized, k, {}, 130, 5);
}

TEST_F(GemmTest, RejectsBadShapes) {
  const std::vector<float> w(16, 1.0f);
  EXPECT_EQ(GemmF32::create(w.data(), 4, 4, 3, nullptr).status().code(),
            core::StatusCode::InvalidArgument);
  EXPECT_EQ(PanelGemmF32::create(w.data(), 4, 4, 3, nullptr).status().code(),
            core::StatusCode::InvalidArgument);
  // Without oneDNN every int8 call is NotSupported, whatever the arguments.
  const core::StatusCode bad_int8 =
      gemm_uses_onednn() ? core::StatusCode::InvalidArgument : core::StatusCode::NotSupported;
  EXPECT_EQ(GemmInt8::create(nullptr, 4, 4, 4, nullptr).status().code(), bad_int8);
  EXPECT_EQ(
      GemmInt8::create_from_gguf(core::DType::Q8_0, w.data(), 1, 48, 64, nullptr).status().code(),
      bad_int8);
  auto gemm = GemmF32::create(w.data(), 4, 4, 4, nullptr);
  ASSERT_TRUE(gemm.ok());
  EXPECT_EQ((*gemm)->run(nullptr, 3, nullptr).code(), core::StatusCode::InvalidArgument);
  EXPECT_TRUE((*gemm)->run(nullptr, 0, nullptr).is_ok());
}

}  // namespace
}  // namespace braid::cpu
