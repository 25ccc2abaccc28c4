// One progress line on stderr for long work (reading in a large model, encoding a long
// recording): rewritten in place on a terminal, printed at each quarter otherwise (logs and
// pipes get a few lines, not hundreds).
#pragma once

#include <cstdint>
#include <string>

namespace braid::app {

class ProgressLine {
 public:
  /// `command` prefixes the line ("braid ask").
  explicit ProgressLine(std::string command);

  /// "COMMAND: WHAT: 45% (DONE / TOTAL UNIT)"; the line ends when done == total. A new `what`
  /// starts a new line.
  void update(const std::string& what, uint64_t done, uint64_t total, const char* unit);

 private:
  std::string command_;
  std::string what_;
  bool terminal_;
  int last_quarter_ = -1;
};

}  // namespace braid::app
