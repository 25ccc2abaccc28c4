// Resizing 8-bit RGB images exactly as Pillow's Image.resize does, so the preprocessing matches
// the Hugging Face image processors (which resize PIL images) to the last rounding step.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "braid/core/status.h"
#include "braid/vision/image.h"

namespace braid::vision {

/// Pillow's resampling filters, numbered as PIL.Image.Resampling (and as preprocessor_config.json
/// `resample` values): 0 nearest, 1 Lanczos, 2 bilinear, 3 bicubic, 4 box, 5 Hamming.
enum class ResampleFilter : int32_t {
  Nearest = 0,
  Lanczos = 1,
  Bilinear = 2,
  Bicubic = 3,
  Box = 4,
  Hamming = 5,
};

/// The filter with Pillow's id `id`; InvalidArgument for anything outside 0..5.
core::Result<ResampleFilter> resample_filter_from_pil_id(int64_t id);
/// "bicubic", "bilinear", … for messages.
std::string_view resample_filter_name(ResampleFilter filter);

/// Resizes `src` to `width` x `height` as Pillow's `Image.resize((width, height), filter)` does
/// for an RGB image with the default box and no reducing_gap: a separable convolution whose
/// support widens with the downscale factor (antialiasing), coefficients in 22-bit fixed point,
/// one pass per axis with the intermediate rounded to uint8 (horizontal first, except that, as
/// in Pillow 13, the vertical pass goes first when the height shrinks by more than twice as
/// many pixels as the width); a pass whose size does not change is skipped, equal sizes give a
/// copy.
/// Nearest is not supported (no family uses it). Errors: InvalidArgument for a bad `src` or a
/// target below 1x1; never throws. Thread-safe.
core::Result<RgbImage> resize_like_pil(const RgbImage& src,
                                       int32_t width,
                                       int32_t height,
                                       ResampleFilter filter);

/// The same as resize_like_pil of the `canvas_width` x `canvas_height` image of colour `fill`
/// with `src` pasted at (offset_x, offset_y) (parts outside the canvas dropped), without
/// building that canvas: LLaVA's pad-to-square of a 20000x20 image stays cheap.
core::Result<RgbImage> resize_padded_like_pil(const RgbImage& src,
                                              int32_t canvas_width,
                                              int32_t canvas_height,
                                              int32_t offset_x,
                                              int32_t offset_y,
                                              std::array<uint8_t, 3> fill,
                                              int32_t width,
                                              int32_t height,
                                              ResampleFilter filter);

}  // namespace braid::vision
