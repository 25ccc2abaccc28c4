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
  const auto start = std::chrono::steady_clock::now();
  GenerationResult result;
  text::StreamingDetokenizer detok(tokenizer);
  model::StopMatcher matcher(options.stop);
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    result.text += piece;
    if (on_text) on_text(piece);
  };

  std::span<const float> logits = first_logits;
  result.stop_reason = "length";
  while (options.n_predict < 0 || result.n_tokens < options.n_predict) {
    if (cancel != nullptr && cancel->load()) {
      result.stop_reason = "cancelled";
      break;
    }
    const int32_t token = sampler.sample(logits);
    if (token < 0) {
      return core::invalid_argument(
          "[generate] after ", result.n_tokens,
          " tokens every logit is -inf or NaN: the model gave no distribution to sample from");
    }
    if (tokenizer.is_end_of_generation(token) && !options.ignore_eos) {
      result.stop_reason = "eos";
      break;
    }
    sampler.accept(token);
    result.tokens.push_back(token);
    ++result.n_tokens;
    BRAID_ASSIGN_OR_RETURN(const std::string piece, detok.push(token));
    const model::StopMatch match = matcher.push(piece);
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
    // The detokenizer's held-back bytes may still complete a stop string.
    const model::StopMatch match = matcher.push(detok.flush());
    emit(match.text);
    if (match.stopped) {
      result.stop_reason = "stop";
    } else {
      emit(matcher.flush());
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace braid::app
