// braid-backend-cpu: the fast CPU kernels of braid_cpu_kernels (AVX-512 / AVX2, oneDNN matmul)
// behind the plugin ABI. Compile turns every node into a prepared call (oneDNN primitives made
// and weights packed once); run calls them in order over intermediates planned at compile time.
// Nodes the kernels do not take are declined (cpu_support.cpp), never run badly.
#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/cpu/cpu_features.h"
#include "braid/cpu/gemm.h"
#include "braid/plugin_adapter.h"
#include "cpu_ops.h"
#include "cpu_support.h"

namespace braid::cpu_plugin {
namespace {

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

std::string features() {
  return abi::detail::cat("isa=", cpu::isa_name(cpu::active_isa()),
                          cpu::gemm_uses_onednn() ? " onednn " : " ", cpu::cpu_feature_string());
}

class CpuGraph final : public plugin::Compiled {
 public:
  CpuGraph(const plugin::Graph& graph, int threads, cpu::WeightCache* cache) : graph_(graph) {
    // Each intermediate gets its own 64-byte aligned block (no reuse yet).
    storage_.resize(graph_.tensors.size());
    descs_.resize(graph_.tensors.size());
    for (size_t i = 0; i < graph_.tensors.size(); ++i) {
      const plugin::Tensor& t = graph_.tensors[i];
      braid_tensor_desc& d = descs_[i];
      d.dtype = t.dtype;
      d.rank = t.rank;
      for (uint32_t k = 0; k < t.rank; ++k) {
        d.shape[k] = t.shape[k];
        d.strides[k] = t.strides[k];
      }
      // Only "has a buffer or not" matters to the checks; never dereferenced.
      d.buffer = reinterpret_cast<braid_buffer_t*>(t.buffer);
      d.offset = t.offset;
      if (t.buffer != nullptr) continue;
      int64_t bytes = abi::row_bytes(t.dtype, t.shape[t.rank - 1]);
      for (uint32_t k = 0; k + 1 < t.rank; ++k) bytes *= t.shape[k];
      storage_[i] = plugin::HostBuffer::allocate(static_cast<uint64_t>(bytes));
    }
    for (uint32_t n = 0; n < graph_.nodes.size(); ++n) {
      const plugin::Node& node = graph_.nodes[n];
      NodeView view;
      view.op = node.op;
      view.params = node.params;
      OpTensors io;
      io.cache = cache;
      for (uint32_t s = 0; s < BRAID_MAX_OP_INPUTS; ++s) {
        const int32_t index = node.input(s);
        if (index < 0) continue;
        view.in[s] = &descs_[index];
        io.in[s] = data(index);
        io.weights[s] = is_weights(index);
        io.buffer_ids[s] = buffer_id(index);
      }
      view.out = &descs_[node.output];
      io.out = data(node.output);
      Gathered gathered;
      gather_strided(view, gathered);
      const std::string why = why_declined(gathered.view);
      if (!why.empty()) {
        plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "[cpu] node ", n, ": ", why);
      }
      // Strided F32/I32 operands go through contiguous scratch memory.
      std::function<void()> scatter;
      for (uint32_t s = 0; s <= kOutputSlot; ++s) {
        if (!gathered.slots[s]) continue;
        const braid_tensor_desc& strided = gathered.source[s];
        const braid_tensor_desc packed_layout = gathered.contiguous[s];
        scratch_.push_back(plugin::HostBuffer::allocate(
            static_cast<uint64_t>(abi::n_elements(packed_layout)) * 4));
        std::byte* packed = scratch_.back()->data();
        const braid_tensor_desc layout = strided;
        if (s == kOutputSlot) {
          std::byte* target = io.out;
          scatter = [=] { copy4(packed, nullptr, target, layout); };
          io.out = packed;
        } else {
          const std::byte* source = io.in[s];
          steps_.push_back([=] { copy4(source, &layout, packed, packed_layout); });
          io.in[s] = packed;
          io.weights[s] = false;
          io.buffer_ids[s] = 0;
        }
      }
      steps_.push_back(prepare(gathered.view, io, threads));
      if (scatter) steps_.push_back(std::move(scatter));
    }
  }

  void run() {
    for (auto& step : steps_) step();
  }

 private:
  std::byte* data(int32_t index) {
    const plugin::Tensor& t = graph_.tensors[index];
    return t.buffer ? static_cast<std::byte*>(t.buffer->host_ptr()) + t.offset
                    : storage_[index]->data();
  }
  bool is_weights(int32_t index) const;
  uint64_t buffer_id(int32_t index) const;

  // Copies the 4-byte elements of a tensor shaped like `shape`: from `src` with the strides of
  // `from` (nullptr: contiguous) to `dst` with those of `shape` (contiguous when `from` is set).
  static void copy4(const std::byte* src,
                    const braid_tensor_desc* from,
                    std::byte* dst,
                    const braid_tensor_desc& shape) {
    int64_t dims[4] = {1, 1, 1, 1}, in[4] = {0, 0, 0, 0}, out[4] = {0, 0, 0, 0};
    const uint32_t lead = 4 - shape.rank;
    const auto packed = abi::contiguous_strides(shape.dtype, shape.rank, shape.shape);
    for (uint32_t d = 0; d < shape.rank; ++d) {
      dims[lead + d] = shape.shape[d];
      in[lead + d] = from ? from->strides[d] : packed[d];
      out[lead + d] = from ? packed[d] : shape.strides[d];
    }
    for (int64_t a = 0; a < dims[0]; ++a)
      for (int64_t b = 0; b < dims[1]; ++b)
        for (int64_t c = 0; c < dims[2]; ++c)
          for (int64_t e = 0; e < dims[3]; ++e) {
            std::memcpy(dst + a * out[0] + b * out[1] + c * out[2] + e * out[3],
                        src + a * in[0] + b * in[1] + c * in[2] + e * in[3], 4);
          }
  }

