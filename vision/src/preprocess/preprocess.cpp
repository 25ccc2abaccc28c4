// The families' pipelines, each following its Hugging Face image processor (PIL backend) step
// by step: the same output sizes (with Python's int()/ceil rounding), uint8 images between
// resizes, and float32 only at the end (rescale, then normalize).
#include "braid/vision/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace braid::vision {
namespace {

constexpr int32_t kMaxSide = 8192;

core::Status check_common(std::string_view family,
                          int32_t size,
                          const char* size_name,
                          const RgbTriple& mean,
                          const RgbTriple& std,
                          ResampleFilter resample) {
  if (size < 1 || size > kMaxSide) {
    return core::invalid_argument("[vision::preprocess] ", family, ": ", size_name, " ", size,
                                  ", expected 1..", kMaxSide);
  }
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(mean[size_t(c)]) || !std::isfinite(std[size_t(c)]) ||
        std[size_t(c)] == 0.0f) {
      return core::invalid_argument("[vision::preprocess] ", family, ": image_mean[", c,
                                    "] = ", mean[size_t(c)], ", image_std[", c,
                                    "] = ", std[size_t(c)], ", expected finite values, std != 0");
    }
  }
  if (resample == ResampleFilter::Nearest || int32_t(resample) < 0 || int32_t(resample) > 5) {
    return core::invalid_argument("[vision::preprocess] ", family, ": resample filter ",
                                  int32_t(resample), " is not supported");
  }
  return core::Status::ok();
}

// PIL's resize; identical sizes give the image itself, as Image.resize returns a copy.
core::Result<RgbImage> resize(const RgbImage& image,
                              int32_t width,
                              int32_t height,
                              ResampleFilter filter) {
  return resize_like_pil(image, width, height, filter);
}

core::Result<PreprocessedImage> run_clip(const RgbImage& image, const ClipPreprocess& p) {
  // LLaVA's expand2square: background tuple(int(x * 255) for x in image_mean), image pasted at
  // ((side - width) // 2, (side - height) // 2); done inside the resize, never materialized.
  const bool pad = p.pad_to_square && image.width != image.height;
  const int32_t w = pad ? std::max(image.width, image.height) : image.width;
  const int32_t h = pad ? w : image.height;
  std::array<uint8_t, 3> fill{};
  for (size_t c = 0; c < 3; ++c) {
    fill[c] = uint8_t(std::clamp(int(double(p.image_mean[c]) * 255.0), 0, 255));
  }
  // CLIPImageProcessor, size {"shortest_edge": n}: the long edge becomes int(n * long / short).
  const int32_t short_edge = std::min(w, h), long_edge = std::max(w, h);
  const auto new_long = int32_t(double(int64_t(p.image_size) * long_edge) / short_edge);
  const int32_t new_w = w <= h ? p.image_size : new_long;
  const int32_t new_h = w <= h ? new_long : p.image_size;
  BRAID_ASSIGN_OR_RETURN(
      RgbImage resized,
      resize_padded_like_pil(image, w, h, (w - image.width) / 2, (h - image.height) / 2, fill,
                             new_w, new_h, p.resample));
  // center_crop: top = (height - crop) // 2; the resized image always covers the crop.
  const RgbImage cropped =
      crop_or_fill(resized, (resized.width - p.image_size) / 2, (resized.height - p.image_size) / 2,
                   p.image_size, p.image_size, {0, 0, 0});
  PreprocessedImage out;
  out.tiles.push_back(normalize_to_tensor(cropped, p.image_mean, p.image_std));
  return out;
}

core::Result<PreprocessedImage> run_siglip(const RgbImage& image, const SiglipPreprocess& p) {
  BRAID_ASSIGN_OR_RETURN(RgbImage resized, resize(image, p.image_size, p.image_size, p.resample));
  PreprocessedImage out;
  out.tiles.push_back(normalize_to_tensor(resized, p.image_mean, p.image_std));
  return out;
}

