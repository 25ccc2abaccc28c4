#include "generation.h"

#include <chrono>

#include "braid/model/stop_matcher.h"
#include "braid/text/streaming_detokenizer.h"

namespace braid::app {

core::Result<GenerationResult> generate(model::Decoder& decoder,
                                        const text::Tokenizer& tokenizer,
                                        model::Sampler& sampler,
                                        std::span<const float> first_logits,
                                        const GenerationOptions& options,
                                        const std::function<void(std::string_view)>& on_text,
                                        const std::atomic<bool>* cancel) {
  GenerationResult result;
  text::StreamingDetokenizer detokenizer(tokenizer);
  model::StopMatcher stops(options.stop);
  auto emit = [&](std::string_view piece) {
    if (piece.empty()) return;
    result.text += piece;
    on_text(piece);
  };
  const auto start = std::chrono::steady_clock::now();
  std::span<const float> logits = first_logits;
  result.stop_reason = "length";
  while (options.n_predict < 0 || result.n_tokens < options.n_predict) {
    if (cancel && cancel->load()) {
      result.stop_reason = "cancelled";
      break;
    }
    const int32_t token = sampler.sample(logits);
    if (token < 0) {
      return core::internal_error("[generate] every logit is -inf or NaN: nothing to sample");
    }
    sampler.accept(token);
    if (tokenizer.is_end_of_generation(token) && !options.ignore_eos) {
      result.stop_reason = "eos";
      break;
    }
    ++result.n_tokens;
    BRAID_ASSIGN_OR_RETURN(std::string piece, detokenizer.push(token));
    const model::StopMatch match = stops.push(piece);
    emit(match.text);
    if (match.stopped) {
      result.stop_reason = "stop";
      break;
    }
    if (options.n_predict >= 0 && result.n_tokens >= options.n_predict) break;
    if (decoder.n_past() >= decoder.n_ctx()) {
      result.stop_reason = "context";
      break;
    }
    BRAID_ASSIGN_OR_RETURN(logits, decoder.eval_token(token));
  }
  if (result.stop_reason != "stop") {
    const model::StopMatch last = stops.push(detokenizer.flush());
    emit(last.text);
    if (!last.stopped) emit(stops.flush());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace braid::app