  plugin::Graph graph_;
  std::vector<braid_tensor_desc> descs_;
  std::vector<std::unique_ptr<plugin::HostBuffer>> scratch_;
  std::vector<std::unique_ptr<plugin::HostBuffer>> storage_;
  std::vector<std::function<void()>> steps_;
};

// Host memory that remembers its usage: weights (written once at load, and wrapped host memory,
// a mapped file) may be packed at compile time; anything else is read afresh every run.
class CpuBuffer final : public plugin::Buffer {
 public:
  CpuBuffer(std::unique_ptr<plugin::HostBuffer> memory, bool constant)
      : memory_(std::move(memory)), constant_(constant), id_(next_id()) {}
  uint64_t size() const override { return memory_->size(); }
  void* host_ptr() override { return memory_->host_ptr(); }
  bool writable() const override { return memory_->writable(); }
  bool constant() const { return constant_; }
  /// Unique among every buffer this process makes (the weight cache's keys use it).
  uint64_t id() const { return id_; }

 private:
  static uint64_t next_id() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
  }
  std::unique_ptr<plugin::HostBuffer> memory_;
  bool constant_;
  uint64_t id_;
};

bool CpuGraph::is_weights(int32_t index) const {
  const auto* buffer = dynamic_cast<const CpuBuffer*>(graph_.tensors[index].buffer);
  return buffer != nullptr && buffer->constant();
}

uint64_t CpuGraph::buffer_id(int32_t index) const {
  const auto* buffer = dynamic_cast<const CpuBuffer*>(graph_.tensors[index].buffer);
  return buffer != nullptr ? buffer->id() : 0;
}

class CpuDevice final : public plugin::HostDevice {
 public:
  explicit CpuDevice(int threads) : threads_(cpu::resolve_threads(threads)) {}

  void info(braid_device_info& out) override {
    out.kind = BRAID_DEVICE_CPU;
    plugin::copy_text(out.name, cpu_model_name());
    plugin::copy_text(out.features, features());
    out.memory_bytes = 0;
    out.threads = static_cast<uint32_t>(threads_);
  }

  std::unique_ptr<plugin::Buffer> alloc(uint64_t bytes, braid_buffer_usage usage) override {
    return std::make_unique<CpuBuffer>(plugin::HostBuffer::allocate(bytes),
                                       usage == BRAID_BUFFER_WEIGHTS);
  }
  std::unique_ptr<plugin::Buffer> wrap_host(const void* data, uint64_t bytes) override {
    return std::make_unique<CpuBuffer>(plugin::HostBuffer::wrap(data, bytes), true);
  }

  std::string why_unsupported(const braid_graph_desc& graph, uint32_t node_index) override {
    const braid_node_desc& node = graph.nodes[node_index];
    NodeView view;
    view.op = node.op;
    view.params = node.params;
    for (uint32_t s = 0; s < BRAID_MAX_OP_INPUTS; ++s) {
      const int32_t index = abi::node_input(node, s);
      if (index >= 0) view.in[s] = &graph.tensors[index];
    }
    view.out = &graph.tensors[node.output];
    Gathered gathered;
    gather_strided(view, gathered);
    return why_declined(gathered.view);
  }

  std::unique_ptr<plugin::Compiled> compile(const plugin::Graph& graph) override {
    return std::make_unique<CpuGraph>(graph, threads_, &weights_);
  }

  void run(plugin::Compiled& compiled, plugin::Stream*) override {
    static_cast<CpuGraph&>(compiled).run();
  }

 private:
  int threads_;
  cpu::WeightCache weights_;  // outlives every graph: the host frees graphs before their device
};

struct CpuBackend {
  static constexpr const char* kName = "cpu";
  static constexpr const char* kVersion = BRAID_VERSION_STRING;

  static void probe(braid_probe_result& out) {
    if (cpu::best_supported_isa() == cpu::Isa::None) {
      out.usable = 0;
      plugin::copy_text(out.reason, "the cpu kernels need AVX2, FMA and F16C; this CPU has: " +
                                        cpu::cpu_feature_string());
      return;
    }
    out.usable = 1;
    out.score = 100;  // above the reference's 1
    out.device_count = 1;
    plugin::copy_text(out.features, features());
  }

  static std::unique_ptr<plugin::Device> open(uint32_t index, const braid_device_options& options) {
    if (index != 0) {
      plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cpu] device ", index,
                   " does not exist (1 device)");
    }
    if (cpu::best_supported_isa() == cpu::Isa::None) {
      plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "[cpu] this CPU lacks AVX2, FMA or F16C");
    }
    return std::make_unique<CpuDevice>(options.threads);
  }
};

}  // namespace
}  // namespace braid::cpu_plugin

BRAID_PLUGIN_ENTRY(braid::cpu_plugin::CpuBackend)
