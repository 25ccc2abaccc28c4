// Finding a model's tokenizer wherever it lives: in a GGUF file's metadata, or in a Hugging Face
// folder (tokenizer.json, else tokenizer.model).
#pragma once

#include <filesystem>
#include <string>

#include "braid/core/status.h"
#include "braid/text/tokenizer.h"

namespace braid::text {

struct TokenizerLoadOptions {
  /// The pre-tokenizer of a tokenizer.json vocabulary (its regexes cannot be read back from the
  /// JSON reliably), named as tokenizer.ggml.pre names it. Empty: chosen from config.json's
  /// model_type ("llama" → "llama-bpe", "qwen2" → "qwen2", "gpt2" → "gpt-2"); any other
  /// model_type needs it given.
  std::string pre;
};

/// Loads the tokenizer of `path`: a GGUF file (text model or vocabulary-only) or a Hugging Face
/// folder. Errors name the path and what is missing or malformed.
core::Result<Tokenizer> load_tokenizer(const std::filesystem::path& path,
                                       const TokenizerLoadOptions& options = {});

}  // namespace braid::text
