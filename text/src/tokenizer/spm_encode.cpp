// SentencePiece-style BPE ("llama" vocabularies): start from UTF-8 characters and repeatedly
// merge the adjacent pair whose concatenation is the highest-scoring piece.
#include <algorithm>

#include "tokenizer/tokenizer_data.h"
#include "tokenizer/unicode.h"

namespace braid::text::detail {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, the escaped space

using Symbol = SpmScratch::Symbol;
using Bigram = SpmScratch::Bigram;

// Highest score first; equal scores: leftmost first (llama.cpp's llm_bigram_spm order).
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

// Pieces that merges may produce. SentencePiece never builds control, unknown, byte or unused
// pieces from text; llama.cpp would, through any piece whose text matches.
bool mergeable(const TokenizerData& data, int32_t id) {
  const TokenType type = data.vocab.types[id];
  return type == TokenType::Normal || type == TokenType::UserDefined;
}

core::Status encode_segment(const TokenizerData& data,
                            std::string_view text,
                            SpmScratch& scratch,
                            std::vector<int32_t>* out) {
  auto& symbols = scratch.symbols;
  symbols.clear();
  for (uint32_t pos = 0; pos < text.size();) {
    const uint32_t len = static_cast<uint32_t>(
        std::min<size_t>(utf8_sequence_length(static_cast<uint8_t>(text[pos])), text.size() - pos));
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({pos, len, index - 1, pos + len == text.size() ? -1 : index + 1});
    pos += len;
  }

  auto& queue = scratch.heap;  // a heap in a reused vector
  queue.clear();
  const BigramOrder order;
  const auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const uint32_t size = symbols[left].size + symbols[right].size;
    const int32_t id = data.find_piece(text.substr(symbols[left].start, size));
    if (id == kNoToken || !mergeable(data, id)) return;
    queue.push_back({data.vocab.scores[id], left, right, size});
    std::push_heap(queue.begin(), queue.end(), order);
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), order);
    const Bigram bigram = queue.back();
    queue.pop_back();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    // Stale: one side was merged away or grew since this pair was queued.
    if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size) continue;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int32_t i = symbols.empty() ? -1 : 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].start, symbols[i].size);
    const int32_t id = data.find_piece(piece);
    if (id != kNoToken && mergeable(data, id)) {
      out->push_back(id);
      continue;
    }
    // No piece for this character: its bytes as <0xXX> pieces, else one unknown token.
    bool all_bytes = true;
    for (char c : piece) all_bytes = all_bytes && data.byte_tokens[static_cast<uint8_t>(c)] >= 0;
    if (all_bytes) {
      for (char c : piece) out->push_back(data.byte_tokens[static_cast<uint8_t>(c)]);
    } else if (data.vocab.unk_id != kNoToken) {
      out->push_back(data.vocab.unk_id);
    } else {
      return core::not_found("[tokenizer] ", data.vocab.name, ": the character '", piece,
                             "' has no piece, no <0xXX> byte pieces and the vocabulary has no "
                             "unknown token");
    }
  }
  return core::Status::ok();
}

}  // namespace

core::Status spm_encode(const TokenizerData& data,
                        std::string_view text,
                        SpmScratch& scratch,
                        std::vector<int32_t>* out) {
  if (!data.spm_split_before_spaces) return encode_segment(data, text, scratch, out);
  // No piece spans the start of a space run (checked when the tokenizer was built), so words
  // encode independently, and repeated words come from the cache.
  scratch.cache.clear();
  scratch.cached_ids.clear();
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find(kSpace, begin + 1);
    while (end != std::string_view::npos &&
           text.compare(end - kSpace.size(), kSpace.size(), kSpace) == 0) {
      end = text.find(kSpace, end + kSpace.size());
    }
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(begin, end - begin);
    begin = end;
    const auto hit = scratch.cache.find(word);
    if (hit != scratch.cache.end()) {
      out->insert(out->end(), scratch.cached_ids.begin() + hit->second.first,
                  scratch.cached_ids.begin() + hit->second.first + hit->second.second);
      continue;
    }
    const size_t first = out->size();
    BRAID_TRY(encode_segment(data, word, scratch, out));
    const auto offset = static_cast<uint32_t>(scratch.cached_ids.size());
    scratch.cached_ids.insert(scratch.cached_ids.end(), out->begin() + first, out->end());
    scratch.cache.emplace(word, std::make_pair(offset, static_cast<uint32_t>(out->size() - first)));
  }
  return core::Status::ok();
}

}  // namespace braid::text::detail
