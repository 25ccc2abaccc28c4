// A tokenizer vocabulary as GGUF files carry it: pieces, scores, token types, BPE merges, the
// special-token ids and the flags that steer encoding. Every importer (GGUF, tiktoken, Hugging
// Face tokenizer.json, SentencePiece .model) produces this one plain struct; Tokenizer::create
// validates it and builds the lookup tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/core/status.h"

namespace braid::text {

/// "No such token": the value of an absent special-token id.
inline constexpr int32_t kNoToken = -1;

/// Token types, numbered as `tokenizer.ggml.token_type` numbers them (SentencePiece's numbering).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,       ///< an ordinary piece, produced by the BPE merges
  Unknown = 2,      ///< <unk>: parsed from text only with parse_special; rendered only on request
  Control = 3,      ///< <s>, <|eot_id|>, [INST]: parsed only with parse_special
  UserDefined = 4,  ///< added pieces that are always matched whole in the input, even as text
  Unused = 5,       ///< reserved slot: never produced, renders as nothing
  Byte = 6,         ///< <0xXX> byte-fallback piece
};

/// "normal", "control", ...
std::string_view token_type_name(TokenType type);

/// The two tokenizer algorithms braid implements (`tokenizer.ggml.model`).
enum class VocabModel {
  Spm,  ///< "llama": SentencePiece-style BPE over characters, merges by piece score
  Bpe,  ///< "gpt2": byte-level BPE, merges by rank, after a regex pre-tokenizer
};

/// "llama" or "gpt2", as GGUF spells the model.
std::string_view vocab_model_name(VocabModel model);

/// Everything a tokenizer needs, with every default already resolved (importers apply the
/// defaults of their format; Tokenizer::create only checks). Ids are indices into `tokens`.
struct Vocab {
  /// Where the vocabulary came from ("ggml-vocab-gpt-2.gguf"); used in error messages.
  std::string name;
  VocabModel model = VocabModel::Spm;
  /// BPE pre-tokenizer name (`tokenizer.ggml.pre`: "llama-bpe", "qwen2", "gpt-2", ...). Empty or
  /// "default" selects llama.cpp's default regexes. Ignored for SPM.
  std::string pre;

  std::vector<std::string> tokens;  ///< the pieces; id = index
  std::vector<float> scores;        ///< empty, or one per token (SPM merge priority)
  std::vector<TokenType> types;     ///< empty (all Normal), or one per token
  /// BPE merges in rank order, each "left right" with the pieces in the form the vocabulary
  /// stores them (GPT-2 byte-to-unicode form for byte-level BPE). Empty for SPM.
  std::vector<std::string> merges;

  int32_t bos_id = kNoToken;
  int32_t eos_id = kNoToken;
  int32_t eot_id = kNoToken;  ///< end of turn (<|eot_id|>, <|im_end|>)
  int32_t eom_id = kNoToken;  ///< end of message (<|eom_id|>)
  int32_t unk_id = kNoToken;
  int32_t pad_id = kNoToken;

  bool add_bos = false;           ///< encode(add_special=true) starts with bos_id
  bool add_eos = false;           ///< encode(add_special=true) ends with eos_id
  bool add_space_prefix = false;  ///< SPM: prepend ' ' to text that starts the input or follows a
                                  ///< special token (SentencePiece's dummy prefix)
};

/// Reads the `tokenizer.ggml.*` keys of a GGUF file into a Vocab, applying llama.cpp's defaults
/// (SPM: bos 1, eos 2, unk 0, add_bos and add_space_prefix on; BPE: Llama 3 style pre-tokenizers
/// add BOS) and its EOT/EOM detection by token text when the ids are absent. Unlike llama.cpp,
/// a BPE file without bos/eos keys gets no BOS/EOS (llama.cpp falls back to id 11).
/// Array lengths and merges are checked by Tokenizer::create, not here.
/// @return NotFound when tokens, the model or (for gpt2) the merges are missing; NotSupported
///   for models other than "llama" and "gpt2" and for an unknown `tokenizer.ggml.pre`;
///   InvalidArgument/OutOfRange for values of the wrong type and ids outside the vocabulary.
///   Each message names the file and the key (and the index). An id of 0xFFFFFFFF (how
///   converters write "none") reads as kNoToken.
core::Result<Vocab> vocab_from_gguf(const core::GgufFile& file);

}  // namespace braid::text

namespace braid::core {
class GgufWriter;
}

namespace braid::text {

/// Writes `vocab` as the `tokenizer.ggml.*` keys llama.cpp's converter writes (model, pre,
/// tokens, scores, token_type, merges, the special ids that are set, add_bos_token,
/// add_eos_token, add_space_prefix), so a vocabulary imported from tiktoken, tokenizer.json or a
/// SentencePiece .model becomes a GGUF vocabulary that braid and llama.cpp both read.
void add_vocab_to_gguf(core::GgufWriter& writer, const Vocab& vocab);

}  // namespace braid::text
