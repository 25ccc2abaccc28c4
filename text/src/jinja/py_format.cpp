#include "jinja/py_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jinja/error.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

// printf-style %f/%e/%g of `x` ("-" included for negatives), independent of the C locale's
// decimal point: std::to_chars formats exactly as printf does in the "C" locale.
std::string format_double(double x, char conv, int precision, bool alt) {
  const bool upper = conv == 'F' || conv == 'E' || conv == 'G';
  std::string out;
  if (std::isnan(x) || std::isinf(x)) {
    out = std::isnan(x) ? "nan" : (x < 0 ? "-inf" : "inf");
  } else if (alt && (conv == 'g' || conv == 'G')) {
    // '#' keeps trailing zeros, which to_chars cannot do; snprintf is fine here because the
    // locale's decimal point is replaced below.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%#.*g", precision, x);
    out = buf;
    for (char& c : out) {
      if (c == ',') c = '.';
    }
  } else {
    const auto format = (conv == 'f' || conv == 'F')   ? std::chars_format::fixed
                        : (conv == 'e' || conv == 'E') ? std::chars_format::scientific
                                                       : std::chars_format::general;
    std::vector<char> buf(static_cast<std::size_t>(precision) + 400);
    const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), x, format, precision);
    out.assign(buf.data(), res.ptr);
    if (alt && out.find('.') == std::string::npos) {
      const std::size_t e = out.find('e');
      out.insert(e == std::string::npos ? out.size() : e, ".");
    }
  }
  if (upper) {
    for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  return out;
}

std::string digits_in_base(std::uint64_t magnitude, int base, bool upper) {
  if (magnitude == 0) return "0";
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (magnitude) {
    out.insert(out.begin(), digits[magnitude % static_cast<unsigned>(base)]);
    magnitude /= static_cast<unsigned>(base);
  }
  return out;
}

std::uint64_t magnitude_of(std::int64_t v) {
  return v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
}

// Strips Python whitespace from both ends.
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

// ---- printf-style formatting --------------------------------------------------------------

struct PercentSpec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = -1;
  int precision = -1;
  char conversion = 0;
};

std::string pad(std::string body, const PercentSpec& spec, std::size_t sign_prefix_len) {
  const std::size_t len = utf8::length(body);
  if (spec.width < 0 || len >= static_cast<std::size_t>(spec.width)) return body;
  const std::size_t fill = static_cast<std::size_t>(spec.width) - len;
  if (spec.left) return body + std::string(fill, ' ');
  if (spec.zero) return body.insert(sign_prefix_len, std::string(fill, '0'));
  return std::string(fill, ' ') + body;
}

std::string percent_int(std::int64_t v, const PercentSpec& spec) {
  int base = 10;
  std::string prefix;
  if (spec.conversion == 'x' || spec.conversion == 'X') {
    base = 16;
    if (spec.alt) prefix = spec.conversion == 'x' ? "0x" : "0X";
  } else if (spec.conversion == 'o') {
    base = 8;
    if (spec.alt) prefix = "0o";
  }
  std::string digits = digits_in_base(magnitude_of(v), base, spec.conversion == 'X');
  if (spec.precision > 0 && digits.size() < static_cast<std::size_t>(spec.precision)) {
    digits.insert(0, static_cast<std::size_t>(spec.precision) - digits.size(), '0');
  }
  std::string sign = v < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  const std::string head = sign + prefix;
  return pad(head + digits, spec, head.size());
}

std::string percent_float(double x, const PercentSpec& spec) {
  std::string body =
      format_double(x, spec.conversion, spec.precision < 0 ? 6 : spec.precision, spec.alt);
  if (body[0] != '-' && (spec.plus || spec.space)) body.insert(0, spec.plus ? "+" : " ");
  const bool has_sign = body[0] == '-' || body[0] == '+' || body[0] == ' ';
  PercentSpec padding = spec;
  if (!std::isfinite(x)) padding.zero = false;
  return pad(body, padding, has_sign ? 1 : 0);
}

