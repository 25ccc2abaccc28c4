// jinja2's built-in filters (jinja2/filters.py), plus Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/json_bridge.h"
#include "jinja/operators.h"
#include "jinja/py_format.h"
#include "jinja/strings.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

std::int64_t int_param(const Value& v, const char* filter) {
  if (!v.is_integral()) {
    runtime_error(std::string(filter) + ": expected an integer, got " + type_name(v));
  }
  return v.as_int();
}

// jinja2's make_attrgetter: "a.b.0" walks getitem with each part (digits become ints).
Value get_path(Evaluator& ev, Value item, const Value& attribute) {
  if (!attribute.is_string()) return ev.get_item(item, attribute);
  const std::string& path = attribute.as_string();
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    const bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    item =
        ev.get_item(item, digits ? Value::integer(std::atoll(part.c_str())) : Value::string(part));
    if (dot == std::string::npos) return item;
    start = dot + 1;
  }
}

// jinja2's ignore_case: strings compare lower-cased unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.as_string()));
  return v;
}

// ---- strings ---------------------------------------------------------------------------------

Value f_upper(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("upper", args, {});
  return Value::string(py_upper(py_str(v)));
}

Value f_lower(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("lower", args, {});
  return Value::string(py_lower(py_str(v)));
}

Value f_capitalize(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("capitalize", args, {});
  return Value::string(py_capitalize(py_str(v)));
}

// jinja2's own title(): words start after runs of whitespace, '-', '(', '{', '[' or '<'.
Value f_title(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("title", args, {});
  const std::string s = py_str(v);
  auto is_break = [](char32_t cp) {
    return utf8::is_space(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
  };
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    // One item of re.split(r"([-\s({\[<]+)"): a run of breaks or a run of other characters.
    std::size_t next = i;
    const bool breaks = is_break(utf8::decode_next(s, next));
    std::size_t end = next;
    while (end < s.size()) {
      std::size_t j = end;
      if (is_break(utf8::decode_next(s, j)) != breaks) break;
      end = j;
    }
    const std::string item = s.substr(i, end - i);
    std::size_t k = 0;
    utf8::append(out, utf8::to_upper(utf8::decode_next(item, k)));
    out += py_lower(item.substr(k));
    i = end;
  }
  return Value::string(std::move(out));
}

Value f_trim(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("trim", args, {"chars"});
  const std::string s = py_str(v);
  const Value& chars = a.get(0);
  if (chars.is_undefined() || chars.is_none())
    return Value::string(py_strip(s, nullptr, true, true));
  if (!chars.is_string()) runtime_error("strip arg must be None or str");
  return Value::string(py_strip(s, &chars.as_string(), true, true));
}

Value f_replace(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("replace", args, {"old", "new", "count"});
  const Value& count = a.get(2);
  const std::int64_t n =
      (count.is_undefined() || count.is_none()) ? -1 : int_param(count, "replace");
  std::string out = py_replace(py_str(v), py_str(a.get(0)), py_str(a.get(1)), n);
  if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "replace: result too large");
  return Value::string(std::move(out));
}

Value f_string(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("string", args, {});
  return Value::string(py_str(v));
}

Value f_escape(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("escape", args, {});
  return Value::string(html_escape(py_str(v)));
}

Value f_safe(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("safe", args, {});
  return Value::string(py_str(v));
}

Value f_center(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("center", args, {"width"});
  const std::int64_t width = a.has(0) ? int_param(a.get(0), "center") : 80;
  if (width > static_cast<std::int64_t>(ev.max_size()))
    fail(ErrorKind::Limit, "center: width too large");
  return Value::string(py_pad(py_str(v), width, " ", '^'));
}

