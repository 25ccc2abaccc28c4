#include "line_reader.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#if BRAID_HAVE_LIBEDIT
// libedit's GNU readline compatibility layer (BSD licensed, unlike GNU readline's GPL).
#include <editline/readline.h>
#endif

namespace braid::app {

LineReader::LineReader() : interactive_(isatty(STDIN_FILENO) == 1) {}

std::optional<std::string> LineReader::read(const char* prompt) {
#if BRAID_HAVE_LIBEDIT
  if (interactive_) {
    char* raw = readline(prompt);
    if (raw == nullptr) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    if (!line.empty()) add_history(line.c_str());
    return line;
  }
#endif
  if (interactive_) {
    std::fputs(prompt, stdout);
    std::fflush(stdout);
  }
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace braid::app
