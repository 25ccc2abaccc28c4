// SentencePiece-style BPE ("llama" vocabularies): start from UTF-8 characters and repeatedly
// merge the adjacent pair whose concatenation is the highest-scoring piece.
#include <queue>

#include "tokenizer/tokenizer_data.h"
#include "tokenizer/unicode.h"

namespace braid::text::detail {

namespace {

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

}  // namespace

core::Status spm_encode(const TokenizerData& data,
                        std::string_view text,
                        std::vector<int32_t>* out) {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (uint32_t pos = 0; pos < text.size();) {
    const uint32_t len = static_cast<uint32_t>(
        std::min<size_t>(utf8_sequence_length(static_cast<uint8_t>(text[pos])), text.size() - pos));
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({pos, len, index - 1, pos + len == text.size() ? -1 : index + 1});
    pos += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  const auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const uint32_t size = symbols[left].size + symbols[right].size;
    const auto it = data.piece_to_id.find(text.substr(symbols[left].start, size));
    if (it == data.piece_to_id.end() || !mergeable(data, it->second)) return;
    queue.push({data.vocab.scores[it->second], left, right, size});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
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
    const auto it = data.piece_to_id.find(piece);
    if (it != data.piece_to_id.end() && mergeable(data, it->second)) {
      out->push_back(it->second);
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

}  // namespace braid::text::detail
