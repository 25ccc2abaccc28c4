// OpenCV decodes everything but GIF; it is asked for the stored layout (IMREAD_UNCHANGED: no
// colour conversion, no 16->8 bit reduction, no EXIF rotation) so the conversion to what the
// Hugging Face processors see is done here, the way Pillow and transformers do it.
#include "braid/vision/image_decode.h"

#include <algorithm>
#include <climits>
#include <exception>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "gif_decode.h"
#include "image_header_internal.h"

namespace braid::vision {
namespace {

// Pillow's alpha_composite of (r, g, b, a) over opaque white: 7 extra bits of precision and its
// rounded division by 255 (AlphaComposite.c), so values match transformers' convert_to_rgb.
inline uint8_t over_white(uint32_t value, uint32_t alpha) {
  if (alpha == 0) return 255;
  constexpr uint32_t kBits = 7;
  const uint32_t blend = 255 * (255 - alpha);
  const uint32_t outa255 = alpha * 255 + blend;
  const uint32_t coef1 = alpha * 255 * 255 * (1u << kBits) / outa255;
  const uint32_t coef2 = 255 * (1u << kBits) - coef1;
  const uint32_t tmp = value * coef1 + 255 * coef2 + (0x80u << kBits);
  return uint8_t((((tmp >> 8) + tmp) >> 8) >> kBits);
}

// Pixel layouts OpenCV returns with IMREAD_UNCHANGED: 1 grey, 2 grey+alpha, 3 BGR, 4 BGRA;
// 8 or 16 bits. 16-bit samples keep their high byte, as Pillow's 16-bit PNG modes do.
// `premultiplied`: colour already multiplied by alpha (OpenCV's TIFF reader goes through
// libtiff's RGBA interface, which premultiplies unassociated alpha); it is divided back out
// (rounded) first, so the composite matches Pillow's within 1.
template <typename Sample>
void to_rgb(const cv::Mat& m, AlphaMode alpha, bool premultiplied, RgbImage& out) {
  const int channels = m.channels();
  for (int y = 0; y < m.rows; ++y) {
    const Sample* row = m.ptr<Sample>(y);
    uint8_t* dst = out.pixels.data() + size_t(y) * size_t(m.cols) * 3;
    for (int x = 0; x < m.cols; ++x) {
      const Sample* p = row + size_t(x) * size_t(channels);
      auto byte = [](Sample v) { return uint32_t(sizeof(Sample) == 2 ? v >> 8 : v); };
      uint32_t r, g, b, a = 255;
      if (channels <= 2) {
        r = g = b = byte(p[0]);
        if (channels == 2) a = byte(p[1]);
      } else {
        b = byte(p[0]);
        g = byte(p[1]);
        r = byte(p[2]);
        if (channels == 4) a = byte(p[3]);
      }
      if (premultiplied && a != 255) {
        auto unpremultiply = [a](uint32_t v) {
          return a == 0 ? 0 : std::min(255u, (v * 255 + a / 2) / a);
        };
        r = unpremultiply(r);
        g = unpremultiply(g);
        b = unpremultiply(b);
      }
      if (alpha == AlphaMode::CompositeOnWhite && a != 255) {
        r = over_white(r, a);
        g = over_white(g, a);
        b = over_white(b, a);
      }
      dst[3 * x + 0] = uint8_t(r);
      dst[3 * x + 1] = uint8_t(g);
      dst[3 * x + 2] = uint8_t(b);
    }
  }
}

// EXIF orientation as Pillow's ImageOps.exif_transpose applies it: for each output pixel, the
// source pixel it comes from.
RgbImage orient(const RgbImage& src, int32_t orientation) {
  if (orientation < 2 || orientation > 8) return src;
  const bool swaps = orientation >= 5;
  RgbImage out;
  out.width = swaps ? src.height : src.width;
  out.height = swaps ? src.width : src.height;
  out.pixels.resize(src.pixels.size());
  const int32_t w = src.width, h = src.height;
  for (int32_t oy = 0; oy < out.height; ++oy) {
    for (int32_t ox = 0; ox < out.width; ++ox) {
      int32_t sx = ox, sy = oy;
      switch (orientation) {
        case 2:
          sx = w - 1 - ox;
          break;  // mirror left-right
        case 3:
          sx = w - 1 - ox;
          sy = h - 1 - oy;
          break;  // rotate 180
        case 4:
          sy = h - 1 - oy;
          break;  // mirror top-bottom
        case 5:
          sx = oy;
          sy = ox;
          break;  // transpose
        case 6:
          sx = oy;
          sy = h - 1 - ox;
          break;  // rotate 90 clockwise
        case 7:
          sx = w - 1 - oy;
          sy = h - 1 - ox;
          break;  // transverse
        case 8:
          sx = w - 1 - oy;
          sy = ox;
          break;  // rotate 90 counter-clockwise
        default:
          break;
      }
      const uint8_t* s = src.pixels.data() + (size_t(sy) * size_t(w) + size_t(sx)) * 3;
      uint8_t* d = out.pixels.data() + (size_t(oy) * size_t(out.width) + size_t(ox)) * 3;
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
  return out;
}

// libjpeg pads a truncated scan with grey and only warns, so OpenCV returns a "valid" image;
// a JPEG is complete when an end-of-image marker follows the first start-of-scan (entropy
// data stuffs every 0xFF, so FF D9 there can only be the marker).
bool jpeg_has_end_marker(std::span<const uint8_t> bytes) {
  size_t sos = 0;
  for (size_t i = 2; i + 1 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xDA) {
      sos = i;
      break;
    }
  }
  if (sos == 0) return false;
  for (size_t i = sos + 2; i + 1 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xD9) return true;
  }
  return false;
}

core::Result<RgbImage> decode_with_opencv(std::span<const uint8_t> bytes,
                                          std::string_view what,
                                          const ImageHeader& header,
                                          AlphaMode alpha) {
  if (bytes.size() > size_t(INT_MAX)) {
    return core::out_of_range("[vision::decode] ", what, ": ", bytes.size(),
                              " bytes, more than OpenCV can take in one buffer");
  }
  cv::Mat decoded;
  try {
    const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
    decoded = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return core::data_loss("[vision::decode] ", what, ": corrupt ",
                           image_format_name(header.format), " (OpenCV: ", e.err, ")");
  } catch (const std::exception& e) {
    return core::data_loss("[vision::decode] ", what, ": corrupt ",
                           image_format_name(header.format), " (", e.what(), ")");
  }
  if (decoded.empty()) {
    return core::data_loss("[vision::decode] ", what, ": corrupt or truncated ",
                           image_format_name(header.format), " (the decoder gave no pixels)");
  }
  if (decoded.depth() != CV_8U && decoded.depth() != CV_16U) {
    return core::not_supported("[vision::decode] ", what, ": ", image_format_name(header.format),
                               " with ", decoded.channels(), " channels of OpenCV depth ",
                               decoded.depth(), " (only 8- and 16-bit integer samples)");
  }
  if (decoded.channels() < 1 || decoded.channels() > 4 || decoded.dims != 2) {
    return core::not_supported("[vision::decode] ", what, ": ", decoded.channels(),
                               " channels, expected grey, grey+alpha, RGB or RGBA");
  }
  if (decoded.cols != header.width || decoded.rows != header.height) {
    return core::data_loss("[vision::decode] ", what, ": decoded ", decoded.cols, "x", decoded.rows,
                           " but the header says ", header.width, "x", header.height);
  }
  const bool premultiplied = header.format == ImageFormat::Tiff && decoded.channels() == 4;
  RgbImage out;
  out.width = decoded.cols;
  out.height = decoded.rows;
  out.pixels.resize(size_t(out.width) * size_t(out.height) * 3);
  if (decoded.depth() == CV_8U) {
    to_rgb<uint8_t>(decoded, alpha, premultiplied, out);
  } else {
    to_rgb<uint16_t>(decoded, alpha, premultiplied, out);
  }
  return out;
}

core::Result<RgbImage> decode_gif(std::span<const uint8_t> bytes,
                                  std::string_view what,
                                  AlphaMode alpha) {
  BRAID_ASSIGN_OR_RETURN(detail::BgraFrame frame, detail::decode_gif_first_frame(bytes, what));
  const cv::Mat view(frame.height, frame.width, CV_8UC4, frame.pixels.data());
  RgbImage out;
  out.width = frame.width;
  out.height = frame.height;
  out.pixels.resize(size_t(out.width) * size_t(out.height) * 3);
  to_rgb<uint8_t>(view, alpha, false, out);
  return out;
}

}  // namespace

core::Result<RgbImage> decode_image(std::span<const uint8_t> bytes,
                                    std::string_view what,
                                    const DecodeOptions& options) {
  BRAID_ASSIGN_OR_RETURN(ImageHeader header, read_image_header(bytes, what));
  const uint64_t pixels = uint64_t(header.width) * uint64_t(header.height);
  if (pixels > options.max_pixels || header.width > INT32_MAX / 4 ||
      header.height > INT32_MAX / 4) {
    return core::out_of_range("[vision::decode] ", what, ": ", image_format_name(header.format),
                              " of ", header.width, "x", header.height, " = ", pixels,
                              " pixels, over the limit of ", options.max_pixels,
                              " (DecodeOptions::max_pixels); refused before decoding");
  }
  if (header.format == ImageFormat::Jpeg && !jpeg_has_end_marker(bytes)) {
    return core::data_loss("[vision::decode] ", what,
                           ": truncated JPEG (no end-of-image marker after the image data)");
  }
  if (header.format == ImageFormat::WebP && bytes.size() > 20 &&
      std::string_view(reinterpret_cast<const char*>(bytes.data()) + 12, 4) == "VP8X" &&
      (bytes[20] & 0x02) != 0) {
    return core::not_supported("[vision::decode] ", what,
                               ": animated WebP is not supported (OpenCV 4.6 reads still WebP "
                               "only)");
  }
  // OpenCV's TIFF reader applies some orientations itself (libtiff's RGBA path) and not
  // others; a copy with Orientation = 1 leaves all of them to orient() below.
  std::vector<uint8_t> tiff_copy;
  if (header.format == ImageFormat::Tiff && header.orientation != 1) {
    if (const auto at = detail::tiff_orientation_offset(bytes)) {
      tiff_copy.assign(bytes.begin(), bytes.end());
      tiff_copy[at->first] = at->second ? 0 : 1;
      tiff_copy[at->first + 1] = at->second ? 1 : 0;
      bytes = tiff_copy;
    }
  }
  core::Result<RgbImage> image = header.format == ImageFormat::Gif
                                     ? decode_gif(bytes, what, options.alpha)
                                     : decode_with_opencv(bytes, what, header, options.alpha);
  if (!image.ok() || !options.apply_exif_orientation || header.orientation == 1) return image;
  return orient(*image, header.orientation);
}

core::Result<RgbImage> decode_image_file(const std::filesystem::path& path,
                                         const DecodeOptions& options) {
  const std::string what = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return core::not_found("[vision::decode] ", what, ": no such file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return core::invalid_argument("[vision::decode] ", what, ": not a regular file");
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return core::io_error("[vision::decode] ", what, ": ", ec.message());
  if (size > options.max_file_bytes) {
    return core::out_of_range("[vision::decode] ", what, ": ", size, " bytes, over the limit of ",
                              options.max_file_bytes, " (DecodeOptions::max_file_bytes)");
  }
  std::vector<uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))) {
    return core::io_error("[vision::decode] ", what, ": could not read ", size, " bytes");
  }
  return decode_image(bytes, what, options);
}

core::Result<RgbImage> load_image(std::string_view path_or_data_uri, const DecodeOptions& options) {
  if (path_or_data_uri.substr(0, 5) == "data:") {
    BRAID_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                           decode_data_uri(path_or_data_uri, options.max_file_bytes));
    const std::string what = core::str_cat("data: URI (", bytes.size(), " bytes)");
    return decode_image(bytes, what, options);
  }
  return decode_image_file(std::filesystem::path(std::string(path_or_data_uri)), options);
}

}  // namespace braid::vision
