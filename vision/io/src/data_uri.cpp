// `data:` URIs (RFC 2397) carrying base64 image bytes, as chat front ends send them.
#include <array>

#include "braid/vision/image_decode.h"

namespace braid::vision {

core::Result<std::vector<uint8_t>> decode_data_uri(std::string_view uri, uint64_t max_bytes) {
  if (uri.substr(0, 5) != "data:") {
    return core::invalid_argument("[vision::data_uri] expected a URI starting with 'data:'");
  }
  const size_t comma = uri.find(',');
  if (comma == std::string_view::npos) {
    return core::invalid_argument("[vision::data_uri] no ',' between the media type and the data");
  }
  const std::string_view meta = uri.substr(5, comma - 5);
  if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64") {
    return core::not_supported("[vision::data_uri] media type '", meta,
                               "': only base64 data (';base64,') is supported");
  }
  const std::string_view data = uri.substr(comma + 1);
  if (data.size() / 4 * 3 > max_bytes) {
    return core::out_of_range("[vision::data_uri] about ", data.size() / 4 * 3,
                              " bytes of data, over the limit of ", max_bytes);
  }
  std::array<int8_t, 256> value{};
  value.fill(-1);
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < alphabet.size(); ++i) value[uint8_t(alphabet[i])] = int8_t(i);
  std::vector<uint8_t> out;
  out.reserve(data.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t digits = 0, padding = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const char ch = data[i];
    if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
    if (ch == '=') {
      ++padding;
      continue;
    }
    const int8_t v = value[uint8_t(ch)];
    if (v < 0 || padding > 0) {
      return core::invalid_argument("[vision::data_uri] invalid base64 character '", ch,
                                    "' at offset ", i, " of the data");
    }
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    ++digits;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(uint8_t(acc >> bits));
    }
  }
  if (digits % 4 == 1 || padding > 2 || (padding > 0 && (digits + padding) % 4 != 0)) {
    return core::invalid_argument("[vision::data_uri] base64 data of ", digits, " digits and ",
                                  padding, " '=' is cut short");
  }
  if (out.empty()) return core::invalid_argument("[vision::data_uri] the data is empty");
  return out;
}

}  // namespace braid::vision
