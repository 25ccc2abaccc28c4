#include "jinja/strings.h"

#include <algorithm>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/utf8.h"

namespace braid::text::jinja {

namespace {

template <typename F>
std::string map_code_points(const std::string& s, F f) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) utf8::append(out, f(utf8::decode_next(s, i)));
  return out;
}

bool is_cased(char32_t cp) { return utf8::is_upper(cp) || utf8::is_lower(cp); }

}  // namespace

std::string py_upper(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    if (cp == 0xDF) {  // the one special casing common in practice: 'ß'.upper() == 'SS'
      out += "SS";
    } else {
      utf8::append(out, utf8::to_upper(cp));
    }
  }
  return out;
}

std::string py_lower(const std::string& s) { return map_code_points(s, utf8::to_lower); }

std::string py_swapcase(const std::string& s) {
  return map_code_points(s, [](char32_t cp) {
    if (utf8::is_upper(cp)) return utf8::to_lower(cp);
    if (utf8::is_lower(cp)) return utf8::to_upper(cp);
    return cp;
  });
}

std::string py_title(const std::string& s) {
  std::string out;
  bool previous_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    if (utf8::is_upper(cp)) {
      utf8::append(out, previous_cased ? utf8::to_lower(cp) : cp);
      previous_cased = true;
    } else if (utf8::is_lower(cp)) {
      utf8::append(out, previous_cased ? cp : utf8::to_upper(cp));
      previous_cased = true;
    } else {
      utf8::append(out, cp);
      previous_cased = false;
    }
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  if (s.empty()) return s;
  std::size_t i = 0;
  const char32_t first = utf8::decode_next(s, i);
  std::string out;
  utf8::append(out, utf8::to_upper(first));
  out += py_lower(s.substr(i));
  return out;
}

bool py_islower(const std::string& s) {
  bool any_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    if (utf8::is_upper(cp)) return false;
    any_cased = any_cased || is_cased(cp);
  }
  return any_cased;
}

bool py_isupper(const std::string& s) {
  bool any_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    if (utf8::is_lower(cp)) return false;
    any_cased = any_cased || is_cased(cp);
  }
  return any_cased;
}

std::string py_replace(const std::string& s,
                       const std::string& old,
                       const std::string& repl,
                       std::int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `repl` before every code point and at the end.
    std::int64_t done = 0;
    std::size_t i = 0;
    while (i <= s.size()) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      if (i == s.size()) break;
      const std::size_t start = i;
      utf8::decode_next(s, i);
      out.append(s, start, i - start);
    }
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t hit = s.find(old, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += repl;
    pos = hit + old.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return out;
}

namespace {

bool space_at(const std::string& s, std::size_t i, std::size_t* next) {
  std::size_t j = i;
  const char32_t cp = utf8::decode_next(s, j);
  *next = j;
  return utf8::is_space(cp);
}

// Start of the code point that ends just before byte `i`.
std::size_t previous_start(const std::string& s, std::size_t i) {
  std::size_t start = i - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return start;
}

}  // namespace

std::vector<std::string> py_split(const std::string& s,
                                  const std::string* sep,
                                  std::int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) runtime_error("empty separator");
    std::size_t pos = 0;
    while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
      const std::size_t hit = s.find(*sep, pos);
      if (hit == std::string::npos) break;
      out.push_back(s.substr(pos, hit - pos));
      pos = hit + sep->size();
    }
    out.push_back(s.substr(pos));
    return out;
  }
  std::size_t i = 0, next = 0;
  while (true) {
    while (i < s.size() && space_at(s, i, &next)) i = next;
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) >= maxsplit) {
      out.push_back(s.substr(i));
      break;
    }
    const std::size_t start = i;
    while (i < s.size() && !space_at(s, i, &next)) i = next;
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> py_rsplit(const std::string& s,
                                   const std::string* sep,
                                   std::int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) runtime_error("empty separator");
    std::size_t end = s.size();
    while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      const std::size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string::npos) break;
      out.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.push_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::size_t end = s.size(), next = 0;
  while (true) {
    while (end > 0) {
      const std::size_t start = previous_start(s, end);
      if (!space_at(s, start, &next)) break;
      end = start;
    }
    if (end == 0) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) >= maxsplit) {
      out.push_back(s.substr(0, end));
      break;
    }
    std::size_t begin = end;
    while (begin > 0) {
      const std::size_t start = previous_start(s, begin);
      if (space_at(s, start, &next)) break;
      begin = start;
    }
    out.push_back(s.substr(begin, end - begin));
    end = begin;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::string> py_splitlines(const std::string& s, bool keepends) {
  std::vector<std::string> out;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t cp_start = i;
    const char32_t cp = utf8::decode_next(s, i);
    if (!utf8::is_line_break(cp)) continue;
    std::size_t end_of_break = i;
    if (cp == '\r' && i < s.size() && s[i] == '\n') end_of_break = ++i;
    out.push_back(s.substr(line_start, (keepends ? end_of_break : cp_start) - line_start));
    line_start = end_of_break;
  }
  if (line_start < s.size()) out.push_back(s.substr(line_start));
  return out;
}