std::string percent_one(const Value& arg, const PercentSpec& spec) {
  const char conv = spec.conversion;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      std::string s = conv == 's' ? py_str(arg) : py_repr(arg);
      if (spec.precision >= 0) {
        std::u32string cps = utf8::decode(s);
        if (cps.size() > static_cast<std::size_t>(spec.precision)) {
          s = utf8::encode(std::u32string_view(cps).substr(0, spec.precision));
        }
      }
      PercentSpec text = spec;
      text.zero = false;
      return pad(s, text, 0);
    }
    case 'd':
    case 'i':
    case 'u':
      if (arg.is_integral()) return percent_int(arg.as_int(), spec);
      if (arg.is_float()) {
        const double t = std::trunc(arg.as_double());
        if (!std::isfinite(t) || std::fabs(t) > 9.2e18) {
          runtime_error("cannot convert float to a 64-bit integer");
        }
        return percent_int(static_cast<std::int64_t>(t), spec);
      }
      runtime_error(std::string("%") + conv + " format: a real number is required, not " +
                    type_name(arg));
    case 'x':
    case 'X':
    case 'o':
      if (arg.is_integral()) return percent_int(arg.as_int(), spec);
      runtime_error(std::string("%") + conv + " format: an integer is required, not " +
                    type_name(arg));
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (!arg.is_number()) runtime_error("must be real number, not " + type_name(arg));
      return percent_float(arg.as_double(), spec);
    case 'c': {
      std::string s;
      if (arg.is_integral()) {
        const std::int64_t cp = arg.as_int();
        if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          runtime_error("%c arg not in range(0x110000)");
        }
        utf8::append(s, static_cast<char32_t>(cp));
      } else if (arg.is_string() && utf8::length(arg.as_string()) == 1) {
        s = arg.as_string();
      } else {
        runtime_error("%c requires an int or a unicode character");
      }
      PercentSpec text = spec;
      text.zero = false;
      return pad(s, text, 0);
    }
    default:
      runtime_error(std::string("unsupported format character '") + conv + "'");
  }
}

// ---- format-spec mini-language ------------------------------------------------------------

struct FormatSpec {
  std::string fill = " ";
  char align = 0;  // '<', '>', '^', '=' or 0 (type default)
  char sign = '-';
  bool alt = false;
  bool zero = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

int parse_number(std::string_view spec, std::size_t& i) {
  int n = 0;
  bool any = false;
  while (i < spec.size() && is_dec_digit(spec[i])) {
    n = n * 10 + (spec[i] - '0');
    if (n > 100000) runtime_error("format width or precision too big");
    ++i;
    any = true;
  }
  return any ? n : -1;
}

FormatSpec parse_spec(std::string_view spec) {
  FormatSpec f;
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  // A fill character is any code point followed by an alignment character.
  if (!spec.empty()) {
    std::size_t after = 0;
    utf8::decode_next(spec, after);
    if (after < spec.size() && is_align(spec[after])) {
      f.fill = std::string(spec.substr(0, after));
      f.align = spec[after];
      i = after + 1;
    } else if (is_align(spec[0])) {
      f.align = spec[0];
      i = 1;
    }
  }
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) f.sign = spec[i++];
  if (i < spec.size() && spec[i] == 'z') ++i;
  if (i < spec.size() && spec[i] == '#') {
    f.alt = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == '0') {
    f.zero = true;
    ++i;
  }
  f.width = parse_number(spec, i);
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) f.grouping = spec[i++];
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    f.precision = parse_number(spec, i);
    if (f.precision < 0) runtime_error("Format specifier missing precision");
  }
  if (i < spec.size()) f.type = spec[i++];
  if (i != spec.size()) runtime_error("Invalid format specifier '" + std::string(spec) + "'");
  if (f.zero && f.align == 0) {
    f.fill = "0";
    f.align = '=';
  }
  return f;
}

std::string group_digits(const std::string& digits, char sep, int every) {
  if (!sep) return digits;
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % every == 0) out.push_back(sep);
    out.push_back(digits[static_cast<std::size_t>(i)]);
  }
  return out;
}

