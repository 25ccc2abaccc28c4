// Norms, RoPE, softmax and element-wise kernels against direct double-precision evaluations of
// their definitions (<cmath>), on both code paths, at lengths that exercise the 16-lane tails.
#include "braid/cpu/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "braid/cpu/norm.h"
#include "braid/cpu/rope.h"
#include "braid/cpu/softmax.h"
#include "isa_param.h"

namespace braid::cpu {
namespace {

constexpr int64_t kLengths[] = {1, 7, 16, 17, 33, 100, 2048};

std::vector<float> random_values(int64_t n, float mean, float stddev, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(mean, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

class ElementwiseTest : public test::IsaTest {};

TEST_P(ElementwiseTest, RmsNorm) {
  for (int64_t n : kLengths) {
    const int64_t rows = 3, ld = n + 5;
    const auto x = random_values(rows * ld, 0.5f, 2.0f, 1);
    const auto w = random_values(n, 1.0f, 0.3f, 2);
    for (bool with_weight : {false, true}) {
      std::vector<float> y(static_cast<size_t>(rows * ld), 7.0f);
      ASSERT_TRUE(
          rms_norm(x.data(), ld, with_weight ? w.data() : nullptr, y.data(), ld, rows, n, 1e-5f, 2)
              .is_ok());
      for (int64_t r = 0; r < rows; ++r) {
        double ss = 0;
        for (int64_t i = 0; i < n; ++i) ss += double{x[r * ld + i]} * x[r * ld + i];
        const double inv = 1.0 / std::sqrt(ss / n + 1e-5);
        for (int64_t i = 0; i < n; ++i) {
          const double want = x[r * ld + i] * inv * (with_weight ? w[i] : 1.0);
          ASSERT_NEAR(y[r * ld + i], want, 2e-6 * std::fabs(want) + 1e-7) << "n=" << n;
        }
        for (int64_t i = n; i < ld; ++i) ASSERT_EQ(y[r * ld + i], 7.0f);
      }
    }
  }
}

TEST_P(ElementwiseTest, LayerNormWithLargeMean) {
  for (int64_t n : kLengths) {
    if (n == 1) continue;
    const int64_t rows = 2;
    const auto x = random_values(rows * n, 300.0f, 1.0f, 3);  // mean far above the spread
    const auto w = random_values(n, 1.0f, 0.3f, 4);
    const auto b = random_values(n, 0.0f, 0.3f, 5);
    std::vector<float> y(static_cast<size_t>(rows * n));
    ASSERT_TRUE(
        layer_norm(x.data(), n, w.data(), b.data(), y.data(), n, rows, n, 1e-5f, 2).is_ok());
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < n; ++i) mean += x[r * n + i];
      mean /= n;
      for (int64_t i = 0; i < n; ++i) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
      var /= n;
      for (int64_t i = 0; i < n; ++i) {
        const double want = (x[r * n + i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i];
        // x itself is only known to 300 · 2^-24 ≈ 2e-5, about 2e-5 of the unit spread.
        ASSERT_NEAR(y[r * n + i], want, 1e-4 * (1 + std::fabs(want))) << "n=" << n;
      }
    }
  }
}

TEST_P(ElementwiseTest, SoftmaxWithMaskScaleAndHiddenRows) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int64_t n : kLengths) {
    const int64_t rows = 4;
    const auto x = random_values(rows * n, 0.0f, 3.0f, 6);
    std::vector<float> mask(static_cast<size_t>(rows * n), 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < n; ++i) {
        if (r == 3 || (i + r) % 3 == 0) mask[r * n + i] = -kInf;  // row 3 entirely hidden
        if (i % 5 == 1 && r != 3) mask[r * n + i] = -1.5f;
      }
    }
    for (int64_t ld_mask : {n, int64_t{0}}) {
      std::vector<float> y(static_cast<size_t>(rows * n));
      ASSERT_TRUE(
          softmax(x.data(), n, y.data(), n, rows, n, 0.7f, mask.data(), ld_mask, 2).is_ok());
      for (int64_t r = 0; r < rows; ++r) {
        const float* m = mask.data() + r * ld_mask;
        double mx = -INFINITY;
        for (int64_t i = 0; i < n; ++i) mx = std::max(mx, 0.7 * x[r * n + i] + m[i]);
        double sum = 0;
        for (int64_t i = 0; i < n; ++i) sum += std::exp(0.7 * x[r * n + i] + m[i] - mx);
        for (int64_t i = 0; i < n; ++i) {
          const double want =
              mx == -INFINITY ? 0.0 : std::exp(0.7 * x[r * n + i] + m[i] - mx) / sum;
          ASSERT_NEAR(y[r * n + i], want, 3e-6 * want + 1e-9) << "n=" << n << " row " << r;
        }
      }
    }
  }
  // In place, no mask.
  auto x = random_values(50, 0.0f, 10.0f, 7);
  ASSERT_TRUE(softmax(x.data(), 50, x.data(), 50, 1, 50, 1.0f, nullptr, 0).is_ok());
  double total = 0;
  for (float v : x) total += v;
  EXPECT_NEAR(total, 1.0, 1e-6);
}

