#include "jinja/operators.h"

#include <cmath>
#include <string>

#include "jinja/error.h"
#include "jinja/py_format.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

const char* op_symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add:
      return "+";
    case BinaryOp::Sub:
      return "-";
    case BinaryOp::Mul:
      return "*";
    case BinaryOp::Div:
      return "/";
    case BinaryOp::FloorDiv:
      return "//";
    case BinaryOp::Mod:
      return "%";
    case BinaryOp::Pow:
      return "** or pow()";
    default:
      return "?";
  }
}

[[noreturn]] void unsupported_operands(BinaryOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  runtime_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                type_name(a) + "' and '" + type_name(b) + "'");
}

[[noreturn]] void int_overflow() {
  fail(ErrorKind::Unsupported, "integer overflow (braid's template integers are 64-bit)");
}

void check_size(std::size_t size, std::size_t max_size) {
  if (size > max_size) {
    fail(ErrorKind::Limit, "value of " + std::to_string(size) +
                               " bytes/items exceeds the limit of " + std::to_string(max_size));
  }
}

// Python's float floor division and modulo (the result of % takes the divisor's sign).
double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  if (m == 0) m = std::copysign(0.0, b);
  return m;
}

double py_floordiv(double a, double b) {
  const double m = std::fmod(a, b);
  double div = (a - m) / b;
  if (m != 0 && ((b < 0) != (m < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, a / b);
  const double floor_div = std::floor(div);
  return div - floor_div > 0.5 ? floor_div + 1.0 : floor_div;
}

Value repeat(const Value& seq, std::int64_t times, std::size_t max_size) {
  if (times <= 0)
    return seq.is_string() ? Value::string("")
                           : (seq.is_tuple() ? Value::tuple({}) : Value::list({}));
  const auto n = static_cast<std::uint64_t>(times);
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && n > max_size / s.size()) check_size(max_size + 1, max_size);
    std::string out;
    out.reserve(s.size() * n);
    for (std::uint64_t i = 0; i < n; ++i) out += s;
    return Value::string(std::move(out));
  }
  const auto& items = seq.items();
  if (!items.empty() && n > max_size / items.size()) check_size(max_size + 1, max_size);
  std::vector<Value> out;
  out.reserve(items.size() * n);
  for (std::uint64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value int_pow(std::int64_t base, std::int64_t exp) {
  if (exp < 0) {
    if (base == 0) runtime_error("0.0 cannot be raised to a negative power");
    return Value::floating(std::pow(static_cast<double>(base), static_cast<double>(exp)));
  }
  std::int64_t result = 1;
  std::int64_t b = base;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, b, &result)) int_overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(b, b, &b)) int_overflow();
  }
  return Value::integer(result);
}

Value arithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (!a.is_float() && !b.is_float()) {
    const std::int64_t x = a.as_int(), y = b.as_int();
    std::int64_t r = 0;
    switch (op) {
      case BinaryOp::Add:
        if (__builtin_add_overflow(x, y, &r)) int_overflow();
        return Value::integer(r);
      case BinaryOp::Sub:
        if (__builtin_sub_overflow(x, y, &r)) int_overflow();
        return Value::integer(r);
      case BinaryOp::Mul:
        if (__builtin_mul_overflow(x, y, &r)) int_overflow();
        return Value::integer(r);
      case BinaryOp::Div:
        if (y == 0) runtime_error("division by zero");
        return Value::floating(static_cast<double>(x) / static_cast<double>(y));
      case BinaryOp::FloorDiv:
      case BinaryOp::Mod: {
        if (y == 0) {
          runtime_error(op == BinaryOp::Mod ? "integer modulo by zero"
                                            : "integer division or modulo by zero");
        }
        if (x == INT64_MIN && y == -1) {
          if (op == BinaryOp::Mod) return Value::integer(0);
          int_overflow();
        }
        std::int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          m += y;
          q -= 1;
        }
        return Value::integer(op == BinaryOp::Mod ? m : q);
      }
      case BinaryOp::Pow:
        return int_pow(x, y);
      default:
        break;
    }
  }
  const double x = a.as_double(), y = b.as_double();
  switch (op) {
    case BinaryOp::Add:
      return Value::floating(x + y);
    case BinaryOp::Sub:
      return Value::floating(x - y);
    case BinaryOp::Mul:
      return Value::floating(x * y);
    case BinaryOp::Div:
      if (y == 0) runtime_error("float division by zero");
      return Value::floating(x / y);
    case BinaryOp::FloorDiv:
      if (y == 0) runtime_error("float floor division by zero");
      return Value::floating(py_floordiv(x, y));
    case BinaryOp::Mod:
      if (y == 0) runtime_error("float modulo");
      return Value::floating(py_fmod(x, y));
    case BinaryOp::Pow: {
      if (x == 0 && y < 0) runtime_error("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) {
        fail(ErrorKind::Unsupported, "complex results of ** are not supported");
      }
      const double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) {
        runtime_error("(34, 'Numerical result out of range')");
      }
      return Value::floating(r);
    }
    default:
      break;
  }
  runtime_error("bad arithmetic operator");
}

}  // namespace

