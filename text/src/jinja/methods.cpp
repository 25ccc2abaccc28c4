// Methods of str, dict, list and tuple values that templates call (`content.strip()`,
// `message.get('x')`), bound to their receiver. Mutating methods are refused as in jinja2's
// ImmutableSandboxedEnvironment.
#include <algorithm>
#include <string_view>

#include "braid/core/status.h"
#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/operators.h"
#include "jinja/py_format.h"
#include "jinja/strings.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

using Method = Value (*)(Evaluator& ev, const Value& self, CallArgs& args);

std::optional<std::int64_t> opt_int(const ArgBinder& a, std::size_t i, std::string_view what) {
  if (!a.has(i) || a.get(i).is_none()) return std::nullopt;
  if (!a.get(i).is_integral()) {
    runtime_error("slice indices must be integers or None, not " + type_name(a.get(i)) + " (" +
                  std::string(what) + ")");
  }
  return a.get(i).as_int();
}

const std::string& str_arg(const Value& v, std::string_view method) {
  if (!v.is_string()) {
    runtime_error(std::string(method) + "() argument must be str, not " + type_name(v));
  }
  return v.as_string();
}

std::int64_t int_arg(const Value& v, std::string_view method) {
  if (!v.is_integral()) {
    runtime_error(core::str_cat("'", type_name(v), "' object cannot be interpreted as an integer (",
                                method, ")"));
  }
  return v.as_int();
}

Value string_list(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(Value::string(std::move(p)));
  return Value::list(std::move(items));
}

Value strip_method(const Value& self, CallArgs& args, const char* name, bool left, bool right) {
  ArgBinder a(name, args, {"chars"});
  const Value& chars = a.get(0);
  if (chars.is_undefined() || chars.is_none()) {
    return Value::string(py_strip(self.as_string(), nullptr, left, right));
  }
  return Value::string(py_strip(self.as_string(), &str_arg(chars, name), left, right));
}

