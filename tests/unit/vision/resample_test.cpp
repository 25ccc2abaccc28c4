// Pillow's Image.resize against resize_like_pil, byte for byte (tests/golden/image_preprocess/
// resize.txt, made by tests/scripts/make_image_goldens.py).
#include "braid/vision/resample.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_paths.h"

namespace braid::vision {
namespace {

// resize_pattern() of the golden script.
RgbImage pattern() {
  RgbImage im;
  im.width = 40;
  im.height = 30;
  for (int y = 0; y < im.height; ++y) {
    for (int x = 0; x < im.width; ++x) {
      im.pixels.push_back(uint8_t((x * 37 + y * 11) % 256));
      im.pixels.push_back(uint8_t((x * x + y * 7) % 256));
      im.pixels.push_back(uint8_t(((x ^ y) * 29) % 256));
    }
  }
  return im;
}

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(Resample, MatchesPillowExactlyForEveryFilter) {
  std::ifstream in(test::golden_dir() / "image_preprocess" / "resize.txt");
  ASSERT_TRUE(in) << "missing golden resize.txt";
  const RgbImage src = pattern();
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.rfind("resize ", 0) != 0) continue;
    std::istringstream head(line.substr(7));
    int filter_id = 0, width = 0, height = 0;
    head >> filter_id >> width >> height;
    std::vector<uint8_t> expected;
    for (int y = 0; y < height; ++y) {
      ASSERT_TRUE(std::getline(in, line));
      const auto row = from_hex(line);
      expected.insert(expected.end(), row.begin(), row.end());
    }
    const auto filter = resample_filter_from_pil_id(filter_id);
    ASSERT_TRUE(filter.ok());
    const auto out = resize_like_pil(src, width, height, *filter);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->pixels.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const size_t px = i / 3;
      ASSERT_EQ(int(out->pixels[i]), int(expected[i]))
          << resample_filter_name(*filter) << " 40x30 -> " << width << "x" << height << ": pixel ("
          << px % size_t(width) << ", " << px / size_t(width) << ") channel " << i % 3;
    }
    ++cases;
  }
  EXPECT_EQ(cases, 45);
}

TEST(Resample, SameSizeIsACopyAndBadInputIsAnError) {
  const RgbImage src = pattern();
  const auto same = resize_like_pil(src, 40, 30, ResampleFilter::Bicubic);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->pixels, src.pixels);
  EXPECT_FALSE(resize_like_pil(src, 0, 5, ResampleFilter::Bicubic).ok());
  EXPECT_FALSE(resize_like_pil(src, 5, 5, ResampleFilter::Nearest).ok());
  RgbImage broken = src;
  broken.pixels.pop_back();
  EXPECT_FALSE(resize_like_pil(broken, 5, 5, ResampleFilter::Bilinear).ok());
  EXPECT_FALSE(resample_filter_from_pil_id(6).ok());
  EXPECT_FALSE(resample_filter_from_pil_id(-1).ok());
}

TEST(Resample, PaddedCanvasEqualsResizingTheBuiltCanvas) {
  const RgbImage src = pattern();
  struct Case {
    int canvas_w, canvas_h, x, y, out_w, out_h;
  };
  for (const Case& c :
       {Case{40, 40, 0, 5, 17, 17}, Case{50, 30, 5, 0, 33, 20}, Case{100, 100, 30, 35, 40, 40},
        Case{30, 20, -5, -3, 60, 7}, Case{40, 30, 0, 0, 12, 9}}) {
    RgbImage canvas;
    canvas.width = c.canvas_w;
    canvas.height = c.canvas_h;
    for (int y = 0; y < c.canvas_h; ++y) {
      for (int x = 0; x < c.canvas_w; ++x) {
        const int sx = x - c.x, sy = y - c.y;
        const bool inside = sx >= 0 && sx < src.width && sy >= 0 && sy < src.height;
        for (int ch = 0; ch < 3; ++ch) {
          canvas.pixels.push_back(
              inside ? src.pixels[(size_t(sy) * size_t(src.width) + size_t(sx)) * 3 + size_t(ch)]
                     : uint8_t(100 + 20 * ch));
        }
      }
    }
    for (ResampleFilter f : {ResampleFilter::Bicubic, ResampleFilter::Lanczos}) {
      const auto direct = resize_like_pil(canvas, c.out_w, c.out_h, f);
      const auto padded = resize_padded_like_pil(src, c.canvas_w, c.canvas_h, c.x, c.y,
                                                 {100, 120, 140}, c.out_w, c.out_h, f);
      ASSERT_TRUE(direct.ok() && padded.ok());
      EXPECT_EQ(direct->pixels, padded->pixels)
          << c.canvas_w << "x" << c.canvas_h << " at " << c.x << "," << c.y;
    }
  }
}

}  // namespace
}  // namespace braid::vision
