// UTF-8 and the handful of Unicode character properties that Python's str methods need.
//
// Template strings are stored as UTF-8; operations that Python defines per code point (len,
// indexing, slicing, strip, upper, repr) decode to UTF-32 first. Every string that enters the
// engine is validated once, so the decoders here may assume valid input.
#pragma once

#include <string>
#include <string_view>

namespace braid::text::jinja::utf8 {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool is_valid(std::string_view s);

/// Byte offset of the first malformed sequence in `s`, or npos.
std::size_t first_invalid(std::string_view s);

/// Decodes the code point at s[i] and advances i past it. `s` must be valid UTF-8.
char32_t decode_next(std::string_view s, std::size_t& i);

/// Appends the UTF-8 encoding of `cp`.
void append(std::string& out, char32_t cp);

std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);

/// Number of code points (Python len()).
std::size_t length(std::string_view s);

/// Python str.isspace() for one code point (also what `\s` matches in Python's re).
bool is_space(char32_t cp);

/// Python str.splitlines() boundaries (\n, \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029).
bool is_line_break(char32_t cp);

/// Whether Python's repr() prints the code point as is. Exact for the categories that matter in
/// practice (controls, format characters, separators, private use, surrogates); unassigned code
/// points count as printable here, whereas Python escapes them.
bool is_printable(char32_t cp);

/// Simple (one-to-one) Unicode case mappings from the C library's C.UTF-8 tables; ASCII only if
/// that locale is missing. Python's full mappings differ for a few characters (e.g. 'ß'.upper()).
char32_t to_upper(char32_t cp);
char32_t to_lower(char32_t cp);
bool is_upper(char32_t cp);
bool is_lower(char32_t cp);
/// Letters and digits (Python isalpha/isdigit/isalnum and the \w of `wordcount`).
bool is_alpha(char32_t cp);
bool is_digit(char32_t cp);
inline bool is_alnum(char32_t cp) { return is_alpha(cp) || is_digit(cp); }

}  // namespace braid::text::jinja::utf8
