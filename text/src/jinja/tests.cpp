// jinja2's built-in tests (jinja2/tests.py): `x is defined`, `x is divisibleby 3`, ...
#include <algorithm>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/operators.h"
#include "jinja/strings.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

bool t_defined(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("defined", args, {});
  return !v.is_undefined();
}
bool t_undefined(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("undefined", args, {});
  return v.is_undefined();
}
bool t_none(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("none", args, {});
  return v.is_none();
}
bool t_boolean(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("boolean", args, {});
  return v.is_bool();
}
bool t_true(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("true", args, {});
  return v.is_bool() && v.as_bool();
}
bool t_false(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("false", args, {});
  return v.is_bool() && !v.as_bool();
}
bool t_integer(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("integer", args, {});
  return v.is_int();
}
bool t_float(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("float", args, {});
  return v.is_float();
}
bool t_number(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("number", args, {});
  return v.is_number();
}
bool t_string(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("string", args, {});
  return v.is_string();
}
bool t_mapping(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("mapping", args, {});
  return v.is_dict();
}
// Python: iter(v) works. Undefined iterates as empty.
bool t_iterable(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("iterable", args, {});
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict() || v.is_iterator();
}
// Python: len(v) and v.__getitem__ both exist (strings, lists, tuples, dicts, undefined).
bool t_sequence(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("sequence", args, {});
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_dict();
}
// Undefined defines __call__, so Python's callable() is true for it.
bool t_callable(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("callable", args, {});
  return v.is_function() || v.is_undefined();
}
bool t_escaped(Evaluator&, const Value&, CallArgs& args) {
  ArgBinder("escaped", args, {});
  return false;
}

bool modulo_is(const Value& v, const Value& divisor, std::int64_t remainder) {
  return py_equal(binary_op(BinaryOp::Mod, v, divisor, 1 << 20), Value::integer(remainder));
}
bool t_even(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("even", args, {});
  return modulo_is(v, Value::integer(2), 0);
}
bool t_odd(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("odd", args, {});
  return modulo_is(v, Value::integer(2), 1);
}
bool t_divisibleby(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("divisibleby", args, {"num"});
  return modulo_is(v, a.get(0), 0);
}

bool t_lower(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("lower", args, {});
  return py_islower(py_str(v));
}
bool t_upper(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("upper", args, {});
  return py_isupper(py_str(v));
}

bool t_in(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("in", args, {"seq"});
  return contains(a.get(0), v);
}

bool t_eq(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("eq", args, {"other"});
  return py_equal(v, a.get(0));
}
bool t_ne(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("ne", args, {"other"});
  return !py_equal(v, a.get(0));
}
bool t_lt(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("lt", args, {"other"});
  return py_compare(v, a.get(0)) < 0;
}
bool t_le(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("le", args, {"other"});
  return py_compare(v, a.get(0)) <= 0;
}
bool t_gt(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("gt", args, {"other"});
  return py_compare(v, a.get(0)) > 0;
}
bool t_ge(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("ge", args, {"other"});
  return py_compare(v, a.get(0)) >= 0;
}

// Python's `is`: singletons and small cached ints compare by value, shared objects by identity.
bool t_sameas(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("sameas", args, {"other"});
  const Value& other = a.get(0);
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::None:
      return true;
    case Value::Kind::Bool:
      return v.as_bool() == other.as_bool();
    case Value::Kind::Int:
      return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Value::Kind::Float:
      return false;
    case Value::Kind::String:
      return &v.as_string() == &other.as_string();
    case Value::Kind::List:
      return &v.as_list() == &other.as_list();
    case Value::Kind::Dict:
      return &v.as_dict() == &other.as_dict();
    case Value::Kind::Namespace:
      return &v.as_namespace() == &other.as_namespace();
    case Value::Kind::Function:
      return &v.as_function() == &other.as_function();
    case Value::Kind::Iterator:
      return &v.as_iterator() == &other.as_iterator();
  }
  return false;
}

bool t_filter(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("filter", args, {});
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}
bool t_test(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("test", args, {});
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"!=", t_ne},
    {"<", t_lt},
    {"<=", t_le},
    {"==", t_eq},
    {">", t_gt},
    {">=", t_ge},
    {"boolean", t_boolean},
    {"callable", t_callable},
    {"defined", t_defined},
    {"divisibleby", t_divisibleby},
    {"eq", t_eq},
    {"equalto", t_eq},
    {"escaped", t_escaped},
    {"even", t_even},
    {"false", t_false},
    {"filter", t_filter},
    {"float", t_float},
    {"ge", t_ge},
    {"greaterthan", t_gt},
    {"gt", t_gt},
    {"in", t_in},
    {"integer", t_integer},
    {"iterable", t_iterable},
    {"le", t_le},
    {"lessthan", t_lt},
    {"lower", t_lower},
    {"lt", t_lt},
    {"mapping", t_mapping},
    {"ne", t_ne},
    {"none", t_none},
    {"number", t_number},
    {"odd", t_odd},
    {"sameas", t_sameas},
    {"sequence", t_sequence},
    {"string", t_string},
    {"test", t_test},
    {"true", t_true},
    {"undefined", t_undefined},
    {"upper", t_upper},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& entry : kTests) {
    if (entry.name == name) return entry.fn;
  }
  return nullptr;
}

bool is_unimplemented_test(std::string_view) { return false; }

}  // namespace braid::text::jinja
