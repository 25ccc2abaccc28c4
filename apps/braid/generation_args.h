// The command line every text-generating command shares (`run`, `chat`, `ask`): the model and
// context options (run_options.h), sampling (sampling_options.h), the backend, and one way of
// reporting a usage error or printing --help.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "args.h"
#include "braid/model/sampler.h"
#include "run_options.h"

namespace braid::app {

/// Adds to `spec` what every generating command takes: -m, -n, -c, -b, --kv-type,
/// --ignore-eos, -t, -h, and the backend and sampling options. Commands add their own after.
void add_generation_options(ArgSpec& spec);

struct GenerationArgs {
  ParsedArgs parsed;
  RunOptions options;
  model::SamplingParams sampling;
};

/// What a command shows: its name in messages ("braid run"), its usage text, and more help
/// printed after the option lists for --help (chat's commands).
struct CommandHelp {
  const char* name;
  const char* usage;
  const char* help_extra = "";
};

/// Parses `args` with `spec` (which add_generation_options filled). On a usage error prints
/// "NAME: message" and the usage to stderr and returns the exit code 2; on --help prints the
/// full help to stdout and returns 0. Otherwise the parsed arguments.
std::variant<GenerationArgs, int> parse_generation_args(const std::vector<std::string>& args,
                                                        const ArgSpec& spec,
                                                        const CommandHelp& help);

}  // namespace braid::app
