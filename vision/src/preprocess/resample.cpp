#include "braid/vision/resample.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <vector>

namespace braid::vision {
namespace {

// Pillow's filters (libImaging/Resample.c), written from their definitions: each is a kernel
// over the distance in source pixels, with a support beyond which it is zero.
constexpr double kPi = 3.14159265358979323846;

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= kPi;
  // Pillow writes these constants as floats (0.54f, 0.46f); keep their float values.
  return std::sin(x) / x * (double(0.54f) + double(0.46f) * std::cos(x));
}

// Keys' cubic with a = -0.5, as Pillow uses.
double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

struct Filter {
  double (*kernel)(double);
  double support;
};

Filter filter_of(ResampleFilter filter) {
  switch (filter) {
    case ResampleFilter::Box:
      return {box_filter, 0.5};
    case ResampleFilter::Bilinear:
      return {bilinear_filter, 1.0};
    case ResampleFilter::Hamming:
      return {hamming_filter, 1.0};
    case ResampleFilter::Bicubic:
      return {bicubic_filter, 2.0};
    case ResampleFilter::Lanczos:
      return {lanczos_filter, 3.0};
    case ResampleFilter::Nearest:
      break;
  }
  return {nullptr, 0.0};
}

// Pillow keeps 8-bit coefficients in fixed point with 22 fractional bits (32 - 8 - 2), so a sum
// of up to 255 * (1 << 22) * (a few) stays inside int32.
constexpr int kPrecisionBits = 32 - 8 - 2;

// For each output position: the first source index, the number of taps, and `taps` fixed-point
// coefficients (the row is zero past its count).
struct Coefficients {
  int taps = 0;
  std::vector<int32_t> first;
  std::vector<int32_t> count;
  std::vector<int32_t> weights;  // out_size * taps
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box [0, in_size).
Coefficients make_coefficients(int in_size, int out_size, const Filter& filter) {
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filter.support * filterscale;
  Coefficients c;
  c.taps = int(std::ceil(support)) * 2 + 1;
  c.first.resize(size_t(out_size));
  c.count.resize(size_t(out_size));
  c.weights.assign(size_t(out_size) * size_t(c.taps), 0);
  std::vector<double> row(size_t(c.taps));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // The (int) casts truncate toward zero, as in C; the clamps make the sign irrelevant.
    int xmin = int(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = filter.kernel((x + xmin - center + 0.5) * ss);
      row[size_t(x)] = w;
      ww += w;
    }
    int32_t* out = &c.weights[size_t(xx) * size_t(c.taps)];
    for (int x = 0; x < xmax; ++x) {
      const double k = ww != 0.0 ? row[size_t(x)] / ww : row[size_t(x)];
      const double scaled = k * double(1 << kPrecisionBits);
      out[x] = k < 0 ? int32_t(-0.5 + scaled) : int32_t(0.5 + scaled);
    }
    c.first[size_t(xx)] = xmin;
    c.count[size_t(xx)] = xmax;
  }
  return c;
}

inline uint8_t clip8(int32_t sum) {
  // Arithmetic shift (floor), then clamp: Pillow's clip8 lookup table does the same.
  const int32_t v = sum >> kPrecisionBits;
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// The rows a pass reads: an image placed at (offset_x, offset_y) on a canvas of `fill`, so
// LLaVA's pad-to-square never builds the (possibly huge) square. Rows outside the image are
// one shared constant row; a row inside is composed into a scratch buffer of the caller unless
// it is the image's own row.
class Canvas {
 public:
  Canvas(const uint8_t* pixels,
         int32_t image_width,
         int32_t image_height,
         int32_t width,
         int32_t height,
         int32_t offset_x,
         int32_t offset_y,
         std::array<uint8_t, 3> fill)
      : pixels_(pixels),
        image_width_(image_width),
        image_height_(image_height),
        width_(width),
        height_(height),
        offset_x_(offset_x),
        offset_y_(offset_y) {
    fill_row_.resize(size_t(width) * 3);
    for (size_t i = 0; i < fill_row_.size(); ++i) fill_row_[i] = fill[i % 3];
  }
  explicit Canvas(const RgbImage& image)
      : Canvas(image.pixels.data(),
               image.width,
               image.height,
               image.width,
               image.height,
               0,
               0,
               {0, 0, 0}) {}

  int32_t width() const { return width_; }
  int32_t height() const { return height_; }
  bool is_fill_row(int32_t y) const {
    const int32_t iy = y - offset_y_;
    return iy < 0 || iy >= image_height_ || offset_x_ >= width_ || offset_x_ + image_width_ <= 0;
  }
  /// True when row(y) is composed into the scratch buffer (valid until its next use).
  bool composes(int32_t y) const {
    return !is_fill_row(y) && !(offset_x_ == 0 && image_width_ == width_);
  }
  /// Row y: the image's own row, the shared fill row, or one composed into `scratch` (the
  /// caller's, so that threads can read rows at once).
  const uint8_t* row(int32_t y, std::vector<uint8_t>& scratch) const {
    if (is_fill_row(y)) return fill_row_.data();
    const uint8_t* src = pixels_ + size_t(y - offset_y_) * size_t(image_width_) * 3;
    if (offset_x_ == 0 && image_width_ == width_) return src;
    scratch = fill_row_;
    const int32_t x0 = std::max(0, offset_x_), x1 = std::min(width_, offset_x_ + image_width_);
    std::copy(src + size_t(x0 - offset_x_) * 3, src + size_t(x1 - offset_x_) * 3,
              scratch.begin() + ptrdiff_t(x0) * 3);
    return scratch.data();
  }

 private:
  const uint8_t* pixels_;
  int32_t image_width_, image_height_, width_, height_, offset_x_, offset_y_;
  std::vector<uint8_t> fill_row_;
};

// The hot loop: acc[i] += sum of rows[t][i] * w[t] over up to four taps at a time. Integer
// sums are exact, so the order and the vector width change nothing in the result; the build
// has no -march flags, so the compiler makes AVX-512 / AVX2 clones chosen at run time.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BRAID_RESAMPLE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BRAID_RESAMPLE_CLONES
#endif

BRAID_RESAMPLE_CLONES
void accumulate_taps(
    int32_t* acc, size_t n, const uint8_t* const* rows, const int32_t* w, int taps) {
  int t = 0;
  for (; t + 4 <= taps; t += 4) {
    const uint8_t *r0 = rows[t], *r1 = rows[t + 1], *r2 = rows[t + 2], *r3 = rows[t + 3];
    const int32_t w0 = w[t], w1 = w[t + 1], w2 = w[t + 2], w3 = w[t + 3];
    for (size_t i = 0; i < n; ++i) {
      acc[i] +=
          int32_t(r0[i]) * w0 + int32_t(r1[i]) * w1 + int32_t(r2[i]) * w2 + int32_t(r3[i]) * w3;
    }
  }
  for (; t < taps; ++t) {
    const uint8_t* r = rows[t];
    const int32_t wt = w[t];
    for (size_t i = 0; i < n; ++i) acc[i] += int32_t(r[i]) * wt;
  }
}

BRAID_RESAMPLE_CLONES
void store_clipped(const int32_t* acc, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = clip8(acc[i]);
}

// `src` resampled along y into `out_height` rows; `c.first` is shifted by -first_offset.
void resample_vertical(const Canvas& src,
                       int out_height,
                       const Coefficients& c,
                       int first_offset,
                       std::vector<uint8_t>& dst) {
  const size_t stride = size_t(src.width()) * 3;
  dst.assign(stride * size_t(out_height), 0);
  // Output rows are independent: the threads split them, each with its own buffers (integer
  // sums, so the split changes nothing in the result).
#pragma omp parallel
  {
    std::vector<int32_t> acc(stride);
    // Canvas rows composed on the fly share one scratch buffer, so the tap rows of a padded
    // canvas are copied here first; plain images hand out their own rows.
    std::vector<const uint8_t*> rows(size_t(c.taps));
    std::vector<uint8_t> composed, scratch;
#pragma omp for schedule(static)
    for (int yy = 0; yy < out_height; ++yy) {
      const int first = c.first[size_t(yy)] - first_offset;
      const int n = c.count[size_t(yy)];
      composed.resize(stride * size_t(n));
      for (int y = 0; y < n; ++y) {
        const uint8_t* row = src.row(first + y, scratch);
        if (src.composes(first + y)) {
          std::copy_n(row, stride, composed.data() + size_t(y) * stride);
          row = composed.data() + size_t(y) * stride;
        }
        rows[size_t(y)] = row;
      }
      std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
      accumulate_taps(acc.data(), stride, rows.data(), &c.weights[size_t(yy) * size_t(c.taps)], n);
      store_clipped(acc.data(), stride, dst.data() + size_t(yy) * stride);
    }
  }
}

// The horizontal kernel works on RGBX rows (4 bytes per pixel, as Pillow stores RGB): each
// output pixel's taps become groups of 16 int32 lanes (4 pixels x 4 channels), which the
// compiler vectorizes; the per-channel sums are then gathered from the lanes. Tap counts are
// padded to whole groups with zero weights, so rows carry kPadPixels of zero padding.
struct HorizontalWeights {
  int groups = 0;              // groups of 4 taps per output pixel
  std::vector<int32_t> lanes;  // out_width * groups * 16
};

HorizontalWeights expand_weights(const Coefficients& c) {
  HorizontalWeights h;
  h.groups = (c.taps + 3) / 4;
  const size_t out_width = c.first.size();
  h.lanes.assign(out_width * size_t(h.groups) * 16, 0);
  for (size_t xx = 0; xx < out_width; ++xx) {
    int32_t* lanes = &h.lanes[xx * size_t(h.groups) * 16];
    for (int t = 0; t < c.count[xx]; ++t) {
      for (int ch = 0; ch < 4; ++ch) lanes[t * 4 + ch] = c.weights[xx * size_t(c.taps) + size_t(t)];
    }
  }
  return h;
}

inline void store_pixel(const int32_t* acc, uint8_t* out) {
  const int32_t half = 1 << (kPrecisionBits - 1);
  out[0] = clip8(half + acc[0] + acc[4] + acc[8] + acc[12]);
  out[1] = clip8(half + acc[1] + acc[5] + acc[9] + acc[13]);
  out[2] = clip8(half + acc[2] + acc[6] + acc[10] + acc[14]);
}

void horizontal_row_portable(const uint8_t* rgbx,
                             int out_width,
                             const int32_t* first,
                             const HorizontalWeights& h,
                             uint8_t* out) {
  for (int xx = 0; xx < out_width; ++xx) {
    const uint8_t* p = rgbx + size_t(first[xx]) * 4;
    const int32_t* k = &h.lanes[size_t(xx) * size_t(h.groups) * 16];
    int32_t acc[16] = {};
    for (int g = 0; g < h.groups; ++g) {
      for (int j = 0; j < 16; ++j) acc[j] += int32_t(p[g * 16 + j]) * k[g * 16 + j];
    }
    store_pixel(acc, out + 3 * xx);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// GCC 12's _mm512_cvtepu8_epi32 starts from an "undefined" register it then warns about.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// The same integer sums with explicit AVX-512 / AVX2 (the build has no -march flags; these are
// chosen at run time). Lane j of a group is channel j % 4 of tap j / 4.
__attribute__((target("avx512f"))) void horizontal_row_avx512(const uint8_t* rgbx,
                                                              int out_width,
                                                              const int32_t* first,
                                                              const HorizontalWeights& h,
                                                              uint8_t* out) {
  for (int xx = 0; xx < out_width; ++xx) {
    const uint8_t* p = rgbx + size_t(first[xx]) * 4;
    const int32_t* k = &h.lanes[size_t(xx) * size_t(h.groups) * 16];
    __m512i sum = _mm512_setzero_si512();
    for (int g = 0; g < h.groups; ++g) {
      const __m512i px =
          _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + g * 16)));
      sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(px, _mm512_loadu_si512(k + g * 16)));
    }
    alignas(64) int32_t acc[16];
    _mm512_store_si512(acc, sum);
    store_pixel(acc, out + 3 * xx);
  }
}

