#include "backend_option.h"

#include <charconv>
#include <cstdio>

namespace braid::app {

void add_backend_options(ArgSpec& spec) {
  spec.options.insert("--backend");
  spec.options.insert("--threads");
}

core::Result<BackendChoice> parse_backend_options(const ParsedArgs& args) {
  BackendChoice choice;
  if (auto backend = args.value("--backend")) {
    bool ok = !backend->empty();
    for (char c : *backend) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':');
    }
    if (!ok) {
      return core::invalid_argument("--backend '", *backend,
                                    "': expected auto, cpu, cuda, reference or NAME:INDEX");
    }
    choice.backend = *backend;
  }
  if (auto threads = args.value("--threads")) {
    const char* end = threads->data() + threads->size();
    const auto [ptr, ec] = std::from_chars(threads->data(), end, choice.threads);
    if (ec != std::errc() || ptr != end || choice.threads < 1 || choice.threads > 4096) {
      return core::invalid_argument("--threads '", *threads, "': expected a number 1..4096");
    }
  }
  return choice;
}

core::Result<plugins::SelectedDevice> open_backend(const ParsedArgs& args, bool quiet) {
  BRAID_ASSIGN_OR_RETURN(const BackendChoice choice, parse_backend_options(args));
  const plugins::Registry registry = plugins::Registry::discover();
  BRAID_ASSIGN_OR_RETURN(auto selected,
                         registry.select(choice.backend, plugins::DeviceOptions{choice.threads}));
  if (!quiet) std::fprintf(stderr, "%s\n", selected.description.c_str());
  return selected;
}

}  // namespace braid::app
