// The devices a model runs on: the one --backend chose, then cpu, then reference, so every op
// has somewhere to run (the scheduler places each node on the first device that takes it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "backend_option.h"
#include "braid/core/status.h"
#include "braid/plugins/device.h"

namespace braid::app {

struct DeviceChain {
  std::vector<std::unique_ptr<plugins::Device>> owned;
  std::string description;  ///< the chosen device's line ("backend: cpu (…)")
  /// Pointers in priority order, for the scheduler.
  std::vector<plugins::Device*> devices() const;
};

/// Opens the device --backend/--threads name, then cpu and reference when they are other
/// plugins and usable (a missing fallback is skipped: the chosen device alone may do).
core::Result<DeviceChain> open_device_chain(const ParsedArgs& args);
/// The same for a choice made elsewhere (`braid bench` sweeps several).
core::Result<DeviceChain> open_device_chain(const plugins::Registry& registry,
                                            const BackendChoice& choice);

}  // namespace braid::app
