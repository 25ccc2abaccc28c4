// The bicubic resampling of position-embedding grids against torch.nn.functional.interpolate
// (mode="bicubic", align_corners=False), values printed by torch 2.15 for the inputs below:
//   x = [[1, 2, 3], [4, 5, 6]] to 3x5;  x = arange(16).reshape(4, 4) ** 1.5 to 2x3.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "braid/vision/vision_graph.h"

namespace braid::test {
namespace {

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 2e-5f * (1 + std::fabs(want[i]))) << i;
}

TEST(PositionResample, UpsamplesLikeTorch) {
  const std::vector<float> src{1, 2, 3, 4, 5, 6};
  expect_near_all(vision::resample_grid_bicubic(src, 2, 3, 1, 3, 5),
                  {0.6435835f, 1.055584f, 1.739584f, 2.423584f, 2.835584f, 2.404001f, 2.816f, 3.5f,
                   4.184f, 4.596001f, 4.164417f, 4.576417f, 5.260417f, 5.944417f, 6.356419f});
}

TEST(PositionResample, DownsamplesLikeTorch) {
  std::vector<float> src(16);
  for (int i = 0; i < 16; ++i) src[static_cast<size_t>(i)] = std::pow(static_cast<float>(i), 1.5f);
  expect_near_all(vision::resample_grid_bicubic(src, 4, 4, 1, 2, 3),
                  {2.86802f, 5.795863f, 9.788494f, 34.09023f, 40.96384f, 48.29002f});
}

TEST(PositionResample, KeepsChannelsApartAndTheSameSizeExact) {
  // Two channels: the second is the first times -2, and must stay so.
  std::vector<float> src;
  for (int i = 0; i < 9; ++i) {
    src.push_back(static_cast<float>(i * i));
    src.push_back(-2.0f * static_cast<float>(i * i));
  }
  const auto out = vision::resample_grid_bicubic(src, 3, 3, 2, 5, 4);
  ASSERT_EQ(out.size(), 5u * 4u * 2u);
  for (size_t i = 0; i < out.size(); i += 2) EXPECT_NEAR(out[i + 1], -2.0f * out[i], 1e-4f);
  EXPECT_EQ(vision::resample_grid_bicubic(src, 3, 3, 2, 3, 3), src);
  // A constant grid stays constant (the four weights sum to 1).
  const std::vector<float> flat(6, 0.75f);
  for (float v : vision::resample_grid_bicubic(flat, 2, 3, 1, 7, 2)) EXPECT_NEAR(v, 0.75f, 1e-6f);
}

}  // namespace
}  // namespace braid::test
