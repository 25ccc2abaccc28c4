// jinja2's filters on text and numbers (jinja2/filters.py), plus Hugging Face's tojson.
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

std::int64_t int_param(const Value& v, const char* filter) {
  if (!v.is_integral()) {
    runtime_error(std::string(filter) + ": expected an integer, got " + type_name(v));
  }
  return v.as_int();
}

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

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.as_string()));
  return v;
}

namespace {

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
  // jinja2's indent does not stringify: `s += "\n"` fails for non-strings, as here.
  if (v.is_undefined()) undefined_error(v);
  if (!v.is_string()) {
    runtime_error("unsupported operand type(s) for +=: '" + type_name(v) + "' and 'str'");
  }
  const std::vector<std::string> lines = py_splitlines(v.as_string() + "\n", false);
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
  // jinja2's truncate takes len() of the value as it is; only strings can be cut.
  if (py_len(v) <= length + leeway) return v;
  if (!v.is_string()) runtime_error("'" + type_name(v) + "' object cannot be truncated");
  const std::string& s = v.as_string();
  const std::u32string cps = utf8::decode(s);
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
  if (v.is_undefined()) undefined_error(v);  // int(Undefined) raises
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
  if (v.is_undefined()) undefined_error(v);  // float(Undefined) raises
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

constexpr FilterEntry kTextFilters[] = {
    {"abs", f_abs},
    {"capitalize", f_capitalize},
    {"center", f_center},
    {"e", f_escape},
    {"escape", f_escape},
    {"float", f_float},
    {"forceescape", f_escape},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"lower", f_lower},
    {"replace", f_replace},
    {"round", f_round},
    {"safe", f_safe},
    {"string", f_string},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"truncate", f_truncate},
    {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

std::span<const FilterEntry> text_filters() { return kTextFilters; }

}  // namespace braid::text::jinja::detail
