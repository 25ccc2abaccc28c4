#include "braid/core/utf8.h"

namespace braid::core {

size_t decode_utf8(std::string_view text, size_t pos, uint32_t* cp) {
  const size_t n = text.size() - pos;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  const auto continuation = [&](size_t i) { return (byte(i) & 0xC0) == 0x80; };
  const uint8_t lead = byte(0);
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {  // C0 and C1 would be overlong
    if (n < 2 || !continuation(1)) return 0;
    *cp = ((lead & 0x1Fu) << 6) | (byte(1) & 0x3Fu);
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (n < 3 || !continuation(1) || !continuation(2)) return 0;
    const uint32_t v = ((lead & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;  // overlong or surrogate
    *cp = v;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (n < 4 || !continuation(1) || !continuation(2) || !continuation(3)) return 0;
    const uint32_t v = ((lead & 0x07u) << 18) | ((byte(1) & 0x3Fu) << 12) |
                       ((byte(2) & 0x3Fu) << 6) | (byte(3) & 0x3Fu);
    if (v < 0x10000 || v > kMaxCodePoint) return 0;
    *cp = v;
    return 4;
  }
  return 0;
}

size_t find_invalid_utf8(std::string_view text) {
  size_t pos = 0;
  uint32_t cp = 0;
  while (pos < text.size()) {
    // ASCII fast path: most prompts are mostly ASCII.
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t len = decode_utf8(text, pos, &cp);
    if (len == 0) return pos;
    pos += len;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace braid::core
