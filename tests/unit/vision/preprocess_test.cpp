// Per-family preprocessing rules against values from transformers 5.23 (select_best_resolution,
// Idefics3ImageProcessorPil.get_number_of_image_patches, computed by hand in Python), and the
// parameter checks. The pixel values themselves are checked against the HF processors in
// tests/unit/vision_io/preprocess_golden_test.cpp.
#include "braid/vision/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>

namespace braid::vision {
namespace {

RgbImage solid(int32_t width, int32_t height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage im;
  im.width = width;
  im.height = height;
  im.pixels.resize(size_t(width) * size_t(height) * 3);
  for (size_t i = 0; i < im.pixels.size(); i += 3) {
    im.pixels[i] = r;
    im.pixels[i + 1] = g;
    im.pixels[i + 2] = b;
  }
  return im;
}

TEST(Preprocess, BestResolutionMatchesTransformers) {
  const std::vector<GridPinpoint> pinpoints = LlavaNextPreprocess{}.grid_pinpoints;
  struct Case {
    int32_t width, height, best_h, best_w;
  };
  for (const Case& c :
       {Case{800, 600, 672, 672}, Case{300, 1000, 1008, 336}, Case{1000, 300, 336, 1008},
        Case{100, 100, 336, 672}, Case{2100, 2000, 672, 672}, Case{1, 337, 672, 336}}) {
    const auto best = select_best_resolution(c.width, c.height, pinpoints);
    ASSERT_TRUE(best.ok());
    EXPECT_EQ(best->height, c.best_h) << c.width << "x" << c.height;
    EXPECT_EQ(best->width, c.best_w) << c.width << "x" << c.height;
  }
  EXPECT_FALSE(select_best_resolution(10, 10, {}).ok());
}

TEST(Preprocess, LlavaNextTilesFollowThePinpoint) {
  const auto out = preprocess_image(solid(800, 600, 1, 2, 3), LlavaNextPreprocess{});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->tiles.size(), 5u);  // base + 2x2
  EXPECT_EQ(out->grid_rows, 2);
  EXPECT_EQ(out->grid_cols, 2);
  EXPECT_TRUE(out->has_global_tile);
  EXPECT_EQ(out->original_width, 800);
}

TEST(Preprocess, Idefics3GridMatchesTransformers) {
  struct Case {
    int32_t width, height, tiles, rows, cols;
  };
  for (const Case& c :
       {Case{800, 600, 13, 3, 4}, Case{300, 1000, 9, 4, 2}, Case{364, 364, 17, 4, 4},
        Case{100, 100, 17, 4, 4}, Case{20000, 20, 5, 1, 4}, Case{1, 1, 17, 4, 4}}) {
    const auto out = preprocess_image(solid(c.width, c.height, 9, 9, 9), Idefics3Preprocess{});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(int(out->tiles.size()), c.tiles) << c.width << "x" << c.height;
    EXPECT_EQ(out->grid_rows, c.rows) << c.width << "x" << c.height;
    EXPECT_EQ(out->grid_cols, c.cols) << c.width << "x" << c.height;
    for (const PixelTensor& t : out->tiles) {
      EXPECT_EQ(t.width, 364);
      EXPECT_EQ(t.height, 364);
    }
  }
  Idefics3Preprocess single;
  single.split_image = false;
  const auto one = preprocess_image(solid(800, 600, 9, 9, 9), single);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->tiles.size(), 1u);
  EXPECT_FALSE(one->has_global_tile);
}

TEST(Preprocess, NormalizationIsRescaleThenMeanStd) {
  const PixelTensor t = normalize_to_tensor(solid(2, 1, 255, 0, 128), kClipMean, kClipStd);
  ASSERT_EQ(t.values.size(), 6u);
  EXPECT_FLOAT_EQ(t.values[0], (1.0f - kClipMean[0]) / kClipStd[0]);  // R plane
  EXPECT_FLOAT_EQ(t.values[2], (0.0f - kClipMean[1]) / kClipStd[1]);  // G plane
  EXPECT_FLOAT_EQ(t.values[4], (float(128.0 / 255.0) - kClipMean[2]) / kClipStd[2]);
  const PixelTensor half = normalize_to_tensor(solid(1, 1, 0, 255, 0), kHalf, kHalf);
  EXPECT_FLOAT_EQ(half.values[0], -1.0f);
  EXPECT_FLOAT_EQ(half.values[1], 1.0f);
}

