#include "jinja/value_ops.h"

#include <cmath>
#include <cstdio>

#include "jinja/error.h"
#include "jinja/py_format.h"
#include "jinja/utf8.h"

namespace braid::text::jinja {

namespace {

// Containers nest at most as deep as the JSON input allows plus what templates build; this guard
// keeps a self-referencing namespace from recursing forever.
constexpr int kMaxReprDepth = 200;

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) {
    const double x = a.as_double(), y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const std::int64_t x = a.as_int(), y = b.as_int();
  return x < y ? -1 : (x > y ? 1 : 0);
}

void append_repr_string(std::string& out, const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out.push_back(quote);
  for (std::size_t i = 0; i < s.size();) {
    const char32_t cp = utf8::decode_next(s, i);
    char buf[16];
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      out += buf;
    } else if (cp < 0x7F || utf8::is_printable(cp)) {
      utf8::append(out, cp);
    } else {
      const char* fmt = cp <= 0xFF ? "\\x%02x" : cp <= 0xFFFF ? "\\u%04x" : "\\U%08x";
      std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned>(cp));
      out += buf;
    }
  }
  out.push_back(quote);
}

void append_value(std::string& out, const Value& v, bool repr, int depth) {
  if (depth > kMaxReprDepth) {
    fail(ErrorKind::Limit, "value nests too deeply to print (more than 200 levels)");
  }
  switch (v.kind()) {
    case Value::Kind::Undefined:
      if (repr) out += "Undefined";
      return;
    case Value::Kind::None:
      out += "None";
      return;
    case Value::Kind::Bool:
      out += v.as_bool() ? "True" : "False";
      return;
    case Value::Kind::Int:
      out += std::to_string(v.as_int());
      return;
    case Value::Kind::Float:
      out += float_repr(v.as_double());
      return;
    case Value::Kind::String:
      if (repr) {
        append_repr_string(out, v.as_string());
      } else {
        out += v.as_string();
      }
      return;
    case Value::Kind::List: {
      const bool tuple = v.is_tuple();
      if (v.is_view()) out += std::string(v.as_list().view) + "(";
      out.push_back(tuple ? '(' : '[');
      const auto& items = v.items();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_value(out, items[i], true, depth + 1);
      }
      if (tuple && items.size() == 1) out.push_back(',');
      out.push_back(tuple ? ')' : ']');
      if (v.is_view()) out.push_back(')');
      return;
    }
    case Value::Kind::Dict: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.as_dict().items()) {
        if (!first) out += ", ";
        first = false;
        append_value(out, key, true, depth + 1);
        out += ": ";
        append_value(out, value, true, depth + 1);
      }
      out.push_back('}');
      return;
    }
    case Value::Kind::Namespace:
      out += "<Namespace ";
      append_value(out, Value::dict(v.as_namespace().attrs), true, depth + 1);
      out += ">";
      return;
    case Value::Kind::Function:
      out += "<function " + v.as_function().name + ">";
      return;
    case Value::Kind::Iterator:
      // Python adds the object's address, which no two runs share.
      out += "<" + v.as_iterator().type + " object>";
      return;
  }
}

}  // namespace

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return false;
    case Value::Kind::Bool:
      return v.as_bool();
    case Value::Kind::Int:
      return v.as_int() != 0;
    case Value::Kind::Float:
      return v.as_double() != 0.0;
    case Value::Kind::String:
      return !v.as_string().empty();
    case Value::Kind::List:
      return !v.items().empty();
    case Value::Kind::Dict:
      return !v.as_dict().empty();
    case Value::Kind::Namespace:
    case Value::Kind::Function:
    case Value::Kind::Iterator:  // a generator is true even when it is empty
      return true;
  }
  return false;
}

