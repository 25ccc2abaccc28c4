// Byte-level BPE ("gpt2" vocabularies): split the text with the pre-tokenizer regexes, map each
// pre-token's bytes to their byte-level pieces, then apply merges lowest rank first.
#include <algorithm>

#include "tokenizer/tokenizer_data.h"
#include "tokenizer/unicode.h"

namespace braid::text::detail {

namespace {

constexpr int32_t kMergedAway = -2;
constexpr size_t kMaxCachedWords = 1 << 16;

using Bigram = BpeBigram;

// Lowest rank first; equal ranks: leftmost first (llama.cpp's llm_bigram_bpe order).
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

void encode_word(const TokenizerData& data,
                 std::string_view word,
                 BpeScratch& scratch,
                 std::vector<int32_t>* out) {
  if (data.pre->info().ignore_merges) {
    // Llama 3 style: a pre-token that is a piece of its own is not broken up.
    scratch.mapped.clear();
    append_byte_level(scratch.mapped, word);
    const int32_t whole = data.find_piece(scratch.mapped);
    if (whole != kNoToken) {
      out->push_back(whole);
      return;
    }
  }
  auto& symbols = scratch.symbols;
  symbols.clear();
  const int32_t n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n; ++i) {
    symbols.push_back(
        {data.byte_tokens[static_cast<uint8_t>(word[i])], i - 1, i + 1 < n ? i + 1 : -1});
  }
  // A heap in a reused vector (a std::priority_queue would allocate for every word).
  auto& queue = scratch.heap;
  queue.clear();
  const BigramOrder order;
  const auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const int32_t left_id = symbols[left].id;
    const int32_t right_id = symbols[right].id;
    if (left_id < 0 || right_id < 0) return;  // a byte with no piece never merges
    const BpeMerge* merge = data.merges.find(left_id, right_id);
    if (merge == nullptr) return;
    queue.push_back({merge->rank, left, right, left_id, right_id, merge->result});
    std::push_heap(queue.begin(), queue.end(), order);
  };
  for (int32_t i = 1; i < n; ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), order);
    const Bigram bigram = queue.back();
    queue.pop_back();
    auto& left = symbols[bigram.left];
    auto& right = symbols[bigram.right];
    // Stale when either side has merged since: its id changed (or it is gone).
    if (left.id != bigram.left_id || right.id != bigram.right_id) continue;
    left.id = bigram.result;
    right.id = kMergedAway;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }
  for (int32_t i = n > 0 ? 0 : -1; i != -1; i = symbols[i].next) {
    // A byte without a piece is dropped, as llama.cpp drops it.
    if (symbols[i].id >= 0) out->push_back(symbols[i].id);
  }
}

}  // namespace

void bpe_encode(const TokenizerData& data,
                std::string_view text,
                BpeScratch& scratch,
                std::vector<int32_t>* out) {
  scratch.words.clear();
  data.pre->split(text, scratch.pre, &scratch.words);
  for (std::string_view word : scratch.words) {
    const auto hit = scratch.cache.find(word);
    if (hit != scratch.cache.end()) {
      const auto [offset, count] = hit->second;
      out->insert(out->end(), scratch.cached_ids.begin() + offset,
                  scratch.cached_ids.begin() + offset + count);
      continue;
    }
    const size_t start = out->size();
    encode_word(data, word, scratch, out);
    if (scratch.cache.size() >= kMaxCachedWords) {
      scratch.cache.clear();
      scratch.cached_ids.clear();
    }
    const uint32_t offset = static_cast<uint32_t>(scratch.cached_ids.size());
    scratch.cached_ids.insert(scratch.cached_ids.end(), out->begin() + start, out->end());
    scratch.cache.emplace(word, std::make_pair(offset, static_cast<uint32_t>(out->size() - start)));
  }
}

}  // namespace braid::text::detail
