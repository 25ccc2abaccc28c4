// str.format() and the format-spec mini-language ("{:>10}", "{:.2f}", "{0:,}").
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

using detail::digits_in_base;
using detail::format_double;
using detail::magnitude_of;
using detail::parse_number;

bool is_dec_digit(char c) { return c >= '0' && c <= '9'; }

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

}  // namespace braid::text::jinja
