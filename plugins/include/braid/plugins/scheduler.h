// The scheduler: runs a core::Graph on an ordered list of devices. Each node goes to the first
// device whose supports_op accepts it (a fallback to a later device is logged, never silent);
// runs of consecutive nodes on one device become one compiled subgraph; tensors that cross
// devices are copied between them through host staging; weights are uploaded (or wrapped in
// place) once; state tensors persist across runs; compiled subgraphs are cached by the graph's
// signature, so a decode step with the same shapes reuses them.
//
// It lives in plugins/, not core/ as the design note first put it, because it calls devices:
// plugins depends on core and core cannot depend back on plugins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "braid/core/graph.h"
#include "braid/core/status.h"
#include "braid/plugins/device.h"

namespace braid::plugins {

/// One input's data for a run: the Graph input's name and its packed bytes.
struct HostInput {
  std::string_view name;
  std::span<const std::byte> data;
};

struct SchedulerOptions {
  /// Receives each debug line ("[scheduler] node 3 'blk.0.mul' (mul): cuda declines (…); runs
  /// on reference"). Unset: lines go to stderr when the environment has BRAID_LOG=debug.
  std::function<void(std::string_view)> log;
  /// An extra veto on top of supports_op: a non-empty reason makes `device` decline node
  /// `node_index` of `graph` (to keep ops off a device, and for tests). Unset: none.
  std::function<std::string(const Device& device, const core::Graph& graph, uint32_t node_index)>
      decline;
  /// Weights are read in place (wrap_host) on devices that can; false uploads a copy to every
  /// device, as happens anyway on devices that cannot read host memory.
  bool weights_in_place = true;
};

namespace detail {
struct Plan;
}

/// Places, compiles and runs graphs. Not thread-safe. The devices must outlive it, and every
/// weight's bytes must stay valid and unchanged while it lives.
class Scheduler {
 public:
  /// `devices` in priority order (for example cuda:0, cpu, reference), at least one, no null.
  static core::Result<std::unique_ptr<Scheduler>> create(std::vector<Device*> devices,
                                                         SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Places and compiles `graph` unless a graph with its signature already is (status() of the
  /// graph must be ok). States it declares are created zeroed on first sight; a state seen
  /// again must have the same dtype and shape.
  core::Status prepare(const core::Graph& graph);
  /// prepare(), then uploads `inputs` (one per Input of the graph, each exactly its packed
  /// size), runs every subgraph in order and waits for the result. Once prepared, a run
  /// allocates nothing of its own.
  core::Status run(const core::Graph& graph, std::span<const HostInput> inputs);

  /// Output `name` of the last run (a tensor marked with mark_output), as F32 values.
  core::Result<std::vector<float>> read(std::string_view name) const;
  /// Output `name` of the last run, its packed bytes into `out` (exactly its size).
  core::Status read(std::string_view name, std::span<std::byte> out) const;

  /// Replaces the contents of state `name` (packed bytes, exactly its size).
  core::Status write_state(std::string_view name, std::span<const std::byte> data);
  /// Copies the contents of state `name` into `out` (exactly its size).
  core::Status read_state(std::string_view name, std::span<std::byte> out) const;

  /// For each node of a prepared graph, the index in the device list it runs on; empty when
  /// the graph has not been prepared.
  std::vector<size_t> placement(const core::Graph& graph) const;
  /// Subgraphs compiled so far (each device compile counts one).
  size_t compile_count() const { return compile_count_; }
  /// Distinct graph signatures prepared so far.
  size_t plan_count() const { return plans_.size(); }

 private:
  Scheduler(std::vector<Device*> devices, SchedulerOptions options);

  struct Stored {
    size_t device = 0;
    uint64_t bytes = 0;
    uint32_t dtype = 0;
    std::vector<int64_t> shape;
    std::unique_ptr<Buffer> buffer;
  };

  void log(const std::string& line) const;
  core::Result<std::unique_ptr<detail::Plan>> build_plan(const core::Graph& graph);
  // The buffer holding weight `t` on device `d`: wrapped host memory where the device can read
  // it, else a copy uploaded once.
  core::Result<Buffer*> weight_buffer(const core::GraphTensor& t, size_t d);
  // The state called t.name, created zeroed on device `d` when new.
  core::Result<Stored*> state_slot(const core::GraphTensor& t, size_t d);
  const Stored* find_state(std::string_view name) const;

  std::vector<Device*> devices_;
  SchedulerOptions options_;
  bool log_to_stderr_ = false;
  // Weights and states outlive the plans whose compiled graphs name them (declared first, so
  // destroyed last).
  std::map<std::pair<std::string, size_t>, Stored> weights_;
  std::map<std::string, Stored, std::less<>> states_;
  std::unordered_map<std::string, std::unique_ptr<detail::Plan>> plans_;
  const detail::Plan* last_run_ = nullptr;
  size_t compile_count_ = 0;
};

}  // namespace braid::plugins
