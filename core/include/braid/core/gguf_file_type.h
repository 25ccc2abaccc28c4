// `general.file_type`: the label llama.cpp's tools give a whole model file ("Q4_K_M"), which says
// how most of its tensors are stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace braid::core {

/// The name llama.cpp uses for a `general.file_type` value ("MOSTLY_Q4_K_M" is shown as
/// "Q4_K_M"); nullopt for a value no current tool writes.
std::optional<std::string_view> gguf_file_type_name(uint32_t file_type);

/// The value for a name ("Q4_K_M", case-insensitive); nullopt if unknown.
std::optional<uint32_t> gguf_file_type_from_name(std::string_view name);

}  // namespace braid::core
