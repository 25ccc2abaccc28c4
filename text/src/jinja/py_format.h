// Python's number and string formatting, reproduced where templates can observe it:
// repr(float), the `%` operator, str.format() and round().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "jinja/value.h"

namespace braid::text::jinja {

/// repr(x) for a Python float: the shortest digits that round-trip, fixed notation for decimal
/// exponents in (-4, 16], otherwise "1e+16" style; "inf", "-inf", "nan".
std::string float_repr(double x);

/// Python `format % args` (printf-style). `args` is a tuple (one value per conversion), a dict
/// (for "%(key)s"), or any other single value.
std::string percent_format(std::string_view format, const Value& args);

/// Looks up `.attr` in a str.format() field ("{0.name}").
using AttrLookup = std::function<Value(const Value& object, const std::string& attr)>;

/// Python str.format(*args, **kwargs), including the format-spec mini-language
/// ("{:>10}", "{:.2f}", "{0:,}").
std::string str_format(std::string_view format, const CallArgs& args, const AttrLookup& getattr);

/// Python format(value, spec).
std::string format_with_spec(const Value& value, std::string_view spec);

/// Python round(x, ndigits) for a float: exact decimal rounding, ties to even.
double py_round(double x, std::int64_t ndigits);

/// Python int(s) for a string: optional sign, surrounding whitespace and '_' separators allowed;
/// base 0 means "from the prefix" (0x, 0o, 0b). False when the text is not an integer.
bool parse_py_int(std::string_view text, int base, std::int64_t* out);
/// Python float(s) for a string ("1e3", " 2.5 ", "inf", "nan"). False when it is not a number.
bool parse_py_float(std::string_view text, double* out);

namespace detail {
// Helpers shared by py_format.cpp and str_format.cpp.

/// printf-style %f/%e/%g (conv in "fFeEgG") of x, '-' included, whatever the C locale.
std::string format_double(double x, char conv, int precision, bool alt);
std::string digits_in_base(std::uint64_t magnitude, int base, bool upper);
/// |v| without overflow for INT64_MIN.
std::uint64_t magnitude_of(std::int64_t v);
/// Reads decimal digits at spec[i] (advancing i); -1 if there are none.
int parse_number(std::string_view spec, std::size_t& i);
}  // namespace detail

}  // namespace braid::text::jinja
