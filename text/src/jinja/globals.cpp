// Global functions and the argument binder shared by all built-ins.
#include <algorithm>

#include "braid/core/status.h"
#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/strftime.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

ArgBinder::ArgBinder(std::string_view function,
                     const CallArgs& args,
                     std::initializer_list<std::string_view> params)
    : bound_(params.size(), nullptr) {
  const std::vector<std::string_view> names(params);
  if (args.positional.size() > names.size()) {
    runtime_error(std::string(function) + "() takes at most " + std::to_string(names.size()) +
                  " argument(s) (" + std::to_string(args.positional.size()) + " given)");
  }
  for (std::size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    const auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) {
      runtime_error(std::string(function) + "() got an unexpected keyword argument '" + key + "'");
    }
    const auto i = static_cast<std::size_t>(it - names.begin());
    if (bound_[i]) {
      runtime_error(std::string(function) + "() got multiple values for argument '" + key + "'");
    }
    bound_[i] = &value;
  }
}

const Value& ArgBinder::get(std::size_t i) const {
  static const Value kMissing;
  return bound_[i] ? *bound_[i] : kMissing;
}

namespace {

// jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
constexpr std::int64_t kMaxRange = 100000;

std::int64_t range_int(const Value& v) {
  if (!v.is_integral()) {
    runtime_error(core::str_cat("'", type_name(v), "' object cannot be interpreted as an integer"));
  }
  return v.as_int();
}

Value range_fn(Evaluator& ev, CallArgs& args) {
  if (!args.keyword.empty()) runtime_error("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) {
    runtime_error("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  }
  std::int64_t start = 0, stop = 0, step = 1;
  if (p.size() == 1) {
    stop = range_int(p[0]);
  } else {
    start = range_int(p[0]);
    stop = range_int(p[1]);
    if (p.size() == 3) step = range_int(p[2]);
  }
  if (step == 0) runtime_error("range() arg 3 must not be zero");
  std::int64_t count = 0;
  if (step > 0 && stop > start) count = (stop - start - 1) / step + 1;
  if (step < 0 && stop < start) count = (start - stop - 1) / (-step) + 1;
  if (count > kMaxRange) {
    runtime_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  ev.charge(static_cast<std::uint64_t>(count) / 4);
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) items.push_back(Value::integer(start + i * step));
  return Value::list(std::move(items));
}

// Python dict(mapping_or_pairs, **kwargs), also what namespace() takes.
Dict dict_from_args(const CallArgs& args, const char* name) {
  Dict out;
  if (args.positional.size() > 1) {
    runtime_error(std::string(name) + " expected at most 1 argument, got " +
                  std::to_string(args.positional.size()));
  }
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      out = src.as_dict();
    } else if (src.is_namespace()) {
      out = src.as_namespace().attrs;
    } else {
      std::size_t i = 0;
      for (const Value& pair : iterate(src)) {
        const std::vector<Value> kv =
            pair.is_list() || pair.is_string() ? iterate(pair) : std::vector<Value>{};
        if (kv.size() != 2) {
          runtime_error("dictionary update sequence element #" + std::to_string(i) +
                        " has length " + std::to_string(kv.size()) + "; 2 is required");
        }
        if (!is_hashable(kv[0])) runtime_error("unhashable type: '" + type_name(kv[0]) + "'");
        out.set(kv[0], kv[1]);
        ++i;
      }
    }
  }
  for (const auto& [key, value] : args.keyword) out.set(Value::string(key), value);
  return out;
}

Value namespace_fn(Evaluator& ev, CallArgs& args) {
  auto ns = ev.make_namespace();
  ns->attrs = dict_from_args(args, "namespace");
  return Value::namespace_object(std::move(ns));
}

Value dict_fn(Evaluator&, CallArgs& args) { return Value::dict(dict_from_args(args, "dict")); }

Value raise_exception_fn(Evaluator&, CallArgs& args) {
  ArgBinder a("raise_exception", args, {"message"});
  fail(ErrorKind::Raised, py_str(a.get(0)));
}

Value strftime_now_fn(Evaluator& ev, CallArgs& args) {
  ArgBinder a("strftime_now", args, {"format"});
  const Value& format = a.get(0);
  if (!format.is_string()) {
    runtime_error("strftime() argument 1 must be str, not " + type_name(format));
  }
  const CivilTime now = ev.options().now ? *ev.options().now : local_now();
  return Value::string(py_strftime(now, format.as_string()));
}

Value joiner_fn(Evaluator&, CallArgs& args) {
  ArgBinder a("joiner", args, {"sep"});
  const std::string sep = a.has(0) ? py_str(a.get(0)) : ", ";
  auto used = std::make_shared<bool>(false);
  return Value::function("joiner", [sep, used](Evaluator&, CallArgs&) {
    if (!*used) {
      *used = true;
      return Value::string("");
    }
    return Value::string(sep);
  });
}

}  // namespace

std::optional<Value> find_global(const std::string& name) {
  using Fn = Value (*)(Evaluator&, CallArgs&);
  static const std::pair<const char*, Fn> kGlobals[] = {
      {"range", range_fn},
      {"dict", dict_fn},
      {"namespace", namespace_fn},
      {"raise_exception", raise_exception_fn},
      {"strftime_now", strftime_now_fn},
      {"joiner", joiner_fn},
  };
  for (const auto& [global_name, fn] : kGlobals) {
    if (name == global_name) return Value::function(global_name, fn);
  }
  return std::nullopt;
}

}  // namespace braid::text::jinja