TEST(Preprocess, LlavaPadsWithTheMeanColour) {
  // A 200x20 white band goes in the middle of a 200x200 canvas of int(mean * 255) =
  // (122, 116, 104): after the 336 px resize the middle row is white, the top and bottom rows
  // the mean colour.
  const auto out = preprocess_image(solid(200, 20, 255, 255, 255), ClipPreprocess{});
  ASSERT_TRUE(out.ok());
  const PixelTensor& t = out->tiles[0];
  ASSERT_EQ(t.width, 336);
  const size_t plane = 336 * 336;
  auto at = [&](int c, int y) {
    return t.values[size_t(c) * plane + size_t(y) * 336 + 100] * kClipStd[size_t(c)] +
           kClipMean[size_t(c)];
  };
  EXPECT_NEAR(at(0, 168), 1.0, 1e-6);
  EXPECT_NEAR(at(0, 0), 122.0 / 255.0, 1e-6);
  EXPECT_NEAR(at(1, 335), 116.0 / 255.0, 1e-6);
  EXPECT_NEAR(at(2, 335), 104.0 / 255.0, 1e-6);
  ClipPreprocess plain;
  plain.pad_to_square = false;  // CLIPImageProcessor alone: shortest edge, then center crop
  const auto cropped = preprocess_image(solid(200, 20, 255, 255, 255), plain);
  ASSERT_TRUE(cropped.ok());
  EXPECT_NEAR(cropped->tiles[0].values[335 * 336] * kClipStd[0] + kClipMean[0], 1.0, 1e-6);
}

TEST(Preprocess, PinpointsFromTheGgufArray) {
  const std::vector<int64_t> flat = {336, 672, 672, 336};
  EXPECT_TRUE(grid_pinpoints_from_flat(std::vector<int32_t>{336, 672}).ok());
  const auto pins = grid_pinpoints_from_flat(flat);
  ASSERT_TRUE(pins.ok());
  ASSERT_EQ(pins->size(), 2u);
  EXPECT_EQ((*pins)[0].height, 336);
  EXPECT_EQ((*pins)[0].width, 672);
  EXPECT_FALSE(grid_pinpoints_from_flat(std::vector<int64_t>{336, 672, 672}).ok());
  EXPECT_FALSE(grid_pinpoints_from_flat(std::vector<int64_t>{}).ok());
  EXPECT_FALSE(grid_pinpoints_from_flat(std::vector<int64_t>{0, 336}).ok());
}

TEST(Preprocess, BadParametersAreErrors) {
  const RgbImage image = solid(8, 8, 1, 1, 1);
  ClipPreprocess zero_size;
  zero_size.image_size = 0;
  EXPECT_FALSE(preprocess_image(image, zero_size).ok());
  SiglipPreprocess zero_std;
  zero_std.image_std[1] = 0.0f;
  const auto bad_std = preprocess_image(image, zero_std);
  ASSERT_FALSE(bad_std.ok());
  EXPECT_NE(bad_std.status().message().find("image_std[1]"), std::string::npos);
  SiglipPreprocess nan_mean;
  nan_mean.image_mean[0] = NAN;
  EXPECT_FALSE(preprocess_image(image, nan_mean).ok());
  SiglipPreprocess nearest;
  nearest.resample = ResampleFilter::Nearest;
  EXPECT_FALSE(preprocess_image(image, nearest).ok());
  LlavaNextPreprocess ragged;
  ragged.grid_pinpoints = {{336, 500}};
  EXPECT_FALSE(preprocess_image(image, ragged).ok());
  ragged.grid_pinpoints.clear();
  EXPECT_FALSE(preprocess_image(image, ragged).ok());
  RgbImage broken = image;
  broken.pixels.resize(5);
  EXPECT_FALSE(preprocess_image(broken, SiglipPreprocess{}).ok());
}

}  // namespace
}  // namespace braid::vision
