// config.json of a Hugging Face model folder: the model's hyperparameters, with typed getters
// whose errors say which key was missing or had the wrong type.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "braid/core/status.h"

namespace braid::core {

/// A parsed config.json. Copyable; immutable after parsing.
///
/// Keys are looked up by path: "num_hidden_layers", or with dots through nested objects,
/// "text_config.hidden_size" (multimodal configs nest each tower's settings). Keys that
/// themselves contain a dot cannot be reached this way; use json() for those.
///
/// Getter errors start with "[hf] <file>: '<key>'": NotFound when the key (or an object on its
/// path) is absent, InvalidArgument when it has the wrong type ("expected an integer, got
/// string \"32\""), OutOfRange for an integer beyond int64. JSON null counts as a value of the
/// wrong type for the plain getters and as absent for the *_or getters, because Hugging Face
/// writes null for optional settings it leaves unset ("rope_scaling": null).
///
/// Thread safety: const methods may be called from any number of threads.
class HfConfig {
 public:
  /// Reads and parses `path` (usually <folder>/config.json). NotFound when it does not exist;
  /// DataLoss when it is not a JSON object, is not valid JSON or repeats a key (Python would
  /// keep the last silently; braid refuses to guess); OutOfRange over 64 MiB.
  static Result<HfConfig> open(const std::filesystem::path& path);
  /// Parses `text`; `display_name` names it in messages.
  static Result<HfConfig> parse(std::string_view text, std::string display_name);

  /// The whole document (always an object).
  const nlohmann::json& json() const { return json_; }
  const std::string& display_name() const { return display_name_; }

  /// True when `key` is present and not null.
  bool has(std::string_view key) const;

  /// A JSON integer (a float such as 32.0 is refused, as is a boolean).
  Result<int64_t> get_int(std::string_view key) const;
  /// A JSON number, integer or float.
  Result<double> get_double(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;

  /// As above, but `fallback` when the key is absent or null; a value of the wrong type is
  /// still an error.
  Result<int64_t> get_int_or(std::string_view key, int64_t fallback) const;
  Result<double> get_double_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;
  Result<std::string> get_string_or(std::string_view key, std::string fallback) const;

 private:
  HfConfig(nlohmann::json json, std::string display_name)
      : json_(std::move(json)), display_name_(std::move(display_name)) {}

  // The value at `key`; nullptr when absent. Err when an object on the path is not an object.
  Result<const nlohmann::json*> lookup(std::string_view key) const;
  // lookup() that turns absence into NotFound; a null value is returned for the getter to refuse.
  Result<const nlohmann::json*> require(std::string_view key) const;

  nlohmann::json json_;
  std::string display_name_;
};

}  // namespace braid::core