// Idefics3's get_resize_output_image_size: the longest edge becomes `max_len`, the other edge
// int(max_len / aspect) rounded up to even, then both capped at 4096 (its MAX_IMAGE_SIZE).
void idefics3_longest_edge_size(int32_t& width, int32_t& height, int32_t max_len) {
  double w = width, h = height;
  double aspect = w / h;
  if (w >= h) {
    w = max_len;
    h = std::trunc(w / aspect);
    if (int64_t(h) % 2 != 0) h += 1;
  } else {
    h = max_len;
    w = std::trunc(h * aspect);
    if (int64_t(w) % 2 != 0) w += 1;
  }
  h = std::max(h, 1.0);
  w = std::max(w, 1.0);
  constexpr double kMaxImageSize = 4096;
  aspect = w / h;
  if (w >= h && w > kMaxImageSize) {
    w = kMaxImageSize;
    h = std::trunc(w / aspect);
  } else if (h > w && h > kMaxImageSize) {
    h = kMaxImageSize;
    w = std::trunc(h * aspect);
  }
  width = int32_t(std::max(w, 1.0));
  height = int32_t(std::max(h, 1.0));
}

// Appends the rows x cols tiles of `image` (row by row), normalized; the tiles are independent,
// so the threads split them.
void cut_tiles(const RgbImage& image,
               int32_t rows,
               int32_t cols,
               int32_t size,
               const std::array<float, 3>& mean,
               const std::array<float, 3>& std,
               std::vector<PixelTensor>& tiles) {
  const size_t first = tiles.size();
  tiles.resize(first + size_t(rows) * size_t(cols));
#pragma omp parallel for schedule(static)
  for (int32_t i = 0; i < rows * cols; ++i) {
    const int32_t r = i / cols, c = i % cols;
    const RgbImage t = crop_or_fill(image, c * size, r * size, size, size, {0, 0, 0});
    tiles[first + size_t(i)] = normalize_to_tensor(t, mean, std);
  }
}

core::Result<PreprocessedImage> run_idefics3(const RgbImage& image, const Idefics3Preprocess& p) {
  int32_t w = image.width, h = image.height;
  idefics3_longest_edge_size(w, h, p.longest_edge);
  BRAID_ASSIGN_OR_RETURN(RgbImage resized, resize(image, w, h, p.resample));
  PreprocessedImage out;
  if (!p.split_image) {
    BRAID_ASSIGN_OR_RETURN(RgbImage square, resize(resized, p.tile_size, p.tile_size, p.resample));
    out.tiles.push_back(normalize_to_tensor(square, p.image_mean, p.image_std));
    return out;
  }
  // resize_for_vision_encoder: up to multiples of the tile size; the short edge is derived from
  // the already rounded long edge, then rounded up itself.
  const double tile = p.tile_size;
  const double aspect = double(w) / double(h);
  double tw = w, th = h;
  if (w >= h) {
    tw = std::ceil(tw / tile) * tile;
    th = std::trunc(tw / aspect);
    th = std::ceil(th / tile) * tile;
  } else {
    th = std::ceil(th / tile) * tile;
    tw = std::trunc(th * aspect);
    tw = std::ceil(tw / tile) * tile;
  }
  BRAID_ASSIGN_OR_RETURN(RgbImage grid_image,
                         resize(resized, int32_t(tw), int32_t(th), p.resample));
  if (grid_image.width <= p.tile_size && grid_image.height <= p.tile_size) {
    out.tiles.push_back(normalize_to_tensor(grid_image, p.image_mean, p.image_std));
    return out;
  }
  out.grid_rows = (grid_image.height - p.tile_size) / p.tile_size + 1;
  out.grid_cols = (grid_image.width - p.tile_size) / p.tile_size + 1;
  cut_tiles(grid_image, out.grid_rows, out.grid_cols, p.tile_size, p.image_mean, p.image_std,
            out.tiles);
  BRAID_ASSIGN_OR_RETURN(RgbImage global, resize(grid_image, p.tile_size, p.tile_size, p.resample));
  out.tiles.push_back(normalize_to_tensor(global, p.image_mean, p.image_std));
  out.has_global_tile = true;
  return out;
}

