// Per-family preprocessing of every shared image against transformers' PIL-backend image
// processors (tests/golden/image_preprocess/<image>.txt, made by
// tests/scripts/make_image_goldens.py): tile count and shapes, grid, per-tile channel means, and
// 256 sampled values within 2/255 in [0, 1] pixel units (the difference times std).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "braid/vision/image_decode.h"
#include "braid/vision/preprocess.h"
#include "test_paths.h"

namespace braid::vision {
namespace {

struct FamilyGolden {
  int tiles = 0, channels = 0, height = 0, width = 0, rows = 0, cols = 0;
  std::vector<std::array<double, 3>> means;
  struct Sample {
    int tile, c, y, x;
    double value;
  };
  std::vector<Sample> samples;
};

std::map<std::string, FamilyGolden> read_golden(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::map<std::string, FamilyGolden> out;
  FamilyGolden* current = nullptr;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string word;
    s >> word;
    if (word == "family") {
      std::string name, key;
      s >> name;
      current = &out[name];
      s >> key >> current->tiles >> key >> current->channels >> key >> current->height >> key >>
          current->width >> key >> current->rows >> key >> current->cols;
    } else if (word == "mean" && current) {
      int t = 0;
      std::array<double, 3> m{};
      s >> t >> m[0] >> m[1] >> m[2];
      current->means.push_back(m);
    } else if (word == "sample" && current) {
      std::istringstream parts(line.substr(7));
      std::string part;
      while (std::getline(parts, part, ';')) {
        std::istringstream p(part);
        FamilyGolden::Sample v{};
        p >> v.tile >> v.c >> v.y >> v.x >> v.value;
        current->samples.push_back(v);
      }
    }
  }
  return out;
}

// The configurations make_image_goldens.py gives the HF processors.
std::map<std::string, PreprocessParams> families() {
  SiglipPreprocess siglip;
  siglip.image_size = 384;
  SiglipPreprocess gemma3;
  gemma3.image_size = 896;
  gemma3.resample = ResampleFilter::Bilinear;
  return {{"clip", ClipPreprocess{}},
          {"siglip", siglip},
          {"gemma3", gemma3},
          {"idefics3", Idefics3Preprocess{}},
          {"llava_next", LlavaNextPreprocess{}}};
}

const RgbTriple& std_of(const PreprocessParams& p) {
  return std::visit([](const auto& v) -> const RgbTriple& { return v.image_std; }, p);
}

class PreprocessGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(PreprocessGolden, MatchesTransformersWithinTwoLevels) {
  const std::string name = GetParam();
  BRAID_SHARED_FILE_OR_SKIP(path, "media-images/" + name);
  const auto golden = read_golden(test::golden_dir() / "image_preprocess" / (name + ".txt"));
  ASSERT_EQ(golden.size(), 5u) << "golden file for " << name;
  const auto image = decode_image_file(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  for (const auto& [family, params] : families()) {
    SCOPED_TRACE(name + " / " + family);
    const FamilyGolden& g = golden.at(family);
    const auto out = preprocess_image(*image, params);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(int(out->tiles.size()), g.tiles);
    EXPECT_EQ(out->grid_rows, g.rows);
    EXPECT_EQ(out->grid_cols, g.cols);
    EXPECT_EQ(out->original_width, image->width);
    for (const PixelTensor& t : out->tiles) {
      ASSERT_EQ(t.channels, g.channels);
      ASSERT_EQ(t.height, g.height);
      ASSERT_EQ(t.width, g.width);
    }
    const RgbTriple& std_dev = std_of(params);
    const size_t plane = size_t(g.height) * size_t(g.width);
    double worst = 0;
    for (const auto& s : g.samples) {
      const float v =
          out->tiles[size_t(s.tile)]
              .values[size_t(s.c) * plane + size_t(s.y) * size_t(g.width) + size_t(s.x)];
      // In [0, 1] pixel units: a normalized difference times std.
      const double diff = std::fabs(double(v) - s.value) * std_dev[size_t(s.c)];
      worst = std::max(worst, diff);
      EXPECT_LE(diff, 2.0 / 255 + 1e-6)
          << "tile " << s.tile << " channel " << s.c << " at (" << s.x << ", " << s.y << "): " << v
          << ", transformers gives " << s.value << " (" << diff * 255 << "/255 apart)";
    }
    for (size_t t = 0; t < g.means.size(); ++t) {
      for (size_t c = 0; c < 3; ++c) {
        double sum = 0;
        for (size_t i = 0; i < plane; ++i) sum += out->tiles[t].values[c * plane + i];
        EXPECT_NEAR(sum / double(plane) * std_dev[c], g.means[t][c] * std_dev[c], 0.5 / 255)
            << "tile " << t << " channel " << c << " mean";
      }
    }
    RecordProperty(family, std::to_string(worst * 255));
    std::printf("%s %s: worst sampled difference %.3f/255\n", name.c_str(), family.c_str(),
                worst * 255);
  }
}

INSTANTIATE_TEST_SUITE_P(SharedImages,
                         PreprocessGolden,
                         ::testing::Values("astronaut.png",
                                           "chelsea.png",
                                           "coco-000000039769.png",
                                           "coffee.png",
                                           "llama-models-dog.jpg",
                                           "llama-models-pasta.jpeg",
                                           "llava-extreme_ironing.jpg",
                                           "llava-waterview.jpg",
                                           "mtmd-test-1.jpeg"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace braid::vision