Value f_indent(Evaluator& ev, const Value& v, CallArgs& args) {
  ArgBinder a("indent", args, {"width", "first", "blank"});
  std::string indention = "    ";
  if (a.has(0)) {
    if (a.get(0).is_string()) {
      indention = a.get(0).as_string();
    } else {
      const std::int64_t width = int_param(a.get(0), "indent");
      if (width > static_cast<std::int64_t>(ev.max_size()))
        fail(ErrorKind::Limit, "indent: width too large");
      indention = std::string(static_cast<std::size_t>(std::max<std::int64_t>(width, 0)), ' ');
    }
  }
  const bool first = truthy(a.get(1));
  const bool blank = truthy(a.get(2));
  // jinja2 appends a newline first so that a trailing newline survives splitlines().
  const std::vector<std::string> lines = py_splitlines(py_str(v) + "\n", false);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += "\n";
      if (blank || !lines[i].empty()) out += indention;
    }
    out += lines[i];
    if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "indent: result too large");
  }
  if (first) out = indention + out;
  return Value::string(std::move(out));
}

Value f_truncate(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("truncate", args, {"length", "killwords", "end", "leeway"});
  const std::int64_t length = a.has(0) ? int_param(a.get(0), "truncate") : 255;
  const bool killwords = truthy(a.get(1));
  const std::string end = a.has(2) ? py_str(a.get(2)) : "...";
  const std::int64_t leeway =
      (a.has(3) && !a.get(3).is_none()) ? int_param(a.get(3), "truncate") : 5;
  const auto end_len = static_cast<std::int64_t>(utf8::length(end));
  if (length < end_len)
    runtime_error("expected length >= " + std::to_string(end_len) + ", got " +
                  std::to_string(length));
  if (leeway < 0) runtime_error("expected leeway >= 0, got " + std::to_string(leeway));
  const std::string s = py_str(v);
  const std::u32string cps = utf8::decode(s);
  if (static_cast<std::int64_t>(cps.size()) <= length + leeway) return Value::string(s);
  std::string head =
      utf8::encode(std::u32string_view(cps).substr(0, static_cast<std::size_t>(length - end_len)));
  if (!killwords) {
    const std::size_t space = head.rfind(' ');
    if (space != std::string::npos) head.resize(space);
  }
  return Value::string(head + end);
}

Value f_wordcount(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("wordcount", args, {});
  const std::string s = py_str(v);
  std::int64_t words = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    const bool word_char = utf8::is_alnum(cp) || cp == '_';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value::integer(words);
}

Value f_format(Evaluator& ev, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    runtime_error("format: can't handle positional and keyword arguments at the same time");
  }
  Value format_args;
  if (!args.keyword.empty()) {
    Dict d;
    for (const auto& [key, value] : args.keyword) d.set(Value::string(key), value);
    format_args = Value::dict(std::move(d));
  } else {
    format_args = Value::tuple(args.positional);
  }
  std::string out = percent_format(py_str(v), format_args);
  if (out.size() > ev.max_size()) fail(ErrorKind::Limit, "format: result too large");
  return Value::string(std::move(out));
}

// ---- numbers ---------------------------------------------------------------------------------

Value f_int(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("int", args, {"default", "base"});
  const Value fallback = a.get_or(0, Value::integer(0));
  const std::int64_t base = a.has(1) ? int_param(a.get(1), "int") : 10;
  if (base != 0 && (base < 2 || base > 36))
    runtime_error("int() base must be >= 2 and <= 36, or 0");
  std::int64_t out = 0;
  double d = 0;
  if (v.is_integral()) return Value::integer(v.as_int());
  if (v.is_float()) {
    d = v.as_double();
  } else if (v.is_string()) {
    if (parse_py_int(v.as_string(), static_cast<int>(base), &out)) return Value::integer(out);
    if (!parse_py_float(v.as_string(), &d)) return fallback;
  } else {
    return fallback;
  }
  if (!std::isfinite(d)) return fallback;
  d = std::trunc(d);
  if (std::fabs(d) >= 9.2233720368547758e18) {
    fail(ErrorKind::Unsupported, "int: value does not fit in 64 bits");
  }
  return Value::integer(static_cast<std::int64_t>(d));
}

