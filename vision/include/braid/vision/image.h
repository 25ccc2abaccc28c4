// Images as the vision room passes them around, independent of any decoder library: 8-bit RGB
// pixels straight from a file (vision/io), and the float tensors a ViT eats (preprocess/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "braid/core/status.h"

namespace braid::vision {

/// Decoded pixels: `height` rows of `width` RGB triples, 8 bits per channel, top row first,
/// orientation already applied.
struct RgbImage {
  int32_t width = 0;
  int32_t height = 0;
  std::vector<uint8_t> pixels;  ///< width * height * 3 bytes, R G B R G B …
};

/// One encoder input: `channels` planes of `height` x `width` normalized floats (CHW, the
/// layout of a PyTorch pixel_values entry).
struct PixelTensor {
  int32_t channels = 3;
  int32_t height = 0;
  int32_t width = 0;
  std::vector<float> values;  ///< channels * height * width
};

/// What a model family's preprocessing makes of one image: the tensors the encoder runs on, in
/// the order their embeddings enter the prompt, and the tile grid when the family tiles.
struct PreprocessedImage {
  std::vector<PixelTensor> tiles;
  int32_t grid_rows = 0;  ///< tiled families: rows of the tile grid (0: not tiled)
  int32_t grid_cols = 0;
  bool has_global_tile = false;  ///< tiled families: one downscaled whole image as well
  int32_t original_width = 0;
  int32_t original_height = 0;
};

/// Ok when pixels.size() matches the dimensions (both at least 1).
core::Status check_image(const RgbImage& image, const std::string& what);
/// Ok when values.size() matches the dimensions (all at least 1).
core::Status check_pixels(const PixelTensor& tensor, const std::string& what);

}  // namespace braid::vision
