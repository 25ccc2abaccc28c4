// UTF-8 checks and conversions shared by every room that handles text (tokenizers, templates,
// what the CLI prints). Strict: overlong forms, surrogates and code points above U+10FFFF are
// invalid, as the Unicode standard defines well-formed UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace braid::core {

inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

/// Length of the valid UTF-8 sequence starting at text[pos] (pos < text.size()), or 0 if the
/// bytes there do not start one (bad lead byte, truncated, overlong, surrogate or above
/// U+10FFFF). Sets *cp when valid.
size_t decode_utf8(std::string_view text, size_t pos, uint32_t* cp);

/// Offset of the first byte that does not start a valid sequence, or npos.
size_t find_invalid_utf8(std::string_view text);

/// True when all of `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

/// Appends the UTF-8 form of `cp` (which must be <= U+10FFFF).
void append_utf8(std::string& out, uint32_t cp);

}  // namespace braid::core
