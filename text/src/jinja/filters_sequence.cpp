// jinja2's filters on lists, dicts and other sequences (jinja2/filters.py).
#include <algorithm>
#include <cmath>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/filter_helpers.h"
#include "jinja/json_bridge.h"
#include "jinja/operators.h"
#include "jinja/py_format.h"
#include "jinja/strings.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja::detail {

namespace {

// jinja2's map, select, unique, batch, items, ... are generator functions: nothing runs until
// the result is consumed, and an error (say, iterating a number) surfaces only then. This builds
// the items up front and keeps such an error for the consumer to meet.
template <typename Compute>
Value lazily(Compute compute) {
  std::vector<Value> items;
  std::shared_ptr<const TemplateError> error;
  try {
    compute(items);
  } catch (const TemplateError& e) {
    if (e.kind() == ErrorKind::Limit) throw;
    error = std::make_shared<const TemplateError>(e);
  }
  Value out = Value::iterator(std::move(items), "generator");
  out.as_iterator().error = std::move(error);
  return out;
}

// ---- sequences -------------------------------------------------------------------------------

Value f_length(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("length", args, {});
  return Value::integer(py_len(v));
}

Value f_list(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("list", args, {});
  return Value::list(iterate(v));
}

Value f_first(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("first", args, {});
  if (v.is_iterator()) {  // next(iter(generator)) takes one item
    const Value* item = v.as_iterator().next();
    return item ? *item : Value::undefined("No first item, sequence was empty.");
  }
  const std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("last", args, {});
  if (!v.is_undefined() && !v.is_list() && !v.is_string() && !v.is_dict()) {
    runtime_error("'" + type_name(v) + "' object is not reversible");
  }
  const std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_reverse(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("reverse", args, {});
  if (v.is_string()) {
    std::u32string cps = utf8::decode(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::string(utf8::encode(cps));
  }
  // reversed() works on sequences and gives an iterator; other iterables become a reversed list.
  const bool reversible = v.is_list() || v.is_dict() || v.is_undefined();
  if (!reversible && !v.is_iterator()) runtime_error("argument must be iterable");
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  if (!reversible) return Value::list(std::move(items));
  const char* type = v.is_dict()    ? "dict_reversekeyiterator"
                     : v.is_tuple() ? "reversed"
                     : v.is_list()  ? "list_reverseiterator"
                                    : "reversed";
  return Value::iterator(std::move(items), type);
}

Value f_join(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("join", args, {"d", "attribute"});
  const std::string sep = a.has(0) ? py_str(a.get(0)) : "";
  const bool by_attribute = a.has(1) && !a.get(1).is_none();
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    append_str(out, by_attribute ? get_path(ev, item, a.get(1)) : item);
    if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "join: result too large");
  }
  return Value::string(std::move(out));
}

Value f_default(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (truthy(a.get(1)) && !truthy(v))) {
    return a.get_or(0, Value::string(""));
  }
  return v;
}

Value f_items(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("items", args, {});
  return lazily([&](std::vector<Value>& out) {
    if (v.is_undefined()) return;
    if (!v.is_dict()) runtime_error("Can only get item pairs from a mapping.");
    for (const auto& [key, value] : v.as_dict().items()) out.push_back(Value::tuple({key, value}));
  });
}

Value f_dictsort(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("dictsort", args, {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = truthy(a.get(0));
  const std::string by = a.has(1) ? py_str(a.get(1)) : "key";
  if (by != "key" && by != "value")
    runtime_error("You can only sort by either \"key\" or \"value\"");
  const bool reverse = truthy(a.get(2));
  if (!v.is_dict()) runtime_error("'" + type_name(v) + "' object has no attribute 'items'");
  std::vector<std::pair<Value, Value>> items = v.as_dict().items();
  const bool by_key = by == "key";
  std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
    const Value kx = sort_key(by_key ? x.first : x.second, case_sensitive);
    const Value ky = sort_key(by_key ? y.first : y.second, case_sensitive);
    return reverse ? py_compare(ky, kx) < 0 : py_compare(kx, ky) < 0;
  });
  std::vector<Value> out;
  for (auto& [key, value] : items) out.push_back(Value::tuple({key, value}));
  return Value::list(std::move(out));
}

