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

/// Piece text -> id, in an open-addressing table of (hash, id) that refers to the pieces
/// themselves (passed to every call, so the table holds no pointers). Every encoder step looks
/// pieces up; a node-based map's pointer chasing dominated that.
class PieceIndex {
 public:
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    slots_.assign(capacity, Slot{0, kNoToken});
    mask_ = capacity - 1;
  }
  /// Adds pieces[id]; returns kNoToken, or the id already holding the same text.
  int32_t insert(const std::vector<std::string>& pieces, int32_t id) {
    const std::string_view text = pieces[id];
    const uint64_t hash = hash_of(text);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id == kNoToken) {
        slot = Slot{static_cast<uint32_t>(hash >> 32), id};
        return kNoToken;
      }
      if (slot.tag == static_cast<uint32_t>(hash >> 32) && pieces[slot.id] == text) return slot.id;
    }
  }
  int32_t find(const std::vector<std::string>& pieces, std::string_view text) const {
    if (slots_.empty()) return kNoToken;
    const uint64_t hash = hash_of(text);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id == kNoToken) return kNoToken;
      if (slot.tag == static_cast<uint32_t>(hash >> 32) && pieces[slot.id] == text) return slot.id;
    }
  }

 private:
  struct Slot {
    uint32_t tag;  // high bits of the hash: most mismatches never touch the piece
    int32_t id;
  };
  static uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

struct BpeMerge {
  int32_t rank;
  int32_t result;
};

/// (left id, right id) -> merge, in an open-addressing table: the BPE inner loop looks a pair up
/// for every adjacent symbol pair, and a node-based map's pointer chasing dominated it.
class MergeTable {
 public:
  /// Adds a merge unless the pair is present (the first, lowest rank wins, as in llama.cpp).
  void insert(int32_t left, int32_t right, BpeMerge merge) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    const uint64_t key = pack(left, right);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return;
      if (keys_[i] == kEmpty) {
        keys_[i] = key;
        values_[i] = merge;
        ++size_;
        return;
      }
    }
  }
  const BpeMerge* find(int32_t left, int32_t right) const {
    if (keys_.empty()) return nullptr;
    const uint64_t key = pack(left, right);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are >= 0, so no pair packs to this
  static uint64_t pack(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  size_t slot(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;  // Fibonacci mix
  }
  void grow() {
    std::vector<uint64_t> old_keys = std::move(keys_);
    std::vector<BpeMerge> old_values = std::move(values_);
    const size_t capacity = old_keys.empty() ? 1024 : old_keys.size() * 2;
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, BpeMerge{0, 0});
    mask_ = capacity - 1;
    size_ = 0;
    for (size_t i = 0; i < old_keys.size(); ++i) {
      if (old_keys[i] != kEmpty) {
        insert(static_cast<int32_t>(old_keys[i] >> 32), static_cast<int32_t>(old_keys[i]),
               old_values[i]);
      }
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<BpeMerge> values_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

struct TokenizerData {
  Vocab vocab;  // validated; scores and types filled for every token
  std::string pre_name;
  PieceIndex piece_index;
  /// The id whose piece is exactly `text`, or kNoToken.
  int32_t find_piece(std::string_view text) const { return piece_index.find(vocab.tokens, text); }
  /// token_to_piece(id, render_special=true) for every id; `special_piece` marks the ids that
  /// render only on request (control, unknown).
  std::vector<std::string> pieces;
  std::vector<bool> special_piece;
  /// Ids matched in the input text before tokenization (control, unknown, user-defined), longest
  /// text first, ties by id.
  std::vector<int32_t> specials;
  /// SPM: no mergeable piece has U+2581 after a character other than U+2581, so text can be
  /// split before every space run and the words encoded independently (true for SentencePiece
  /// models trained with split_by_whitespace, the default).
  bool spm_split_before_spaces = false;
  /// SPM: the <0xXX> ids; BPE: the id of each byte's byte-level character. kNoToken if absent.
  std::array<int32_t, 256> byte_tokens{};
  // BPE only.
  MergeTable merges;
  std::optional<PreTokenizer> pre;
};

/// Per-call state of the SPM encoder.
struct SpmScratch {
  struct Symbol {
    uint32_t start;
    uint32_t size;  // 0 once merged into its left neighbour
    int32_t prev;
    int32_t next;
  };
  struct Bigram {
    float score;
    int32_t left;
    int32_t right;
    uint32_t size;
  };
  std::vector<Symbol> symbols;
  std::vector<Bigram> heap;
  std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;  // -> cached_ids
  std::vector<int32_t> cached_ids;
};

/// SPM: appends the ids of one text fragment (spaces already escaped as U+2581).
core::Status spm_encode(const TokenizerData& data,
                        std::string_view text,
                        SpmScratch& scratch,
                        std::vector<int32_t>* out);

/// A candidate merge of two adjacent symbols of a word.
struct BpeBigram {
  int32_t rank;
  int32_t left;  // symbol indices
  int32_t right;
  int32_t left_id;  // the ids when queued, to recognise stale entries
  int32_t right_id;
  int32_t result;
};

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
  std::vector<BpeBigram> heap;
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
