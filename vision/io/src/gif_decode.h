// The first frame of a GIF through FFmpeg's gif decoder (OpenCV 4.6 cannot read GIF).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "braid/core/status.h"

namespace braid::vision::detail {

/// BGRA pixels (B G R A bytes, top row first) of a decoded frame.
struct BgraFrame {
  int32_t width = 0;
  int32_t height = 0;
  std::vector<uint8_t> pixels;
};

/// Decodes the first frame of the GIF in `bytes` (its header already checked against the pixel
/// limit by the caller). Transparent pixels come back with alpha 0. DataLoss on corrupt data.
core::Result<BgraFrame> decode_gif_first_frame(std::span<const uint8_t> bytes,
                                               std::string_view what);

}  // namespace braid::vision::detail