// The keys sort() compares: the item (or its attributes, "a,b" for several), case-folded.
Value multi_key(Evaluator& ev, const Value& item, const Value& attribute, bool case_sensitive) {
  std::vector<Value> keys;
  if (attribute.is_undefined() || attribute.is_none()) {
    keys.push_back(sort_key(item, case_sensitive));
  } else if (attribute.is_string()) {
    const std::string comma = ",";
    for (const std::string& part : py_split(attribute.as_string(), &comma, -1)) {
      keys.push_back(sort_key(get_path(ev, item, Value::string(part)), case_sensitive));
    }
  } else {
    keys.push_back(sort_key(get_path(ev, item, attribute), case_sensitive));
  }
  return Value::list(std::move(keys));
}

Value f_sort(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("sort", args, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = truthy(a.get(0));
  const bool case_sensitive = truthy(a.get(1));
  std::vector<Value> items = iterate(v);
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items.size());
  for (Value& item : items)
    keyed.emplace_back(multi_key(ev, item, a.get(2), case_sensitive), std::move(item));
  ev.charge(keyed.size());
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? py_compare(y.first, x.first) < 0 : py_compare(x.first, y.first) < 0;
  });
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value f_unique(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("unique", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = truthy(a.get(0));
  const bool by_attribute = a.has(1) && !a.get(1).is_none();
  return lazily([&](std::vector<Value>& out) {
    std::vector<Value> seen;
    for (const Value& item : iterate(v)) {
      Value key = sort_key(by_attribute ? get_path(ev, item, a.get(1)) : item, case_sensitive);
      if (!is_hashable(key)) runtime_error("unhashable type: '" + type_name(key) + "'");
      ev.charge(seen.size() / 16);
      if (std::none_of(seen.begin(), seen.end(),
                       [&](const Value& s) { return py_equal(s, key); })) {
        seen.push_back(std::move(key));
        out.push_back(item);
      }
    }
  });
}

Value min_max(Evaluator& ev, const Value& v, CallArgs& args, bool want_max) {
  ArgBinder a(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = truthy(a.get(0));
  const bool by_attribute = a.has(1) && !a.get(1).is_none();
  const std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& item) {
    return sort_key(by_attribute ? get_path(ev, item, a.get(1)) : item, case_sensitive);
  };
  std::size_t best = 0;
  Value best_key = key(items[0]);
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    const int c = py_compare(k, best_key);
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_min(Evaluator& ev, const Value& v, CallArgs& args) { return min_max(ev, v, args, false); }
Value f_max(Evaluator& ev, const Value& v, CallArgs& args) { return min_max(ev, v, args, true); }

Value f_sum(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("sum", args, {"attribute", "start"});
  Value total = a.get_or(1, Value::integer(0));
  if (total.is_string()) runtime_error("sum() can't sum strings [use ''.join(seq) instead]");
  const bool by_attribute = a.has(0) && !a.get(0).is_none();
  for (const Value& item : iterate(v)) {
    total = binary_op(BinaryOp::Add, total, by_attribute ? get_path(ev, item, a.get(0)) : item,
                      ev.max_size());
  }
  return total;
}

Value f_batch(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("batch", args, {"linecount", "fill_with"});
  return lazily([&](std::vector<Value>& out) {
    const std::int64_t count = int_param(a.get(0), "batch");
    std::vector<Value> current;
    for (const Value& item : iterate(v)) {
      if (static_cast<std::int64_t>(current.size()) == count) {
        out.push_back(Value::list(std::move(current)));
        current.clear();
      }
      current.push_back(item);
    }
    if (!current.empty()) {
      if (a.has(1) && !a.get(1).is_none()) {
        if (count > static_cast<std::int64_t>(ev.max_size())) {
          fail(ErrorKind::Limit, "batch: too large");
        }
        while (static_cast<std::int64_t>(current.size()) < count) current.push_back(a.get(1));
      }
      out.push_back(Value::list(std::move(current)));
    }
  });
}

Value f_slice(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("slice", args, {"slices", "fill_with"});
  return lazily([&](std::vector<Value>& out) {
    const std::int64_t slices = int_param(a.get(0), "slice");
    if (slices > 100000) fail(ErrorKind::Limit, "slice: too many slices");
    const std::vector<Value> seq = iterate(v);
    if (slices <= 0) return;  // range(slices) is empty
    const auto length = static_cast<std::int64_t>(seq.size());
    const std::int64_t per = length / slices, extra = length % slices;
    std::int64_t offset = 0;
    for (std::int64_t n = 0; n < slices; ++n) {
      const std::int64_t start = offset + n * per;
      if (n < extra) ++offset;
      const std::int64_t end = offset + (n + 1) * per;
      std::vector<Value> part(seq.begin() + start, seq.begin() + end);
      if (a.has(1) && !a.get(1).is_none() && n >= extra) part.push_back(a.get(1));
      out.push_back(Value::list(std::move(part)));
    }
  });
}

Value f_attr(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("attr", args, {"name"});
  const std::string name = py_str(a.get(0));
  if (v.is_undefined()) undefined_error(v);
  if (auto method = find_method(v, name)) return *method;
  if (v.is_namespace()) {
    if (const Value* found = v.as_namespace().attrs.find(std::string_view(name))) return *found;
  }
  return Value::undefined("'" + object_description(v) + "' has no attribute '" + name + "'");
}

Value f_map(Evaluator& ev, const Value& v, CallArgs& args) {
  return lazily([&](std::vector<Value>& out) {
    if (!truthy(v)) return;
    if (args.positional.empty()) {
      const Value* attribute = nullptr;
      Value fallback;
      for (const auto& [key, value] : args.keyword) {
        if (key == "attribute") {
          attribute = &value;
        } else if (key == "default") {
          fallback = value;
        } else {
          runtime_error("map: unexpected keyword argument '" + key + "'");
        }
      }
      if (!attribute) runtime_error("map requires a filter argument");
      for (const Value& item : iterate(v)) {
        Value got = get_path(ev, item, *attribute);
        if (got.is_undefined() && !fallback.is_undefined()) got = fallback;
        out.push_back(std::move(got));
      }
      return;
    }
    const std::string name = py_str(args.positional[0]);
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    for (const Value& item : iterate(v)) {
      CallArgs call_args = rest;
      out.push_back(ev.apply_filter(name, item, call_args));
    }
  });
}

Value select_reject(Evaluator& ev,
                    const Value& v,
                    CallArgs& args,
                    bool select,
                    bool by_attribute,
                    const char* filter) {
  return lazily([&](std::vector<Value>& out) {
    if (!truthy(v)) return;
    std::size_t off = 0;
    Value attribute;
    if (by_attribute) {
      if (args.positional.empty()) {
        runtime_error(std::string(filter) + ": missing parameter for attribute name");
      }
      attribute = args.positional[0];
      off = 1;
    }
    const bool has_test = args.positional.size() > off;
    const std::string test = has_test ? py_str(args.positional[off]) : "";
    CallArgs rest;
    if (has_test) {
      rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off) + 1,
                             args.positional.end());
    }
    rest.keyword = args.keyword;
    for (const Value& item : iterate(v)) {
      const Value subject = by_attribute ? get_path(ev, item, attribute) : item;
      bool pass;
      if (has_test) {
        CallArgs call_args = rest;
        pass = ev.apply_test(test, subject, call_args);
      } else {
        pass = truthy(subject);
      }
      if (pass == select) out.push_back(item);
    }
  });
}

Value f_select(Evaluator& ev, const Value& v, CallArgs& a) {
  return select_reject(ev, v, a, true, false, "select");
}
Value f_reject(Evaluator& ev, const Value& v, CallArgs& a) {
  return select_reject(ev, v, a, false, false, "reject");
}
Value f_selectattr(Evaluator& ev, const Value& v, CallArgs& a) {
  return select_reject(ev, v, a, true, true, "selectattr");
}
Value f_rejectattr(Evaluator& ev, const Value& v, CallArgs& a) {
  return select_reject(ev, v, a, false, true, "rejectattr");
}

constexpr FilterEntry kSequenceFilters[] = {
    {"attr", f_attr},
    {"batch", f_batch},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"dictsort", f_dictsort},
    {"first", f_first},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"reverse", f_reverse},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"slice", f_slice},
    {"sort", f_sort},
    {"sum", f_sum},
    {"unique", f_unique},
};

}  // namespace

std::span<const FilterEntry> sequence_filters() { return kSequenceFilters; }

}  // namespace braid::text::jinja::detail