Value f_float(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("float", args, {"default"});
  if (v.is_number()) return Value::floating(v.as_double());
  double d = 0;
  if (v.is_string() && parse_py_float(v.as_string(), &d)) return Value::floating(d);
  return a.get_or(0, Value::floating(0.0));
}

Value f_abs(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder("abs", args, {});
  if (v.is_float()) return Value::floating(std::fabs(v.as_double()));
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) fail(ErrorKind::Unsupported, "integer overflow in abs");
    return Value::integer(std::llabs(v.as_int()));
  }
  if (v.is_undefined()) undefined_error(v);
  runtime_error("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_round(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("round", args, {"precision", "method"});
  const std::int64_t precision = a.has(0) ? int_param(a.get(0), "round") : 0;
  const std::string method = a.has(1) ? py_str(a.get(1)) : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    runtime_error("method must be common, ceil or floor");
  }
  if (v.is_undefined()) undefined_error(v);
  if (!v.is_number()) runtime_error("type " + type_name(v) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value::integer(v.as_int());
      // round(1234, -2) == 1200, ties to even.
      const double scale = std::pow(10.0, static_cast<double>(-precision));
      return Value::integer(static_cast<std::int64_t>(
          std::nearbyint(static_cast<double>(v.as_int()) / scale) * scale));
    }
    return Value::floating(py_round(v.as_double(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_double() * scale;
  return Value::floating((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
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
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
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
  if (v.is_undefined()) return Value::list({});
  if (!v.is_dict()) runtime_error("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [key, value] : v.as_dict().items()) out.push_back(Value::tuple({key, value}));
  return Value::list(std::move(out));
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
  std::vector<Value> seen, out;
  for (const Value& item : iterate(v)) {
    Value key = sort_key(by_attribute ? get_path(ev, item, a.get(1)) : item, case_sensitive);
    if (!is_hashable(key)) runtime_error("unhashable type: '" + type_name(key) + "'");
    ev.charge(seen.size() / 16);
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return py_equal(s, key); })) {
      seen.push_back(std::move(key));
      out.push_back(item);
    }
  }
  return Value::list(std::move(out));
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
  const std::int64_t count = int_param(a.get(0), "batch");
  if (count <= 0) runtime_error("batch: linecount must be positive");
  std::vector<Value> out, current;
  for (const Value& item : iterate(v)) {
    if (static_cast<std::int64_t>(current.size()) == count) {
      out.push_back(Value::list(std::move(current)));
      current.clear();
    }
    current.push_back(item);
  }
  if (!current.empty()) {
    if (a.has(1) && !a.get(1).is_none()) {
      if (count > static_cast<std::int64_t>(ev.max_size()))
        fail(ErrorKind::Limit, "batch: too large");
      while (static_cast<std::int64_t>(current.size()) < count) current.push_back(a.get(1));
    }
    out.push_back(Value::list(std::move(current)));
  }
  return Value::list(std::move(out));
}

Value f_slice(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("slice", args, {"slices", "fill_with"});
  const std::int64_t slices = int_param(a.get(0), "slice");
  if (slices <= 0) runtime_error("slice: slices must be positive");
  if (slices > 100000) fail(ErrorKind::Limit, "slice: too many slices");
  const std::vector<Value> seq = iterate(v);
  const auto length = static_cast<std::int64_t>(seq.size());
  const std::int64_t per = length / slices, extra = length % slices;
  std::int64_t offset = 0;
  std::vector<Value> out;
  for (std::int64_t n = 0; n < slices; ++n) {
    const std::int64_t start = offset + n * per;
    if (n < extra) ++offset;
    const std::int64_t end = offset + (n + 1) * per;
    std::vector<Value> part(seq.begin() + start, seq.begin() + end);
    if (a.has(1) && !a.get(1).is_none() && n >= extra) part.push_back(a.get(1));
    out.push_back(Value::list(std::move(part)));
  }
  return Value::list(std::move(out));
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
  std::vector<Value> out;
  const std::vector<Value> items = iterate(v);
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
    for (const Value& item : items) {
      Value got = get_path(ev, item, *attribute);
      if (got.is_undefined() && !fallback.is_undefined()) got = fallback;
      out.push_back(std::move(got));
    }
    return Value::list(std::move(out));
  }
  const std::string name = py_str(args.positional[0]);
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const Value& item : items) {
    CallArgs call_args = rest;
    out.push_back(ev.apply_filter(name, item, call_args));
  }
  return Value::list(std::move(out));
}

