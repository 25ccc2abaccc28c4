// Prepared kernel calls: one per node of a compiled graph.
#pragma once

#include <array>
#include <cstddef>
#include <functional>

#include "braid/cpu/weight_cache.h"
#include "cpu_support.h"

namespace braid::cpu_plugin {

/// Where a node's tensors live (fixed for the compiled graph's life).
struct OpTensors {
  std::array<std::byte*, BRAID_MAX_OP_INPUTS> in{};
  /// Input s is in a weights buffer (or wrapped host memory): constant after load, so it may be
  /// packed at compile time. Other inputs are read afresh on every run.
  std::array<bool, BRAID_MAX_OP_INPUTS> weights{};
  std::byte* out = nullptr;
  /// The buffer each input lives in: an id unique for the device's life (0: an intermediate).
  std::array<uint64_t, BRAID_MAX_OP_INPUTS> buffer_ids{};
  /// Where packed weights are shared with the device's other compiled graphs (nullptr: not).
  cpu::WeightCache* cache = nullptr;
};

/// Prepares a node that why_declined() accepted: creates oneDNN primitives, packs constant
/// weights, and returns the call that runs it on `threads` threads. Throws plugin::Error.
std::function<void()> prepare(const NodeView& node, const OpTensors& io, int threads);

}  // namespace braid::cpu_plugin
