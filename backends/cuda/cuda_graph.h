// A graph compiled for one GPU: every node turned into a launch over device pointers resolved
// once, intermediates allocated once, strided operands gathered into scratch first. Running
// queues the launches on a stream in order; a captured run is replayed as a CUDA graph.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <vector>

#include "braid/plugin_types.h"
#include "cuda_check.h"
#include "cuda_kernels.h"

namespace braid::cuda {

/// Device memory the host allocated (weights, inputs, outputs, KV cache).
class CudaBuffer final : public plugin::Buffer {
 public:
  explicit CudaBuffer(uint64_t bytes) : memory_(bytes) {}
  uint64_t size() const override { return memory_.size(); }
  uint8_t* data() const { return memory_.data(); }

 private:
  DeviceMemory memory_;
};

/// What every compiled graph of a device shares.
struct DeviceContext {
  cublasHandle_t cublas = nullptr;
  DeviceErrors errors;
};

class CudaGraph final : public plugin::Compiled {
 public:
  CudaGraph(const plugin::Graph& graph, DeviceContext& context);
  ~CudaGraph() override;

  /// Queues every step on `stream`, or replays the captured CUDA graph.
  void run(cudaStream_t stream);
  void begin_capture(cudaStream_t stream);
  void end_capture(cudaStream_t stream);

 private:
  using Step = std::function<void(cudaStream_t)>;

  uint8_t* pointer(int32_t tensor) const;
  // Contiguous view of input `tensor` for a kernel that needs one (a gather step when strided).
  const uint8_t* contiguous_input(int32_t tensor);
  // Where the node writes: the output itself when contiguous, else scratch plus a scatter step
  // queued by finish_output().
  uint8_t* contiguous_output(int32_t tensor);
  void finish_output(int32_t tensor, uint8_t* written);
  uint8_t* scratch(uint64_t bytes);
  void add_node(const plugin::Node& node);
  void add_matmul(const plugin::Node& node);

  plugin::Graph graph_;
  DeviceContext& context_;
  std::vector<uint8_t*> pointers_;   // per tensor: device address of its first byte
  std::vector<DeviceMemory> owned_;  // intermediates and scratch
  // One region reused by every matmul that converts weights or activations to half precision
  // (steps run in order on one stream, so they never overlap).
  uint64_t half_weights_bytes_ = 0, half_inputs_bytes_ = 0;
  DeviceMemory half_weights_, half_inputs_;
  std::vector<Step> steps_;
  cudaGraph_t captured_ = nullptr;
  cudaGraphExec_t replay_ = nullptr;
  bool capturing_ = false;
};

}  // namespace braid::cuda