Value select_reject(Evaluator& ev,
                    const Value& v,
                    CallArgs& args,
                    bool select,
                    bool by_attribute,
                    const char* filter) {
  std::size_t off = 0;
  Value attribute;
  if (by_attribute) {
    if (args.positional.empty())
      runtime_error(std::string(filter) + ": missing parameter for attribute name");
    attribute = args.positional[0];
    off = 1;
  }
  std::vector<Value> out;
  if (!truthy(v)) return Value::list({});
  const bool has_test = args.positional.size() > off;
  const std::string test = has_test ? py_str(args.positional[off]) : "";
  CallArgs rest;
  if (has_test)
    rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off) + 1,
                           args.positional.end());
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
  return Value::list(std::move(out));
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

// Hugging Face replaces jinja2's tojson with json.dumps(x, ensure_ascii=False, indent=indent,
// separators=separators, sort_keys=sort_keys): no HTML escaping and insertion-ordered keys.
Value f_tojson(Evaluator&, const Value& v, CallArgs& args) {
  ArgBinder a("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = truthy(a.get(0));
  const Value& indent = a.get(1);
  if (!indent.is_undefined() && !indent.is_none()) {
    if (indent.is_string()) {
      o.indent = indent.as_string();
    } else if (indent.is_integral()) {
      o.indent = std::string(
          static_cast<std::size_t>(std::clamp<std::int64_t>(indent.as_int(), 0, 1000)), ' ');
    } else {
      runtime_error("tojson: indent must be an int or a string, not " + type_name(indent));
    }
    o.item_separator = ",";
  }
  const Value& separators = a.get(2);
  if (!separators.is_undefined() && !separators.is_none()) {
    if (!separators.is_list() || separators.items().size() != 2 ||
        !separators.items()[0].is_string() || !separators.items()[1].is_string()) {
      runtime_error("tojson: separators must be a pair of strings");
    }
    o.item_separator = separators.items()[0].as_string();
    o.key_separator = separators.items()[1].as_string();
  }
  o.sort_keys = truthy(a.get(3));
  return Value::string(py_json_dumps(v, o));
}

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

constexpr FilterEntry kFilters[] = {
    {"abs", f_abs},
    {"attr", f_attr},
    {"batch", f_batch},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"dictsort", f_dictsort},
    {"e", f_escape},
    {"escape", f_escape},
    {"first", f_first},
    {"float", f_float},
    {"forceescape", f_escape},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"lower", f_lower},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"replace", f_replace},
    {"reverse", f_reverse},
    {"round", f_round},
    {"safe", f_safe},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"slice", f_slice},
    {"sort", f_sort},
    {"string", f_string},
    {"sum", f_sum},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"truncate", f_truncate},
    {"unique", f_unique},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

FilterFn find_filter(std::string_view name) {
  for (const auto& entry : kFilters) {
    if (entry.name == name) return entry.fn;
  }
  return nullptr;
}

bool is_unimplemented_filter(std::string_view name) {
  static constexpr std::string_view kNames[] = {"filesizeformat", "groupby",   "pprint", "random",
                                                "striptags",      "urlencode", "urlize", "wordwrap",
                                                "xmlattr",        "unsafe"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

}  // namespace braid::text::jinja