core::Result<PreprocessedImage> run_llava_next(const RgbImage& image,
                                               const LlavaNextPreprocess& p) {
  BRAID_ASSIGN_OR_RETURN(GridPinpoint best,
                         select_best_resolution(image.width, image.height, p.grid_pinpoints));
  // get_patch_output_size: fit inside the pinpoint, the other edge rounded up.
  const double scale_w = double(best.width) / image.width;
  const double scale_h = double(best.height) / image.height;
  int32_t new_w = best.width, new_h = best.height;
  if (scale_w < scale_h) {
    new_h = std::min(int32_t(std::ceil(image.height * scale_w)), best.height);
  } else {
    new_w = std::min(int32_t(std::ceil(image.width * scale_h)), best.width);
  }
  BRAID_ASSIGN_OR_RETURN(RgbImage resized, resize(image, new_w, new_h, p.resample));
  // Padded with black, centred (divmod: the odd pixel goes to the right / bottom).
  const RgbImage padded =
      crop_or_fill(resized, -((best.width - new_w) / 2), -((best.height - new_h) / 2), best.width,
                   best.height, {0, 0, 0});
  PreprocessedImage out;
  BRAID_ASSIGN_OR_RETURN(RgbImage base, resize(image, p.image_size, p.image_size, p.resample));
  out.tiles.push_back(normalize_to_tensor(base, p.image_mean, p.image_std));
  out.grid_rows = best.height / p.image_size;
  out.grid_cols = best.width / p.image_size;
  cut_tiles(padded, out.grid_rows, out.grid_cols, p.image_size, p.image_mean, p.image_std,
            out.tiles);
  out.has_global_tile = true;
  return out;
}

}  // namespace

core::Result<std::vector<GridPinpoint>> grid_pinpoints_from_flat(std::span<const int64_t> flat) {
  if (flat.empty() || flat.size() % 2 != 0) {
    return core::invalid_argument("[vision::preprocess] image_grid_pinpoints: ", flat.size(),
                                  " values, expected a non-empty list of (height, width) pairs");
  }
  std::vector<GridPinpoint> out;
  for (size_t i = 0; i < flat.size(); i += 2) {
    if (flat[i] < 1 || flat[i + 1] < 1 || flat[i] > kMaxSide || flat[i + 1] > kMaxSide) {
      return core::invalid_argument("[vision::preprocess] image_grid_pinpoints: pair ", i / 2,
                                    " is ", flat[i], "x", flat[i + 1], ", expected 1..", kMaxSide);
    }
    out.push_back({int32_t(flat[i]), int32_t(flat[i + 1])});
  }
  return out;
}

core::Result<std::vector<GridPinpoint>> grid_pinpoints_from_flat(std::span<const int32_t> flat) {
  const std::vector<int64_t> wide(flat.begin(), flat.end());
  return grid_pinpoints_from_flat(std::span<const int64_t>(wide));
}

core::Status check_preprocess_params(const PreprocessParams& params) {
  if (const auto* p = std::get_if<ClipPreprocess>(&params)) {
    return check_common("clip", p->image_size, "image_size", p->image_mean, p->image_std,
                        p->resample);
  }
  if (const auto* p = std::get_if<SiglipPreprocess>(&params)) {
    return check_common("siglip", p->image_size, "image_size", p->image_mean, p->image_std,
                        p->resample);
  }
  if (const auto* p = std::get_if<Idefics3Preprocess>(&params)) {
    BRAID_TRY(check_common("idefics3", p->tile_size, "tile_size", p->image_mean, p->image_std,
                           p->resample));
    return check_common("idefics3", p->longest_edge, "longest_edge", p->image_mean, p->image_std,
                        p->resample);
  }
  const auto& p = std::get<LlavaNextPreprocess>(params);
  BRAID_TRY(check_common("llava-next", p.image_size, "image_size", p.image_mean, p.image_std,
                         p.resample));
  if (p.grid_pinpoints.empty()) {
    return core::invalid_argument("[vision::preprocess] llava-next: no image_grid_pinpoints");
  }
  for (size_t i = 0; i < p.grid_pinpoints.size(); ++i) {
    const GridPinpoint& g = p.grid_pinpoints[i];
    // Tiles are cut at image_size steps; HF stacks them into one array, so a pinpoint that is
    // not a multiple would make ragged tiles there too.
    if (g.height < p.image_size || g.width < p.image_size || g.height > kMaxSide ||
        g.width > kMaxSide || g.height % p.image_size != 0 || g.width % p.image_size != 0) {
      return core::invalid_argument(
          "[vision::preprocess] llava-next: image_grid_pinpoints[", i, "] = ", g.height, "x",
          g.width, ", expected multiples of image_size ", p.image_size, " up to ", kMaxSide);
    }
  }
  return core::Status::ok();
}

