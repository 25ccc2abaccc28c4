// What `braid info` reports about a model file, gathered into JSON: `--json` prints it as is, and
// the text view is rendered from the same object, so the two never disagree.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "braid/core/status.h"

namespace braid::app {

struct SummaryOptions {
  bool list_tensors = false;  ///< include every tensor (name, type, shape, bytes, offset)
};

/// Facts about a GGUF file: format, architecture, hyperparameters (the `<arch>.*` keys),
/// tokenizer, tensors per type, parameter count, and for an mmproj (`clip`) its encoders.
nlohmann::json summarize_gguf(const core::GgufFile& file,
                              const std::filesystem::path& path,
                              const SummaryOptions& options);

/// A GGUF metadata value as JSON (arrays longer than `max_items` become {type, count}).
nlohmann::json gguf_value_to_json(const core::GgufValue& value, size_t max_items);

/// Renders a summary (GGUF or Hugging Face folder) for a terminal.
std::string render_summary_text(const nlohmann::json& summary);

/// Adds one tensor to a {tensors, bytes, params} total (created on first use).
void count_tensor(nlohmann::json& totals, uint64_t bytes, uint64_t params);

/// "1.1 MiB", "3.5 GiB".
std::string human_bytes(uint64_t bytes);
/// "292.5K", "1.24B".
std::string human_count(uint64_t count);

}  // namespace braid::app

namespace braid::app {
/// Facts about a Hugging Face folder (config.json, safetensors weights, tokenizer files).
core::Result<nlohmann::json> summarize_hf_folder(const std::filesystem::path& path,
                                                 const SummaryOptions& options);
/// Facts about one .safetensors file (its tensors and __metadata__).
core::Result<nlohmann::json> summarize_safetensors_file(const std::filesystem::path& path,
                                                        const SummaryOptions& options);

/// Opens `path` (a GGUF file, a .safetensors file or a Hugging Face folder) and summarizes it.
core::Result<nlohmann::json> summarize_path(const std::filesystem::path& path,
                                            const SummaryOptions& options);
}  // namespace braid::app