// RoPE straight from its definition, in double.
void rope_reference(const std::vector<float>& x,
                    std::vector<double>& y,
                    int64_t n_tokens,
                    int64_t n_heads,
                    int64_t head_dim,
                    const std::vector<int32_t>& pos,
                    const RopeParams& p) {
  y.assign(x.begin(), x.end());
  const int half = p.n_rot / 2;
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t h = 0; h < n_heads; ++h) {
      const int64_t base = (t * n_heads + h) * head_dim;
      for (int i = 0; i < half; ++i) {
        double freq = std::pow(double{p.freq_base}, -2.0 * i / p.n_rot);
        if (p.freq_factors != nullptr) freq /= p.freq_factors[i];
        const double theta = pos[t] * double{p.freq_scale} * freq;
        const int64_t a = p.mode == RopeMode::Adjacent ? 2 * i : i;
        const int64_t b = p.mode == RopeMode::Adjacent ? 2 * i + 1 : i + half;
        const double xa = x[base + a], xb = x[base + b];
        y[base + a] = xa * std::cos(theta) - xb * std::sin(theta);
        y[base + b] = xa * std::sin(theta) + xb * std::cos(theta);
      }
    }
  }
}

TEST_P(ElementwiseTest, RopeBothModesPartialRotationAndFactors) {
  const int64_t n_tokens = 5, n_heads = 3;
  const std::vector<int32_t> pos = {0, 1, 17, 4095, 30000};
  for (RopeMode mode : {RopeMode::Adjacent, RopeMode::HalfSplit}) {
    for (int64_t head_dim : {64, 128, 80}) {
      for (int n_rot : {static_cast<int>(head_dim), 32, 24}) {
        const auto factors = random_values(n_rot / 2, 4.0f, 1.0f, 8);
        RopeParams p{mode, n_rot, 500000.0f, n_rot == 32 ? 0.25f : 1.0f,
                     n_rot == 24 ? nullptr : factors.data()};
        const auto x = random_values(n_tokens * n_heads * head_dim, 0.0f, 1.0f, 9);
        std::vector<double> want;
        rope_reference(x, want, n_tokens, n_heads, head_dim, pos, p);
        std::vector<float> y(x.size());
        ASSERT_TRUE(rope(x.data(), y.data(), n_tokens, n_heads, head_dim, n_heads * head_dim,
                         pos.data(), p, 2)
                        .is_ok());
        std::vector<float> in_place = x;
        ASSERT_TRUE(rope(in_place.data(), in_place.data(), n_tokens, n_heads, head_dim,
                         n_heads * head_dim, pos.data(), p)
                        .is_ok());
        for (size_t i = 0; i < x.size(); ++i) {
          ASSERT_NEAR(y[i], want[i], 1e-6) << "mode " << static_cast<int>(mode) << " head_dim "
                                           << head_dim << " n_rot " << n_rot << " at " << i;
          ASSERT_EQ(y[i], in_place[i]);
        }
      }
    }
  }
}

