#include "sampling_options.h"

#include <charconv>
#include <cmath>
#include <random>
#include <string>

namespace braid::app {
namespace {

// Syntax only: the ranges are validate()'s job, so its messages are the ones users see.
template <typename T>
core::Status parse_number(const ParsedArgs& args, const std::string& flag, T& out) {
  const auto text = args.value(flag);
  if (!text) return core::Status::ok();
  T value{};
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  bool ok = ec == std::errc() && ptr == end && !text->empty();
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
  if (!ok) {
    return core::invalid_argument(flag, " '", *text, "': expected ",
                                  std::is_floating_point_v<T> ? "a number" : "an integer");
  }
  out = value;
  return core::Status::ok();
}

}  // namespace

void add_sampling_options(ArgSpec& spec) {
  for (const char* o :
       {"--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n",
        "--presence-penalty", "--frequency-penalty", "--seed", "--stop"}) {
    spec.options.insert(o);
  }
  // llama.cpp's name for a stop string in interactive mode.
  spec.aliases.emplace("-r", "--stop");
  spec.aliases.emplace("--reverse-prompt", "--stop");
}

core::Result<model::SamplingParams> parse_sampling_options(const ParsedArgs& args) {
  model::SamplingParams p;
  BRAID_TRY(parse_number(args, "--temp", p.temperature));
  BRAID_TRY(parse_number(args, "--top-k", p.top_k));
  BRAID_TRY(parse_number(args, "--top-p", p.top_p));
  BRAID_TRY(parse_number(args, "--min-p", p.min_p));
  BRAID_TRY(parse_number(args, "--repeat-penalty", p.repeat_penalty));
  BRAID_TRY(parse_number(args, "--repeat-last-n", p.repeat_last_n));
  BRAID_TRY(parse_number(args, "--presence-penalty", p.presence_penalty));
  BRAID_TRY(parse_number(args, "--frequency-penalty", p.frequency_penalty));
  if (args.value("--seed") == "-1") {
    // llama.cpp's convention: -1 asks for a fresh seed.
    p.seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  } else {
    BRAID_TRY(parse_number(args, "--seed", p.seed));
  }
  BRAID_TRY(model::validate(p));
  return p;
}

std::vector<std::string> stop_strings(const ParsedArgs& args) {
  std::vector<std::string> stops;
  for (auto& s : args.values("--stop")) {
    if (s.empty()) continue;  // would stop before any text
    stops.push_back(std::move(s));
  }
  return stops;
}

}  // namespace braid::app
