// The regex pre-tokenizers of byte-level BPE vocabularies, selected by `tokenizer.ggml.pre`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "tokenizer/split_regex.h"

namespace braid::text::detail {

/// What a pre-tokenizer name implies, as llama.cpp's llama-vocab.cpp defines it.
struct PreTokenizerInfo {
  std::string_view name;                   // the name as given (an alias of one regex family)
  std::vector<std::string_view> patterns;  // applied one after another, each to every fragment
  bool ignore_merges = false;              // a pre-token that is itself a piece is emitted whole
  bool add_bos = false;  // llama.cpp's default for add_bos_token with this pre-tokenizer
};

/// The info for `name` ("" means "default"). NotSupported listing nothing more than the name
/// when unknown.
core::Result<PreTokenizerInfo> find_pre_tokenizer(std::string_view name);

/// Every name find_pre_tokenizer() accepts.
std::vector<std::string_view> pre_tokenizer_names();

/// Reusable buffers for PreTokenizer::split (one per encode call).
struct PreTokenizerScratch {
  std::vector<uint32_t> cps;
  std::vector<uint32_t> offsets;
  std::vector<SplitRegex::Span> spans;
  std::vector<SplitRegex::Span> next;
};

class PreTokenizer {
 public:
  static core::Result<PreTokenizer> create(std::string_view name);

  /// Splits valid UTF-8 `text` into pre-tokens (views into `text`), appended to `out`.
  void split(std::string_view text,
             PreTokenizerScratch& scratch,
             std::vector<std::string_view>* out) const;

  const PreTokenizerInfo& info() const { return info_; }

 private:
  PreTokenizerInfo info_;
  std::vector<SplitRegex> regexes_;
};

}  // namespace braid::text::detail
