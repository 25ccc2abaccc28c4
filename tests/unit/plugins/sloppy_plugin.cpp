// braid-backend-sloppy.so: a plugin built on plugin_adapter.h that gets things wrong on purpose,
// so the op-test harness can show it catches each kind of mistake (harness_test.cpp):
//   add    right values, but one element written past the end of the output;
//   scale  values 1% off;  silu  a NaN in element 0;  mul  declined by supports_op.
// Inputs are read as contiguous F32, whatever their strides say. Score 0: never chosen by auto.
#include <cmath>
#include <cstring>

#include "braid/plugin_adapter.h"

namespace {

using namespace braid;

struct SloppyGraph final : plugin::Compiled {
  plugin::Graph graph;
};

float* address(const plugin::Tensor& t) {
  return reinterpret_cast<float*>(static_cast<std::byte*>(t.buffer->host_ptr()) + t.offset);
}

class SloppyDevice final : public plugin::HostDevice {
 public:
  void info(braid_device_info& out) override { plugin::copy_text(out.name, "sloppy"); }
  std::string why_unsupported(const braid_graph_desc& graph, uint32_t node) override {
    const uint32_t op = graph.nodes[node].op;
    if (op == BRAID_OP_MUL) return "sloppy does not multiply";
    if (op != BRAID_OP_ADD && op != BRAID_OP_SCALE && op != BRAID_OP_SILU) return "not sloppy";
    return "";
  }
  std::unique_ptr<plugin::Compiled> compile(const plugin::Graph& graph) override {
    for (const plugin::Node& node : graph.nodes) {
      if (graph.tensors[node.output].buffer == nullptr) {
        plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "sloppy has no intermediates");
      }
    }
    auto compiled = std::make_unique<SloppyGraph>();
    compiled->graph = graph;
    return compiled;
  }
  void run(plugin::Compiled& compiled, plugin::Stream*) override {
    const plugin::Graph& g = static_cast<SloppyGraph&>(compiled).graph;
    for (const plugin::Node& node : g.nodes) {
      const plugin::Tensor& out = g.tensors[node.output];
      const float* a = address(g.tensors[node.input(0)]);
      float* y = address(out);
      const int64_t n = out.n_elements();
      switch (node.op) {
        case BRAID_OP_ADD: {
          const plugin::Tensor& b = g.tensors[node.input(1)];
          for (int64_t i = 0; i <= n; ++i) {  // one too many
            y[i] = (i < n ? a[i] : 0.0f) + address(b)[i % b.n_elements()];
          }
          break;
        }
        case BRAID_OP_SCALE:
          for (int64_t i = 0; i < n; ++i) {
            y[i] = (a[i] * node.params.scale.scale + node.params.scale.bias) * 1.01f;
          }
          break;
        case BRAID_OP_SILU:
          for (int64_t i = 0; i < n; ++i) y[i] = a[i] / (1.0f + std::exp(-a[i]));
          y[0] = NAN;
          break;
        default:
          plugin::fail(BRAID_STATUS_INTERNAL, "unreachable");
      }
    }
  }
};

struct SloppyBackend {
  static constexpr const char* kName = "sloppy";
  static constexpr const char* kVersion = "0.0-test";
  static void probe(braid_probe_result& out) {
    out.usable = 1;
    out.score = 0;
    out.device_count = 1;
  }
  static std::unique_ptr<plugin::Device> open(uint32_t, const braid_device_options&) {
    return std::make_unique<SloppyDevice>();
  }
};

}  // namespace

BRAID_PLUGIN_ENTRY(SloppyBackend)
