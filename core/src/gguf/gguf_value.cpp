#include "braid/core/gguf_value.h"

#include <cmath>
#include <sstream>

namespace braid::core {

std::string_view gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::U8:
      return "u8";
    case GgufValueType::I8:
      return "i8";
    case GgufValueType::U16:
      return "u16";
    case GgufValueType::I16:
      return "i16";
    case GgufValueType::U32:
      return "u32";
    case GgufValueType::I32:
      return "i32";
    case GgufValueType::F32:
      return "f32";
    case GgufValueType::Bool:
      return "bool";
    case GgufValueType::String:
      return "string";
    case GgufValueType::Array:
      return "array";
    case GgufValueType::U64:
      return "u64";
    case GgufValueType::I64:
      return "i64";
    case GgufValueType::F64:
      return "f64";
  }
  return "unknown";
}

std::string GgufValue::type_name() const {
  if (const auto* array = std::get_if<GgufArray>(&data)) {
    return str_cat("array of ", gguf_value_type_name(array->element_type));
  }
  return std::string(gguf_value_type_name(type()));
}

namespace {

// Strings are shown quoted with control characters escaped, so a template or a token list
// prints on one line.
std::string quote(const std::string& text, size_t max_chars) {
  std::string out = "\"";
  size_t shown = 0;
  for (char c : text) {
    if (shown++ == max_chars) {
      out += "…";
      break;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += str_cat("\\x", std::hex, static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::string GgufValue::to_display_string(size_t max_items) const {
  return std::visit(
      [&](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) {
          return quote(v, 80);
        } else if constexpr (std::is_same_v<V, GgufArray>) {
          std::string out = "[";
          for (size_t i = 0; i < v.items.size() && i < max_items; ++i) {
            if (i) out += ", ";
            out += v.items[i].to_display_string(max_items);
          }
          if (v.items.size() > max_items) out += str_cat(", … (", v.items.size(), " items)");
          return out + "]";
        } else if constexpr (std::is_same_v<V, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, uint8_t> || std::is_same_v<V, int8_t>) {
          return std::to_string(static_cast<int>(v));
        } else if constexpr (std::is_floating_point_v<V>) {
          std::ostringstream out;
          out.precision(std::is_same_v<V, float> ? 7 : 15);
          out << v;
          return out.str();
        } else {
          return std::to_string(v);
        }
      },
      data);
}

namespace detail {

Status gguf_type_error(const GgufValue& value, std::string_view what, std::string_view expected) {
  return invalid_argument(what, ": expected ", expected, ", found ", value.type_name());
}

Result<int64_t> gguf_as_signed(const GgufValue& value, std::string_view what) {
  return std::visit(
      [&](const auto& v) -> Result<int64_t> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
          if constexpr (std::is_unsigned_v<V>) {
            if (static_cast<uint64_t>(v) > static_cast<uint64_t>(INT64_MAX)) {
              return out_of_range(what, ": value ", v, " does not fit the expected integer type");
            }
          }
          return static_cast<int64_t>(v);
        } else {
          return gguf_type_error(value, what, "an integer");
        }
      },
      value.data);
}

Result<uint64_t> gguf_as_unsigned(const GgufValue& value, std::string_view what) {
  return std::visit(
      [&](const auto& v) -> Result<uint64_t> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
          if constexpr (std::is_signed_v<V>) {
            if (v < 0) {
              return out_of_range(what, ": value ", static_cast<int64_t>(v),
                                  " is negative, expected an unsigned integer");
            }
          }
          return static_cast<uint64_t>(v);
        } else {
          return gguf_type_error(value, what, "an integer");
        }
      },
      value.data);
}

Result<double> gguf_as_double(const GgufValue& value, std::string_view what) {
  if (const auto* f = std::get_if<float>(&value.data)) return static_cast<double>(*f);
  if (const auto* d = std::get_if<double>(&value.data)) return *d;
  return gguf_type_error(value, what, "f32 or f64");
}

}  // namespace detail
}  // namespace braid::core
