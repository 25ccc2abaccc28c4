#include "braid/model/prompt_chunk.h"

#include <cmath>

namespace braid::model {

int64_t chunk_rows(const PromptChunk& chunk) {
  if (const auto* tokens = std::get_if<TokenChunk>(&chunk)) {
    return static_cast<int64_t>(tokens->tokens.size());
  }
  return std::get<EmbeddingChunk>(chunk).n_rows;
}

core::Status validate_chunk(const PromptChunk& chunk, int64_t n_embd, int64_t n_vocab) {
  if (const auto* text = std::get_if<TokenChunk>(&chunk)) {
    for (size_t i = 0; i < text->tokens.size(); ++i) {
      const int32_t id = text->tokens[i];
      if (id < 0 || id >= n_vocab) {
        return core::invalid_argument("[prompt] token chunk: token ", i, " has id ", id,
                                      ", expected 0 <= id < ", n_vocab, " (the vocabulary size)");
      }
    }
    return core::Status::ok();
  }
  const auto& media = std::get<EmbeddingChunk>(chunk);
  const std::string& name = media.source.empty() ? std::string("embedding chunk") : media.source;
  if (media.n_rows <= 0) {
    return core::invalid_argument("[prompt] ", name, ": ", media.n_rows,
                                  " rows, expected at least one");
  }
  if (media.n_embd != n_embd) {
    return core::invalid_argument("[prompt] ", name, ": rows of width ", media.n_embd,
                                  ", but the text model's embedding width is ", n_embd,
                                  " (does the mmproj belong to this model?)");
  }
  if (static_cast<int64_t>(media.data.size()) != media.n_rows * media.n_embd) {
    return core::invalid_argument("[prompt] ", name, ": ", media.data.size(), " values, expected ",
                                  media.n_rows, " x ", media.n_embd);
  }
  for (size_t i = 0; i < media.data.size(); ++i) {
    if (!std::isfinite(media.data[i])) {
      return core::invalid_argument("[prompt] ", name, ": value ", i, " (row ",
                                    static_cast<int64_t>(i) / media.n_embd, ") is not finite");
    }
  }
  return core::Status::ok();
}

}  // namespace braid::model
