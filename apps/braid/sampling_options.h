// The sampling flags of `braid run` (and later `chat`), named as llama.cpp names them.
#pragma once

#include <cstdint>
#include <span>

#include "args.h"
#include "braid/core/status.h"

namespace braid::app {

/// The same fields as braid::model::SamplingParams (core/model/include/braid/model/sampler.h,
/// being written on branch `sampling`): when that lands, this struct becomes that one.
struct SamplingParams {
  float temperature = 0.8f;
  int32_t top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  int32_t repeat_last_n = 64;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0xFFFFFFFFu;  ///< llama.cpp's LLAMA_DEFAULT_SEED: pick a random seed
};

/// Help lines for the options.
inline constexpr const char* kSamplingOptionsHelp =
    "  --temp T             temperature (default 0.8; 0 = greedy)\n"
    "  --top-k N            keep the N most likely tokens (default 40; 0 = all)\n"
    "  --top-p P            nucleus sampling (default 0.95; 1 = off)\n"
    "  --min-p P            drop tokens below P x the top probability (default 0.05)\n"
    "  --repeat-penalty F   penalize repeats of the last --repeat-last-n tokens (default 1 = off)\n"
    "  --repeat-last-n N    window of the penalties (default 64)\n"
    "  --presence-penalty F, --frequency-penalty F   (default 0)\n"
    "  --seed N             random seed (default: random)\n";

void add_sampling_options(ArgSpec& spec);
/// InvalidArgument naming the flag for a malformed or out-of-range value.
core::Result<SamplingParams> parse_sampling_options(const ParsedArgs& args);

/// The token to emit next.
/// TODO(#5): greedy argmax stands in until braid::model::Sampler (branch `sampling`) is merged;
/// then this becomes Sampler::sample + accept with `params`.
int32_t choose_token(std::span<const float> logits, const SamplingParams& params);

}  // namespace braid::app
