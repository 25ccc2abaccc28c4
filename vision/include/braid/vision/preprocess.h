// Per-family image preprocessing: from decoded RGB pixels to the normalized tiles an encoder
// runs on, matching the Hugging Face image processors (their PIL backend) step by step.
//
// Each family has its own parameter struct; the defaults are the published models' values, and
// an mmproj loader fills them from `clip.vision.image_size`, `image_mean`, `image_std` and
// `image_grid_pinpoints`. Every function here is pure C++, thread-safe, and returns a Status
// instead of throwing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "braid/core/status.h"
#include "braid/vision/image.h"
#include "braid/vision/resample.h"

namespace braid::vision {

using RgbTriple = std::array<float, 3>;

/// OpenAI CLIP's normalization (CLIP, LLaVA-1.5, LLaVA-1.6).
inline constexpr RgbTriple kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr RgbTriple kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};
/// Mean and std 0.5: pixels end in [-1, 1] (SigLIP, Gemma 3, Idefics3, SmolVLM).
inline constexpr RgbTriple kHalf = {0.5f, 0.5f, 0.5f};

/// CLIP / LLaVA-1.5: optionally pad to a square with the mean colour (LLaVA's expand2square,
/// the colour int(mean * 255), image centred), resize the shortest edge to `image_size`
/// (CLIPImageProcessor's rule: the long edge becomes int(image_size * long / short)),
/// center-crop image_size x image_size, rescale by 1/255, normalize. One tile.
struct ClipPreprocess {
  int32_t image_size = 336;
  RgbTriple image_mean = kClipMean;
  RgbTriple image_std = kClipStd;
  ResampleFilter resample = ResampleFilter::Bicubic;
  bool pad_to_square = true;  ///< LLaVA-1.5 does; plain CLIPImageProcessor does not
};

/// SigLIP / Gemma 3: stretch to image_size x image_size, rescale, normalize. One tile.
/// SiglipImageProcessor resizes bicubic; Gemma3ImageProcessor bilinear (set `resample`).
/// Gemma 3's optional pan-and-scan crops are not implemented (off in the published configs).
struct SiglipPreprocess {
  int32_t image_size = 224;
  RgbTriple image_mean = kHalf;
  RgbTriple image_std = kHalf;
  ResampleFilter resample = ResampleFilter::Bicubic;
};

/// Idefics3 / SmolVLM: resize so the longest edge is `longest_edge` (even short edge), then up
/// to multiples of `tile_size`; cut into grid_rows x grid_cols tiles of tile_size (row-major)
/// followed by a global tile (the whole image resized to tile_size square). An image that fits
/// one tile gives that one tile and a 0x0 grid. With `split_image` false: one square tile.
/// Resample is Lanczos in the published configs.
struct Idefics3Preprocess {
  int32_t tile_size = 364;      ///< max_image_size.longest_edge (= the encoder's image size)
  int32_t longest_edge = 1456;  ///< size.longest_edge (4 * 364 for Idefics3)
  RgbTriple image_mean = kHalf;
  RgbTriple image_std = kHalf;
  ResampleFilter resample = ResampleFilter::Lanczos;
  bool split_image = true;
};

/// One candidate resolution of LLaVA-1.6's anyres, in pixels.
struct GridPinpoint {
  int32_t height = 0;
  int32_t width = 0;
};

/// LLaVA-1.6 (LLaVA-NeXT) anyres: choose the pinpoint that keeps the most of the image's
/// resolution (ties: least padding), resize into it keeping the aspect ratio, pad with black
/// centred, cut into image_size tiles (row-major); the first tile is the whole image stretched
/// to image_size square (the base image), then the grid tiles.
struct LlavaNextPreprocess {
  int32_t image_size = 336;
  RgbTriple image_mean = kClipMean;
  RgbTriple image_std = kClipStd;
  ResampleFilter resample = ResampleFilter::Bicubic;
  std::vector<GridPinpoint> grid_pinpoints = {
      {336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};
};

using PreprocessParams =
    std::variant<ClipPreprocess, SiglipPreprocess, Idefics3Preprocess, LlavaNextPreprocess>;

/// Pinpoints from the flat GGUF array `clip.vision.image_grid_pinpoints` [h0, w0, h1, w1, …].
/// The pairs keep the order of the Hugging Face config the converter flattened ([height,
/// width]); the published lists are symmetric, so readers that swap them agree in practice.
/// InvalidArgument for an odd count, an empty list or a value < 1.
core::Result<std::vector<GridPinpoint>> grid_pinpoints_from_flat(std::span<const int64_t> flat);
core::Result<std::vector<GridPinpoint>> grid_pinpoints_from_flat(std::span<const int32_t> flat);

/// Ok when the parameters make sense (sizes >= 1 and <= 8192, std != 0, finite values,
/// filter other than Nearest); the message names the family and field.
core::Status check_preprocess_params(const PreprocessParams& params);

/// Runs the family's preprocessing on `image`. The result's tiles are in prompt order (see each
/// family), original_width/height are the image's. Errors: InvalidArgument for a bad image or
/// bad parameters.
core::Result<PreprocessedImage> preprocess_image(const RgbImage& image,
                                                 const PreprocessParams& params);

/// LLaVA-1.6's choice among `pinpoints` for an image of `width` x `height` (HF's
/// select_best_resolution). InvalidArgument when `pinpoints` is empty.
core::Result<GridPinpoint> select_best_resolution(int32_t width,
                                                  int32_t height,
                                                  std::span<const GridPinpoint> pinpoints);

/// Building blocks, exposed for tests and for callers with their own pipelines.
/// `image` rescaled by 1/255 and normalized per channel into a CHW tensor, with HF's float32
/// arithmetic ((x * (1/255) as double, then float) - mean) / std.
PixelTensor normalize_to_tensor(const RgbImage& image, const RgbTriple& mean, const RgbTriple& std);
/// The `width` x `height` block of `image` at (x, y), filled with `fill` where it lies outside.
RgbImage crop_or_fill(const RgbImage& image,
                      int32_t x,
                      int32_t y,
                      int32_t width,
                      int32_t height,
                      const std::array<uint8_t, 3>& fill);

}  // namespace braid::vision
