// A prompt is a sequence of chunks: token ids from the text front end, or rows of embeddings
// that an encoder (vision/, audio/) and its projector made. The decoder embeds token chunks
// itself and takes embedding chunks as they are, so it never needs to know which model made a
// media chunk (see ../shared/design/ARCHITECTURE.md §1).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "braid/core/status.h"

namespace braid::model {

/// Token ids of the text model's vocabulary.
struct TokenChunk {
  std::vector<int32_t> tokens;
};

/// `n_rows` rows of `n_embd` F32 values (row-major) that take the place of token embeddings.
struct EmbeddingChunk {
  int64_t n_rows = 0;
  int64_t n_embd = 0;
  std::vector<float> data;  ///< n_rows * n_embd values
  /// false: the rows of this chunk also attend to each other (Gemma 3's image tokens); they
  /// still attend causally to everything before the chunk.
  bool causal = true;
  /// What made it, for messages and timings ("image 1", "audio 1, window 2").
  std::string source;
};

using PromptChunk = std::variant<TokenChunk, EmbeddingChunk>;

/// Rows (positions) a chunk takes in the decoder.
int64_t chunk_rows(const PromptChunk& chunk);

/// Ok when the chunk is well formed for a decoder of width `n_embd` and vocabulary `n_vocab`:
/// data size matches, widths agree, every token id is in [0, n_vocab), values are finite.
/// The message names the chunk's source and the first offending value.
core::Status validate_chunk(const PromptChunk& chunk, int64_t n_embd, int64_t n_vocab);

}  // namespace braid::model
