#include "text_input.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace braid::app {

core::Result<std::string> read_text_input(const std::optional<std::string>& argument,
                                          const std::optional<std::string>& file) {
  if (argument.has_value() == file.has_value()) {
    return core::invalid_argument(
        "give the text as an argument, '-' for standard input, or -f FILE");
  }
  if (argument && *argument != "-") return *argument;
  if (argument) {
    std::ostringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) return core::io_error(*file, ": cannot read: ", std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace braid::app
