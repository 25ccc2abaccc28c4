#include "generation_args.h"

#include <cstdio>

#include "backend_option.h"
#include "sampling_options.h"

namespace braid::app {

void add_generation_options(ArgSpec& spec) {
  spec.flags.insert({"--ignore-eos", "--help"});
  spec.options.insert({"--model", "--n-predict", "--ctx-size", "--batch-size", "--kv-type"});
  spec.aliases.insert({{"-m", "--model"},
                       {"-n", "--n-predict"},
                       {"-c", "--ctx-size"},
                       {"-b", "--batch-size"},
                       {"-t", "--threads"},
                       {"-h", "--help"}});
  add_backend_options(spec);
  add_sampling_options(spec);
}

std::variant<GenerationArgs, int> parse_generation_args(const std::vector<std::string>& args,
                                                        const ArgSpec& spec,
                                                        const CommandHelp& help) {
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s: %s\n\n%s%s%s", help.name, parsed.status().message().c_str(),
                 help.usage, kSamplingOptionsHelp, kBackendOptionsHelp);
    return 2;
  }
  if (parsed->has("--help")) {
    std::printf("%s%s%s%s", help.usage, kSamplingOptionsHelp, kBackendOptionsHelp, help.help_extra);
    return 0;
  }
  auto options = parse_run_options(*parsed);
  if (!options.ok()) {
    std::fprintf(stderr, "%s: %s\n\n%s", help.name, options.status().message().c_str(), help.usage);
    return 2;
  }
  auto sampling = parse_sampling_options(*parsed);
  if (!sampling.ok()) {
    std::fprintf(stderr, "%s: %s\n", help.name, sampling.status().message().c_str());
    return 2;
  }
  return GenerationArgs{std::move(parsed).value(), std::move(options).value(), *sampling};
}

}  // namespace braid::app
