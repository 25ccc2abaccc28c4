// Format sniffing, header dimensions and EXIF orientation, read straight from the bytes so the
// pixel limit is enforced before a decoder allocates anything. Every read is bounds-checked.
#include <cstring>
#include <optional>
#include <utility>

#include "braid/vision/image_decode.h"
#include "image_header_internal.h"

namespace braid::vision {
namespace {

// A bounds-checked view: every accessor returns nullopt past the end.
class Bytes {
 public:
  explicit Bytes(std::span<const uint8_t> data) : data_(data) {}
  size_t size() const { return data_.size(); }
  bool has(size_t offset, size_t n) const {
    return offset <= data_.size() && n <= data_.size() - offset;
  }
  bool matches(size_t offset, std::string_view s) const {
    return has(offset, s.size()) && std::memcmp(data_.data() + offset, s.data(), s.size()) == 0;
  }
  std::optional<uint32_t> u8(size_t o) const {
    if (!has(o, 1)) return std::nullopt;
    return data_[o];
  }
  std::optional<uint32_t> u16(size_t o, bool big_endian) const {
    if (!has(o, 2)) return std::nullopt;
    return big_endian ? uint32_t(data_[o]) << 8 | data_[o + 1]
                      : uint32_t(data_[o + 1]) << 8 | data_[o];
  }
  std::optional<uint32_t> u24le(size_t o) const {
    if (!has(o, 3)) return std::nullopt;
    return uint32_t(data_[o]) | uint32_t(data_[o + 1]) << 8 | uint32_t(data_[o + 2]) << 16;
  }
  std::optional<uint32_t> u32(size_t o, bool big_endian) const {
    if (!has(o, 4)) return std::nullopt;
    const uint8_t* p = data_.data() + o;
    return big_endian ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
                      : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
  }
  Bytes sub(size_t offset, size_t n) const {
    if (!has(offset, n)) return Bytes({});
    return Bytes(data_.subspan(offset, n));
  }

