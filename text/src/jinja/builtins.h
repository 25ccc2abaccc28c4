// The library a template can call: filters (x|f), tests (x is t), methods of str/dict/list values
// (x.strip()), and global functions (range, namespace, raise_exception, strftime_now, ...).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/value.h"

namespace braid::text::jinja {

class Evaluator;

using FilterFn = Value (*)(Evaluator& ev, const Value& operand, CallArgs& args);
using TestFn = bool (*)(Evaluator& ev, const Value& operand, CallArgs& args);

/// The filter or test called `name`, or null.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);
/// True for jinja2 built-ins this engine does not implement (for a clearer error message).
bool is_unimplemented_filter(std::string_view name);
bool is_unimplemented_test(std::string_view name);

/// The method `name` of `object` bound to it, an undefined value for methods the sandbox forbids
/// (list.append, dict.update, ...), or nullopt when the type has no such method.
std::optional<Value> find_method(const Value& object, const std::string& name);

/// The global function `name` (range, dict, namespace, raise_exception, strftime_now, cycler,
/// joiner), or nullopt.
std::optional<Value> find_global(const std::string& name);

/// Binds call arguments to named parameters like a Python signature: positional first, then
/// keywords by name. Throws TypeError-style errors for extra or unknown arguments.
class ArgBinder {
 public:
  ArgBinder(std::string_view function,
            const CallArgs& args,
            std::initializer_list<std::string_view> params);
  bool has(std::size_t i) const { return bound_[i] != nullptr; }
  /// The argument, or undefined when it was not passed.
  const Value& get(std::size_t i) const;
  Value get_or(std::size_t i, Value fallback) const { return has(i) ? *bound_[i] : fallback; }

 private:
  std::vector<const Value*> bound_;
};

/// Python str.strip()/lstrip()/rstrip(): `chars` null means whitespace.
std::string py_strip(const std::string& s, const std::string* chars, bool left, bool right);

}  // namespace braid::text::jinja
