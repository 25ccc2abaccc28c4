// The host-side C++ face of a backend device: RAII owners for devices, buffers, streams and
// compiled graphs over the C ABI, with every failure as a core::Status whose message carries the
// plugin's last_error text ("[cpu] graph_compile: [graph] node 3 (matmul): …").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "braid/backend.h"
#include "braid/core/status.h"
#include "braid/plugins/plugin.h"

namespace braid::plugins {

class Device;

namespace detail {

// Owns one handle of a device and frees it with the table member `Free`. Move-only, like
// unique_ptr. The Device it came from must outlive it.
template <typename Handle, void (*braid_backend_v1::*Free)(braid_device_t*, Handle*)>
class OwnedHandle {
 public:
  OwnedHandle() = default;
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  OwnedHandle(OwnedHandle&& other) noexcept { *this = std::move(other); }
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    if (this != &other) {
      reset();
      std::swap(table_, other.table_);
      std::swap(device_, other.device_);
      std::swap(handle_, other.handle_);
    }
    return *this;
  }
  ~OwnedHandle() { reset(); }

  /// Frees the handle now (no-op when empty).
  void reset() {
    if (handle_ != nullptr) (table_->*Free)(device_, handle_);
    handle_ = nullptr;
  }
  Handle* handle() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 protected:
  OwnedHandle(const braid_backend_v1* table, braid_device_t* device, Handle* handle)
      : table_(table), device_(device), handle_(handle) {}

 private:
  const braid_backend_v1* table_ = nullptr;
  braid_device_t* device_ = nullptr;
  Handle* handle_ = nullptr;
};

}  // namespace detail

enum class BufferUsage : uint32_t {
  Weights = BRAID_BUFFER_WEIGHTS,          ///< written once at load, read by every run
  Activations = BRAID_BUFFER_ACTIVATIONS,  ///< inputs, outputs, KV cache
  Staging = BRAID_BUFFER_STAGING,          ///< host-visible memory for transfers
};

/// Memory on a device, freed when the Buffer is destroyed or reset. Move-only.
class Buffer : public detail::OwnedHandle<braid_buffer_t, &braid_backend_v1::buffer_free> {
 public:
  Buffer() = default;
  uint64_t size() const { return size_; }
  /// Host address of the first byte, or nullptr when the memory is device memory.
  void* host_ptr() const { return host_ptr_; }

 private:
  friend class Device;
  Buffer(const braid_backend_v1* table,
         braid_device_t* device,
         braid_buffer_t* handle,
         uint64_t size,
         void* host_ptr)
      : OwnedHandle(table, device, handle), size_(size), host_ptr_(host_ptr) {}
  uint64_t size_ = 0;
  void* host_ptr_ = nullptr;
};

/// An ordered queue of work on a device. Move-only.
class Stream : public detail::OwnedHandle<braid_stream_t, &braid_backend_v1::stream_destroy> {
 public:
  Stream() = default;

 private:
  friend class Device;
  using OwnedHandle::OwnedHandle;
};

/// A graph compiled for one device; run it as often as needed. Move-only.
class CompiledGraph : public detail::OwnedHandle<braid_compiled_t, &braid_backend_v1::graph_free> {
 public:
  CompiledGraph() = default;

 private:
  friend class Device;
  using OwnedHandle::OwnedHandle;
};

/// What device_info says, as C++ values.
struct DeviceInfo {
  braid_device_kind kind = BRAID_DEVICE_CPU;
  std::string name;      ///< "Intel Xeon …", "NVIDIA H200"
  std::string features;  ///< "avx512_vnni onednn-2.6"
  uint64_t memory_bytes = 0;
  uint32_t threads = 0;
};

struct DeviceOptions {
  int32_t threads = 0;  ///< CPU worker threads; <= 0: the backend's default
};

/// One opened device of a plugin. Not copyable or movable (hold it in a unique_ptr); it must
/// outlive every Buffer, Stream and CompiledGraph made from it. Calls are safe from several
/// threads as far as the plugin's are (the ABI allows it; one compiled graph runs at a time).
class Device {
 public:
  /// Opens device `index` of `plugin` (index < probe().device_count). The plugin must be usable.
  static core::Result<std::unique_ptr<Device>> open(std::shared_ptr<const Plugin> plugin,
                                                    uint32_t index,
                                                    const DeviceOptions& options = {});
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const Plugin& plugin() const { return *plugin_; }
  uint32_t index() const { return index_; }
  const DeviceInfo& info() const { return info_; }
  braid_device_t* handle() const { return device_; }

  /// A buffer of `bytes` bytes (contents unspecified).
  core::Result<Buffer> alloc(uint64_t bytes, BufferUsage usage);
  /// Wraps host memory that the caller keeps alive and unchanged (a mapped weight file) without
  /// copying; read-only. NotSupported where the device cannot read host memory.
  core::Result<Buffer> wrap_host(const void* data, uint64_t bytes);

  /// Transfers. With a stream they may be asynchronous: `src`/`dst` must stay valid until
  /// synchronize(stream) returns. A null stream is the device's default stream.
  core::Status upload(const Buffer& dst,
                      uint64_t offset,
                      const void* src,
                      uint64_t bytes,
                      const Stream* stream = nullptr);
  core::Status download(const Buffer& src,
                        uint64_t offset,
                        void* dst,
                        uint64_t bytes,
                        const Stream* stream = nullptr);
  core::Status copy(const Buffer& src,
                    uint64_t src_offset,
                    const Buffer& dst,
                    uint64_t dst_offset,
                    uint64_t bytes,
                    const Stream* stream = nullptr);

  core::Result<Stream> create_stream();
  /// Waits for all work queued on `stream` (null: the default stream).
  core::Status synchronize(const Stream* stream = nullptr);

  /// True when node `node_index` of `graph` can run here; otherwise `why` (if given) says why.
  bool supports_op(const braid_graph_desc& graph, uint32_t node_index, std::string* why = nullptr);
  /// Compiles a graph; the buffers it names must outlive the result.
  core::Result<CompiledGraph> compile(const braid_graph_desc& graph);
  /// Enqueues one run (asynchronous where the device is; synchronize to wait).
  core::Status run(const CompiledGraph& compiled, const Stream* stream = nullptr);

  /// True when the plugin has stream capture (CUDA graphs).
  bool can_capture() const;
  core::Status capture_begin(const CompiledGraph& compiled, const Stream* stream);
  core::Status capture_end(const CompiledGraph& compiled, const Stream* stream);

 private:
  Device(std::shared_ptr<const Plugin> plugin, uint32_t index, braid_device_t* device);
  // OK, or a status carrying "[name] what: last_error".
  core::Status check(braid_status status, const char* what) const;

  std::shared_ptr<const Plugin> plugin_;
  const braid_backend_v1* table_;
  uint32_t index_;
  braid_device_t* device_;
  DeviceInfo info_;
};

/// The core::StatusCode for an ABI status.
core::StatusCode status_code_from_abi(braid_status status);

}  // namespace braid::plugins