double silu_ref(double x) { return x / (1 + std::exp(-x)); }
double gelu_ref(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double gelu_tanh_ref(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}
double quick_gelu_ref(double x) { return x / (1 + std::exp(-1.702 * x)); }

TEST_P(ElementwiseTest, ActivationsOverTheirRange) {
  std::vector<float> x;
  for (int i = -2000; i <= 2000; ++i) x.push_back(static_cast<float>(i) * 0.006f);  // [-12, 12]
  for (float v : {-100.0f, -40.0f, 40.0f, 100.0f, 1e-30f, -1e-30f, 0.0f}) x.push_back(v);
  const auto n = static_cast<int64_t>(x.size());
  struct Case {
    Activation f;
    double (*ref)(double);
    const char* name;
  };
  for (const Case& c :
       {Case{Activation::Silu, silu_ref, "silu"}, Case{Activation::Gelu, gelu_ref, "gelu"},
        Case{Activation::GeluTanh, gelu_tanh_ref, "gelu_tanh"},
        Case{Activation::QuickGelu, quick_gelu_ref, "quick_gelu"}}) {
    std::vector<float> y(x.size());
    ASSERT_TRUE(activation(c.f, x.data(), y.data(), n, 2).is_ok());
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = c.ref(x[i]);
      ASSERT_NEAR(y[i], want, 1e-6 * std::max(1.0, std::fabs(double{x[i]})))
          << c.name << "(" << x[i] << ")";
      ASSERT_FALSE(std::isnan(y[i])) << c.name << "(" << x[i] << ")";
    }
  }
}

TEST_P(ElementwiseTest, SwigluBinaryAndScale) {
  for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{100000}}) {  // 100000 takes the threaded path
    const auto g = random_values(n, 0.0f, 3.0f, 10);
    const auto u = random_values(n, 0.0f, 1.0f, 11);
    std::vector<float> y(static_cast<size_t>(n));
    ASSERT_TRUE(swiglu(g.data(), u.data(), y.data(), n, 2).is_ok());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(y[i], silu_ref(g[i]) * u[i], 1e-6 * (1 + std::fabs(silu_ref(g[i]) * u[i])));
    }
    ASSERT_TRUE(scale(g.data(), y.data(), n, 0.5f, -2.0f, 2).is_ok());
    for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(y[i], g[i] * 0.5f - 2.0f);
  }
  const int64_t rows = 3, n = 19;
  const auto a = random_values(rows * n, 0.0f, 1.0f, 12);
  const auto b = random_values(rows * n, 0.0f, 1.0f, 13);
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Mul}) {
    for (int64_t ldb : {n, int64_t{0}}) {
      std::vector<float> y(static_cast<size_t>(rows * n));
      ASSERT_TRUE(binary(op, a.data(), n, b.data(), ldb, y.data(), n, rows, n, 2).is_ok());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < n; ++i) {
          const float bv = b[r * ldb + i];
          ASSERT_EQ(y[r * n + i], op == BinaryOp::Add ? a[r * n + i] + bv : a[r * n + i] * bv);
        }
      }
    }
  }
}

TEST(ElementwiseErrors, RejectsBadArguments) {
  if (best_supported_isa() == Isa::None) GTEST_SKIP() << "no AVX2";
  std::vector<float> x(64, 1.0f), y(64);
  const std::vector<int32_t> pos = {0, 1};
  EXPECT_EQ(rms_norm(x.data(), 4, nullptr, y.data(), 8, 2, 8, 1e-5f).code(),
            core::StatusCode::InvalidArgument);
  EXPECT_EQ(softmax(x.data(), 8, y.data(), 8, 2, 0, 1.0f, nullptr, 0).code(),
            core::StatusCode::InvalidArgument);
  RopeParams odd{RopeMode::Adjacent, 7, 10000.0f, 1.0f, nullptr};
  EXPECT_EQ(rope(x.data(), y.data(), 2, 1, 8, 8, pos.data(), odd).code(),
            core::StatusCode::InvalidArgument);
  RopeParams too_big{RopeMode::HalfSplit, 16, 10000.0f, 1.0f, nullptr};
  EXPECT_EQ(rope(x.data(), y.data(), 2, 1, 8, 8, pos.data(), too_big).code(),
            core::StatusCode::InvalidArgument);
  EXPECT_EQ(activation(Activation::Silu, nullptr, y.data(), 4).code(),
            core::StatusCode::InvalidArgument);
  EXPECT_EQ(binary(BinaryOp::Add, x.data(), 8, x.data(), 4, y.data(), 8, 2, 8).code(),
            core::StatusCode::InvalidArgument);
}

BRAID_INSTANTIATE_ISA_TESTS(ElementwiseTest);

}  // namespace
}  // namespace braid::cpu