__attribute__((target("avx2"))) void horizontal_row_avx2(const uint8_t* rgbx,
                                                         int out_width,
                                                         const int32_t* first,
                                                         const HorizontalWeights& h,
                                                         uint8_t* out) {
  for (int xx = 0; xx < out_width; ++xx) {
    const uint8_t* p = rgbx + size_t(first[xx]) * 4;
    const int32_t* k = &h.lanes[size_t(xx) * size_t(h.groups) * 16];
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    for (int g = 0; g < h.groups; ++g) {
      const __m256i p0 =
          _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + g * 16)));
      const __m256i p1 =
          _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + g * 16 + 8)));
      lo = _mm256_add_epi32(
          lo,
          _mm256_mullo_epi32(p0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + g * 16))));
      hi = _mm256_add_epi32(
          hi, _mm256_mullo_epi32(
                  p1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + g * 16 + 8))));
    }
    alignas(32) int32_t acc[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc), lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(acc + 8), hi);
    store_pixel(acc, out + 3 * xx);
  }
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

using HorizontalRowFn =
    void (*)(const uint8_t*, int, const int32_t*, const HorizontalWeights&, uint8_t*);

HorizontalRowFn pick_horizontal_row() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx512f")) return horizontal_row_avx512;
  if (__builtin_cpu_supports("avx2")) return horizontal_row_avx2;
