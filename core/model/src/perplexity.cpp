#include "braid/model/perplexity.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace braid::model {

core::Result<PerplexityResult> perplexity(
    Decoder& decoder,
    std::span<const int32_t> tokens,
    int32_t bos,
    const std::function<void(const PerplexityProgress&)>& progress) {
  const int64_t n_ctx = decoder.n_ctx();
  const int64_t n_vocab = decoder.n_vocab();
  if (n_ctx < 4) return core::invalid_argument("[perplexity] the context must hold at least 4");
  const int64_t n_chunks = static_cast<int64_t>(tokens.size()) / n_ctx;
  if (n_chunks < 1) {
    return core::invalid_argument("[perplexity] ", tokens.size(),
                                  " tokens do not fill one window of ", n_ctx,
                                  " (use a longer text or a smaller -c)");
  }
  const int64_t first = n_ctx / 2;
  double nll = 0.0, nll2 = 0.0;
  int64_t count = 0;
  std::vector<int32_t> window(static_cast<size_t>(n_ctx));
  std::vector<float> row;
  for (int64_t c = 0; c < n_chunks; ++c) {
    std::copy_n(tokens.begin() + c * n_ctx, n_ctx, window.begin());
    if (bos >= 0) window[0] = bos;
    decoder.clear();
    const PromptChunk chunk = TokenChunk{window};
    BRAID_ASSIGN_OR_RETURN(const std::vector<float> logits, decoder.eval_all(std::span(&chunk, 1)));
    for (int64_t j = first; j < n_ctx - 1; ++j) {
      // log softmax in double: max-shifted, so a large logit cannot overflow.
      const float* l = logits.data() + j * n_vocab;
      const double max = *std::max_element(l, l + n_vocab);
      double sum = 0.0;
      for (int64_t v = 0; v < n_vocab; ++v) sum += std::exp(static_cast<double>(l[v]) - max);
      const int32_t target = tokens[static_cast<size_t>(c * n_ctx + j + 1)];
      const double token_nll = -(static_cast<double>(l[target]) - max - std::log(sum));
      nll += token_nll;
      nll2 += token_nll * token_nll;
      ++count;
    }
    if (progress) progress({c + 1, n_chunks, std::exp(nll / static_cast<double>(count))});
  }
  PerplexityResult r;
  r.n_chunks = n_chunks;
  r.n_scored = count;
  const double mean = nll / static_cast<double>(count);
  r.ppl = std::exp(mean);
  if (count > 1) {
    const double var = std::max(0.0, nll2 / static_cast<double>(count) - mean * mean);
    r.ppl_error = r.ppl * std::sqrt(var / static_cast<double>(count - 1));
  }
  return r;
}

}  // namespace braid::model
