#include "args.h"

namespace braid::app {

core::Result<ParsedArgs> ParsedArgs::parse(const std::vector<std::string>& args,
                                           const ArgSpec& spec) {
  ParsedArgs out;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (only_positionals || arg.size() < 2 || arg[0] != '-') {
      out.positionals_.push_back(arg);  // "-" alone (stdin) is a positional too
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (auto alias = spec.aliases.find(arg); alias != spec.aliases.end()) arg = alias->second;
    if (spec.flags.count(arg)) {
      if (inline_value) return core::invalid_argument("option ", arg, " takes no value");
      out.flags_.insert(arg);
    } else if (spec.options.count(arg)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) return core::invalid_argument("option ", arg, " needs a value");
        inline_value = args[++i];
      }
      out.values_[arg].push_back(*inline_value);
    } else {
      return core::invalid_argument("unknown option '", args[i], "'");
    }
  }
  return out;
}

std::optional<std::string> ParsedArgs::value(const std::string& option) const {
  auto it = values_.find(option);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::values(const std::string& option) const {
  auto it = values_.find(option);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace braid::app
