// What the scheduler prepares for one graph signature: per-device subgraphs with their
// descriptions and compiled graphs, the buffers of inputs, outputs and crossing tensors, and the
// transfers between subgraphs. Internal to plugins/src.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "braid/backend.h"
#include "braid/plugins/device.h"

namespace braid::plugins::detail {

/// A tensor copied from one device's buffer to another's before a segment runs.
struct Transfer {
  size_t src_device = 0;
  const Buffer* src = nullptr;
  size_t dst_device = 0;
  const Buffer* dst = nullptr;
  uint64_t bytes = 0;
};

/// A run of consecutive nodes on one device, compiled once.
struct Segment {
  size_t device = 0;
  std::vector<Transfer> before;  ///< crossing tensors it reads from other devices
  std::vector<braid_tensor_desc> tensors;
  std::vector<braid_node_desc> nodes;
  CompiledGraph compiled;
};

/// An Input of the graph: uploaded each run to every device that reads it.
struct InputSlot {
  std::string name;
  uint64_t bytes = 0;
  std::vector<std::pair<size_t, const Buffer*>> copies;
};

/// A tensor marked as output: where it can be read after a run.
struct OutputSlot {
  std::string name;
  size_t device = 0;
  const Buffer* buffer = nullptr;
  uint64_t bytes = 0;
  uint32_t dtype = 0;
};

struct Plan {
  // Buffers first: the compiled graphs in `segments` name them and must be freed before them.
  std::deque<Buffer> buffers;
  std::deque<std::string> names;  ///< tensor names the descriptions point into
  std::vector<Segment> segments;
  std::vector<InputSlot> inputs;
  std::vector<OutputSlot> outputs;
  std::vector<size_t> node_device;  ///< device index of each graph node
  std::vector<std::byte> staging;   ///< host bounce buffer for transfers, sized once
};

}  // namespace braid::plugins::detail
