// braid-backend-cuda: NVIDIA GPUs through the CUDA runtime, cuBLAS and our kernels. probe reads
// the driver without creating a context (cuda_probe.cpp); a device owns a stream, a cuBLAS
// handle and a host-mapped error word that kernels set when a run meets a bad index; graphs
// compile to launch lists (cuda_graph.cpp) and can be captured as CUDA graphs.
#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "braid/plugin_adapter.h"
#include "cuda_graph.h"
#include "cuda_probe.h"
#include "cuda_support.h"

namespace braid::cuda {
namespace {

class CudaStream final : public plugin::Stream {
 public:
  CudaStream() {
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~CudaStream() override { cudaStreamDestroy(stream_); }
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

std::string features_text(const GpuFacts& gpu, int driver_version) {
  int cublas_version = 0;
  cublasGetProperty(MAJOR_VERSION, &cublas_version);
  return "sm_" + std::to_string(gpu.major) + std::to_string(gpu.minor) + " cuda-" +
         cuda_version_text(CUDART_VERSION) + " driver-" + cuda_version_text(driver_version) +
         " cublas-" + std::to_string(cublas_version) + " cuda-graphs";
}

class CudaDevice final : public plugin::Device {
 public:
  CudaDevice(uint32_t index, int ordinal) : index_(index), ordinal_(ordinal) {
    select();
    check(cublasCreate(&context_.cublas), "cublasCreate");
    check(cudaHostAlloc(reinterpret_cast<void**>(&context_.errors.host_flag), sizeof(int32_t),
                        cudaHostAllocMapped),
          "cudaHostAlloc (error word)");
    *context_.errors.host_flag = 0;
    check(cudaHostGetDevicePointer(reinterpret_cast<void**>(&context_.errors.flag),
                                   context_.errors.host_flag, 0),
          "cudaHostGetDevicePointer");
  }
  ~CudaDevice() override {
    default_stream_.reset();
    if (context_.cublas) cublasDestroy(context_.cublas);
    if (context_.errors.host_flag) cudaFreeHost(context_.errors.host_flag);
  }

  void info(braid_device_info& out) override {
    const DriverFacts& facts = driver_facts();
    const GpuFacts& gpu = facts.gpus.at(index_);
    out.kind = BRAID_DEVICE_GPU;
    plugin::copy_text(out.name, gpu.name);
    plugin::copy_text(out.features, features_text(gpu, facts.driver_version));
    out.memory_bytes = gpu.memory_bytes;
    out.threads = 0;
  }

  std::unique_ptr<plugin::Buffer> alloc(uint64_t bytes, braid_buffer_usage) override {
    select();
    return std::make_unique<CudaBuffer>(bytes);
  }

  void upload(plugin::Buffer& dst,
              uint64_t offset,
              const void* src,
              uint64_t bytes,
              plugin::Stream* stream) override {
    select();
    check(cudaMemcpyAsync(static_cast<CudaBuffer&>(dst).data() + offset, src, bytes,
                          cudaMemcpyHostToDevice, stream_of(stream)),
          "upload");
  }
  void download(plugin::Buffer& src,
                uint64_t offset,
                void* dst,
                uint64_t bytes,
                plugin::Stream* stream) override {
    select();
    check(cudaMemcpyAsync(dst, static_cast<CudaBuffer&>(src).data() + offset, bytes,
                          cudaMemcpyDeviceToHost, stream_of(stream)),
          "download");
  }
  void copy(plugin::Buffer& src,
            uint64_t src_offset,
            plugin::Buffer& dst,
            uint64_t dst_offset,
            uint64_t bytes,
            plugin::Stream* stream) override {
    select();
    check(cudaMemcpyAsync(static_cast<CudaBuffer&>(dst).data() + dst_offset,
                          static_cast<CudaBuffer&>(src).data() + src_offset, bytes,
                          cudaMemcpyDeviceToDevice, stream_of(stream)),
          "copy");
  }

  std::unique_ptr<plugin::Stream> create_stream() override {
    select();
    return std::make_unique<CudaStream>();
  }

  void synchronize(plugin::Stream* stream) override {
    select();
    check(cudaStreamSynchronize(stream_of(stream)), "cudaStreamSynchronize");
    const int32_t error = *context_.errors.host_flag;
    if (error != 0) {
      *context_.errors.host_flag = 0;
      if (error == kRowIndexOutOfRange) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT,
                     "[cuda] a get_rows/set_rows row index was outside the table");
      }
      plugin::fail(BRAID_STATUS_INVALID_ARGUMENT,
                   "[cuda] attention's valid KV count was outside [0, n_kv]");
    }
  }

  std::string why_unsupported(const braid_graph_desc& graph, uint32_t node_index) override {
    return why_declined(graph, node_index);
  }

  std::unique_ptr<plugin::Compiled> compile(const plugin::Graph& graph) override {
    select();
    return std::make_unique<CudaGraph>(graph, context_);
  }
  void run(plugin::Compiled& compiled, plugin::Stream* stream) override {
    select();
    static_cast<CudaGraph&>(compiled).run(stream_of(stream));
  }
  void capture_begin(plugin::Compiled& compiled, plugin::Stream* stream) override {
    select();
    static_cast<CudaGraph&>(compiled).begin_capture(stream_of(stream));
  }
  void capture_end(plugin::Compiled& compiled, plugin::Stream* stream) override {
    select();
    static_cast<CudaGraph&>(compiled).end_capture(stream_of(stream));
  }

 private:
  // CUDA's current device is per thread; the host may call from any thread.
  void select() const { check(cudaSetDevice(ordinal_), "cudaSetDevice"); }
  cudaStream_t stream_of(plugin::Stream* stream) {
    if (stream) return static_cast<CudaStream*>(stream)->get();
    if (!default_stream_) default_stream_ = std::make_unique<CudaStream>();
    return default_stream_->get();
  }

  uint32_t index_;  // among braid's usable GPUs (driver_facts().gpus)
  int ordinal_;     // the CUDA runtime's number for it
  DeviceContext context_;
  std::unique_ptr<CudaStream> default_stream_;
};

struct CudaBackend {
  static constexpr const char* kName = "cuda";
  static constexpr const char* kVersion = BRAID_VERSION_STRING;
  static constexpr bool kCanCapture = true;

  static void probe(braid_probe_result& out) {
    const DriverFacts& facts = driver_facts();
    if (!facts.usable) {
      out.usable = 0;
      plugin::copy_text(out.reason, facts.reason);
      return;
    }
    out.usable = 1;
    out.score = 1000;  // a GPU beats the cpu backend (100) for whole models
    out.device_count = static_cast<uint32_t>(facts.gpus.size());
    plugin::copy_text(out.features, features_text(facts.gpus[0], facts.driver_version));
  }

  static std::unique_ptr<plugin::Device> open(uint32_t index, const braid_device_options&) {
    const DriverFacts& facts = driver_facts();
    if (!facts.usable) plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "[cuda] ", facts.reason);
    if (index >= facts.gpus.size()) {
      plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cuda] device ", index, " does not exist (",
                   facts.gpus.size(), " usable GPU", facts.gpus.size() == 1 ? "" : "s", ")");
    }
    return std::make_unique<CudaDevice>(index, facts.gpus[index].ordinal);
  }
};

}  // namespace
}  // namespace braid::cuda

BRAID_PLUGIN_ENTRY(braid::cuda::CudaBackend)