#endif
  return horizontal_row_portable;
}

// Canvas rows [row_begin, row_begin + out_rows), resampled along x. Rows of pure fill colour
// all give the same output row, computed once.
void resample_horizontal(const Canvas& src,
                         int row_begin,
                         int out_rows,
                         int out_width,
                         const Coefficients& c,
                         std::vector<uint8_t>& dst) {
  const size_t out_stride = size_t(out_width) * 3;
  dst.assign(out_stride * size_t(out_rows), 0);
  const HorizontalWeights h = expand_weights(c);
  static const HorizontalRowFn horizontal_row = pick_horizontal_row();
  const int in_width = src.width();
  const size_t rgbx_bytes = (size_t(in_width) + size_t(h.groups) * 4) * 4;
  auto resample_row = [&](int y, std::vector<uint8_t>& rgbx, std::vector<uint8_t>& scratch) {
    const uint8_t* row = src.row(row_begin + y, scratch);
    for (int x = 0; x < in_width; ++x) {
      rgbx[4 * size_t(x) + 0] = row[3 * x + 0];
      rgbx[4 * size_t(x) + 1] = row[3 * x + 1];
      rgbx[4 * size_t(x) + 2] = row[3 * x + 2];
    }
    horizontal_row(rgbx.data(), out_width, c.first.data(), h,  // NOLINT
                   dst.data() + size_t(y) * out_stride);
  };
  // Rows of pure fill colour all give the same output row: the first one is computed here and
  // copied to the others.
  int fill_done = -1;
  for (int y = 0; y < out_rows && fill_done < 0; ++y) {
    if (src.is_fill_row(row_begin + y)) fill_done = y;
  }
  if (fill_done >= 0) {
    std::vector<uint8_t> rgbx(rgbx_bytes, 0), scratch;
    resample_row(fill_done, rgbx, scratch);
  }
  // The other rows are independent: the threads split them, each with its own buffers.
#pragma omp parallel
  {
    std::vector<uint8_t> rgbx(rgbx_bytes, 0), scratch;
#pragma omp for schedule(static)
    for (int y = 0; y < out_rows; ++y) {
      if (y == fill_done) continue;
      if (fill_done >= 0 && src.is_fill_row(row_begin + y)) {
        std::copy_n(dst.data() + size_t(fill_done) * out_stride, out_stride,
                    dst.data() + size_t(y) * out_stride);
        continue;
      }
      resample_row(y, rgbx, scratch);
    }
  }
}

