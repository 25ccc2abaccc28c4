// UTF-8 decoding and encoding, Unicode general categories (from ICU), and the GPT-2
// byte-to-unicode mapping used by byte-level BPE vocabularies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "braid/core/utf8.h"

namespace braid::text::detail {

inline constexpr uint32_t kReplacementChar = 0xFFFD;
inline constexpr uint32_t kMaxCodepoint = core::kMaxCodePoint;

using core::append_utf8;
using core::decode_utf8;
using core::find_invalid_utf8;

/// `text` with every byte that does not start a valid sequence replaced by U+FFFD.
std::string replace_invalid_utf8(std::string_view text);

/// Length of a UTF-8 sequence as announced by its lead byte (1 for continuation bytes and
/// invalid leads, so scanning always advances).
inline size_t utf8_sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

/// Unicode general categories, numbered as ICU's UCharCategory (0 = unassigned, 1 = Lu, ...).
/// The table is built once, on first use, from ICU (Unicode 15 with ICU 72).
struct CodepointInfo {
  uint8_t category;  // UCharCategory
  bool white_space;  // the White_Space property (what \s matches)
};
CodepointInfo codepoint_info(uint32_t cp);

/// Bit masks over general categories, for character classes: \p{L}, \p{N}, ...
uint32_t category_mask(std::string_view name, bool* ok);  // "L", "Lu", "N", "P", "M", "S", ...
inline bool category_in(uint32_t mask, uint8_t category) { return (mask >> category) & 1u; }

/// GPT-2's reversible byte <-> printable-character mapping.
struct ByteLevelTables {
  std::array<std::string, 256> byte_to_utf8;  // byte -> its character, UTF-8 encoded
  std::array<int16_t, 324> char_to_byte;      // codepoint (< 324) -> byte, or -1
};
const ByteLevelTables& byte_level_tables();

/// Byte-level form of raw bytes (each byte becomes its mapped character).
void append_byte_level(std::string& out, std::string_view bytes);

/// Raw bytes of a byte-level piece. Characters outside the mapping are copied through as
/// UTF-8 (pieces of added tokens are not byte-level encoded). Returns false if any were.
bool byte_level_decode(std::string_view piece, std::string& out);

}  // namespace braid::text::detail
