#include "braid/core/hf_config.h"

#include <limits>

#include "braid/core/mapped_file.h"
#include "strict_json.h"

namespace braid::core {
namespace {

using Json = nlohmann::json;

// Real configs are a few KB; the cap only stops a wrong file from being parsed as one.
constexpr uint64_t kMaxConfigBytes = 64ull << 20;
// Real configs nest a few levels (a text_config holding a rope_scaling object).
constexpr int kMaxConfigDepth = 64;

// "string \"32\"" or "object": the kind, and the value when it is short enough to help.
std::string describe(const Json& value) {
  std::string text(detail::json_kind(value));
  if (value.is_primitive() && !value.is_null()) {
    std::string dumped = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (dumped.size() > 60) dumped = dumped.substr(0, 60) + "...";
    text += " " + dumped;
  }
  return text;
}

}  // namespace

Result<HfConfig> HfConfig::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  auto mapping = MappedFile::open(path);
  if (!mapping.ok()) {
    if (mapping.status().code() == StatusCode::NotFound) {
      return not_found("[hf] ", name, ": missing");
    }
    return mapping.status();
  }
  if (mapping->size() > kMaxConfigBytes) {
    return out_of_range("[hf] ", name, ": ", mapping->size(), " bytes is over the limit of ",
                        kMaxConfigBytes, " for a JSON config");
  }
  const auto bytes = mapping->bytes();
  return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), name);
}

Result<HfConfig> HfConfig::parse(std::string_view text, std::string display_name) {
  const std::string where = str_cat("[hf] ", display_name);
  BRAID_ASSIGN_OR_RETURN(Json json, detail::parse_json_strict(text, where, 0, kMaxConfigDepth));
  if (!json.is_object()) {
    return data_loss(where, ": is ", detail::describe_json(json), ", expected a JSON object");
  }
  return HfConfig(std::move(json), std::move(display_name));
}

Result<const Json*> HfConfig::lookup(std::string_view key) const {
  const Json* node = &json_;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    const std::string_view part =
        key.substr(start, dot == std::string_view::npos ? dot : dot - start);
    // A null object on the path ("rope_scaling": null) means the whole setting is unset.
    if (node->is_null()) return static_cast<const Json*>(nullptr);
    if (!node->is_object()) {
      return invalid_argument("[hf] ", display_name_, ": '", key.substr(0, start - 1),
                              "' expected an object, got ", describe(*node));
    }
    const auto it = node->find(part);
    if (it == node->end()) return static_cast<const Json*>(nullptr);
    node = &*it;
    if (dot == std::string_view::npos) return node;
    start = dot + 1;
  }
}

Result<const Json*> HfConfig::require(std::string_view key) const {
  BRAID_ASSIGN_OR_RETURN(const Json* value, lookup(key));
  if (value == nullptr) return not_found("[hf] ", display_name_, ": '", key, "' missing");
  return value;
}

bool HfConfig::has(std::string_view key) const {
  const auto value = lookup(key);
  return value.ok() && *value != nullptr && !(*value)->is_null();
}

Result<int64_t> HfConfig::get_int(std::string_view key) const {
  BRAID_ASSIGN_OR_RETURN(const Json* value, require(key));
  if (value->is_number_unsigned()) {
    const auto number = value->get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return out_of_range("[hf] ", display_name_, ": '", key, "' = ", number,
                          " does not fit in a signed 64-bit integer");
    }
    return static_cast<int64_t>(number);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  return invalid_argument("[hf] ", display_name_, ": '", key, "' expected an integer, got ",
                          describe(*value));
}

Result<double> HfConfig::get_double(std::string_view key) const {
  BRAID_ASSIGN_OR_RETURN(const Json* value, require(key));
  if (value->is_number()) return value->get<double>();
  return invalid_argument("[hf] ", display_name_, ": '", key, "' expected a number, got ",
                          describe(*value));
}

Result<bool> HfConfig::get_bool(std::string_view key) const {
  BRAID_ASSIGN_OR_RETURN(const Json* value, require(key));
  if (value->is_boolean()) return value->get<bool>();
  return invalid_argument("[hf] ", display_name_, ": '", key, "' expected a boolean, got ",
                          describe(*value));
}

Result<std::string> HfConfig::get_string(std::string_view key) const {
  BRAID_ASSIGN_OR_RETURN(const Json* value, require(key));
  if (value->is_string()) return value->get<std::string>();
  return invalid_argument("[hf] ", display_name_, ": '", key, "' expected a string, got ",
                          describe(*value));
}

// The *_or getters: absent or null gives the fallback, anything else goes through the getter.
Result<int64_t> HfConfig::get_int_or(std::string_view key, int64_t fallback) const {
  if (!has(key)) {
    BRAID_TRY(lookup(key));  // still report a non-object on the path
    return fallback;
  }
  return get_int(key);
}

Result<double> HfConfig::get_double_or(std::string_view key, double fallback) const {
  if (!has(key)) {
    BRAID_TRY(lookup(key));
    return fallback;
  }
  return get_double(key);
}

Result<bool> HfConfig::get_bool_or(std::string_view key, bool fallback) const {
  if (!has(key)) {
    BRAID_TRY(lookup(key));
    return fallback;
  }
  return get_bool(key);
}

Result<std::string> HfConfig::get_string_or(std::string_view key, std::string fallback) const {
  if (!has(key)) {
    BRAID_TRY(lookup(key));
    return fallback;
  }
  return get_string(key);
}

}  // namespace braid::core
