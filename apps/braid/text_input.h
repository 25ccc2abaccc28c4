// Where a command's text comes from: an argument, a file (-f), or standard input ("-").
#pragma once

#include <optional>
#include <string>

#include "braid/core/status.h"

namespace braid::app {

/// The text of `argument` ("-" reads standard input to its end) or of `file` when given; exactly
/// one of them must be set. IoError naming the file when it cannot be read.
core::Result<std::string> read_text_input(const std::optional<std::string>& argument,
                                          const std::optional<std::string>& file);

}  // namespace braid::app
