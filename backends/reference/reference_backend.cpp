// braid-backend-reference: every op of the ABI in plain C++ on host memory, accumulating in
// double. Slow on purpose and obviously correct: the oracle the parity tests compare the cpu and
// cuda backends against, and the scheduler's last fallback.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "braid/graph_check.h"
#include "braid/plugin_adapter.h"
#include "ops.h"

namespace braid::reference {
namespace {

constexpr const char* kFeatures = "double accumulation, every op";

// "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.30GHz" from /proc/cpuinfo, or "host CPU".
std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) break;
    const size_t start = line.find_first_not_of(' ', colon + 1);
    if (start != std::string::npos) return line.substr(start);
  }
  return "host CPU";
}

class ReferenceGraph final : public plugin::Compiled {
 public:
  explicit ReferenceGraph(const plugin::Graph& graph) : graph_(graph) {
    // Each intermediate gets its own zeroed host block: no reuse, so a dump after a run shows
    // every intermediate's final value.
    storage_.resize(graph_.tensors.size());
    for (size_t i = 0; i < graph_.tensors.size(); ++i) {
      const plugin::Tensor& t = graph_.tensors[i];
      if (t.buffer != nullptr) continue;
      int64_t bytes = abi::row_bytes(t.dtype, t.shape[t.rank - 1]);
      for (uint32_t d = 0; d + 1 < t.rank; ++d) bytes *= t.shape[d];
      storage_[i].assign(static_cast<size_t>(bytes), std::byte{0});
    }
  }

  void run() {
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      const plugin::Node& node = graph_.nodes[n];
      OpArgs args;
      args.node = &node;
      args.node_index = n;
      for (uint32_t slot = 0; slot < BRAID_MAX_OP_INPUTS; ++slot) {
        const int32_t index = node.input(slot);
        args.present[slot] = index >= 0;
        if (index >= 0) args.in[slot] = view(index);
      }
      args.out = view(node.output);
      run_op(args);
    }
  }

 private:
  View view(int32_t index) {
    const plugin::Tensor& t = graph_.tensors[index];
    View v;
    v.dtype = t.dtype;
    v.rank = t.rank;
    v.shape = t.shape;
    v.strides = t.strides;
    v.data = t.buffer ? static_cast<std::byte*>(t.buffer->host_ptr()) + t.offset
                      : storage_[index].data();
    return v;
  }

  plugin::Graph graph_;
  std::vector<std::vector<std::byte>> storage_;
};

class ReferenceDevice final : public plugin::HostDevice {
 public:
  void info(braid_device_info& out) override {
    out.kind = BRAID_DEVICE_CPU;
    plugin::copy_text(out.name, cpu_model_name());
    plugin::copy_text(out.features, kFeatures);
    out.memory_bytes = 0;
    out.threads = 1;
  }

  std::string why_unsupported(const braid_graph_desc&, uint32_t) override {
    return {};  // every node that follows the op rules
  }

  std::unique_ptr<plugin::Compiled> compile(const plugin::Graph& graph) override {
    return std::make_unique<ReferenceGraph>(graph);
  }

  void run(plugin::Compiled& compiled, plugin::Stream*) override {
    static_cast<ReferenceGraph&>(compiled).run();
  }
};

struct ReferenceBackend {
  static constexpr const char* kName = "reference";
  static constexpr const char* kVersion = BRAID_VERSION_STRING;

  static void probe(braid_probe_result& out) {
    out.usable = 1;
    out.score = 1;  // `auto` prefers any real backend
    out.device_count = 1;
    plugin::copy_text(out.features, kFeatures);
  }

  static std::unique_ptr<plugin::Device> open(uint32_t index, const braid_device_options&) {
    if (index != 0) {
      plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[reference] device ", index,
                   " does not exist (1 device)");
    }
    return std::make_unique<ReferenceDevice>();
  }
};

}  // namespace
}  // namespace braid::reference

BRAID_PLUGIN_ENTRY(braid::reference::ReferenceBackend)
