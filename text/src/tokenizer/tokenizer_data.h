// The tables behind a Tokenizer, shared by the encoder and decoder files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "braid/core/status.h"
#include "braid/text/tokenizer.h"
#include "braid/text/vocab.h"
#include "tokenizer/pre_tokenizer.h"

namespace braid::text::detail {

// Hashing that lets a map keyed by std::string be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using PieceMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

struct BpeMerge {
  int32_t rank;
  int32_t result;
};

inline uint64_t merge_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

struct TokenizerData {
  Vocab vocab;  // validated; scores and types filled for every token
  std::string pre_name;
  PieceMap piece_to_id;
  /// token_to_piece(id, render_special=true) for every id; `special_piece` marks the ids that
  /// render only on request (control, unknown).
  std::vector<std::string> pieces;
  std::vector<bool> special_piece;
  /// Ids matched in the input text before tokenization (control, unknown, user-defined), longest
  /// text first, ties by id.
  std::vector<int32_t> specials;
  /// SPM: the <0xXX> ids; BPE: the id of each byte's byte-level character. kNoToken if absent.
  std::array<int32_t, 256> byte_tokens{};
  // BPE only.
  std::unordered_map<uint64_t, BpeMerge> merges;
  std::optional<PreTokenizer> pre;
};

/// SPM: appends the ids of one text fragment (spaces already escaped as U+2581).
core::Status spm_encode(const TokenizerData& data,
                        std::string_view text,
                        std::vector<int32_t>* out);

/// Per-call state of the BPE encoder: pre-tokenizer buffers and a cache of word encodings.
struct BpeScratch {
  PreTokenizerScratch pre;
  std::vector<std::string_view> words;
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;  // -> cached_ids span
  std::vector<int32_t> cached_ids;
  std::string mapped;
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  std::vector<Symbol> symbols;
};

/// BPE: appends the ids of one text fragment (valid UTF-8).
void bpe_encode(const TokenizerData& data,
                std::string_view text,
                BpeScratch& scratch,
                std::vector<int32_t>* out);

/// One piece of input after special-token matching: plain text, or a token id.
struct Fragment {
  std::string_view text;
  int32_t token = kNoToken;  // != kNoToken: a matched special token
};

/// Splits `text` at occurrences of special-token text, as llama.cpp's tokenizer_st_partition:
/// longest tokens first, each taking all its non-overlapping occurrences left to right in the
/// text that is still plain. Control and unknown tokens only when `parse_special`.
std::vector<Fragment> split_special(const TokenizerData& data,
                                    std::string_view text,
                                    bool parse_special);

}  // namespace braid::text::detail
