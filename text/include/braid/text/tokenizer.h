// Exact tokenizers for llama.cpp-style vocabularies: SentencePiece-style BPE ("llama" vocab) and
// byte-level BPE ("gpt2" vocab, with the regex pre-tokenizer named by `tokenizer.ggml.pre`).
//
// The reference is llama.cpp's llama-vocab.cpp: for the same vocabulary, encode() gives the ids
// llama_tokenize gives (checked against llama.cpp's own test vectors, tests/unit/text/). Known,
// deliberate differences are listed at the functions below.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/core/status.h"
#include "braid/text/vocab.h"

namespace braid::text {

/// What encode() does with input that is not valid UTF-8.
enum class InvalidUtf8 {
  Error,    ///< InvalidArgument naming the byte offset (the default)
  Replace,  ///< every byte that does not start a valid sequence becomes U+FFFD (as llama.cpp's
            ///< BPE path does), then tokenization proceeds
};

struct EncodeOptions {
  /// Add BOS/EOS as the vocabulary's add_bos/add_eos flags ask.
  bool add_special = true;
  /// Match the text of control and unknown tokens (<|eot_id|>, [INST], <s>) in the input and emit
  /// their ids. When false they are tokenized as plain text. User-defined tokens are matched in
  /// both cases, as llama.cpp and Hugging Face do.
  bool parse_special = false;
  InvalidUtf8 invalid_utf8 = InvalidUtf8::Error;
};

struct DecodeOptions {
  /// Render control and unknown tokens as their text ("<|eot_id|>"); otherwise they render as
  /// nothing.
  bool render_special = false;
  /// For vocabularies with add_space_prefix: drop one leading ' ' from the first non-empty piece,
  /// so decode(encode(text)) == text.
  bool strip_space_prefix = true;
};

/// A validated vocabulary and its lookup tables. Immutable after create(); every method is const
/// and safe to call from several threads at once. Movable, not copyable.
class Tokenizer {
 public:
  /// Validates `vocab` and builds the tables.
  /// @return InvalidArgument for duplicate pieces, scores/types whose length differs from the
  ///   tokens, merges that are malformed or name unknown pieces, special ids outside the
  ///   vocabulary, add_bos/add_eos without the id; NotSupported for an unknown pre-tokenizer
  ///   name. Messages name the vocabulary, the GGUF key and the index.
  static core::Result<Tokenizer> create(Vocab vocab);
  /// vocab_from_gguf() then create().
  static core::Result<Tokenizer> from_gguf(const core::GgufFile& file);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer();

  /// Token ids for `text` (UTF-8).
  /// SPM: characters that form no piece fall back to <0xXX> byte tokens, else to unk_id. Unlike
  /// llama.cpp (and like SentencePiece), merges never produce control, unknown, byte or unused
  /// pieces from plain text.
  /// @return InvalidArgument for invalid UTF-8 (under InvalidUtf8::Error, naming the offset);
  ///   NotFound if an SPM character has neither byte pieces nor an unknown token.
  core::Result<std::vector<int32_t>> encode(std::string_view text,
                                            const EncodeOptions& options) const;
  /// encode() with the usual flags: `add_special` adds BOS/EOS as the vocabulary asks,
  /// `parse_special` matches control-token text. Errors on invalid UTF-8.
  core::Result<std::vector<int32_t>> encode(std::string_view text,
                                            bool add_special,
                                            bool parse_special) const;

  /// The bytes token `id` stands for: '▁' becomes ' ' (SPM), byte-level pieces are unmapped to
  /// their bytes (BPE), <0xXX> is the byte itself. Control and unknown tokens give their text
  /// only with `render_special`, else "". Unused tokens give "". A piece may be part of a UTF-8
  /// character. The view lives as long as the Tokenizer.
  /// @return OutOfRange when id is not in [0, size()).
  core::Result<std::string_view> token_to_piece(int32_t id, bool render_special = false) const;

  /// The concatenated pieces of `ids` (lossless: no clean-up of spaces before punctuation, which
  /// llama.cpp applies for some BPE vocabularies). The result may contain invalid UTF-8 when the
  /// ids split a character; StreamingDetokenizer handles that case.
  /// @return OutOfRange naming the position of the first bad id.
  core::Result<std::string> decode(std::span<const int32_t> ids,
                                   const DecodeOptions& options = {}) const;

  // ---- vocabulary accessors -------------------------------------------------------------------
  const std::string& name() const;
  VocabModel model() const;
  /// The pre-tokenizer name as resolved ("default" when the vocabulary gave none). "" for SPM.
  const std::string& pre() const;
  int32_t size() const;  ///< number of tokens
  int32_t bos_id() const;
  int32_t eos_id() const;
  int32_t eot_id() const;
  int32_t eom_id() const;
  int32_t unk_id() const;
  int32_t pad_id() const;
  bool add_bos() const;
  bool add_eos() const;
  bool add_space_prefix() const;
  /// True for eos, eot and eom: the ids that end generation.
  bool is_end_of_generation(int32_t id) const;

  /// The piece as stored in the vocabulary ("▁Hello", "Ġworld", "<0x0A>"); OutOfRange if bad.
  core::Result<std::string_view> token_text(int32_t id) const;
  core::Result<TokenType> token_type(int32_t id) const;
  core::Result<float> token_score(int32_t id) const;
  /// The id whose stored piece is exactly `text`, if any.
  std::optional<int32_t> find_token(std::string_view text) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace braid::text