 private:
  std::span<const uint8_t> data_;
};

core::Status truncated(std::string_view what, std::string_view format, std::string_view detail) {
  return core::data_loss("[vision::decode] ", what, ": ", format,
                         " header is truncated or corrupt (", detail, ")");
}

// IFD0 of a TIFF structure (a TIFF file, or the body of an EXIF block): the tags we need.
struct TiffTags {
  std::optional<uint32_t> width, height, orientation;
  std::optional<size_t> orientation_offset;  // where the SHORT value sits in the bytes
  bool big_endian = false;
};

std::optional<TiffTags> read_tiff_ifd0(const Bytes& t) {
  bool big_endian = false;
  if (t.matches(0, "II")) {
    big_endian = false;
  } else if (t.matches(0, "MM")) {
    big_endian = true;
  } else {
    return std::nullopt;
  }
  const auto magic = t.u16(2, big_endian);
  const auto ifd = t.u32(4, big_endian);
  if (!magic || *magic != 42 || !ifd) return std::nullopt;
  const auto count = t.u16(*ifd, big_endian);
  if (!count) return std::nullopt;
  TiffTags tags;
  tags.big_endian = big_endian;
  for (uint32_t i = 0; i < *count; ++i) {
    const size_t entry = size_t(*ifd) + 2 + size_t(i) * 12;
    const auto tag = t.u16(entry, big_endian);
    const auto type = t.u16(entry + 2, big_endian);
    if (!tag || !type) return std::nullopt;
    std::optional<uint32_t> value;
    if (*type == 3)
      value = t.u16(entry + 8, big_endian);  // SHORT
    else if (*type == 4)
      value = t.u32(entry + 8, big_endian);  // LONG
    if (!value) continue;
    if (*tag == 256) tags.width = value;
    if (*tag == 257) tags.height = value;
    if (*tag == 274) {
      tags.orientation = value;
      if (*type == 3) tags.orientation_offset = entry + 8;
    }
  }
  return tags;
}

// An EXIF payload ("Exif\0\0" prefix optional) → orientation 1..8, else 1.
int32_t exif_orientation(const Bytes& exif) {
  const Bytes body =
      exif.matches(0, std::string_view("Exif\0\0", 6)) ? exif.sub(6, exif.size() - 6) : exif;
  const auto tags = read_tiff_ifd0(body);
  if (!tags || !tags->orientation || *tags->orientation < 1 || *tags->orientation > 8) return 1;
  return int32_t(*tags->orientation);
}

core::Result<ImageHeader> read_png(const Bytes& b, std::string_view what) {
  ImageHeader h{ImageFormat::Png, 0, 0, 1};
  if (!b.matches(12, "IHDR")) return truncated(what, "PNG", "no IHDR chunk");
  const auto w = b.u32(16, true), ht = b.u32(20, true);
  if (!w || !ht) return truncated(what, "PNG", "IHDR cut short");
  h.width = *w;
  h.height = *ht;
  // Walk the chunks for eXIf (Pillow reads it wherever it is); stop at the end or at garbage.
  size_t pos = 8;
  while (true) {
    const auto len = b.u32(pos, true);
    if (!len || !b.has(pos + 8, size_t(*len) + 4)) break;
    if (b.matches(pos + 4, "eXIf")) h.orientation = exif_orientation(b.sub(pos + 8, *len));
    if (b.matches(pos + 4, "IEND")) break;
    pos += 12 + size_t(*len);
  }
  return h;
}

core::Result<ImageHeader> read_jpeg(const Bytes& b, std::string_view what) {
  ImageHeader h{ImageFormat::Jpeg, 0, 0, 1};
  size_t pos = 2;
  bool have_size = false;
  while (b.has(pos, 2)) {
    if (*b.u8(pos) != 0xFF) return truncated(what, "JPEG", "expected a marker");
    while (b.has(pos + 1, 1) && *b.u8(pos + 1) == 0xFF) ++pos;  // fill bytes
    const auto marker = b.u8(pos + 1);
    if (!marker) break;
    pos += 2;
    if (*marker == 0x01 || (*marker >= 0xD0 && *marker <= 0xD8)) continue;  // no length
    if (*marker == 0xD9 || *marker == 0xDA) break;  // end of image / start of scan
    const auto len = b.u16(pos, true);
    if (!len || *len < 2 || !b.has(pos, *len)) return truncated(what, "JPEG", "segment cut short");
    const bool sof =
        *marker >= 0xC0 && *marker <= 0xCF && *marker != 0xC4 && *marker != 0xC8 && *marker != 0xCC;
    if (sof && !have_size) {
      const auto ht = b.u16(pos + 3, true), w = b.u16(pos + 5, true);
      if (!ht || !w) return truncated(what, "JPEG", "frame header cut short");
      h.width = *w;
      h.height = *ht;
      have_size = true;
    }
    if (*marker == 0xE1 && h.orientation == 1 &&
        b.matches(pos + 2, std::string_view("Exif\0\0", 6))) {
      h.orientation = exif_orientation(b.sub(pos + 2, *len - 2));
    }
    pos += *len;
  }
  if (!have_size) return truncated(what, "JPEG", "no frame header before the image data");
  return h;
}

core::Result<ImageHeader> read_webp(const Bytes& b, std::string_view what) {
  ImageHeader h{ImageFormat::WebP, 0, 0, 1};
  if (b.matches(12, "VP8 ")) {
    const auto w = b.u16(26, false), ht = b.u16(28, false);
    if (!b.has(23, 3) || !w || !ht) return truncated(what, "WebP", "VP8 frame header cut short");
    h.width = *w & 0x3FFF;
    h.height = *ht & 0x3FFF;
  } else if (b.matches(12, "VP8L")) {
    const auto bits = b.u32(21, false);
    if (!bits || *b.u8(20) != 0x2F) return truncated(what, "WebP", "VP8L header cut short");
    h.width = (*bits & 0x3FFF) + 1;
    h.height = ((*bits >> 14) & 0x3FFF) + 1;
  } else if (b.matches(12, "VP8X")) {
    const auto w = b.u24le(24), ht = b.u24le(27);
    if (!w || !ht) return truncated(what, "WebP", "VP8X header cut short");
    h.width = int64_t(*w) + 1;
    h.height = int64_t(*ht) + 1;
    size_t pos = 12;
    while (true) {
      const auto len = b.u32(pos + 4, false);
      if (!len || !b.has(pos + 8, *len)) break;
      if (b.matches(pos, "EXIF")) h.orientation = exif_orientation(b.sub(pos + 8, *len));
      pos += 8 + size_t(*len) + (*len & 1);
    }
  } else {
    return truncated(what, "WebP", "unknown first chunk");
  }
  return h;
}

core::Result<ImageHeader> read_bmp(const Bytes& b, std::string_view what) {
  ImageHeader h{ImageFormat::Bmp, 0, 0, 1};
  const auto dib = b.u32(14, false);
  if (!dib) return truncated(what, "BMP", "no DIB header");
  if (*dib == 12) {
    const auto w = b.u16(18, false), ht = b.u16(20, false);
    if (!w || !ht) return truncated(what, "BMP", "core header cut short");
    h.width = *w;
    h.height = *ht;
  } else {
    const auto w = b.u32(18, false), ht = b.u32(22, false);
    if (!w || !ht) return truncated(what, "BMP", "info header cut short");
    h.width = int32_t(*w);
    const int64_t signed_height = int32_t(*ht);  // negative: rows stored top-down
    h.height = signed_height < 0 ? -signed_height : signed_height;
  }
  return h;
}

core::Result<ImageHeader> read_tiff(const Bytes& b, std::string_view what) {
  if (b.matches(0, "II+") || b.matches(0, std::string_view("MM\0+", 4))) {
    return core::not_supported("[vision::decode] ", what, ": BigTIFF is not supported");
  }
  const auto tags = read_tiff_ifd0(b);
  if (!tags || !tags->width || !tags->height) {
    return truncated(what, "TIFF", "first IFD without ImageWidth/ImageLength");
  }
  ImageHeader h{ImageFormat::Tiff, *tags->width, *tags->height, 1};
  if (tags->orientation && *tags->orientation >= 1 && *tags->orientation <= 8) {
    h.orientation = int32_t(*tags->orientation);
  }
  return h;
}

std::string hex_prefix(const Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(b.size(), 8); ++i) {
    if (i) out += ' ';
    out += kDigits[*b.u8(i) >> 4];
    out += kDigits[*b.u8(i) & 15];
  }
  return out.empty() ? "(empty)" : out;
}

}  // namespace

