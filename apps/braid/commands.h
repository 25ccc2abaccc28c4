// The table of `braid` subcommands. Each lives in its own cmd_<name>.cpp.
#pragma once

#include <string>
#include <vector>

namespace braid::app {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  ///< exit code: 0 ok, 1 failure, 2 usage
};

/// All commands, in the order `braid --help` lists them.
const std::vector<Command>& commands();

int run_backends(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_make_model(const std::vector<std::string>& args);
int run_run(const std::vector<std::string>& args);
int run_ask(const std::vector<std::string>& args);
int run_chat(const std::vector<std::string>& args);
int run_perplexity(const std::vector<std::string>& args);
int run_quantize(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_tokenize(const std::vector<std::string>& args);
int run_template(const std::vector<std::string>& args);

}  // namespace braid::app
