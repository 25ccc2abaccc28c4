// Hostile and edge-case input for the decoder: every case ends in a clear Status naming the
// source (never a crash, never a huge allocation), and the limits are configurable.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "braid/vision/image_decode.h"
#include "braid/vision/preprocess.h"
#include "test_paths.h"

namespace braid::vision {
namespace {

using core::StatusCode;

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path golden_file(const std::string& name) {
  return test::golden_dir() / "image_decode" / "files" / name;
}

std::filesystem::path write_scratch(const std::string& name, const std::vector<uint8_t>& bytes) {
  const auto path = test::scratch_dir() / name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

void put_le(std::vector<uint8_t>& v, uint32_t x, int bytes) {
  for (int i = 0; i < bytes; ++i) v.push_back(uint8_t(x >> (8 * i)));
}

// A PNG that is nothing but a header declaring width x height (a "PNG bomb" stand-in: a real
// one would carry a small zlib stream that inflates to gigabytes).
std::vector<uint8_t> png_header(uint32_t width, uint32_t height) {
  std::vector<uint8_t> v = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put_be32(v, 13);
  v.insert(v.end(), {'I', 'H', 'D', 'R'});
  put_be32(v, width);
  put_be32(v, height);
  v.insert(v.end(), {8, 2, 0, 0, 0});
  put_be32(v, 0);  // CRC (never reached)
  return v;
}

TEST(DecodeErrors, TruncatedJpegNamesTheFile) {
  const auto bytes = read_bytes(golden_file("rgb.jpg"));
  ASSERT_GT(bytes.size(), 400u);
  // Cut inside the scan (libjpeg alone would pad it with grey and only warn), and inside the
  // header tables.
  for (size_t keep : {bytes.size() - 40, bytes.size() / 2}) {
    const auto path = write_scratch("cut.jpg", {bytes.begin(), bytes.begin() + ptrdiff_t(keep)});
    const auto image = decode_image_file(path);
    ASSERT_FALSE(image.ok());
    EXPECT_EQ(image.status().code(), StatusCode::DataLoss);
    EXPECT_NE(image.status().message().find(path.string()), std::string::npos)
        << image.status().message();
    if (keep == bytes.size() - 40) {
      EXPECT_NE(image.status().message().find("truncated JPEG"), std::string::npos)
          << image.status().message();
    }
  }
}

TEST(DecodeErrors, EveryFormatCutShortIsAnError) {
  for (const char* name : {"rgb.png", "rgb.webp", "lossy.webp", "rgb.bmp", "rgb.tiff",
                           "transparent.gif", "progressive.jpg", "gray16.png"}) {
    const auto full = read_bytes(golden_file(name));
    // (A GIF cut after its first frame is complete is fine: only the first frame is read.)
    for (size_t keep : {size_t(0), size_t(3), size_t(20), full.size() / 2, full.size() - 3}) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + ptrdiff_t(keep));
      const auto image = decode_image(cut, name);
      EXPECT_FALSE(image.ok()) << name << " cut to " << keep << " bytes decoded";
      if (!image.ok()) {
        EXPECT_NE(image.status().message().find(name), std::string::npos)
            << image.status().message();
      }
    }
  }
}

TEST(DecodeErrors, CorruptPngDataIsDataLoss) {
  auto bytes = read_bytes(golden_file("rgb16.png"));
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) bytes[i] ^= 0x5A;
  const auto image = decode_image(bytes, "flipped.png");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), StatusCode::DataLoss) << image.status().message();
}

TEST(DecodeErrors, TextNamedPngIsNotAnImage) {
  const std::string text = "hello, this is not a picture\n";
  const auto path = write_scratch("photo.png", std::vector<uint8_t>(text.begin(), text.end()));
  const auto image = decode_image_file(path);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), StatusCode::InvalidArgument);
  EXPECT_NE(image.status().message().find("not an image"), std::string::npos);
  EXPECT_NE(image.status().message().find("68 65 6c 6c"), std::string::npos)
      << image.status().message();
  // The extension is never trusted: a PNG named .jpg decodes as PNG.
  const auto renamed = write_scratch("really_a_png.jpg", read_bytes(golden_file("rgb.png")));
  EXPECT_TRUE(decode_image_file(renamed).ok());
}