namespace detail {
std::optional<std::pair<size_t, bool>> tiff_orientation_offset(std::span<const uint8_t> bytes) {
  const auto tags = read_tiff_ifd0(Bytes(bytes));
  if (!tags || !tags->orientation_offset) return std::nullopt;
  return std::make_pair(*tags->orientation_offset, tags->big_endian);
}
}  // namespace detail

std::string_view image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::WebP:
      return "WebP";
    case ImageFormat::Bmp:
      return "BMP";
    case ImageFormat::Tiff:
      return "TIFF";
    case ImageFormat::Gif:
      return "GIF";
  }
  return "unknown";
}

core::Result<ImageHeader> read_image_header(std::span<const uint8_t> bytes, std::string_view what) {
  const Bytes b(bytes);
  core::Result<ImageHeader> header = core::invalid_argument("unset");
  if (b.matches(0, "\x89PNG\r\n\x1a\n")) {
    header = read_png(b, what);
  } else if (b.matches(0, "\xFF\xD8\xFF")) {
    header = read_jpeg(b, what);
  } else if (b.matches(0, "GIF87a") || b.matches(0, "GIF89a")) {
    const auto w = b.u16(6, false), h = b.u16(8, false);
    if (!w || !h) return truncated(what, "GIF", "screen descriptor cut short");
    header = ImageHeader{ImageFormat::Gif, *w, *h, 1};
  } else if (b.matches(0, "RIFF") && b.matches(8, "WEBP")) {
    header = read_webp(b, what);
  } else if (b.matches(0, "BM")) {
    header = read_bmp(b, what);
  } else if (b.matches(0, std::string_view("II*\0", 4)) || b.matches(0, "II+") ||
             b.matches(0, std::string_view("MM\0*", 4)) ||
             b.matches(0, std::string_view("MM\0+", 4))) {
    header = read_tiff(b, what);
  } else {
    return core::invalid_argument(
        "[vision::decode] ", what,
        ": not an image (JPEG, PNG, WebP, BMP, TIFF or GIF); first bytes ", hex_prefix(b));
  }
  if (!header.ok()) return header;
  if (header->width < 1 || header->height < 1) {
    return core::invalid_argument("[vision::decode] ", what, ": ",
                                  image_format_name(header->format), " header says ", header->width,
                                  "x", header->height, ", expected at least 1x1");
  }
  return header;
}

}  // namespace braid::vision
