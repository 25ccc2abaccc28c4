// A small command-line parser shared by the subcommands: flags (--json), options with a value
// (-o out.gguf, --type=Q8_0), and positionals. Unknown options are errors, never ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "braid/core/status.h"

namespace braid::app {

struct ArgSpec {
  std::set<std::string> flags;                 ///< e.g. {"--json", "--force"}
  std::set<std::string> options;               ///< take a value: {"-o", "--output", "--type"}
  std::map<std::string, std::string> aliases;  ///< {"-o": "--output"}
};

class ParsedArgs {
 public:
  static core::Result<ParsedArgs> parse(const std::vector<std::string>& args, const ArgSpec& spec);

  bool has(const std::string& flag) const { return flags_.count(flag) > 0; }
  /// The last value given for `option`.
  std::optional<std::string> value(const std::string& option) const;
  /// Every value given for `option`, in order (for repeatable options such as --stop).
  std::vector<std::string> values(const std::string& option) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

}  // namespace braid::app
