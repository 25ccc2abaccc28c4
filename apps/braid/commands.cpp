#include "commands.h"

namespace braid::app {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {};
  return table;
}

}  // namespace braid::app
