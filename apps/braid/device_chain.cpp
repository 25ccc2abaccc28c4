#include "device_chain.h"

#include "backend_option.h"
#include "braid/plugins/registry.h"

namespace braid::app {

std::vector<plugins::Device*> DeviceChain::devices() const {
  std::vector<plugins::Device*> out;
  for (const auto& d : owned) out.push_back(d.get());
  return out;
}

core::Result<DeviceChain> open_device_chain(const ParsedArgs& args) {
  BRAID_ASSIGN_OR_RETURN(const BackendChoice choice, parse_backend_options(args));
  const plugins::Registry registry = plugins::Registry::discover();
  return open_device_chain(registry, choice);
}

core::Result<DeviceChain> open_device_chain(const plugins::Registry& registry,
                                            const BackendChoice& choice) {
  const plugins::DeviceOptions options{choice.threads};
  BRAID_ASSIGN_OR_RETURN(auto selected, registry.select(choice.backend, options));
  DeviceChain chain;
  chain.description = selected.description;
  const std::string chosen = selected.device->plugin().name();
  chain.owned.push_back(std::move(selected.device));
  for (const char* fallback : {"cpu", "reference"}) {
    if (chosen == fallback) continue;
    auto more = registry.select(fallback, options);
    if (more.ok()) chain.owned.push_back(std::move(more->device));
  }
  return chain;
}

}  // namespace braid::app
