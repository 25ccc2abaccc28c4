// Writing GGUF files (version 3) that llama.cpp and braid's reader both load: metadata in the
// order it was set, tensor infos, padding, and tensor data at aligned offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf.h"
#include "braid/core/gguf_value.h"
#include "braid/core/status.h"

namespace braid::core {

class GgufWriter {
 public:
  /// Fills `out` (exactly the tensor's byte size) with the tensor's data when the file is written,
  /// so a generator need not hold every tensor in memory at once.
  using Filler = std::function<Status(std::span<std::byte> out)>;

  /// @param alignment of tensor data; recorded as general.alignment when not the default 32.
  explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment);

  /// Sets `key` (replacing an earlier value of the same key in place, keeping its position).
  void set(const std::string& key, GgufValue value);

  /// Adds a tensor whose bytes are copied now. `shape` is outermost first (see GgufTensorInfo).
  /// InvalidArgument on a duplicate or over-long name, a bad shape, or a byte count that does
  /// not match the shape and dtype.
  Status add_tensor(const std::string& name,
                    DType dtype,
                    const std::vector<int64_t>& shape,
                    std::span<const std::byte> data);

  /// Adds a tensor whose bytes `fill` produces when the file is written.
  Status add_tensor(const std::string& name,
                    DType dtype,
                    const std::vector<int64_t>& shape,
                    Filler fill);

  /// Writes the file: to `path` + ".partial" first, renamed over `path` only when everything was
  /// written, so a failure (a full disk, a filler's error) leaves no half-written file behind.
  Status write(const std::filesystem::path& path) const;

  /// The whole file in memory (for tests and fuzz seeds).
  Result<std::vector<std::byte>> to_bytes() const;

  size_t tensor_count() const { return tensors_.size(); }

  /// The tensors added so far, in order: name, dtype, shape and byte count (offsets are left 0;
  /// they are fixed when the file is written). Lets a tool plan types before writing.
  std::vector<GgufTensorInfo> tensor_infos() const;

 private:
  struct PendingTensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t n_bytes;
    std::vector<std::byte> data;  // empty when fill is set
    Filler fill;
  };

  Status check_tensor(const std::string& name,
                      DType dtype,
                      const std::vector<int64_t>& shape,
                      uint64_t* n_bytes) const;
  template <typename Sink>
  Status write_to(Sink& sink) const;

  uint32_t alignment_;
  std::vector<GgufKeyValue> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace braid::core
