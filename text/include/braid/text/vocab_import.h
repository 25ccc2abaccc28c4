// Vocabularies from files other than GGUF: tiktoken rank files (Llama 3, Qwen), Hugging Face
// tokenizer.json (BPE models) and SentencePiece .model protobufs (Llama 2, Mistral). Each gives
// the same Vocab a GGUF converter would write, so Tokenizer treats them alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/text/vocab.h"

namespace braid::text {

/// A special token that a format keeps outside its main vocabulary.
struct AddedToken {
  std::string text;
  int32_t id = kNoToken;
  TokenType type = TokenType::Control;
};

/// How to complete a tiktoken rank file into a vocabulary.
struct TiktokenOptions {
  std::string name;  ///< for error messages
  std::string pre;   ///< pre-tokenizer name ("llama-bpe", "qwen2", "gpt-2")
  /// Special tokens, with ids at or after the last rank (gaps are filled with unused tokens).
  std::vector<AddedToken> added_tokens;
  int32_t bos_id = kNoToken;
  int32_t eos_id = kNoToken;
  int32_t eot_id = kNoToken;
  int32_t eom_id = kNoToken;
  int32_t pad_id = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
};

/// Meta's Llama 3 tokenizer: pre "llama-bpe", 256 special tokens from id 128000 in the order of
/// meta-llama/llama-models' tokenizer.py (<|begin_of_text|> 128000, <|end_of_text|> 128001,
/// <|start_header_id|> 128006, <|end_header_id|> 128007, <|eom_id|> 128008, <|eot_id|> 128009,
/// the rest <|reserved_special_token_N|>), BOS added.
TiktokenOptions llama3_tiktoken_options();
/// Qwen2: pre "qwen2", <|endoftext|> 151643, <|im_start|> 151644, <|im_end|> 151645; no BOS.
TiktokenOptions qwen2_tiktoken_options();

/// Parses a tiktoken rank file ("<base64 bytes> <rank>" per line, ranks 0..N-1 in any order) into
/// a byte-level BPE vocabulary. Pieces are stored in GPT-2 byte-to-unicode form and the merges are
/// derived from the ranks as Hugging Face converts tiktoken files: every split of a token into
/// two tokens is a merge, ranked by the token it makes (then by the parts' ranks), which
/// reproduces tiktoken's "lowest-ranked concatenation first" rule.
/// @return DataLoss naming the line for bad base64, a missing or duplicate rank, a repeated
///   token; InvalidArgument for added-token ids that collide with ranks or each other.
core::Result<Vocab> vocab_from_tiktoken(std::string_view contents, const TiktokenOptions& options);

/// Reads a Hugging Face tokenizer.json whose model is BPE with byte-level pre-tokenization
/// (GPT-2, Llama 3, Qwen2 style): model.vocab, model.merges (either "a b" strings or [a, b]
/// pairs) and added_tokens (special → Control, else UserDefined). The pre-tokenizer regexes cannot
/// be read back reliably from the JSON, so the caller names them (`pre`, as GGUF would).
/// bos/eos are taken from added tokens named in `bos_text`/`eos_text` when given; add_bos is set
/// when the post_processor's single-sequence template starts with that BOS token (Llama 3).
/// @return InvalidArgument for JSON that does not parse or lacks these fields (naming the JSON
///   path); NotSupported for non-BPE models or ones that are not byte-level.
core::Result<Vocab> vocab_from_hf_tokenizer_json(std::string_view json,
                                                 std::string name,
                                                 std::string pre,
                                                 std::string_view bos_text = {},
                                                 std::string_view eos_text = {});

/// Parses a SentencePiece ModelProto (.model) whose trainer used the BPE algorithm into an SPM
/// vocabulary: pieces, scores, types, unk/bos/eos/pad ids from the trainer spec and
/// add_space_prefix from the normalizer's add_dummy_prefix. add_bos is set (as llama.cpp does
/// for SPM) when a BOS id exists.
/// @return DataLoss naming the byte offset for a malformed protobuf; NotSupported for unigram
///   and other model types.
core::Result<Vocab> vocab_from_sentencepiece_model(std::span<const std::byte> bytes,
                                                   std::string name);

/// The whole contents of a file, for the importers above. IoError naming the path on failure.
core::Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace braid::text