core::Result<RgbImage> resize_canvas(const Canvas& src,
                                     int32_t width,
                                     int32_t height,
                                     ResampleFilter filter) {
  if (width < 1 || height < 1) {
    return core::invalid_argument("[vision::resize] target size ", width, "x", height,
                                  ", expected at least 1x1");
  }
  const Filter f = filter_of(filter);
  if (f.kernel == nullptr) {
    return core::not_supported("[vision::resize] filter '", resample_filter_name(filter),
                               "' is not supported (no model family uses it)");
  }
  const bool need_horizontal = width != src.width();
  const bool need_vertical = height != src.height();
  RgbImage out;
  out.width = width;
  out.height = height;
  if (!need_horizontal && !need_vertical) {
    out.pixels.resize(size_t(width) * size_t(height) * 3);
    std::vector<uint8_t> scratch;
    for (int32_t y = 0; y < height; ++y) {
      std::copy_n(src.row(y, scratch), size_t(width) * 3,
                  out.pixels.data() + size_t(y) * size_t(width) * 3);
    }
    return out;
  }
  const Coefficients horizontal = make_coefficients(src.width(), width, f);
  const Coefficients vertical = make_coefficients(src.height(), height, f);
  if (!need_vertical) {
    resample_horizontal(src, 0, src.height(), width, horizontal, out.pixels);
    return out;
  }
  if (!need_horizontal) {
    resample_vertical(src, height, vertical, 0, out.pixels);
    return out;
  }
  std::vector<uint8_t> temp;
  // Pillow 13 (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks
  // by more than twice as many pixels as the width does; the uint8 rounding between the passes
  // makes the order visible in the output. The rule was measured against Pillow 13.0 (see
  // tests/golden/image_preprocess/resize.txt: 40x30 -> 123x7, 39x10 and 60x12 go vertical
  // first).
  if (height < src.height() && (src.height() - height) > 2 * (src.width() - width)) {
    resample_vertical(src, height, vertical, 0, temp);
    Canvas mid(temp.data(), src.width(), height, src.width(), height, 0, 0, {0, 0, 0});
    resample_horizontal(mid, 0, height, width, horizontal, out.pixels);
    return out;
  }
  // Only the source rows the vertical pass reads go through the horizontal pass (as Pillow).
  const int row_first = vertical.first.front();
  const int row_last = vertical.first.back() + vertical.count.back();
  resample_horizontal(src, row_first, row_last - row_first, width, horizontal, temp);
  Canvas mid(temp.data(), width, row_last - row_first, width, row_last - row_first, 0, 0,
             {0, 0, 0});
  resample_vertical(mid, height, vertical, row_first, out.pixels);
  return out;
}

}  // namespace

