#include "sampling_options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace braid::app {
namespace {

template <typename T>
core::Status parse_number(const ParsedArgs& args, const std::string& flag, T& out, T lo, T hi) {
  const auto text = args.value(flag);
  if (!text) return core::Status::ok();
  T value{};
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  bool ok = ec == std::errc() && ptr == end && !text->empty();
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
  if (!ok || value < lo || value > hi) {
    return core::invalid_argument(flag, " '", *text, "': expected a number in [", lo, ", ", hi,
                                  "]");
  }
  out = value;
  return core::Status::ok();
}

}  // namespace

void add_sampling_options(ArgSpec& spec) {
  for (const char* o : {"--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty",
                        "--repeat-last-n", "--presence-penalty", "--frequency-penalty", "--seed"}) {
    spec.options.insert(o);
  }
}

core::Result<SamplingParams> parse_sampling_options(const ParsedArgs& args) {
  SamplingParams p;
  BRAID_TRY(parse_number(args, "--temp", p.temperature, 0.0f, 100.0f));
  BRAID_TRY(parse_number(args, "--top-k", p.top_k, 0, INT32_MAX));
  BRAID_TRY(parse_number(args, "--top-p", p.top_p, 0.0f, 1.0f));
  BRAID_TRY(parse_number(args, "--min-p", p.min_p, 0.0f, 1.0f));
  BRAID_TRY(parse_number(args, "--repeat-penalty", p.repeat_penalty, 0.0f, 100.0f));
  BRAID_TRY(parse_number(args, "--repeat-last-n", p.repeat_last_n, -1, INT32_MAX));
  BRAID_TRY(parse_number(args, "--presence-penalty", p.presence_penalty, -100.0f, 100.0f));
  BRAID_TRY(parse_number(args, "--frequency-penalty", p.frequency_penalty, -100.0f, 100.0f));
  BRAID_TRY(parse_number(args, "--seed", p.seed, uint64_t{0}, UINT64_MAX));
  return p;
}

int32_t choose_token(std::span<const float> logits, const SamplingParams& /*params*/) {
  // Greedy: the first index of the largest logit (ties go to the lower id, as llama.cpp's
  // greedy sampler and llama2.c's argmax do).
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace braid::app