TEST(DecodeErrors, HugeHeadersAreRefusedBeforeDecoding) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> bombs;
  bombs.emplace_back("bomb.png", png_header(50000, 50000));
  std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a'};
  put_le(gif, 65535, 2);
  put_le(gif, 65535, 2);
  gif.insert(gif.end(), {0, 0, 0, 0x3B});
  bombs.emplace_back("bomb.gif", gif);
  std::vector<uint8_t> bmp = {'B', 'M'};
  put_le(bmp, 54, 4);
  put_le(bmp, 0, 4);
  put_le(bmp, 54, 4);
  put_le(bmp, 40, 4);
  put_le(bmp, 50000, 4);
  put_le(bmp, uint32_t(-50000), 4);  // top-down
  put_le(bmp, 0x00180001, 4);
  bombs.emplace_back("bomb.bmp", bmp);
  // JPEG: SOI, SOF0 declaring 65000 x 65000, 3 components, then SOS and EOI.
  std::vector<uint8_t> jpg = {0xFF, 0xD8, 0xFF, 0xC0, 0,    17, 8, 0xFD, 0xE8,
                              0xFD, 0xE8, 3,    1,    0x11, 0,  2, 0x11, 0,
                              3,    0x11, 0,    0xFF, 0xDA, 0,  2, 0xFF, 0xD9};
  bombs.emplace_back("bomb.jpg", jpg);
  std::vector<uint8_t> webp = {'R', 'I', 'F', 'F', 30, 0, 0, 0, 'W', 'E', 'B', 'P',
                               'V', 'P', '8', 'X', 10, 0, 0, 0, 0,   0,   0,   0};
  put_le(webp, 16383, 3);
  put_le(webp, 16383, 3);
  bombs.emplace_back("bomb.webp", webp);
  std::vector<uint8_t> tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0};
  for (uint32_t tag : {256u, 257u}) {
    put_le(tiff, tag, 2);
    put_le(tiff, 4, 2);
    put_le(tiff, 1, 4);
    put_le(tiff, 60000, 4);
  }
  put_le(tiff, 0, 4);
  bombs.emplace_back("bomb.tiff", tiff);
  for (const auto& [name, bytes] : bombs) {
    const auto header = read_image_header(bytes, name);
    ASSERT_TRUE(header.ok()) << name << ": " << header.status().message();
    EXPECT_GT(uint64_t(header->width) * uint64_t(header->height), 64ull * 1000 * 1000) << name;
    const auto image = decode_image(bytes, name);
    ASSERT_FALSE(image.ok()) << name;
    EXPECT_EQ(image.status().code(), StatusCode::OutOfRange) << image.status().message();
    EXPECT_NE(image.status().message().find("refused before decoding"), std::string::npos);
  }
  const auto png = decode_image(png_header(50000, 50000), "bomb.png");
  EXPECT_NE(png.status().message().find("50000x50000"), std::string::npos)
      << png.status().message();
}

TEST(DecodeErrors, PixelLimitIsConfigurable) {
  const auto bytes = read_bytes(golden_file("rgb.png"));  // 24 x 16 = 384 pixels
  DecodeOptions options;
  options.max_pixels = 383;
  EXPECT_EQ(decode_image(bytes, "rgb.png", options).status().code(), StatusCode::OutOfRange);
  options.max_pixels = 384;
  EXPECT_TRUE(decode_image(bytes, "rgb.png", options).ok());
  options.max_file_bytes = 10;
  EXPECT_EQ(decode_image_file(golden_file("rgb.png"), options).status().code(),
            StatusCode::OutOfRange);
}

TEST(DecodeErrors, MissingEmptyAndFolder) {
  EXPECT_EQ(decode_image_file(test::scratch_dir() / "nope.jpg").status().code(),
            StatusCode::NotFound);
  EXPECT_EQ(decode_image_file(write_scratch("empty.png", {})).status().code(),
            StatusCode::InvalidArgument);
  EXPECT_FALSE(decode_image_file(test::scratch_dir()).ok());
}

TEST(DecodeErrors, AnimatedWebpIsNotSupported) {
  const auto image = decode_image_file(golden_file("animated.webp"));
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), StatusCode::NotSupported) << image.status().message();
}

