// The C++ types a backend plugin is written with: Device (and HostDevice for host memory),
// Buffer, Stream, Compiled, the validated Graph it receives, and Error to fail a call. The adapter
// (plugin_adapter.h) turns a backend written with these into the braid_backend_v1 table.
//
// Include in plugin code only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "braid/backend.h"

namespace braid::plugin {

// ---- errors --------------------------------------------------------------------------------

/// Thrown by backend code to fail the current ABI call with `status` and a message.
class Error : public std::exception {
 public:
  Error(braid_status status, std::string message) : status_(status), message_(std::move(message)) {}
  braid_status status() const { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  braid_status status_;
  std::string message_;
};

/// Throws Error(status, concatenation of `parts`).
template <typename... Parts>
[[noreturn]] void fail(braid_status status, const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(status, out.str());
}

/// Copies `text` into a fixed char array, truncated and always NUL-terminated.
template <size_t N>
void copy_text(char (&dst)[N], std::string_view text) {
  const size_t n = text.size() < N - 1 ? text.size() : N - 1;
  std::memcpy(dst, text.data(), n);
  dst[n] = '\0';
}

// ---- the objects a backend implements --------------------------------------------------------

/// Memory on a device. Subclass it, or use HostBuffer for host memory.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual uint64_t size() const = 0;
  /// Host address of the first byte, or nullptr when the memory is not host-addressable.
  virtual void* host_ptr() { return nullptr; }
  /// False for wrapped read-only memory: the adapter refuses transfers and outputs into it.
  virtual bool writable() const { return true; }
};

/// Host memory, 64-byte aligned and owned, or someone else's memory wrapped read-only.
class HostBuffer final : public Buffer {
 public:
  static constexpr size_t kAlignment = 64;

  /// Allocates `bytes` (zero-filled). Throws Error(OUT_OF_MEMORY) when the allocation fails.
  static std::unique_ptr<HostBuffer> allocate(uint64_t bytes) {
    const uint64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded < bytes) fail(BRAID_STATUS_OUT_OF_MEMORY, "buffer of ", bytes, " bytes");
    void* data = rounded == 0 ? nullptr : std::aligned_alloc(kAlignment, rounded);
    if (rounded != 0 && data == nullptr) {
      fail(BRAID_STATUS_OUT_OF_MEMORY, "cannot allocate ", bytes, " bytes of host memory");
    }
    if (data) std::memset(data, 0, rounded);
    return std::unique_ptr<HostBuffer>(new HostBuffer(static_cast<std::byte*>(data), bytes, true));
  }
  /// Wraps memory the caller keeps alive; never written through.
  static std::unique_ptr<HostBuffer> wrap(const void* data, uint64_t bytes) {
    return std::unique_ptr<HostBuffer>(
        new HostBuffer(static_cast<std::byte*>(const_cast<void*>(data)), bytes, false));
  }
  ~HostBuffer() override {
    if (owned_) std::free(data_);
  }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;

  uint64_t size() const override { return size_; }
  void* host_ptr() override { return data_; }
  bool writable() const override { return owned_; }
  std::byte* data() { return data_; }

 private:
  HostBuffer(std::byte* data, uint64_t size, bool owned)
      : data_(data), size_(size), owned_(owned) {}
  std::byte* data_;
  uint64_t size_;
  bool owned_;
};

/// An ordered queue of work. Synchronous devices can use this base class as it is.
class Stream {
 public:
  virtual ~Stream() = default;
};

/// A graph prepared by Device::compile.
class Compiled {
 public:
  virtual ~Compiled() = default;
};

/// A tensor of a validated graph, with its buffer handle resolved (nullptr: an intermediate).
struct Tensor {
  uint32_t dtype = 0;
  uint32_t rank = 0;
  std::array<int64_t, BRAID_MAX_DIMS> shape{};
  std::array<int64_t, BRAID_MAX_DIMS> strides{};  ///< bytes; see backend.h for the rules
  Buffer* buffer = nullptr;
  uint64_t offset = 0;
  std::string name;

  int64_t n_elements() const {
    int64_t n = 1;
    for (uint32_t i = 0; i < rank; ++i) n *= shape[i];
    return n;
  }
};

struct Node {
  uint32_t op = BRAID_OP_NONE;
  std::array<int32_t, BRAID_MAX_OP_INPUTS> inputs{};  ///< -1 where absent (slots past n_inputs too)
  int32_t output = -1;
  braid_op_params params{};

