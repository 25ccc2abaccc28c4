// Python str methods on UTF-8 strings (indices and lengths count code points, like Python).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace braid::text::jinja {

std::string py_upper(const std::string& s);
std::string py_lower(const std::string& s);
std::string py_swapcase(const std::string& s);
/// str.title(): a cased character after an uncased one starts a word.
std::string py_title(const std::string& s);
/// str.capitalize(): first character upper, the rest lower.
std::string py_capitalize(const std::string& s);
bool py_islower(const std::string& s);
bool py_isupper(const std::string& s);

/// str.replace(old, new, count); count < 0 replaces all.
std::string py_replace(const std::string& s,
                       const std::string& old,
                       const std::string& repl,
                       std::int64_t count);
/// str.split(sep, maxsplit) / rsplit; a null sep splits on runs of whitespace.
std::vector<std::string> py_split(const std::string& s,
                                  const std::string* sep,
                                  std::int64_t maxsplit);
std::vector<std::string> py_rsplit(const std::string& s,
                                   const std::string* sep,
                                   std::int64_t maxsplit);
std::vector<std::string> py_splitlines(const std::string& s, bool keepends);

/// Byte offsets of the code point range [start, end) after Python's slice clamping.
void code_point_range(const std::string& s,
                      std::optional<std::int64_t> start,
                      std::optional<std::int64_t> end,
                      std::size_t* byte_begin,
                      std::size_t* byte_end);
/// Code point index of byte offset `offset`.
std::int64_t code_point_index(const std::string& s, std::size_t offset);

/// str.find / rfind over s[start:end]: a code point index or -1.
std::int64_t py_find(const std::string& s,
                     const std::string& sub,
                     std::optional<std::int64_t> start,
                     std::optional<std::int64_t> end,
                     bool reverse);
/// str.count.
std::int64_t py_count(const std::string& s,
                      const std::string& sub,
                      std::optional<std::int64_t> start,
                      std::optional<std::int64_t> end);

/// str.center / ljust / rjust with a one-character fill.
std::string py_pad(const std::string& s, std::int64_t width, const std::string& fill, char align);

/// HTML escaping as markupsafe does it (& < > " ').
std::string html_escape(const std::string& s);

}  // namespace braid::text::jinja