bool py_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
      return true;
    case Value::Kind::String:
      return a.as_string() == b.as_string();
    case Value::Kind::List: {
      if (a.is_tuple() != b.is_tuple() || a.is_view() != b.is_view()) return false;
      if (a.is_view()) {
        // dict_keys and dict_items compare as sets; dict_values only by identity.
        const std::string_view type = a.as_list().view;
        if (type != b.as_list().view) return false;
        if (type == "dict_values") return &a.as_list() == &b.as_list();
        if (a.items().size() != b.items().size()) return false;
        for (const Value& x : a.items()) {
          if (!contains(b, x)) return false;
        }
        return true;
      }
      const auto &x = a.items(), &y = b.items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!py_equal(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::Dict: {
      const Dict &x = a.as_dict(), &y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x.items()) {
        const Value* other = y.find(key);
        if (!other || !py_equal(value, *other)) return false;
      }
      return true;
    }
    case Value::Kind::Namespace:
      return &a.as_namespace() == &b.as_namespace();
    case Value::Kind::Function:
      return &a.as_function() == &b.as_function();
    case Value::Kind::Iterator:
      return &a.as_iterator() == &b.as_iterator();
    default:
      return false;
  }
}

int py_compare(const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());  // UTF-8 byte order = code point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
    const auto &x = a.items(), &y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (py_equal(x[i], y[i])) continue;
      return py_compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  runtime_error("'<' not supported between instances of '" + type_name(a) + "' and '" +
                type_name(b) + "'");
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return "Undefined";
    case Value::Kind::None:
      return "NoneType";
    case Value::Kind::Bool:
      return "bool";
    case Value::Kind::Int:
      return "int";
    case Value::Kind::Float:
      return "float";
    case Value::Kind::String:
      return "str";
    case Value::Kind::List:
      return v.is_view() ? v.as_list().view : v.is_tuple() ? "tuple" : "list";
    case Value::Kind::Dict:
      return "dict";
    case Value::Kind::Namespace:
      return "Namespace";
    case Value::Kind::Function:
      return "function";
    case Value::Kind::Iterator:
      return v.as_iterator().type;
  }
  return "object";
}

std::string object_description(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_namespace()) return "jinja2.utils.Namespace object";
  return type_name(v) + " object";
}

void append_str(std::string& out, const Value& v) { append_value(out, v, false, 0); }
void append_repr(std::string& out, const Value& v) { append_value(out, v, true, 0); }

std::string py_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string out;
  append_str(out, v);
  return out;
}

std::string py_repr(const Value& v) {
  std::string out;
  append_repr(out, v);
  return out;
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return {};
    case Value::Kind::List:
      return v.items();
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().size());
      for (const auto& item : v.as_dict().items()) keys.push_back(item.first);
      return keys;
    }
    case Value::Kind::Iterator:
      return v.as_iterator().drain();
    case Value::Kind::String: {
      std::vector<Value> chars;
      const std::string& s = v.as_string();
      for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        utf8::decode_next(s, i);
        chars.push_back(Value::string(s.substr(start, i - start)));
      }
      return chars;
    }
    default:
      runtime_error("'" + type_name(v) + "' object is not iterable");
  }
}

std::int64_t py_len(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return 0;
    case Value::Kind::String:
      return static_cast<std::int64_t>(utf8::length(v.as_string()));
    case Value::Kind::List:
      return static_cast<std::int64_t>(v.items().size());
    case Value::Kind::Dict:
      return static_cast<std::int64_t>(v.as_dict().size());
    default:
      runtime_error("object of type '" + type_name(v) + "' has no len()");
  }
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::String:
      if (!item.is_string()) {
        runtime_error("'in <string>' requires string as left operand, not " + type_name(item));
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const Value& x : container.items()) {
        if (py_equal(x, item)) return true;
      }
      return false;
    case Value::Kind::Dict:
      if (!is_hashable(item)) runtime_error("unhashable type: '" + type_name(item) + "'");
      return container.as_dict().find(item) != nullptr;
    case Value::Kind::Iterator: {
      // Python consumes the generator up to and including the match.
      IteratorState& it = container.as_iterator();
      while (const Value* x = it.next()) {
        if (py_equal(*x, item)) return true;
      }
      return false;
    }
    default:
      runtime_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

bool is_hashable(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List:
      if (!v.is_tuple()) return false;
      for (const Value& x : v.items()) {
        if (!is_hashable(x)) return false;
      }
      return true;
    case Value::Kind::Dict:
    case Value::Kind::Namespace:
      return false;
    default:
      return true;
  }
}

void undefined_error(const Value& undefined) {
  fail(ErrorKind::Undefined, undefined.undefined_message());
}

}  // namespace braid::text::jinja
