#include "tokenizer/unicode.h"

#include <unicode/uchar.h>

#include <memory>
#include <vector>

namespace braid::text::detail {

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  uint32_t cp = 0;
  while (pos < text.size()) {
    const size_t len = decode_utf8(text, pos, &cp);
    if (len == 0) {
      append_utf8(out, kReplacementChar);
      ++pos;
    } else {
      out.append(text.substr(pos, len));
      pos += len;
    }
  }
  return out;
}

namespace {

constexpr uint8_t kWhiteSpaceBit = 0x80;

// One byte per code point: the general category in the low bits, White_Space in the top bit.
// 1.1 MB, filled from ICU once; the pre-tokenizers look up every input character.
const std::vector<uint8_t>& codepoint_table() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(kMaxCodepoint + 1);
    for (uint32_t cp = 0; cp <= kMaxCodepoint; ++cp) {
      uint8_t v = static_cast<uint8_t>(u_charType(static_cast<UChar32>(cp)));
      if (u_isUWhiteSpace(static_cast<UChar32>(cp))) v |= kWhiteSpaceBit;
      t[cp] = v;
    }
    return t;
  }();
  return table;
}

constexpr uint32_t bit(UCharCategory c) { return 1u << static_cast<uint32_t>(c); }

}  // namespace

CodepointInfo codepoint_info(uint32_t cp) {
  if (cp > kMaxCodepoint) return {static_cast<uint8_t>(U_UNASSIGNED), false};
  const uint8_t v = codepoint_table()[cp];
  return {static_cast<uint8_t>(v & ~kWhiteSpaceBit), (v & kWhiteSpaceBit) != 0};
}

uint32_t category_mask(std::string_view name, bool* ok) {
  *ok = true;
  const uint32_t lu = bit(U_UPPERCASE_LETTER), ll = bit(U_LOWERCASE_LETTER),
                 lt = bit(U_TITLECASE_LETTER), lm = bit(U_MODIFIER_LETTER),
                 lo = bit(U_OTHER_LETTER);
  if (name == "L") return lu | ll | lt | lm | lo;
  if (name == "Lu") return lu;
  if (name == "Ll") return ll;
  if (name == "Lt") return lt;
  if (name == "Lm") return lm;
  if (name == "Lo") return lo;
  if (name == "N") return bit(U_DECIMAL_DIGIT_NUMBER) | bit(U_LETTER_NUMBER) | bit(U_OTHER_NUMBER);
  if (name == "Nd") return bit(U_DECIMAL_DIGIT_NUMBER);
  if (name == "P") {
    return bit(U_DASH_PUNCTUATION) | bit(U_START_PUNCTUATION) | bit(U_END_PUNCTUATION) |
           bit(U_CONNECTOR_PUNCTUATION) | bit(U_OTHER_PUNCTUATION) | bit(U_INITIAL_PUNCTUATION) |
           bit(U_FINAL_PUNCTUATION);
  }
  if (name == "M") {
    return bit(U_NON_SPACING_MARK) | bit(U_ENCLOSING_MARK) | bit(U_COMBINING_SPACING_MARK);
  }
  if (name == "S") {
    return bit(U_MATH_SYMBOL) | bit(U_CURRENCY_SYMBOL) | bit(U_MODIFIER_SYMBOL) |
           bit(U_OTHER_SYMBOL);
  }
  *ok = false;
  return 0;
}

const ByteLevelTables& byte_level_tables() {
  static const ByteLevelTables tables = [] {
    ByteLevelTables t;
    t.char_to_byte.fill(-1);
    // Printable Latin-1 bytes map to themselves; the other 68 bytes (controls, space, DEL, NBSP,
    // soft hyphen, ...) map to U+0100 onwards in byte order, so every byte is a visible
    // character (GPT-2's bytes_to_unicode).
    const auto keeps_itself = [](uint32_t b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t cp = keeps_itself(b) ? b : next++;
      append_utf8(t.byte_to_utf8[b], cp);
      t.char_to_byte[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return tables;
}

void append_byte_level(std::string& out, std::string_view bytes) {
  const auto& tables = byte_level_tables();
  for (char c : bytes) out += tables.byte_to_utf8[static_cast<uint8_t>(c)];
}

bool byte_level_decode(std::string_view piece, std::string& out) {
  const auto& tables = byte_level_tables();
  bool all_mapped = true;
  size_t pos = 0;
  while (pos < piece.size()) {
    uint32_t cp = 0;
    size_t len = decode_utf8(piece, pos, &cp);
    if (len == 0) {  // not UTF-8 at all: copy the byte through
      out.push_back(piece[pos]);
      ++pos;
      all_mapped = false;
      continue;
    }
    if (cp < tables.char_to_byte.size() && tables.char_to_byte[cp] >= 0) {
      out.push_back(static_cast<char>(tables.char_to_byte[cp]));
    } else {
      out.append(piece.substr(pos, len));
      all_mapped = false;
    }
    pos += len;
  }
  return all_mapped;
}

}  // namespace braid::text::detail
