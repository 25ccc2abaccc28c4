// The sampling flags of `braid run` and `braid chat`, named as llama.cpp names them, parsed into
// braid::model::SamplingParams; and --stop, the stop strings.
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "braid/core/status.h"
#include "braid/model/sampler.h"

namespace braid::app {

/// Help lines for the options.
inline constexpr const char* kSamplingOptionsHelp =
    "  --temp T             temperature (default 0.8; 0 = greedy)\n"
    "  --top-k N            keep the N most likely tokens (default 40; 0 = all)\n"
    "  --top-p P            nucleus sampling (default 0.95; 1 = off)\n"
    "  --min-p P            drop tokens below P x the top probability (default 0.05; 0 = off)\n"
    "  --repeat-penalty F   penalize repeats of the last --repeat-last-n tokens (default 1 = off)\n"
    "  --repeat-last-n N    window of the penalties (default 64; 0 = off, -1 = everything)\n"
    "  --presence-penalty F, --frequency-penalty F   (default 0)\n"
    "  --seed N             random seed (default 739869, so runs repeat; -1 = a random one)\n"
    "  --stop STR, -r STR   stop when the output contains STR (repeatable; STR is not printed)\n";

/// Registers the sampling options and --stop (repeatable) with `spec`.
void add_sampling_options(ArgSpec& spec);
/// InvalidArgument naming the flag for a malformed number, or validate()'s message for a value
/// out of range.
core::Result<model::SamplingParams> parse_sampling_options(const ParsedArgs& args);
/// The --stop values, in the order given.
std::vector<std::string> stop_strings(const ParsedArgs& args);

}  // namespace braid::app
