// Decoding image files into RgbImage: JPEG, PNG, WebP, BMP, TIFF (OpenCV) and GIF (FFmpeg's
// libavcodec, OpenCV 4.6 has no GIF reader), from a file, from memory or from a base64 `data:`
// URI. The result is what the Hugging Face image processors start from: EXIF orientation
// applied, then 8-bit RGB (grey replicated, palette expanded, 16-bit reduced to its high byte,
// CMYK converted, alpha composited over white as transformers' convert_to_rgb does).
//
// Nothing here trusts the file name: the format is sniffed from the first bytes, and the
// dimensions are read from the header and checked against a pixel limit before any pixel
// buffer is allocated. Every function returns a Status (never throws) and is thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/vision/image.h"

namespace braid::vision {

enum class ImageFormat { Jpeg, Png, WebP, Bmp, Tiff, Gif };

/// "JPEG", "PNG", … for messages.
std::string_view image_format_name(ImageFormat format);

/// What the header says, before any decoding: the format sniffed from the signature and the
/// stored dimensions (before EXIF orientation), and the EXIF orientation (1..8, 1 when absent).
struct ImageHeader {
  ImageFormat format = ImageFormat::Png;
  int64_t width = 0;
  int64_t height = 0;
  int32_t orientation = 1;
};

/// What to do with an alpha channel (and palette / GIF transparency).
enum class AlphaMode {
  /// Composite over opaque white with Pillow's alpha_composite rounding, as transformers'
  /// convert_to_rgb does before every image processor (the default: what the models saw).
  CompositeOnWhite,
  /// Drop alpha and keep the stored colour, as Pillow's plain `convert("RGB")` does (LLaVA's
  /// own loader calls that). One difference: transparent GIF pixels come out black, since
  /// FFmpeg's decoder keeps no palette index (Pillow gives that index's palette colour).
  Drop,
};

struct DecodeOptions {
  /// Images with more pixels (width * height from the header) are refused before decoding.
  uint64_t max_pixels = 64ull * 1000 * 1000;
  /// Files (and decoded data: URIs) larger than this are refused before reading them.
  uint64_t max_file_bytes = 512ull * 1024 * 1024;
  AlphaMode alpha = AlphaMode::CompositeOnWhite;
  bool apply_exif_orientation = true;
};

/// Sniffs the format and reads the dimensions and EXIF orientation from `bytes` without
/// decoding pixels. `what` names the source in messages. Errors: InvalidArgument for an
/// unrecognised signature ("not an image": the first bytes are shown), DataLoss for a header
/// that is cut short or inconsistent.
core::Result<ImageHeader> read_image_header(std::span<const uint8_t> bytes, std::string_view what);

/// Decodes `bytes` (any supported format) into RGB. `what` names the source in messages.
/// Errors: InvalidArgument (not an image, zero size), OutOfRange (over max_pixels: the message
/// gives both sizes), DataLoss (corrupt or truncated data), NotSupported (e.g. animated WebP,
/// float TIFF).
core::Result<RgbImage> decode_image(std::span<const uint8_t> bytes,
                                    std::string_view what,
                                    const DecodeOptions& options = {});

/// Reads and decodes the file at `path`. Errors as decode_image, plus NotFound / IoError.
core::Result<RgbImage> decode_image_file(const std::filesystem::path& path,
                                         const DecodeOptions& options = {});

/// The payload of a `data:[<media type>][;base64],<data>` URI (base64 only: whitespace is
/// skipped, padding checked). The media type is not trusted (the bytes are sniffed later).
/// Errors: InvalidArgument for a malformed URI or base64, OutOfRange over `max_bytes`.
core::Result<std::vector<uint8_t>> decode_data_uri(std::string_view uri, uint64_t max_bytes);

/// A `data:` URI (decoded in memory) or a file path, decoded. `what` in messages is the path,
/// or "data: URI (N bytes)".
core::Result<RgbImage> load_image(std::string_view path_or_data_uri,
                                  const DecodeOptions& options = {});

}  // namespace braid::vision