// startswith/endswith accept a string or a tuple of strings, plus optional start/end.
Value affix_method(const Value& self, CallArgs& args, const char* name, bool prefix) {
  ArgBinder a(name, args, {"affix", "start", "end"});
  std::size_t begin = 0, end = 0;
  const std::string& s = self.as_string();
  code_point_range(s, opt_int(a, 1, name), opt_int(a, 2, name), &begin, &end);
  if (a.has(1) && a.get(1).is_integral() &&
      a.get(1).as_int() > static_cast<std::int64_t>(utf8::length(s))) {
    return Value::boolean(false);
  }
  const std::string_view window = std::string_view(s).substr(begin, end >= begin ? end - begin : 0);
  auto test = [&](const Value& v) {
    const std::string& affix = v.is_string() ? v.as_string() : str_arg(v, name);
    if (affix.size() > window.size()) return false;
    return prefix ? window.substr(0, affix.size()) == affix
                  : window.substr(window.size() - affix.size()) == affix;
  };
  const Value& affix = a.get(0);
  if (affix.is_tuple()) {
    for (const Value& v : affix.items()) {
      if (test(v)) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (!affix.is_string()) {
    runtime_error(std::string(name) + " first arg must be str or a tuple of str, not " +
                  type_name(affix));
  }
  return Value::boolean(test(affix));
}

Value find_method_impl(
    const Value& self, CallArgs& args, const char* name, bool reverse, bool raise) {
  ArgBinder a(name, args, {"sub", "start", "end"});
  const std::int64_t i = py_find(self.as_string(), str_arg(a.get(0), name), opt_int(a, 1, name),
                                 opt_int(a, 2, name), reverse);
  if (i < 0 && raise) runtime_error("substring not found");
  return Value::integer(i);
}

Value partition_impl(const Value& self, CallArgs& args, const char* name, bool reverse) {
  ArgBinder a(name, args, {"sep"});
  const std::string& s = self.as_string();
  const std::string& sep = str_arg(a.get(0), name);
  if (sep.empty()) runtime_error("empty separator");
  const std::size_t hit = reverse ? s.rfind(sep) : s.find(sep);
  if (hit == std::string::npos) {
    return reverse ? Value::tuple({Value::string(""), Value::string(""), self})
                   : Value::tuple({self, Value::string(""), Value::string("")});
  }
  return Value::tuple({Value::string(s.substr(0, hit)), Value::string(sep),
                       Value::string(s.substr(hit + sep.size()))});
}

template <bool (*Pred)(char32_t)>
Value char_class(const Value& self) {
  const std::string& s = self.as_string();
  if (s.empty()) return Value::boolean(false);
  for (std::size_t i = 0; i < s.size();) {
    if (!Pred(utf8::decode_next(s, i))) return Value::boolean(false);
  }
  return Value::boolean(true);
}

Value str_method(Evaluator& ev, const std::string& name, const Value& self, CallArgs& args) {
  const std::string& s = self.as_string();
  if (name == "strip") return strip_method(self, args, "strip", true, true);
  if (name == "lstrip") return strip_method(self, args, "lstrip", true, false);
  if (name == "rstrip") return strip_method(self, args, "rstrip", false, true);
  if (name == "split" || name == "rsplit") {
    ArgBinder a(name, args, {"sep", "maxsplit"});
    const Value& sep = a.get(0);
    const std::string* sep_ptr =
        (sep.is_undefined() || sep.is_none()) ? nullptr : &str_arg(sep, name);
    const std::int64_t maxsplit = a.has(1) ? int_arg(a.get(1), name) : -1;
    return string_list(name == "split" ? py_split(s, sep_ptr, maxsplit)
                                       : py_rsplit(s, sep_ptr, maxsplit));
  }
  if (name == "splitlines") {
    ArgBinder a(name, args, {"keepends"});
    return string_list(py_splitlines(s, truthy(a.get(0))));
  }
  if (name == "startswith") return affix_method(self, args, "startswith", true);
  if (name == "endswith") return affix_method(self, args, "endswith", false);
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" ||
      name == "swapcase" || name == "casefold" || name == "isdigit" || name == "isalpha" ||
      name == "isalnum" || name == "isspace" || name == "islower" || name == "isupper" ||
      name == "isnumeric" || name == "isdecimal") {
    ArgBinder a(name, args, {});
    if (name == "upper") return Value::string(py_upper(s));
    if (name == "lower" || name == "casefold") return Value::string(py_lower(s));
    if (name == "title") return Value::string(py_title(s));
    if (name == "capitalize") return Value::string(py_capitalize(s));
    if (name == "swapcase") return Value::string(py_swapcase(s));
    if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
      return char_class<utf8::is_digit>(self);
    }
    if (name == "isalpha") return char_class<utf8::is_alpha>(self);
    if (name == "isalnum") return char_class<utf8::is_alnum>(self);
    if (name == "isspace") return char_class<utf8::is_space>(self);
    if (name == "islower") return Value::boolean(py_islower(s));
    return Value::boolean(py_isupper(s));
  }
  if (name == "replace") {
    ArgBinder a(name, args, {"old", "new", "count"});
    const std::int64_t count = a.has(2) ? int_arg(a.get(2), name) : -1;
    std::string out = py_replace(s, str_arg(a.get(0), name), str_arg(a.get(1), name), count);
    if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "replace(): result too large");
    return Value::string(std::move(out));
  }
  if (name == "find") return find_method_impl(self, args, "find", false, false);
  if (name == "rfind") return find_method_impl(self, args, "rfind", true, false);
  if (name == "index") return find_method_impl(self, args, "index", false, true);
  if (name == "rindex") return find_method_impl(self, args, "rindex", true, true);
  if (name == "count") {
    ArgBinder a(name, args, {"sub", "start", "end"});
    return Value::integer(
        py_count(s, str_arg(a.get(0), name), opt_int(a, 1, name), opt_int(a, 2, name)));
  }
  if (name == "join") {
    ArgBinder a(name, args, {"iterable"});
    std::string out;
    std::size_t i = 0;
    for (const Value& item : iterate(a.get(0))) {
      if (!item.is_string()) {
        runtime_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                      type_name(item) + " found");
      }
      if (i++) out += s;
      out += item.as_string();
      if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "join(): result too large");
    }
    return Value::string(std::move(out));
  }
  if (name == "format") {
    return Value::string(str_format(s, args, [&ev](const Value& object, const std::string& attr) {
      return ev.get_attr(object, attr);
    }));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    ArgBinder a(name, args, {"width", "fillchar"});
    const std::string fill = a.has(1) ? str_arg(a.get(1), name) : " ";
    if (utf8::length(fill) != 1)
      runtime_error("The fill character must be exactly one character long");
    const std::int64_t width = int_arg(a.get(0), name);
    if (width > static_cast<std::int64_t>(ev.max_size())) fail(ErrorKind::Limit, "width too large");
    return Value::string(py_pad(s, width, fill,
                                name == "center"  ? '^'
                                : name == "ljust" ? '<'
                                                  : '>'));
  }
  if (name == "zfill") {
    ArgBinder a(name, args, {"width"});
    const std::int64_t width = int_arg(a.get(0), name);
    if (width > static_cast<std::int64_t>(ev.max_size())) fail(ErrorKind::Limit, "width too large");
    const auto len = static_cast<std::int64_t>(utf8::length(s));
    if (width <= len) return self;
    std::string out = s;
    const std::size_t at = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    out.insert(at, static_cast<std::size_t>(width - len), '0');
    return Value::string(std::move(out));
  }
  if (name == "partition") return partition_impl(self, args, "partition", false);
  if (name == "rpartition") return partition_impl(self, args, "rpartition", true);
  if (name == "removeprefix" || name == "removesuffix") {
    ArgBinder a(name, args, {"affix"});
    const std::string& affix = str_arg(a.get(0), name);
    if (name == "removeprefix" && s.compare(0, affix.size(), affix) == 0) {
      return Value::string(s.substr(affix.size()));
    }
    if (name == "removesuffix" && !affix.empty() && s.size() >= affix.size() &&
        s.compare(s.size() - affix.size(), affix.size(), affix) == 0) {
      return Value::string(s.substr(0, s.size() - affix.size()));
    }
    return self;
  }
  runtime_error("str." + name + " is not supported");
}

