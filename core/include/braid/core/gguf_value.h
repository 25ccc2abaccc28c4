// Metadata values of a GGUF file: the 13 value types, arrays (nested too), and typed access.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "braid/core/status.h"

namespace braid::core {

/// GGUF metadata value types, numbered as the file numbers them.
enum class GgufValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
inline constexpr uint32_t kGgufValueTypeCount = 13;

/// "u32", "string", "array"…
std::string_view gguf_value_type_name(GgufValueType type);

struct GgufValue;

/// An array value: its element type and items (each of that type; arrays may nest).
struct GgufArray {
  GgufValueType element_type = GgufValueType::U8;
  std::vector<GgufValue> items;
};

/// One metadata value. The variant's alternative index equals the GGUF type id.
struct GgufValue {
  using Storage = std::variant<uint8_t,
                               int8_t,
                               uint16_t,
                               int16_t,
                               uint32_t,
                               int32_t,
                               float,
                               bool,
                               std::string,
                               GgufArray,
                               uint64_t,
                               int64_t,
                               double>;
  Storage data;

  GgufValue() = default;
  template <typename T>
  requires std::is_constructible_v<Storage, T&&> GgufValue(T&& value)
      : data(std::forward<T>(value)) {}                     // NOLINT: implicit by design
  GgufValue(const char* text) : data(std::string(text)) {}  // NOLINT: implicit by design

  GgufValueType type() const { return static_cast<GgufValueType>(data.index()); }

  /// Type name as printed in errors: "u32", "array of string".
  std::string type_name() const;
  /// A short human rendering for `braid info`; long arrays are abbreviated.
  std::string to_display_string(size_t max_items = 8) const;
};

/// Makes an array value from a vector of scalars or strings.
template <typename T>
GgufValue gguf_array(const std::vector<T>& items);

namespace detail {
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
}  // namespace detail

/// Converts a value to T: any integer type to any other when the value fits, f32/f64 to
/// float/double, bool, string, and std::vector<T> from arrays (element by element).
/// `what` names the value in the error ("[gguf] f.gguf: key 'llama.block_count'").
template <typename T>
Result<T> gguf_value_as(const GgufValue& value, std::string_view what);

// ---- implementation ---------------------------------------------------------------------------

template <typename T>
GgufValue gguf_array(const std::vector<T>& items) {
  GgufArray array;
  GgufValue probe{T{}};
  array.element_type = probe.type();
  array.items.reserve(items.size());
  for (const auto& item : items) array.items.emplace_back(T(item));
  return GgufValue{std::move(array)};
}

namespace detail {
Result<int64_t> gguf_as_signed(const GgufValue& value, std::string_view what);
Result<uint64_t> gguf_as_unsigned(const GgufValue& value, std::string_view what);
Result<double> gguf_as_double(const GgufValue& value, std::string_view what);
Status gguf_type_error(const GgufValue& value, std::string_view what, std::string_view expected);
}  // namespace detail

template <typename T>
Result<T> gguf_value_as(const GgufValue& value, std::string_view what) {
  if constexpr (std::is_same_v<T, bool>) {
    if (const auto* b = std::get_if<bool>(&value.data)) return *b;
    return detail::gguf_type_error(value, what, "bool");
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    BRAID_ASSIGN_OR_RETURN(int64_t v, detail::gguf_as_signed(value, what));
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
      return out_of_range(what, ": value ", v, " does not fit the expected integer type");
    }
    return static_cast<T>(v);
  } else if constexpr (std::is_integral_v<T>) {
    BRAID_ASSIGN_OR_RETURN(uint64_t v, detail::gguf_as_unsigned(value, what));
    if (v > std::numeric_limits<T>::max()) {
      return out_of_range(what, ": value ", v, " does not fit the expected integer type");
    }
    return static_cast<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    BRAID_ASSIGN_OR_RETURN(double v, detail::gguf_as_double(value, what));
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (const auto* s = std::get_if<std::string>(&value.data)) return *s;
    return detail::gguf_type_error(value, what, "string");
  } else if constexpr (detail::IsVector<T>::value) {
    const auto* array = std::get_if<GgufArray>(&value.data);
    if (!array) return detail::gguf_type_error(value, what, "array");
    T out;
    out.reserve(array->items.size());
    for (size_t i = 0; i < array->items.size(); ++i) {
      const std::string item_name = str_cat(what, "[", i, "]");
      BRAID_ASSIGN_OR_RETURN(auto item,
                             gguf_value_as<typename T::value_type>(array->items[i], item_name));
      out.push_back(std::move(item));
    }
    return out;
  } else {
    static_assert(sizeof(T) == 0, "unsupported GGUF value conversion");
  }
}

}  // namespace braid::core
