// The `--backend auto|cpu|cuda|reference[:INDEX]` and `--threads N` options shared by every
// command that runs a model: parse them, find the plugins, open the device, and say which it is.
#pragma once

#include <memory>
#include <string>

#include "args.h"
#include "braid/core/status.h"
#include "braid/plugins/registry.h"

namespace braid::app {

/// Help lines for the options, to append to a command's usage text.
inline constexpr const char* kBackendOptionsHelp =
    "  --backend NAME  the device to run on: auto (default: the best usable one), cpu, cuda,\n"
    "                  reference, or NAME:INDEX for one of several devices (`braid backends`)\n"
    "  --threads N     CPU worker threads (default: the backend's choice)\n";

/// Adds --backend and --threads to a command's ArgSpec.
void add_backend_options(ArgSpec& spec);

struct BackendChoice {
  std::string backend = "auto";
  int32_t threads = 0;  ///< 0: the backend's default
};

/// Reads --backend and --threads; InvalidArgument for a malformed value.
core::Result<BackendChoice> parse_backend_options(const ParsedArgs& args);

/// Discovers the plugins, opens the chosen device, and unless `quiet` prints its one line
/// ("backend: cpu (…)") to stderr, so stdout stays clean for the command's output. The error
/// is one line naming why (the plugin's own reason where there is one).
core::Result<plugins::SelectedDevice> open_backend(const ParsedArgs& args, bool quiet = false);

}  // namespace braid::app