Value dict_method(const std::string& name, const Value& self, CallArgs& args) {
  const Dict& d = self.as_dict();
  if (name == "items" || name == "keys" || name == "values" || name == "copy") {
    ArgBinder a(name, args, {});
    if (name == "copy") return self;
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [key, value] : d.items()) {
      if (name == "items") {
        out.push_back(Value::tuple({key, value}));
      } else {
        out.push_back(name == "keys" ? key : value);
      }
    }
    return Value::view(std::move(out), name == "items"  ? "dict_items"
                                       : name == "keys" ? "dict_keys"
                                                        : "dict_values");
  }
  // get
  ArgBinder a(name, args, {"key", "default"});
  const Value& key = a.get(0);
  if (!is_hashable(key)) runtime_error("unhashable type: '" + type_name(key) + "'");
  if (const Value* v = d.find(key)) return *v;
  return a.get_or(1, Value::none());
}

Value list_method(const std::string& name, const Value& self, CallArgs& args) {
  if (name == "copy") {
    ArgBinder a(name, args, {});
    return self;
  }
  ArgBinder a(name, args, {"value", "start", "stop"});
  const auto& items = self.items();
  if (name == "count") {
    std::int64_t n = 0;
    for (const Value& v : items) n += py_equal(v, a.get(0));
    return Value::integer(n);
  }
  std::int64_t first = 0, count = 0;
  adjust_slice(static_cast<std::int64_t>(items.size()), opt_int(a, 1, "index"),
               opt_int(a, 2, "index"), 1, &first, &count);
  for (std::int64_t i = first; i < first + count; ++i) {
    if (py_equal(items[static_cast<std::size_t>(i)], a.get(0))) return Value::integer(i);
  }
  runtime_error(py_repr(a.get(0)) + " is not in " + type_name(self));
}

bool is_one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Value unsafe(const Value& object, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + type_name(object) +
                          "' object is unsafe.");
}

}  // namespace

std::optional<Value> find_method(const Value& object, const std::string& name) {
  auto qualified = [&] { return type_name(object) + "." + name; };
  if (object.is_string()) {
    if (!is_one_of(name, {"strip",      "lstrip",       "rstrip",      "split",    "rsplit",
                          "splitlines", "startswith",   "endswith",    "upper",    "lower",
                          "title",      "capitalize",   "swapcase",    "casefold", "isdigit",
                          "isalpha",    "isalnum",      "isspace",     "islower",  "isupper",
                          "isnumeric",  "isdecimal",    "replace",     "find",     "rfind",
                          "index",      "rindex",       "count",       "join",     "format",
                          "center",     "ljust",        "rjust",       "zfill",    "partition",
                          "rpartition", "removeprefix", "removesuffix"})) {
      return std::nullopt;
    }
    return Value::function(qualified(), [self = object, name](Evaluator& ev, CallArgs& args) {
      return str_method(ev, name, self, args);
    });
  }
  if (object.is_dict()) {
    if (is_one_of(name, {"items", "keys", "values", "get", "copy"})) {
      return Value::function(qualified(), [self = object, name](Evaluator&, CallArgs& args) {
        return dict_method(name, self, args);
      });
    }
    if (is_one_of(name, {"pop", "popitem", "setdefault", "update", "clear", "fromkeys"})) {
      return unsafe(object, name);
    }
    return std::nullopt;
  }
  if (object.is_sequence()) {
    if (is_one_of(name, {"index", "count"}) || (name == "copy" && !object.is_tuple())) {
      return Value::function(qualified(), [self = object, name](Evaluator&, CallArgs& args) {
        return list_method(name, self, args);
      });
    }
    if (!object.is_tuple() && is_one_of(name, {"append", "extend", "insert", "pop", "remove",
                                               "reverse", "sort", "clear"})) {
      return unsafe(object, name);
    }
  }
  return std::nullopt;
}

}  // namespace braid::text::jinja