std::string align_text(const std::string& sign,
                       const std::string& body,
                       const FormatSpec& f,
                       char default_align) {
  const std::size_t len = utf8::length(sign) + utf8::length(body);
  if (f.width < 0 || len >= static_cast<std::size_t>(f.width)) return sign + body;
  const std::size_t n = static_cast<std::size_t>(f.width) - len;
  auto fill = [&](std::size_t k) {
    std::string s;
    for (std::size_t j = 0; j < k; ++j) s += f.fill;
    return s;
  };
  switch (f.align ? f.align : default_align) {
    case '<':
      return sign + body + fill(n);
    case '^':
      return fill(n / 2) + sign + body + fill(n - n / 2);
    case '=':
      return sign + fill(n) + body;
    default:
      return fill(n) + sign + body;
  }
}

std::string sign_of(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

std::string format_float_spec(double x, const FormatSpec& f) {
  const bool negative = std::signbit(x) && !std::isnan(x);
  const double a = std::fabs(x);
  std::string body;
  char type = f.type;
  if (type == 0 && f.precision < 0) {
    body = float_repr(a);
  } else {
    double value = a;
    std::string suffix;
    if (type == '%') {
      value *= 100;
      suffix = "%";
      type = 'f';
    }
    const char conv = type == 0 ? 'g' : (type == 'n' ? 'g' : type);
    body = format_double(value, conv, f.precision < 0 ? 6 : f.precision, f.alt);
    if (type == 0 && std::isfinite(value) && body.find_first_of(".e") == std::string::npos) {
      body += ".0";
    }
    body += suffix;
  }
  if (f.grouping && std::isfinite(a)) {
    const std::size_t end = body.find_first_not_of("0123456789");
    body = group_digits(body.substr(0, end), f.grouping, 3) +
           (end == std::string::npos ? "" : body.substr(end));
  }
  FormatSpec g = f;
  if (!std::isfinite(a) && g.fill == "0" && g.align == '=' && f.zero) g.fill = " ";
  return align_text(sign_of(negative, f.sign), body, g, '>');
}

std::string format_int_spec(std::int64_t v, const FormatSpec& f) {
  if (f.precision >= 0) runtime_error("Precision not allowed in integer format specifier");
  std::string digits, prefix;
  switch (f.type) {
    case 0:
    case 'd':
    case 'n':
      digits = group_digits(digits_in_base(magnitude_of(v), 10, false), f.grouping, 3);
      break;
    case 'x':
    case 'X':
      digits =
          group_digits(digits_in_base(magnitude_of(v), 16, f.type == 'X'), f.grouping ? '_' : 0, 4);
      if (f.alt) prefix = f.type == 'x' ? "0x" : "0X";
      break;
    case 'o':
      digits = group_digits(digits_in_base(magnitude_of(v), 8, false), f.grouping ? '_' : 0, 4);
      if (f.alt) prefix = "0o";
      break;
    case 'b': {
      std::uint64_t m = magnitude_of(v);
      if (m == 0) digits = "0";
      while (m) {
        digits.insert(digits.begin(), static_cast<char>('0' + (m & 1)));
        m >>= 1;
      }
      digits = group_digits(digits, f.grouping ? '_' : 0, 4);
      if (f.alt) prefix = "0b";
      break;
    }
    case 'c': {
      std::string s;
      if (v < 0 || v > 0x10FFFF) runtime_error("%c arg not in range(0x110000)");
      utf8::append(s, static_cast<char32_t>(v));
      return align_text("", s, f, '<');
    }
    default:
      runtime_error(std::string("Unknown format code '") + f.type + "' for object of type 'int'");
  }
  return align_text(sign_of(v < 0, f.sign) + prefix, digits, f, '>');
}

}  // namespace

std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string out;
  if (s.front() == '-') {
    out = "-";
    s.remove_prefix(1);
  }
  const std::size_t e = s.find('e');
  std::string digits(1, s[0]);
  if (e > 2) digits += s.substr(2, e - 2);
  const int exponent = std::atoi(std::string(s.substr(e + 1)).c_str());
  const int decpt = exponent + 1;
  const int nd = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (decpt >= nd) {
      out += digits + std::string(static_cast<std::size_t>(decpt - nd), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
             digits.substr(static_cast<std::size_t>(decpt));
    }
  } else {
    out += digits[0];
    if (nd > 1) out += "." + digits.substr(1);
    const int e10 = decpt - 1;
    out += e10 < 0 ? "e-" : "e+";
    if (std::abs(e10) < 10) out += '0';
    out += std::to_string(std::abs(e10));
  }
  return out;
}

