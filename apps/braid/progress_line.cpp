#include "progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace braid::app {

ProgressLine::ProgressLine(std::string command)
    : command_(std::move(command)), terminal_(isatty(STDERR_FILENO) != 0) {}

void ProgressLine::update(const std::string& what,
                          uint64_t done,
                          uint64_t total,
                          const char* unit) {
  if (what != what_) {
    what_ = what;
    last_quarter_ = -1;
  }
  const int percent = total > 0 ? static_cast<int>(100.0 * double(done) / double(total)) : 100;
  if (!terminal_) {
    if (percent / 25 == last_quarter_) return;
    last_quarter_ = percent / 25;
  }
  std::fprintf(stderr, "%s: %s: %3d%% (%llu / %llu %s)%s", command_.c_str(), what.c_str(), percent,
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), unit,
               terminal_ && done < total ? "\r" : "\n");
  std::fflush(stderr);
}

}  // namespace braid::app
