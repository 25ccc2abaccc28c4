// detail::RealDft (audio/io/src/real_dft.h): av_tx's FFTs rearranged (Bluestein for sizes that are
// not powers of two) against a direct double-precision DFT.
#include "real_dft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace braid::audio::detail {
namespace {

TEST(RealDft, MatchesDirectDft) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int32_t n : {4, 6, 8, 16, 10, 30, 200, 400, 512, 1000, 1200}) {
    auto dft = RealDft::create(n);
    ASSERT_TRUE(dft.ok()) << n << ": " << dft.status().to_string();
    std::vector<float> x(static_cast<std::size_t>(n));
    for (float& v : x) v = uniform(rng);
    std::vector<AVComplexFloat> got(static_cast<std::size_t>(n / 2 + 1));
    (*dft)->forward(x.data(), got.data());
    double worst = 0, scale = 0;
    for (int32_t k = 0; k <= n / 2; ++k) {
      double re = 0, im = 0;
      for (int32_t j = 0; j < n; ++j) {
        const double angle = -2 * std::numbers::pi * double((int64_t(j) * k) % n) / n;
        re += x[j] * std::cos(angle);
        im += x[j] * std::sin(angle);
      }
      // Power spectra do not care about the sign of the imaginary part; compare both parts.
      worst =
          std::max({worst, std::abs(re - got[k].re), std::abs(std::abs(im) - std::abs(got[k].im))});
      scale = std::max(scale, std::hypot(re, im));
    }
    EXPECT_LE(worst, 2e-6 * scale * std::log2(double(n) + 1))
        << "n = " << n << ": worst " << worst << ", scale " << scale;
  }
}

TEST(RealDft, RejectsOddOrTinySizes) {
  EXPECT_FALSE(RealDft::create(0).ok());
  EXPECT_FALSE(RealDft::create(1).ok());
  EXPECT_FALSE(RealDft::create(2).ok());
  EXPECT_FALSE(RealDft::create(401).ok());
}

}  // namespace
}  // namespace braid::audio::detail