std::string percent_format(std::string_view format, const Value& args) {
  std::vector<Value> positional;
  const Dict* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.items();
  } else {
    positional.push_back(args);
    if (args.is_dict()) mapping = &args.as_dict();
  }
  std::size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (std::size_t i = 0; i < format.size();) {
    if (format[i] != '%') {
      out.push_back(format[i++]);
      continue;
    }
    ++i;
    if (i >= format.size()) runtime_error("incomplete format");
    if (format[i] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    const Value* arg = nullptr;
    if (format[i] == '(') {
      if (!mapping) runtime_error("format requires a mapping");
      const std::size_t close = format.find(')', i);
      if (close == std::string_view::npos) runtime_error("incomplete format key");
      const std::string key(format.substr(i + 1, close - i - 1));
      arg = mapping->find(std::string_view(key));
      if (!arg) runtime_error("KeyError: " + py_repr(Value::string(key)));
      used_mapping = true;
      i = close + 1;
    }
    PercentSpec spec;
    for (; i < format.size(); ++i) {
      const char c = format[i];
      if (c == '-') {
        spec.left = true;
      } else if (c == '+') {
        spec.plus = true;
      } else if (c == ' ') {
        spec.space = true;
      } else if (c == '#') {
        spec.alt = true;
      } else if (c == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    if (i < format.size() && format[i] == '*') runtime_error("'*' widths are not supported");
    spec.width = parse_number(format, i);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = parse_number(format, i);
      if (spec.precision < 0) spec.precision = 0;
    }
    while (i < format.size() && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L')) ++i;
    if (i >= format.size()) runtime_error("incomplete format");
    spec.conversion = format[i++];
    if (!arg) {
      if (next >= positional.size()) runtime_error("not enough arguments for format string");
      arg = &positional[next++];
    }
    out += percent_one(*arg, spec);
  }
  if (!used_mapping && !mapping && next < positional.size()) {
    runtime_error("not all arguments converted during string formatting");
  }
  return out;
}

std::string format_with_spec(const Value& value, std::string_view spec) {
  if (spec.empty()) return py_str(value);
  const FormatSpec f = parse_spec(spec);
  if (value.is_string()) {
    if (f.type != 0 && f.type != 's') {
      runtime_error(std::string("Unknown format code '") + f.type + "' for object of type 'str'");
    }
    if (f.sign != '-') runtime_error("Sign not allowed in string format specifier");
    std::string s = value.as_string();
    if (f.precision >= 0) {
      std::u32string cps = utf8::decode(s);
      if (cps.size() > static_cast<std::size_t>(f.precision)) {
        s = utf8::encode(std::u32string_view(cps).substr(0, f.precision));
      }
    }
    return align_text("", s, f, '<');
  }
  if (value.is_integral()) {
    if (f.type && std::string_view("eEfFgG%").find(f.type) != std::string_view::npos) {
      return format_float_spec(value.as_double(), f);
    }
    return format_int_spec(value.as_int(), f);
  }
  if (value.is_float()) {
    if (f.type && std::string_view("eEfFgGn%").find(f.type) == std::string_view::npos) {
      runtime_error(std::string("Unknown format code '") + f.type + "' for object of type 'float'");
    }
    return format_float_spec(value.as_double(), f);
  }
  runtime_error("unsupported format string passed to " + type_name(value) + ".__format__");
}

std::string str_format(std::string_view format, const CallArgs& args, const AttrLookup& getattr) {
  std::string out;
  int auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (std::size_t i = 0; i < format.size();) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out.push_back('}');
        i += 2;
        continue;
      }
      runtime_error("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      i += 2;
      continue;
    }
    // Find the matching '}' (one level of nested braces is allowed inside the spec).
    std::size_t j = i + 1;
    int depth = 1;
    while (j < format.size() && depth > 0) {
      if (format[j] == '{') ++depth;
      if (format[j] == '}') --depth;
      if (depth > 0) ++j;
    }
    if (j >= format.size()) runtime_error("Single '{' encountered in format string");
    std::string_view field = format.substr(i + 1, j - i - 1);
    i = j + 1;
    std::string_view spec;
    char conversion = 0;
    const std::size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    const std::size_t bang = field.find('!');
    if (bang != std::string_view::npos) {
      if (bang + 2 != field.size()) runtime_error("expected ':' after conversion specifier");
      conversion = field[bang + 1];
      field = field.substr(0, bang);
    }
    std::size_t name_end = field.find_first_of(".[");
    const std::string_view name = field.substr(0, name_end);
    Value value;
    if (name.empty()) {
      if (used_manual) {
        runtime_error("cannot switch from manual field specification to automatic numbering");
      }
      used_auto = true;
      const auto index = static_cast<std::size_t>(auto_index++);
      if (index >= args.positional.size()) {
        runtime_error("Replacement index " + std::to_string(index) + " out of range");
      }
      value = args.positional[index];
    } else if (is_dec_digit(name[0])) {
      if (used_auto) {
        runtime_error("cannot switch from automatic field numbering to manual specification");
      }
      used_manual = true;
      const std::size_t index = static_cast<std::size_t>(std::atoll(std::string(name).c_str()));
      if (index >= args.positional.size()) {
        runtime_error("Replacement index " + std::to_string(index) + " out of range");
      }
      value = args.positional[index];
    } else {
      bool found = false;
      for (const auto& [key, v] : args.keyword) {
        if (key == name) {
          value = v;
          found = true;
        }
      }
      if (!found) runtime_error("KeyError: '" + std::string(name) + "'");
    }
    // Accessors: .attr and [key].
    while (name_end != std::string_view::npos && name_end < field.size()) {
      if (field[name_end] == '.') {
        const std::size_t next = field.find_first_of(".[", name_end + 1);
        value = getattr(value, std::string(field.substr(name_end + 1, next - name_end - 1)));
        name_end = next;
      } else {
        const std::size_t close = field.find(']', name_end);
        if (close == std::string_view::npos) runtime_error("Missing ']' in format string");
        const std::string key(field.substr(name_end + 1, close - name_end - 1));
        Value k = Value::string(key);
        if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
          k = Value::integer(std::atoll(key.c_str()));
        }
        const Value* found = nullptr;
        if (value.is_dict()) found = value.as_dict().find(k);
        Value element;
        if (value.is_list() && k.is_int() &&
            k.as_int() < static_cast<int64_t>(value.items().size())) {
          element = value.items()[static_cast<std::size_t>(k.as_int())];
          found = &element;
        }
        if (!found) runtime_error("KeyError: " + py_repr(k));
        value = *found;
        name_end = close + 1;
      }
    }
    if (conversion == 'r' || conversion == 'a') {
      value = Value::string(py_repr(value));
    } else if (conversion == 's') {
      value = Value::string(py_str(value));
    } else if (conversion != 0) {
      runtime_error(std::string("Unknown conversion specifier ") + conversion);
    }
    std::string spec_text(spec);
    if (spec_text.find('{') != std::string::npos) spec_text = str_format(spec_text, args, getattr);
    out += format_with_spec(value, spec_text);
  }
  return out;
}

double py_round(double x, std::int64_t ndigits) {
  if (!std::isfinite(x) || x == 0) return x;
  if (ndigits > 330) return x;
  if (ndigits >= 0) {
    // to_chars prints the exact binary value rounded half-to-even, which is what Python's
    // correctly rounded round() computes too.
    const std::string text = format_double(x, 'f', static_cast<int>(ndigits), false);
    double rounded = 0;
    std::from_chars(text.data(), text.data() + text.size(), rounded);
    return rounded;
  }
  if (ndigits < -330) return std::copysign(0.0, x);
  const double scale = std::pow(10.0, static_cast<double>(-ndigits));
  return std::copysign(std::nearbyint(std::fabs(x) / scale) * scale, x);
}

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
