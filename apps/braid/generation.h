// The generation loop shared by `run`, `chat` and `ask`: sample, stream valid UTF-8 text, stop at
// end of generation, a stop string, -n tokens, a full context, or a cancel request.
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
};

/// Samples from `first_logits` (the prompt's last row), then decodes token by token, streaming
/// text pieces to on_text as soon as they are valid UTF-8.
core::Result<GenerationResult> generate(model::Decoder& decoder,
                                        const text::Tokenizer& tokenizer,
                                        model::Sampler& sampler,
                                        std::span<const float> first_logits,
                                        const GenerationOptions& options,
                                        const std::function<void(std::string_view)>& on_text,
                                        const std::atomic<bool>* cancel = nullptr);

}  // namespace braid::app