core::Result<GridPinpoint> select_best_resolution(int32_t width,
                                                  int32_t height,
                                                  std::span<const GridPinpoint> pinpoints) {
  if (pinpoints.empty() || width < 1 || height < 1) {
    return core::invalid_argument("[vision::preprocess] select_best_resolution: ", pinpoints.size(),
                                  " pinpoints for a ", width, "x", height,
                                  " image, expected at least one and a non-empty image");
  }
  GridPinpoint best{};
  int64_t max_effective = 0;
  int64_t min_wasted = INT64_MAX;
  for (const GridPinpoint& g : pinpoints) {
    const double scale = std::min(double(g.width) / width, double(g.height) / height);
    const auto down_w = int64_t(width * scale), down_h = int64_t(height * scale);
    const int64_t effective = std::min(down_w * down_h, int64_t(width) * height);
    const int64_t wasted = int64_t(g.width) * g.height - effective;
    if (effective > max_effective || (effective == max_effective && wasted < min_wasted)) {
      max_effective = effective;
      min_wasted = wasted;
      best = g;
    }
  }
  if (best.width == 0) return pinpoints.front();  // every candidate kept nothing (tiny image)
  return best;
}

PixelTensor normalize_to_tensor(const RgbImage& image,
                                const RgbTriple& mean,
                                const RgbTriple& std) {
  PixelTensor t;
  t.channels = 3;
  t.height = image.height;
  t.width = image.width;
  const size_t plane = size_t(image.width) * size_t(image.height);
  t.values.resize(plane * 3);
  // rescale: float64 multiply by the Python float 1/255, then float32; normalize in float32.
  std::array<std::array<float, 256>, 3> table{};
  for (size_t c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const auto scaled = float(double(v) * (1.0 / 255.0));
      table[c][size_t(v)] = (scaled - mean[c]) / std[c];
    }
  }
  const uint8_t* px = image.pixels.data();
  for (size_t i = 0; i < plane; ++i) {
    t.values[i] = table[0][px[3 * i + 0]];
    t.values[plane + i] = table[1][px[3 * i + 1]];
    t.values[2 * plane + i] = table[2][px[3 * i + 2]];
  }
  return t;
}

RgbImage crop_or_fill(const RgbImage& image,
                      int32_t x,
                      int32_t y,
                      int32_t width,
                      int32_t height,
                      const std::array<uint8_t, 3>& fill) {
  RgbImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(size_t(width) * size_t(height) * 3);
  for (int32_t row = 0; row < height; ++row) {
    uint8_t* dst = out.pixels.data() + size_t(row) * size_t(width) * 3;
    const int32_t sy = y + row;
    for (int32_t col = 0; col < width; ++col) {
      const int32_t sx = x + col;
      const bool inside = sy >= 0 && sy < image.height && sx >= 0 && sx < image.width;
      const uint8_t* src =
          inside ? image.pixels.data() + (size_t(sy) * size_t(image.width) + size_t(sx)) * 3
                 : fill.data();
      dst[3 * col + 0] = src[0];
      dst[3 * col + 1] = src[1];
      dst[3 * col + 2] = src[2];
    }
  }
  return out;
}

core::Result<PreprocessedImage> preprocess_image(const RgbImage& image,
                                                 const PreprocessParams& params) {
  BRAID_TRY(check_image(image, "preprocess input"));
  BRAID_TRY(check_preprocess_params(params));
  core::Result<PreprocessedImage> result = std::visit(
      [&](const auto& p) -> core::Result<PreprocessedImage> {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, ClipPreprocess>) return run_clip(image, p);
        if constexpr (std::is_same_v<T, SiglipPreprocess>) return run_siglip(image, p);
        if constexpr (std::is_same_v<T, Idefics3Preprocess>) return run_idefics3(image, p);
        if constexpr (std::is_same_v<T, LlavaNextPreprocess>) return run_llava_next(image, p);
      },
      params);
  if (!result.ok()) return result;
  result->original_width = image.width;
  result->original_height = image.height;
  return result;
}

}  // namespace braid::vision
