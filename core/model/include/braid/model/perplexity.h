// Perplexity as llama.cpp's `llama-perplexity` computes it, so numbers can be compared across
// runtimes and quantizations: the tokens are cut into windows of n_ctx, each window is evaluated
// from an empty cache (its first token replaced by BOS when the vocabulary adds one), and only
// the second half of each window is scored: the log-likelihood of token j + 1 given the logits
// at j, for j from n_ctx / 2 to n_ctx - 2.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "braid/core/status.h"
#include "braid/model/decoder.h"

namespace braid::model {

struct PerplexityProgress {
  int64_t chunk = 0;     ///< 1-based index of the window just scored
  int64_t n_chunks = 0;  ///< windows in all
  double ppl = 0.0;      ///< running perplexity over the windows so far
};

struct PerplexityResult {
  int64_t n_chunks = 0;
  int64_t n_scored = 0;  ///< tokens scored
  double ppl = 0.0;
  double ppl_error = 0.0;  ///< one standard error of ppl (from the spread of the token NLLs)
};

/// Scores `tokens` in windows of the decoder's context (n_ctx() positions each; a tail shorter
/// than a window is dropped, as llama.cpp drops it). `bos`: the id put at each window's start,
/// or -1 to keep the text's own token. `progress` (optional) is called after each window.
/// InvalidArgument when the tokens do not fill two windows' halves (fewer than n_ctx tokens, or
/// n_ctx < 4). The decoder's sequence is cleared before each window and left holding the last.
core::Result<PerplexityResult> perplexity(
    Decoder& decoder,
    std::span<const int32_t> tokens,
    int32_t bos,
    const std::function<void(const PerplexityProgress&)>& progress = {});

}  // namespace braid::model
