// repr(float), the % operator and round().
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

namespace detail {

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
int parse_number(std::string_view spec, std::size_t& i) {
  int n = 0;
  bool any = false;
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
    n = n * 10 + (spec[i] - '0');
    if (n > 100000) runtime_error("format width or precision too big");
    ++i;
    any = true;
  }
  return any ? n : -1;
}

}  // namespace detail

namespace {

using detail::digits_in_base;
using detail::format_double;
using detail::magnitude_of;
using detail::parse_number;
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
  const char* prefix = "";
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
  std::string head = v < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  head += prefix;
  const std::size_t head_size = head.size();
  return pad(head + digits, spec, head_size);
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
  // Like CPython, an argument with __getitem__ (dict, list, undefined) counts as a mapping and
  // does not need to be used up.
  const bool mapping_like =
      args.is_dict() || (args.is_sequence() && !args.is_tuple()) || args.is_undefined();
  if (!used_mapping && !mapping_like && next < positional.size()) {
    runtime_error("not all arguments converted during string formatting");
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

}  // namespace braid::text::jinja