TEST(DecodeEdges, OnePixelAndVeryWideImagesGoThroughEveryFamily) {
  const auto one = decode_image_file(golden_file("one.png"));
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_EQ(one->pixels, (std::vector<uint8_t>{10, 200, 30}));
  const auto wide = decode_image_file(golden_file("wide.png"));
  ASSERT_TRUE(wide.ok()) << wide.status().message();
  ASSERT_EQ(wide->width, 20000);
  ASSERT_EQ(wide->height, 20);
  EXPECT_EQ(wide->pixels[3 * 300], 300 % 256);
  const std::vector<PreprocessParams> all = {ClipPreprocess{}, SiglipPreprocess{},
                                             Idefics3Preprocess{}, LlavaNextPreprocess{}};
  for (const RgbImage* image : {&*one, &*wide}) {
    for (const PreprocessParams& params : all) {
      const auto out = preprocess_image(*image, params);
      ASSERT_TRUE(out.ok()) << out.status().message();
      ASSERT_FALSE(out->tiles.empty());
      for (const PixelTensor& t : out->tiles) {
        EXPECT_TRUE(check_pixels(t, "tile").is_ok());
        for (float v : t.values) ASSERT_TRUE(std::isfinite(v));
      }
    }
  }
}

TEST(DataUri, DecodesLikeTheFile) {
  const auto bytes = read_bytes(golden_file("rgba.png"));
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t n = uint32_t(bytes[i]) << 16 |
                       (i + 1 < bytes.size() ? uint32_t(bytes[i + 1]) << 8 : 0) |
                       (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    b64 += kAlphabet[(n >> 18) & 63];
    b64 += kAlphabet[(n >> 12) & 63];
    b64 += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    b64 += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    if (i % 57 == 54) b64 += "\n";  // MIME-style line breaks are skipped
  }
  // The media type claims JPEG; the bytes are sniffed as PNG.
  const auto from_uri = load_image("data:image/jpeg;base64," + b64);
  ASSERT_TRUE(from_uri.ok()) << from_uri.status().message();
  const auto from_file = load_image(golden_file("rgba.png").string());
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(from_uri->pixels, from_file->pixels);

  EXPECT_FALSE(decode_data_uri("data:image/png;base64,iVBO*w0K", 1000).ok());
  EXPECT_FALSE(decode_data_uri("data:image/png;base64,iVBORw0KG", 1000).ok());  // cut short
  EXPECT_FALSE(decode_data_uri("data:image/png;base64", 1000).ok());            // no comma
  EXPECT_EQ(decode_data_uri("data:text/plain,hello", 1000).status().code(),
            StatusCode::NotSupported);
  EXPECT_EQ(decode_data_uri("data:image/png;base64," + b64, 10).status().code(),
            StatusCode::OutOfRange);
  const auto not_image = load_image("data:image/png;base64,aGVsbG8=");
  ASSERT_FALSE(not_image.ok());
  EXPECT_NE(not_image.status().message().find("data: URI (5 bytes)"), std::string::npos)
      << not_image.status().message();
}

TEST(DecodeOptions, AlphaCanBeDroppedInsteadOfComposited) {
  DecodeOptions drop;
  drop.alpha = AlphaMode::Drop;
  const auto kept = decode_image_file(golden_file("rgba.png"), drop);
  const auto plain = decode_image_file(golden_file("rgb.png"));
  ASSERT_TRUE(kept.ok() && plain.ok());
  EXPECT_EQ(kept->pixels, plain->pixels);  // same colours, alpha ignored (Pillow's convert)
  const auto composited = decode_image_file(golden_file("rgba.png"));
  ASSERT_TRUE(composited.ok());
  EXPECT_EQ(composited->pixels[0], 255);  // alpha 0 at x = 0: white
  DecodeOptions raw;
  raw.apply_exif_orientation = false;
  const auto unrotated = decode_image_file(golden_file("exif6.png"), raw);
  ASSERT_TRUE(unrotated.ok());
  EXPECT_EQ(unrotated->width, 24);
  EXPECT_EQ(unrotated->pixels, plain->pixels);
}

}  // namespace
}  // namespace braid::vision
