// The generation loop shared by `braid run`, `braid chat` and `braid ask`: sample, stream the
// text, stop at EOS/EOT, a stop string, -n tokens, a full context or a cancel request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/decoder.h"
#include "braid/model/sampler.h"
#include "braid/text/tokenizer.h"

namespace braid::app {

struct GenerationOptions {
  int32_t n_predict = -1;         ///< -1: until EOS/EOT, a stop string or the context is full
  std::vector<std::string> stop;  ///< stop strings
  bool ignore_eos = false;
};

struct GenerationResult {
  std::string text;         ///< what was streamed (stop string excluded)
  int32_t n_tokens = 0;     ///< tokens generated
  std::string stop_reason;  ///< "eos", "stop", "length", "context", "cancelled"
  double seconds = 0;       ///< wall time of the decode loop
  /// The n_tokens generated ids, in order (an EOS/EOT that ended generation is not among them).
  /// Every one of them but possibly the last has been evaluated into the decoder: the decoder
  /// holds the prompt followed by the first `decoder.n_past() - n_past before the call` of these.
  std::vector<int32_t> tokens;
};

/// Samples from `first_logits` (the prompt's last row), then decodes token by token, streaming
/// text pieces to on_text as soon as they are valid UTF-8.
///
/// Every generated token is passed to sampler.accept() (accept the prompt's tokens before the
/// call if the penalties should see them). Text that could be the start of a stop string is held
/// back until it is settled; a stop string itself is never streamed. `cancel` is checked before
/// each token. Errors: the sampler found no usable logit (all -inf or NaN), a decoder failure;
/// text streamed before the error stays streamed.
core::Result<GenerationResult> generate(model::Decoder& decoder,
                                        const text::Tokenizer& tokenizer,
                                        model::Sampler& sampler,
                                        std::span<const float> first_logits,
                                        const GenerationOptions& options,
                                        const std::function<void(std::string_view)>& on_text,
                                        const std::atomic<bool>* cancel = nullptr);

}  // namespace braid::app
