// Internal to braid_core: JSON parsing for model-file headers and configs, stricter than
// nlohmann's defaults, with failures turned into Status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "braid/core/status.h"

namespace braid::core::detail {

/// Parses `text` as one JSON value (trailing whitespace allowed).
///
/// Beyond plain nlohmann::json::parse it rejects an object that repeats a key (nlohmann keeps
/// the last one silently, which would let a file carry two different definitions of one tensor)
/// and nesting deeper than `max_depth`. Never throws: a syntax error, invalid UTF-8, a repeated
/// key or too deep a nesting is DataLoss, "<context>: invalid JSON at byte <n> of the file: ...",
/// where n counts from the start of the file, `text` starting at byte `text_file_offset`;
/// running out of memory is OutOfMemory.
Result<nlohmann::json> parse_json_strict(std::string_view text,
                                         std::string_view context,
                                         uint64_t text_file_offset,
                                         int max_depth);

/// A JSON value's kind as a message should name it: "integer", "float", "string", "boolean",
/// "null", "object", "array".
std::string_view json_kind(const nlohmann::json& value);

/// A value for a message that says what was found instead of what was expected: numbers and
/// booleans as written ("-1", "4.0", "true"), "null", else the kind with its article ("a string",
/// "an array", "an object").
std::string describe_json(const nlohmann::json& value);

/// The value as a uint64 when it is a non-negative JSON integer (not a float such as 4.0).
bool json_to_u64(const nlohmann::json& value, uint64_t* out);

/// `text` in single quotes for a message, cut to a readable length (names in a corrupt file can
/// be megabytes long).
std::string in_quotes(std::string_view text);

}  // namespace braid::core::detail
