#include "jinja/json_bridge.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "jinja/error.h"
#include "jinja/py_format.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

constexpr int kMaxJsonDepth = 512;
constexpr int kMaxDumpDepth = 200;

template <typename Json>
Value convert(const Json& json, std::string& path, int depth) {
  if (depth > kMaxJsonDepth) {
    fail(ErrorKind::Limit, "context" + path + " nests more than 512 levels deep");
  }
  switch (json.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return Value::none();
    case Json::value_t::boolean:
      return Value::boolean(json.template get<bool>());
    case Json::value_t::number_integer:
      return Value::integer(json.template get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      const auto u = json.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) {
        fail(ErrorKind::Unsupported,
             "context" + path + ": integer " + std::to_string(u) + " does not fit in 64 bits");
      }
      return Value::integer(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value::floating(json.template get<double>());
    case Json::value_t::string: {
      const auto& s = json.template get_ref<const std::string&>();
      const std::size_t bad = utf8::first_invalid(s);
      if (bad != std::string::npos) {
        fail(ErrorKind::Runtime,
             "context" + path + ": string is not valid UTF-8 (byte " + std::to_string(bad) + ")");
      }
      return Value::string(s);
    }
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      const std::size_t mark = path.size();
      for (std::size_t i = 0; i < json.size(); ++i) {
        path += "[" + std::to_string(i) + "]";
        items.push_back(convert(json[i], path, depth + 1));
        path.resize(mark);
      }
      return Value::list(std::move(items));
    }
    case Json::value_t::object: {
      Dict dict;
      const std::size_t mark = path.size();
      for (auto it = json.begin(); it != json.end(); ++it) {
        path += "." + it.key();
        if (!utf8::is_valid(it.key())) {
          fail(ErrorKind::Runtime, "context" + path + ": key is not valid UTF-8");
        }
        dict.set(Value::string(it.key()), convert(it.value(), path, depth + 1));
        path.resize(mark);
      }
      return Value::dict(std::move(dict));
    }
    case Json::value_t::binary:
      fail(ErrorKind::Unsupported, "context" + path + ": binary JSON values are not supported");
  }
  return Value::none();
}

void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out.push_back('"');
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const char32_t cp = utf8::decode_next(s, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || (ensure_ascii && cp >= 0x7F)) {
      if (cp >= 0x10000) {
        const char32_t v = cp - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                      static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      }
      out += buf;
    } else {
      out.append(s, start, i - start);
    }
  }
  out.push_back('"');
}

std::string float_json(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return float_repr(x);
}

[[noreturn]] void not_serializable(const Value& v) {
  runtime_error("Object of type " + type_name(v) + " is not JSON serializable");
}

void dump(std::string& out, const Value& v, const JsonDumpOptions& o, int level) {
  if (level > kMaxDumpDepth) fail(ErrorKind::Limit, "tojson: value nests too deeply");
  switch (v.kind()) {
    case Value::Kind::None:
      out += "null";
      return;
    case Value::Kind::Bool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::Int:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::Float:
      out += float_json(v.as_double());
      return;
    case Value::Kind::String:
      append_json_string(out, v.as_string(), o.ensure_ascii);
      return;
    case Value::Kind::List:
      if (v.is_view()) not_serializable(v);
      break;
    case Value::Kind::Dict:
      break;
    default:
      not_serializable(v);
  }
  const bool is_list = v.is_list();
  const std::size_t count = is_list ? v.items().size() : v.as_dict().size();
  if (count == 0) {
    out += is_list ? "[]" : "{}";
    return;
  }
  std::string newline_indent, separator = o.item_separator;
  if (o.indent) {
    newline_indent = "\n";
    for (int i = 0; i <= level; ++i) newline_indent += *o.indent;
    separator += newline_indent;
  }
  out.push_back(is_list ? '[' : '{');
  out += newline_indent;
  if (is_list) {
    bool first = true;
    for (const Value& item : v.items()) {
      if (!first) out += separator;
      first = false;
      dump(out, item, o, level + 1);
    }
  } else {
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& entry : v.as_dict().items()) entries.push_back(&entry);
    if (o.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return py_compare(a->first, b->first) < 0;
      });
    }
    bool first = true;
    for (const auto* entry : entries) {
      if (!first) out += separator;
      first = false;
      const Value& key = entry->first;
      std::string key_text;
      if (key.is_string()) {
        key_text = key.as_string();
      } else if (key.is_bool()) {
        key_text = key.as_bool() ? "true" : "false";
      } else if (key.is_int()) {
        key_text = std::to_string(key.as_int());
      } else if (key.is_float()) {
        key_text = float_json(key.as_double());
      } else if (key.is_none()) {
        key_text = "null";
      } else {
        runtime_error("keys must be str, int, float, bool or None, not " + type_name(key));
      }
      append_json_string(out, key_text, o.ensure_ascii);
      out += o.key_separator;
      dump(out, entry->second, o, level + 1);
    }
  }
  if (o.indent) {
    out.push_back('\n');
    for (int i = 0; i < level; ++i) out += *o.indent;
  }
  out.push_back(is_list ? ']' : '}');
}

}  // namespace

Value from_json(const nlohmann::ordered_json& json) {
  std::string path;
  return convert(json, path, 0);
}

Value from_json(const nlohmann::json& json) {
  std::string path;
  return convert(json, path, 0);
}

std::string py_json_dumps(const Value& value, const JsonDumpOptions& options) {
  std::string out;
  dump(out, value, options, 0);
  return out;
}

}  // namespace braid::text::jinja
