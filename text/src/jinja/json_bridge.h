// JSON in and out: the render context arrives as nlohmann JSON and becomes template values; the
// `tojson` filter writes values back out exactly as Python's json.dumps() does.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "jinja/value.h"

namespace braid::text::jinja {

/// Converts JSON to a template value. Objects keep the order nlohmann stores them in (insertion
/// order for ordered_json, sorted keys for json). Throws TemplateError for strings that are not
/// UTF-8, integers above INT64_MAX and documents nested deeper than 512 levels.
Value from_json(const nlohmann::ordered_json& json);
Value from_json(const nlohmann::json& json);

/// The arguments of Python's json.dumps() that Hugging Face's tojson filter passes through.
struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  ///< nullopt: one line; "" still breaks lines
  std::string item_separator = ", ";  ///< json.dumps uses "," when an indent is given
  std::string key_separator = ": ";
  bool sort_keys = false;
};

/// Python json.dumps(value, ...). Throws TemplateError for values JSON cannot hold (undefined,
/// functions, namespaces) and dict keys json.dumps rejects.
std::string py_json_dumps(const Value& value, const JsonDumpOptions& options);

}  // namespace braid::text::jinja
