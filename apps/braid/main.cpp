// The `braid` command: dispatches to one subcommand per file (cmd_*.cpp).
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"

namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "braid %s — run open multimodal models\n"
               "\n"
               "usage: braid COMMAND [ARGS]\n"
               "\n"
               "commands:\n",
               BRAID_VERSION_STRING);
  for (const auto& command : braid::app::commands()) {
    std::fprintf(out, "  %-12s %s\n", command.name, command.summary);
  }
  std::fprintf(out, "\n`braid COMMAND --help` for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("braid %s\n", BRAID_VERSION_STRING);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& command : braid::app::commands()) {
    if (name == command.name) {
      try {
        return command.run(args);
      } catch (const std::exception& e) {
        // Library code reports through Status; this catches what slipped through (bad_alloc…).
        std::fprintf(stderr, "braid %s: unexpected error: %s\n", command.name, e.what());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "braid: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return 2;
}
