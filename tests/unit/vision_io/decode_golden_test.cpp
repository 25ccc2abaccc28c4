// The decoder against what the Hugging Face processors start from (Pillow + exif_transpose +
// transformers' convert_to_rgb), from tests/golden/image_decode/expected.txt made by
// tests/scripts/make_image_goldens.py: generated files in full, shared images sampled.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "braid/vision/image_decode.h"
#include "test_paths.h"

namespace braid::vision {
namespace {

struct Expected {
  std::string kind, name;
  int width = 0, height = 0, tolerance = 0;
  std::vector<uint8_t> pixels;              // "file": every pixel
  std::array<double, 3> mean{};             // "shared"
  std::vector<std::array<int, 5>> samples;  // "shared": y x r g b
};

std::vector<Expected> read_expected() {
  std::ifstream in(test::golden_dir() / "image_decode" / "expected.txt");
  std::vector<Expected> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string word;
    s >> word;
    if (word == "file" || word == "shared") {
      Expected e;
      e.kind = word;
      s >> e.name >> e.width >> e.height >> e.tolerance;
      out.push_back(e);
    } else if (word == "mean") {
      s >> out.back().mean[0] >> out.back().mean[1] >> out.back().mean[2];
    } else if (word == "sample") {
      std::string rest = line.substr(7);
      std::istringstream parts(rest);
      std::string part;
      while (std::getline(parts, part, ';')) {
        std::istringstream p(part);
        std::array<int, 5> v{};
        p >> v[0] >> v[1] >> v[2] >> v[3] >> v[4];
        out.back().samples.push_back(v);
      }
    } else {
      for (size_t i = 0; i + 1 < word.size(); i += 2) {
        out.back().pixels.push_back(uint8_t(std::stoi(word.substr(i, 2), nullptr, 16)));
      }
    }
  }
  return out;
}

TEST(DecodeGolden, GeneratedFilesMatchPillowAndTransformers) {
  const auto all = read_expected();
  int files = 0;
  for (const Expected& e : all) {
    if (e.kind != "file") continue;
    ++files;
    const auto path = test::golden_dir() / "image_decode" / "files" / e.name;
    const auto image = decode_image_file(path);
    EXPECT_TRUE(image.ok()) << e.name << ": " << image.status().message();
    if (!image.ok()) continue;
    EXPECT_EQ(image->width, e.width) << e.name;
    EXPECT_EQ(image->height, e.height) << e.name;
    if (image->pixels.size() != e.pixels.size()) continue;
    int worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < e.pixels.size(); ++i) {
      const int d = std::abs(int(image->pixels[i]) - int(e.pixels[i]));
      if (d > worst) worst = d, worst_at = i;
    }
    EXPECT_LE(worst, e.tolerance) << e.name << ": pixel (" << worst_at / 3 % size_t(e.width) << ", "
                                  << worst_at / 3 / size_t(e.width) << ") channel " << worst_at % 3
                                  << " is " << int(image->pixels[worst_at]) << ", Pillow gives "
                                  << int(e.pixels[worst_at]);
  }
  EXPECT_GE(files, 28);
}

TEST(DecodeGolden, SharedImagesMatchPillow) {
  const auto all = read_expected();
  for (const Expected& e : all) {
    if (e.kind != "shared") continue;
    BRAID_SHARED_FILE_OR_SKIP(path, "media-images/" + e.name);
    const auto image = decode_image_file(path);
    ASSERT_TRUE(image.ok()) << image.status().message();
    ASSERT_EQ(image->width, e.width) << e.name;
    ASSERT_EQ(image->height, e.height) << e.name;
    int worst = 0;
    for (const auto& s : e.samples) {
      const uint8_t* px =
          image->pixels.data() + (size_t(s[0]) * size_t(e.width) + size_t(s[1])) * 3;
      for (int c = 0; c < 3; ++c) {
        const int d = std::abs(int(px[c]) - s[2 + c]);
        worst = std::max(worst, d);
        EXPECT_LE(d, e.tolerance) << e.name << ": pixel (" << s[1] << ", " << s[0] << ") channel "
                                  << c << " is " << int(px[c]) << ", Pillow gives " << s[2 + c];
      }
    }
    std::array<double, 3> mean{};
    for (size_t i = 0; i < image->pixels.size(); ++i) mean[i % 3] += image->pixels[i];
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(mean[size_t(c)] / (double(image->pixels.size()) / 3), e.mean[size_t(c)], 0.05)
          << e.name << " channel " << c;
    }
  }
}

}  // namespace
}  // namespace braid::vision