core::Result<ResampleFilter> resample_filter_from_pil_id(int64_t id) {
  if (id < 0 || id > 5) {
    return core::invalid_argument("[vision::resample] filter id ", id,
                                  ", expected a PIL resampling id 0..5");
  }
  return ResampleFilter(int32_t(id));
}

std::string_view resample_filter_name(ResampleFilter filter) {
  switch (filter) {
    case ResampleFilter::Nearest:
      return "nearest";
    case ResampleFilter::Lanczos:
      return "lanczos";
    case ResampleFilter::Bilinear:
      return "bilinear";
    case ResampleFilter::Bicubic:
      return "bicubic";
    case ResampleFilter::Box:
      return "box";
    case ResampleFilter::Hamming:
      return "hamming";
  }
  return "unknown";
}

core::Result<RgbImage> resize_like_pil(const RgbImage& src,
                                       int32_t width,
                                       int32_t height,
                                       ResampleFilter filter) {
  BRAID_TRY(check_image(src, "resize source"));
  Canvas canvas(src);
  return resize_canvas(canvas, width, height, filter);
}

core::Result<RgbImage> resize_padded_like_pil(const RgbImage& src,
                                              int32_t canvas_width,
                                              int32_t canvas_height,
                                              int32_t offset_x,
                                              int32_t offset_y,
                                              std::array<uint8_t, 3> fill,
                                              int32_t width,
                                              int32_t height,
                                              ResampleFilter filter) {
  BRAID_TRY(check_image(src, "resize source"));
  if (canvas_width < 1 || canvas_height < 1) {
    return core::invalid_argument("[vision::resize] canvas ", canvas_width, "x", canvas_height,
                                  ", expected at least 1x1");
  }
  Canvas canvas(src.pixels.data(), src.width, src.height, canvas_width, canvas_height, offset_x,
                offset_y, fill);
  return resize_canvas(canvas, width, height, filter);
}

}  // namespace braid::vision
