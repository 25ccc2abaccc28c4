// Python's int() and float() of strings.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jinja/error.h"
#include "jinja/py_format.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

std::string_view strip_space(std::string_view s) {
  std::size_t begin = 0, end = s.size();
  while (begin < end) {
    std::size_t i = begin;
    if (!utf8::is_space(utf8::decode_next(s, i))) break;
    begin = i;
  }
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::size_t i = start;
    if (!utf8::is_space(utf8::decode_next(s, i))) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Removes '_' separators that Python allows between digits; false if one is misplaced.
bool remove_underscores(std::string_view s, std::string* out, bool (*is_digit)(char)) {
  out->clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 >= s.size() || !is_digit(s[i - 1]) || !is_digit(s[i + 1])) return false;
      continue;
    }
    out->push_back(s[i]);
  }
  return true;
}

bool is_dec_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

bool parse_py_int(std::string_view text, int base, std::int64_t* out) {
  std::string_view s = strip_space(text);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const int prefix_base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefix_base && (base == 0 || base == prefix_base)) {
      base = prefix_base;
      s.remove_prefix(2);
      if (!s.empty() && s[0] == '_') s.remove_prefix(1);
    }
  }
  if (base == 0) {
    base = 10;
    // Python rejects "010" in base 0 (leading zeros), except for zero itself.
    if (s.size() > 1 && s[0] == '0' && s.find_first_not_of("0_") != std::string_view::npos) {
      return false;
    }
  }
  std::string digits;
  if (s.empty() || !remove_underscores(s, &digits, is_alnum_digit)) return false;
  std::uint64_t magnitude = 0;
  for (char c : digits) {
    int d = is_dec_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    if (d < 0 || d >= base) return false;
    if (magnitude > (UINT64_MAX - static_cast<unsigned>(d)) / static_cast<unsigned>(base)) {
      runtime_error("integer '" + std::string(text) + "' does not fit in 64 bits");
    }
    magnitude = magnitude * static_cast<unsigned>(base) + static_cast<unsigned>(d);
  }
  const std::uint64_t limit = negative ? (static_cast<std::uint64_t>(INT64_MAX) + 1) : INT64_MAX;
  if (magnitude > limit) {
    runtime_error("integer '" + std::string(text) + "' does not fit in 64 bits");
  }
  *out = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

bool parse_py_float(std::string_view text, double* out) {
  std::string_view s = strip_space(text);
  std::string body(s);
  std::string lower;
  for (char c : body) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c));
  std::string_view unsigned_part = lower;
  if (!unsigned_part.empty() && (unsigned_part[0] == '+' || unsigned_part[0] == '-')) {
    unsigned_part.remove_prefix(1);
  }
  const bool negative = !lower.empty() && lower[0] == '-';
  if (unsigned_part == "inf" || unsigned_part == "infinity") {
    *out = negative ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (unsigned_part == "nan") {
    *out = negative ? -NAN : NAN;
    return true;
  }
  // [sign] (digits [. digits?] | . digits) [e [sign] digits], '_' only between digits.
  std::string clean;
  if (!remove_underscores(body, &clean, is_dec_digit)) return false;
  std::size_t i = 0;
  if (i < clean.size() && (clean[i] == '+' || clean[i] == '-')) ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < clean.size() && is_dec_digit(clean[i])) ++i, ++int_digits;
  if (i < clean.size() && clean[i] == '.') {
    ++i;
    while (i < clean.size() && is_dec_digit(clean[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < clean.size() && (clean[i] == 'e' || clean[i] == 'E')) {
    ++i;
    if (i < clean.size() && (clean[i] == '+' || clean[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < clean.size() && is_dec_digit(clean[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != clean.size()) return false;
  const char* first = clean.data() + (clean[0] == '+' ? 1 : 0);
  const auto res = std::from_chars(first, clean.data() + clean.size(), *out);
  if (res.ec == std::errc::result_out_of_range) {
    // Python gives inf for overflow and 0.0 for underflow; from_chars leaves *out unset.
    const std::size_t e = clean.find_first_of("eE");
    const bool tiny = e != std::string::npos && clean.find('-', e) != std::string::npos;
    *out = tiny ? 0.0 : HUGE_VAL;
    if (clean[0] == '-') *out = -*out;
  }
  return true;
}

}  // namespace braid::text::jinja
