// Runs the `braid` binary (or any command) as a user would and captures what it printed.
#pragma once

#include <string>
#include <vector>

namespace braid::test {

struct CommandResult {
  int exit_code = -1;  ///< the process's exit status; 128 + N when killed by signal N
  std::string out;     ///< standard output
  std::string err;     ///< standard error
};

/// Runs build/bin/braid with `args` (no shell: arguments are passed as they are), with an empty
/// standard input and a time limit in seconds (killed when over it).
CommandResult run_braid(const std::vector<std::string>& args, int timeout_seconds = 120);

/// run_braid() with `input` as the standard input (a file, so the command sees it is no terminal).
CommandResult run_braid_with_input(const std::vector<std::string>& args,
                                   const std::string& input,
                                   int timeout_seconds = 120);

}  // namespace braid::test
