#include "jinja/lexer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "jinja/py_format.h"
#include "jinja/utf8.h"

namespace braid::text::jinja {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// jinja2 splits on \r\n, \r and \n, joins with \n, and drops one trailing empty line.
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize_newlines(source)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    std::size_t pos = 0;
    bool line_starting = true;
    while (pos < src_.size()) {
      const std::size_t tag = find_tag_start(pos);
      if (tag == std::string::npos) {
        emit_data(src_.substr(pos), pos);
        break;
      }
      const char kind = src_[tag + 1];
      std::size_t after = tag + 2;
      char sign = 0;
      if (after < src_.size() && (src_[after] == '-' || src_[after] == '+')) sign = src_[after++];
      std::size_t raw_end = kind == '%' ? match_raw_begin(after) : std::string::npos;

      std::string text = src_.substr(pos, tag - pos);
      apply_left_strip(text, sign, kind != '{', line_starting);
      emit_data(std::move(text), pos);

      if (raw_end != std::string::npos) {
        line_starting = src_[raw_end - 1] == '\n';
        pos = lex_raw(tag, raw_end, line_starting);
        line_starting = src_[pos - 1] == '\n';
      } else if (kind == '#') {
        pos = skip_comment(tag, after, line_starting);
      } else {
        line_starting = false;
        pos = lex_tag(kind == '{', tag, after, line_starting);
      }
    }
    tokens_.push_back(Token{TokenKind::Eof, "", 0, 0, pos_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  SourcePos pos_at(std::size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const std::size_t line_start = *(it - 1);
    const int column = static_cast<int>(
        utf8::length(std::string_view(src_).substr(line_start, offset - line_start)));
    return {static_cast<int>(it - line_starts_.begin()), column + 1};
  }

  [[noreturn]] void syntax_error(std::string message, std::size_t offset) const {
    fail(ErrorKind::Syntax, std::move(message), pos_at(offset));
  }

  std::size_t find_tag_start(std::size_t from) const {
    for (std::size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  // Length of the Python whitespace run at `pos` (what `\s*` matches there).
  std::size_t space_run(std::size_t pos) const {
    std::size_t i = pos;
    while (i < src_.size()) {
      std::size_t next = i;
      if (!utf8::is_space(utf8::decode_next(src_, next))) break;
      i = next;
    }
    return i - pos;
  }

  bool starts_with(std::size_t pos, std::string_view s) const {
    return src_.compare(pos, s.size(), s) == 0;
  }

  // `{%[-+]?\s*raw\s*(-%}\s*|%})` with `after` just past the sign: returns the end of the match.
  std::size_t match_raw_begin(std::size_t after) const {
    std::size_t p = after + space_run(after);
    if (!starts_with(p, "raw")) return std::string::npos;
    p += 3;
    p += space_run(p);
    if (starts_with(p, "-%}")) return p + 3 + space_run(p + 3);
    if (starts_with(p, "%}")) return p + 2;
    return std::string::npos;
  }

  // Whitespace control before a tag: '-' strips all whitespace; otherwise lstrip_blocks removes
  // the indentation of a block or comment tag that starts its line.
  void apply_left_strip(std::string& text, char sign, bool lstrip_applies, bool line_starting) {
    if (sign == '-') {
      std::size_t end = text.size();
      while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t i = start;
        if (!utf8::is_space(utf8::decode_next(text, i))) break;
        end = start;
      }
      text.resize(end);
      return;
    }
    if (sign == '+' || !lstrip_applies) return;
    const std::size_t newline = text.rfind('\n');
    const std::size_t l_pos = newline == std::string::npos ? 0 : newline + 1;
    if (l_pos == 0 && !line_starting) return;
    if (l_pos >= text.size()) return;
    for (std::size_t i = l_pos; i < text.size();) {
      if (!utf8::is_space(utf8::decode_next(text, i))) return;
    }
    text.resize(l_pos);
  }

  // Where a tag's closing delimiter ends, applying '-' (strip following whitespace), '+' (keep)
  // or trim_blocks (drop one newline after a block or comment tag).
  std::size_t after_close(std::size_t close_end, char sign, bool trim_newline) const {
    if (sign == '-') return close_end + space_run(close_end);
    if (sign == 0 && trim_newline && close_end < src_.size() && src_[close_end] == '\n') {
      return close_end + 1;
    }
    return close_end;
  }

  std::size_t skip_comment(std::size_t tag, std::size_t after, bool& line_starting) {
    for (std::size_t p = after; p < src_.size(); ++p) {
      char sign = 0;
      std::size_t close = p;
      if ((src_[p] == '-' || src_[p] == '+') && starts_with(p + 1, "#}")) {
        sign = src_[p];
        close = p + 1;
      } else if (!starts_with(p, "#}")) {
        continue;
      }
      const std::size_t end = after_close(close + 2, sign, true);
      line_starting = src_[end - 1] == '\n';
      return end;
    }
    syntax_error("missing end of comment tag '#}'", tag);
  }

  std::size_t lex_raw(std::size_t tag, std::size_t body_start, bool line_starting_after_begin) {
    for (std::size_t p = src_.find("{%", body_start); p != std::string::npos;
         p = src_.find("{%", p + 1)) {
      std::size_t q = p + 2;
      char open_sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) open_sign = src_[q++];
      q += space_run(q);
      if (!starts_with(q, "endraw")) continue;
      q += 6;
      q += space_run(q);
      char close_sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+') && starts_with(q + 1, "%}")) {
        close_sign = src_[q++];
      } else if (!starts_with(q, "%}")) {
        continue;
      }
      std::string text = src_.substr(body_start, p - body_start);
      apply_left_strip(text, open_sign, true, line_starting_after_begin);
      emit_data(std::move(text), body_start);
      return after_close(q + 2, close_sign, true);
    }
    syntax_error("missing end of raw directive ({% endraw %})", tag);
  }

  void emit_data(std::string text, std::size_t offset) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenKind::Data, std::move(text), 0, 0, pos_at(offset)});
  }

  void emit(TokenKind kind, std::string text, std::size_t offset) {
    tokens_.push_back(Token{kind, std::move(text), 0, 0, pos_at(offset)});
  }

  // Lexes the inside of {{ }} or {% %} starting at `pos`; returns the position after the close.
  std::size_t lex_tag(bool variable, std::size_t tag, std::size_t pos, bool& line_starting) {
    emit(variable ? TokenKind::VariableBegin : TokenKind::BlockBegin, variable ? "{{" : "{%", tag);
    std::vector<char> balance;
    while (pos < src_.size()) {
      if (balance.empty()) {
        std::size_t close_end = std::string::npos;
        char sign = 0;
        if (variable) {
          if (starts_with(pos, "-}}")) {
            sign = '-';
            close_end = pos + 3;
          } else if (starts_with(pos, "}}")) {
            close_end = pos + 2;
            sign = '+';  // no trim_blocks after variables
          }
        } else {
          if (starts_with(pos, "+%}") || starts_with(pos, "-%}")) {
            sign = src_[pos];
            close_end = pos + 3;
          } else if (starts_with(pos, "%}")) {
            close_end = pos + 2;
          }
        }
        if (close_end != std::string::npos) {
          emit(variable ? TokenKind::VariableEnd : TokenKind::BlockEnd, variable ? "}}" : "%}",
               pos);
          const std::size_t end = after_close(close_end, sign, true);
          line_starting = src_[end - 1] == '\n';
          return end;
        }
      }
      const std::size_t spaces = space_run(pos);
      if (spaces) {
        pos += spaces;
        continue;
      }
      pos = lex_token(pos, balance);
    }
    return pos;  // the parser reports the unexpected end of the template
  }

  std::size_t lex_token(std::size_t pos, std::vector<char>& balance) {
    const char c = src_[pos];
    if (is_digit(c)) {
      if (const std::size_t end = match_float(pos); end != std::string::npos) {
        std::string text;
        for (std::size_t i = pos; i < end; ++i) {
          if (src_[i] != '_') text.push_back(src_[i]);
        }
        Token t{TokenKind::Float, src_.substr(pos, end - pos), 0, 0, pos_at(pos)};
        if (!parse_py_float(text, &t.float_value)) syntax_error("invalid float literal", pos);
        tokens_.push_back(std::move(t));
        return end;
      }
      return lex_integer(pos);
    }
    if (is_name_start(c)) {
      std::size_t end = pos;
      while (end < src_.size() && is_name_char(src_[end])) ++end;
      emit(TokenKind::Name, src_.substr(pos, end - pos), pos);
      return end;
    }
    if (c == '\'' || c == '"') return lex_string(pos);
    static constexpr std::string_view kTwoChar[] = {"//", "**", "==", "!=", ">=", "<="};
    for (std::string_view op : kTwoChar) {
      if (starts_with(pos, op)) {
        emit(TokenKind::Operator, std::string(op), pos);
        return pos + 2;
      }
    }
    if (std::string_view("+-/*%~[](){}<>=.:|,;").find(c) == std::string_view::npos) {
      std::size_t i = pos;
      std::string ch;
      utf8::append(ch, utf8::decode_next(src_, i));
      syntax_error("unexpected character '" + ch + "'", pos);
    }
    if (c == '(' || c == '[' || c == '{') {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) syntax_error(std::string("unexpected '") + c + "'", pos);
      if (balance.back() != c) {
        syntax_error(std::string("unexpected '") + c + "', expected '" + balance.back() + "'", pos);
      }
      balance.pop_back();
    }
    emit(TokenKind::Operator, std::string(1, c), pos);
    return pos + 1;
  }

  // (\d+_)*\d+ at pos: returns the end or npos.
  std::size_t match_digits(std::size_t pos) const {
    if (pos >= src_.size() || !is_digit(src_[pos])) return std::string::npos;
    std::size_t i = pos;
    while (true) {
      while (i < src_.size() && is_digit(src_[i])) ++i;
      if (i + 1 < src_.size() && src_[i] == '_' && is_digit(src_[i + 1])) {
        ++i;
        continue;
      }
      return i;
    }
  }

  // jinja2's float_re: digits, then an exponent (with optional fraction) or a fraction; never
  // directly after a '.', so "a.0.1" stays two integer subscripts.
  std::size_t match_float(std::size_t pos) const {
    if (pos > 0 && src_[pos - 1] == '.') return std::string::npos;
    std::size_t i = match_digits(pos);
    std::size_t frac_end = std::string::npos;
    if (i < src_.size() && src_[i] == '.') frac_end = match_digits(i + 1);
    const std::size_t exp_start = frac_end != std::string::npos ? frac_end : i;
    if (exp_start < src_.size() && (src_[exp_start] == 'e' || src_[exp_start] == 'E')) {
      std::size_t j = exp_start + 1;
      if (j < src_.size() && (src_[j] == '+' || src_[j] == '-')) ++j;
      if (const std::size_t end = match_digits(j); end != std::string::npos) return end;
    }
    return frac_end;
  }

  std::size_t lex_integer(std::size_t pos) {
    std::size_t end = pos;
    int base = 10;
    auto run = [&](std::size_t start, bool (*ok)(char)) {
      std::size_t i = start;
      while (i < src_.size()) {
        if (ok(src_[i])) {
          ++i;
        } else if (src_[i] == '_' && i + 1 < src_.size() && ok(src_[i + 1])) {
          i += 2;
        } else {
          break;
        }
      }
      return i;
    };
    const char p = pos + 1 < src_.size() ? static_cast<char>(src_[pos + 1] | 0x20) : 0;
    auto first_ok = [&](std::size_t i, bool (*ok)(char)) {
      return i < src_.size() &&
             (ok(src_[i]) || (src_[i] == '_' && i + 1 < src_.size() && ok(src_[i + 1])));
    };
    static constexpr auto bin = [](char ch) { return ch == '0' || ch == '1'; };
    static constexpr auto oct = [](char ch) { return ch >= '0' && ch <= '7'; };
    if (src_[pos] == '0' && p == 'b' && first_ok(pos + 2, bin)) {
      base = 2;
      end = run(pos + 2, bin);
    } else if (src_[pos] == '0' && p == 'o' && first_ok(pos + 2, oct)) {
      base = 8;
      end = run(pos + 2, oct);
    } else if (src_[pos] == '0' && p == 'x' && first_ok(pos + 2, is_hex)) {
      base = 16;
      end = run(pos + 2, is_hex);
    } else if (src_[pos] == '0') {
      end = run(pos + 1, [](char ch) { return ch == '0'; });
    } else {
      end = run(pos + 1, is_digit);
    }
    const std::string text = src_.substr(pos, end - pos);
    Token t{TokenKind::Integer, text, 0, 0, pos_at(pos)};
    std::int64_t value = 0;
    bool ok = false;
    try {
      ok = parse_py_int(text, base == 10 ? 10 : 0, &value);
    } catch (const TemplateError&) {  // thrown only for values beyond 64 bits
      fail(ErrorKind::Unsupported, "integer literal '" + text + "' does not fit in 64 bits",
           pos_at(pos));
    }
    if (!ok) syntax_error("invalid integer literal '" + text + "'", pos);
    t.int_value = value;
    tokens_.push_back(std::move(t));
    return end;
  }

  std::size_t lex_string(std::size_t pos) {
    const char quote = src_[pos];
    std::size_t i = pos + 1;
    while (i < src_.size() && src_[i] != quote) i += src_[i] == '\\' ? 2 : 1;
    if (i >= src_.size()) syntax_error("unterminated string literal", pos);
    Token t{TokenKind::String, unescape(pos + 1, i), 0, 0, pos_at(pos)};
    tokens_.push_back(std::move(t));
    return i + 1;
  }

  // Python's "unicode-escape" decoding of the literal's body, after jinja2 has replaced every
  // non-ASCII character by its backslash escape (which matters only right after a backslash).
  std::string unescape(std::size_t begin, std::size_t end) const {
    std::string out;
    std::size_t i = begin;
    auto fail_escape = [&](const std::string& what) { syntax_error(what, i); };
    while (i < end) {
      if (src_[i] != '\\') {
        const std::size_t next = src_.find('\\', i);
        const std::size_t stop = std::min(next, end);
        out.append(src_, i, stop - i);
        i = stop;
        continue;
      }
      const std::size_t esc = i + 1;  // the lexer guarantees esc < end
      const char c = src_[esc];
      i = esc + 1;
      switch (c) {
        case '\n':
          break;
        case '\\':
        case '\'':
        case '"':
          out.push_back(c);
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case 'x':
        case 'u':
        case 'U': {
          const std::size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < n; ++k) {
            if (i + k >= end || !is_hex(src_[i + k])) {
              fail_escape(std::string("truncated \\") + c + " escape in string literal");
            }
            const char h = src_[i + k];
            cp =
                cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          i += n;
          if (cp > 0x10FFFF) fail_escape("illegal Unicode character in string literal");
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            fail(ErrorKind::Unsupported, "surrogate escapes in string literals are not supported",
                 pos_at(esc));
          }
          utf8::append(out, cp);
          break;
        }
        case 'N':
          fail(ErrorKind::Unsupported, "\\N{...} escapes in string literals are not supported",
               pos_at(esc));
        default:
          if (c >= '0' && c <= '7') {
            std::uint32_t cp = static_cast<std::uint32_t>(c - '0');
            for (int k = 0; k < 2 && i < end && src_[i] >= '0' && src_[i] <= '7'; ++k) {
              cp = cp * 8 + static_cast<std::uint32_t>(src_[i++] - '0');
            }
            utf8::append(out, cp);
          } else if (static_cast<unsigned char>(c) >= 0x80) {
            // "\é" became "\\xe9" before decoding: a backslash, then the escape's letters.
            std::size_t j = esc;
            const char32_t cp = utf8::decode_next(src_, j);
            char buf[16];
            std::snprintf(buf, sizeof buf,
                          cp <= 0xFF     ? "\\x%02x"
                          : cp <= 0xFFFF ? "\\u%04x"
                                         : "\\U%08x",
                          static_cast<unsigned>(cp));
            out += buf;
            i = j;
          } else {
            out.push_back('\\');  // unknown escapes stay as written
            out.push_back(c);
          }
      }
    }
    return out;
  }

  std::string src_;
  std::vector<std::size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::Data:
      return "template data";
    case TokenKind::VariableBegin:
      return "'{{'";
    case TokenKind::VariableEnd:
      return "'}}'";
    case TokenKind::BlockBegin:
      return "'{%'";
    case TokenKind::BlockEnd:
      return "'%}'";
    case TokenKind::Name:
      return "name '" + token.text + "'";
    case TokenKind::String:
      return "string literal";
    case TokenKind::Integer:
    case TokenKind::Float:
      return "number " + token.text;
    case TokenKind::Operator:
      return "'" + token.text + "'";
    case TokenKind::Eof:
      return "end of template";
  }
  return "token";
}

}  // namespace braid::text::jinja
