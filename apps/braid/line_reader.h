// Reading the user's lines for `braid chat`: line editing and history (libedit) when standard
// input is a terminal, plain std::getline otherwise (so scripts and tests can pipe input in).
#pragma once

#include <optional>
#include <string>

namespace braid::app {

class LineReader {
 public:
  LineReader();
  /// True when lines come from a terminal (the prompt is shown, replies are framed for a person).
  bool interactive() const { return interactive_; }
  /// The next line without its newline, or nullopt at end of input. `prompt` is shown only when
  /// interactive. Non-empty lines read interactively go into the history.
  std::optional<std::string> read(const char* prompt);

 private:
  bool interactive_ = false;
};

}  // namespace braid::app