Value binary_op(BinaryOp op, const Value& a, const Value& b, std::size_t max_size) {
  if (op == BinaryOp::Concat) {
    std::string out = py_str(a);
    append_str(out, b);
    check_size(out.size(), max_size);
    return Value::string(std::move(out));
  }
  if (a.is_number() && b.is_number()) return arithmetic(op, a, b);
  switch (op) {
    case BinaryOp::Add:
      if (a.is_string() && b.is_string()) {
        check_size(a.as_string().size() + b.as_string().size(), max_size);
        return Value::string(a.as_string() + b.as_string());
      }
      if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
        check_size(a.items().size() + b.items().size(), max_size);
        std::vector<Value> items = a.items();
        items.insert(items.end(), b.items().begin(), b.items().end());
        return a.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
      }
      if (a.is_string() && !b.is_undefined()) {
        runtime_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
      }
      if (a.is_list() && !b.is_undefined()) {
        runtime_error("can only concatenate " + type_name(a) + " (not \"" + type_name(b) +
                      "\") to " + type_name(a));
      }
      break;
    case BinaryOp::Mul:
      if ((a.is_string() || a.is_sequence()) && b.is_integral()) {
        return repeat(a, b.as_int(), max_size);
      }
      if (a.is_integral() && (b.is_string() || b.is_sequence())) {
        return repeat(b, a.as_int(), max_size);
      }
      break;
    case BinaryOp::Mod:
      if (a.is_string()) {
        std::string out = percent_format(a.as_string(), b);
        check_size(out.size(), max_size);
        return Value::string(std::move(out));
      }
      break;
    default:
      break;
  }
  unsupported_operands(op, a, b);
}

Value unary_op(UnaryOp op, const Value& v) {
  if (v.is_undefined()) undefined_error(v);
  if (v.is_float()) return Value::floating(op == UnaryOp::Neg ? -v.as_double() : v.as_double());
  if (v.is_integral()) {
    const std::int64_t i = v.as_int();
    if (op == UnaryOp::Pos) return Value::integer(i);
    if (i == INT64_MIN) int_overflow();
    return Value::integer(-i);
  }
  runtime_error(std::string("bad operand type for unary ") + (op == UnaryOp::Neg ? "-" : "+") +
                ": '" + type_name(v) + "'");
}

void adjust_slice(std::int64_t length,
                  std::optional<std::int64_t> start,
                  std::optional<std::int64_t> stop,
                  std::int64_t step,
                  std::int64_t* first,
                  std::int64_t* count) {
  std::int64_t lo, hi;
  if (step > 0) {
    lo = start.value_or(0);
    hi = stop.value_or(length);
    if (lo < 0) lo = std::max<std::int64_t>(lo + length, 0);
    if (hi < 0) hi = std::max<std::int64_t>(hi + length, 0);
    lo = std::min(lo, length);
    hi = std::min(hi, length);
    *first = lo;
    *count = hi > lo ? (hi - lo + step - 1) / step : 0;
  } else {
    lo = start.value_or(length - 1);
    hi = stop.value_or(-1);
    if (start && lo < 0) lo = std::max<std::int64_t>(lo + length, -1);
    if (stop && hi < 0) hi = std::max<std::int64_t>(hi + length, -1);
    lo = std::min(lo, length - 1);
    hi = std::min(hi, length - 1);
    *first = lo;
    *count = lo > hi ? (lo - hi - step - 1) / (-step) : 0;
  }
}

Value slice_value(const Value& v, const Value& start, const Value& stop, const Value& step) {
  if (v.is_undefined()) undefined_error(v);
  if (v.is_dict()) runtime_error("unhashable type: 'slice'");
  if (!v.is_string() && !v.is_sequence()) {
    runtime_error("'" + type_name(v) + "' object is not subscriptable");
  }
  auto bound = [](const Value& b, std::optional<std::int64_t>* out) {
    if (b.is_none()) return;
    if (!b.is_integral()) {
      runtime_error("slice indices must be integers or None or have an __index__ method");
    }
    *out = b.as_int();
  };
  std::optional<std::int64_t> lo, hi, st;
  bound(start, &lo);
  bound(stop, &hi);
  bound(step, &st);
  const std::int64_t s = st.value_or(1);
  if (s == 0) runtime_error("slice step cannot be zero");
  if (v.is_string()) {
    const std::u32string cps = utf8::decode(v.as_string());
    std::int64_t first = 0, count = 0;
    adjust_slice(static_cast<std::int64_t>(cps.size()), lo, hi, s, &first, &count);
    std::u32string out;
    for (std::int64_t k = 0; k < count; ++k)
      out.push_back(cps[static_cast<std::size_t>(first + k * s)]);
    return Value::string(utf8::encode(out));
  }
  const auto& items = v.items();
  std::int64_t first = 0, count = 0;
  adjust_slice(static_cast<std::int64_t>(items.size()), lo, hi, s, &first, &count);
  std::vector<Value> out;
  out.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k)
    out.push_back(items[static_cast<std::size_t>(first + k * s)]);
  return v.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

}  // namespace braid::text::jinja