  /// The tensor index in input slot `slot`, or -1 when absent.
  int32_t input(uint32_t slot) const { return slot < BRAID_MAX_OP_INPUTS ? inputs[slot] : -1; }
};

/// A deep copy of a validated braid_graph_desc: it owns its names and outlives the host's arrays.
struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;
};

/// One opened device. Methods report failure by throwing (Error, or anything: the adapter maps
/// it to a status). The adapter serializes nothing: calls may come from several threads, as
/// the host makes them (a compiled graph is run by one thread at a time).
class Device {
 public:
  virtual ~Device() = default;

  virtual void info(braid_device_info& out) = 0;

  virtual std::unique_ptr<Buffer> alloc(uint64_t bytes, braid_buffer_usage usage) = 0;
  /// Default: NOT_SUPPORTED (a device that cannot read host memory).
  virtual std::unique_ptr<Buffer> wrap_host(const void* data, uint64_t bytes) {
    (void)data;
    (void)bytes;
    fail(BRAID_STATUS_NOT_SUPPORTED, "this device cannot read host memory in place");
  }
  /// Transfers; the adapter has checked the ranges against the buffers' sizes and writability.
  virtual void upload(
      Buffer& dst, uint64_t offset, const void* src, uint64_t bytes, Stream* stream) = 0;
  virtual void download(
      Buffer& src, uint64_t offset, void* dst, uint64_t bytes, Stream* stream) = 0;
  virtual void copy(Buffer& src,
                    uint64_t src_offset,
                    Buffer& dst,
                    uint64_t dst_offset,
                    uint64_t bytes,
                    Stream* stream) = 0;

  virtual std::unique_ptr<Stream> create_stream() { return std::make_unique<Stream>(); }
  /// Waits for everything queued on `stream` (nullptr: the default stream).
  virtual void synchronize(Stream* stream) { (void)stream; }

  /// "" when node `node_index` can run here, else why not (for the scheduler's debug log).
  /// Called only for a node that braid::abi::check_node accepts.
  virtual std::string why_unsupported(const braid_graph_desc& graph, uint32_t node_index) = 0;
  /// Prepares a validated graph. Buffers it names stay alive as long as the result.
  virtual std::unique_ptr<Compiled> compile(const Graph& graph) = 0;
  virtual void run(Compiled& compiled, Stream* stream) = 0;

  /// Stream capture (see backend.h): the table offers it when the Backend class declares
  /// `static constexpr bool kCanCapture = true`, and such a device overrides both.
  virtual void capture_begin(Compiled& compiled, Stream* stream) {
    (void)compiled;
    (void)stream;
    fail(BRAID_STATUS_NOT_SUPPORTED, "stream capture is not supported");
  }
  virtual void capture_end(Compiled& compiled, Stream* stream) {
    (void)compiled;
    (void)stream;
    fail(BRAID_STATUS_NOT_SUPPORTED, "stream capture is not supported");
  }
};

/// A device whose memory is host memory: buffers are HostBuffers, transfers are memcpy, and
/// everything runs synchronously on the calling thread. CPU backends derive from this.
class HostDevice : public Device {
 public:
  std::unique_ptr<Buffer> alloc(uint64_t bytes, braid_buffer_usage usage) override {
    (void)usage;
    return HostBuffer::allocate(bytes);
  }
  std::unique_ptr<Buffer> wrap_host(const void* data, uint64_t bytes) override {
    return HostBuffer::wrap(data, bytes);
  }
  void upload(Buffer& dst, uint64_t offset, const void* src, uint64_t bytes, Stream*) override {
    if (bytes) std::memcpy(static_cast<std::byte*>(dst.host_ptr()) + offset, src, bytes);
  }
  void download(Buffer& src, uint64_t offset, void* dst, uint64_t bytes, Stream*) override {
    if (bytes) std::memcpy(dst, static_cast<std::byte*>(src.host_ptr()) + offset, bytes);
  }
  void copy(Buffer& src,
            uint64_t src_offset,
            Buffer& dst,
            uint64_t dst_offset,
            uint64_t bytes,
            Stream*) override {
    if (bytes) {
      std::memmove(static_cast<std::byte*>(dst.host_ptr()) + dst_offset,
                   static_cast<std::byte*>(src.host_ptr()) + src_offset, bytes);
    }
  }
};

}  // namespace braid::plugin