void code_point_range(const std::string& s,
                      std::optional<std::int64_t> start,
                      std::optional<std::int64_t> end,
                      std::size_t* byte_begin,
                      std::size_t* byte_end) {
  const auto n = static_cast<std::int64_t>(utf8::length(s));
  std::int64_t lo = start.value_or(0), hi = end.value_or(n);
  if (lo < 0) lo = std::max<std::int64_t>(lo + n, 0);
  if (hi < 0) hi = std::max<std::int64_t>(hi + n, 0);
  lo = std::min(lo, n);
  hi = std::min(hi, n);
  std::size_t pos = 0;
  std::int64_t index = 0;
  *byte_begin = *byte_end = s.size();
  while (true) {
    if (index == lo) *byte_begin = pos;
    if (index == hi) *byte_end = pos;
    if (pos >= s.size()) break;
    utf8::decode_next(s, pos);
    ++index;
  }
  if (hi < lo) *byte_end = *byte_begin;
}

std::int64_t code_point_index(const std::string& s, std::size_t offset) {
  return static_cast<std::int64_t>(utf8::length(std::string_view(s).substr(0, offset)));
}

std::int64_t py_find(const std::string& s,
                     const std::string& sub,
                     std::optional<std::int64_t> start,
                     std::optional<std::int64_t> end,
                     bool reverse) {
  std::size_t begin = 0, stop = 0;
  code_point_range(s, start, end, &begin, &stop);
  if (start && *start > static_cast<std::int64_t>(utf8::length(s))) return -1;
  if (stop < begin || stop - begin < sub.size()) return -1;
  const std::string_view window = std::string_view(s).substr(begin, stop - begin);
  const std::size_t hit = reverse ? window.rfind(sub) : window.find(sub);
  if (hit == std::string_view::npos) return -1;
  return code_point_index(s, begin + hit);
}

std::int64_t py_count(const std::string& s,
                      const std::string& sub,
                      std::optional<std::int64_t> start,
                      std::optional<std::int64_t> end) {
  std::size_t begin = 0, stop = 0;
  code_point_range(s, start, end, &begin, &stop);
  if (stop < begin) return 0;
  const std::string_view window = std::string_view(s).substr(begin, stop - begin);
  if (sub.empty()) return static_cast<std::int64_t>(utf8::length(window)) + 1;
  std::int64_t n = 0;
  for (std::size_t pos = window.find(sub); pos != std::string_view::npos;
       pos = window.find(sub, pos + sub.size())) {
    ++n;
  }
  return n;
}

std::string py_pad(const std::string& s, std::int64_t width, const std::string& fill, char align) {
  const auto len = static_cast<std::int64_t>(utf8::length(s));
  if (width <= len) return s;
  const std::int64_t total = width - len;
  std::int64_t left = 0;
  if (align == '>') {
    left = total;
  } else if (align == '^') {
    // CPython's str.center puts the odd extra character on the left when the width is odd.
    left = total / 2 + (total & width & 1);
  }
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (std::int64_t i = 0; i < total - left; ++i) out += fill;
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string py_strip(const std::string& s, const std::string* chars, bool left, bool right) {
  std::u32string set;
  if (chars) set = utf8::decode(*chars);
  auto strip_me = [&](char32_t cp) {
    return chars ? set.find(cp) != std::u32string::npos : utf8::is_space(cp);
  };
  std::size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      std::size_t next = begin;
      if (!strip_me(utf8::decode_next(s, next))) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      const std::size_t start = previous_start(s, end);
      std::size_t next = start;
      if (!strip_me(utf8::decode_next(s, next))) break;
      end = start;
    }
  }
  return s.substr(begin, end - begin);
}

}  // namespace braid::text::jinja
