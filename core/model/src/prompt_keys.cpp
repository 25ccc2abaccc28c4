#include "braid/model/prompt_keys.h"

#include <algorithm>

namespace braid::model {
namespace {

// Rows per embedding chunk the key space leaves room for (an image's chunk has hundreds of
// rows, a 30 s audio window 1500; 2^24 leaves room for 2^39 chunks).
constexpr int64_t kRowsPerChunkKey = int64_t(1) << 24;

int64_t media_row_key(int64_t chunk_index, int64_t row) {
  return -(1 + chunk_index * kRowsPerChunkKey + row);
}

}  // namespace

KeyedPrompt key_prompt(std::vector<PromptChunk> chunks) {
  KeyedPrompt out;
  int64_t media_index = 0;
  for (const PromptChunk& chunk : chunks) {
    if (const auto* text = std::get_if<TokenChunk>(&chunk)) {
      out.keys.insert(out.keys.end(), text->tokens.begin(), text->tokens.end());
      continue;
    }
    const int64_t rows = std::get<EmbeddingChunk>(chunk).n_rows;
    for (int64_t row = 0; row < std::min(rows, kRowsPerChunkKey); ++row) {
      out.keys.push_back(media_row_key(media_index, row));
    }
    // A chunk too long for the key space: its last rows share one key, so a prefix that
    // reaches into them is moved back to the chunk's start anyway.
    for (int64_t row = kRowsPerChunkKey; row < rows; ++row) {
      out.keys.push_back(media_row_key(media_index, kRowsPerChunkKey - 1));
    }
    ++media_index;
  }
  out.chunks = std::move(chunks);
  return out;
}

int64_t reusable_prefix(std::span<const int64_t> cached, const KeyedPrompt& next) {
  const int64_t total = static_cast<int64_t>(next.keys.size());
  int64_t keep = 0;
  const int64_t limit = std::min<int64_t>(static_cast<int64_t>(cached.size()), total - 1);
  while (keep < limit && cached[keep] == next.keys[keep]) ++keep;
  // Back to the start of an embedding chunk that `keep` cuts.
  int64_t start = 0;
  for (const PromptChunk& chunk : next.chunks) {
    const int64_t rows = chunk_rows(chunk);
    if (keep < start + rows) {
      if (std::holds_alternative<EmbeddingChunk>(chunk) && keep > start) keep = start;
      break;
    }
    start += rows;
  }
  return std::max<int64_t>(keep, 0);
}

core::Result<std::vector<PromptChunk>> chunks_from(const std::vector<PromptChunk>& prompt,
                                                   int64_t from) {
  std::vector<PromptChunk> out;
  int64_t start = 0;
  for (const PromptChunk& chunk : prompt) {
    const int64_t rows = chunk_rows(chunk);
    const int64_t end = start + rows;
    if (end > from) {
      if (start >= from) {
        out.push_back(chunk);
      } else {
        const auto* text = std::get_if<TokenChunk>(&chunk);
        if (text == nullptr) {
          return core::internal_error(
              "[prompt] position ", from, " falls inside embedding chunk '",
              std::get<EmbeddingChunk>(chunk).source,
              "': a prompt is only cut between a chunk's rows in token chunks");
        }
        TokenChunk tail;
        tail.tokens.assign(text->tokens.begin() + (from - start), text->tokens.end());
        out.emplace_back(std::move(tail));
      }
    }
    start = end;
  }
  return out;
}

}  // namespace braid::model
