// Reading GGUF model files, as the llama.cpp ecosystem writes them (versions 2 and 3).
//
// Every length, count, offset and size is checked against the file before it is used, so a
// truncated or hostile file gives a Status naming the file, the byte offset and the field, never
// an out-of-bounds read or a huge allocation. Tensor data is not copied: it is a span into the
// file's bytes (memory-mapped when opened from a path).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf_value.h"
#include "braid/core/status.h"

namespace braid::core {

class MappedFile;

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr size_t kGgufMaxTensorNameBytes = 63;  // ggml names hold 64 bytes with the NUL
inline constexpr int kGgufMaxDims = 4;

/// One metadata entry, in file order.
struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

/// One tensor's description and where its bytes are.
struct GgufTensorInfo {
  std::string name;
  DType dtype = DType::F32;
  /// Outermost first, as PyTorch writes shapes: a Linear weight [out, in] has shape {out, in}.
  /// (The file stores dims innermost first; the reader reverses them.)
  std::vector<int64_t> shape;
  uint64_t offset_in_data = 0;  ///< relative to the data section, as stored
  uint64_t file_offset = 0;     ///< absolute position of the first byte in the file
  uint64_t n_bytes = 0;
  int64_t n_elements = 0;
};

class GgufFile {
 public:
  /// Memory-maps and parses the file at `path`.
  static Result<GgufFile> open(const std::filesystem::path& path);

  /// Parses `bytes` (the whole file). The bytes are not copied: they must outlive the result.
  /// `name` is used in error messages.
  static Result<GgufFile> parse(std::span<const std::byte> bytes, std::string name);

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t file_size() const { return bytes_.size(); }
  /// Absolute offset of the tensor data section.
  uint64_t data_offset() const { return data_offset_; }

  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  /// The value of `key`, or nullptr.
  const GgufValue* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  /// The value of `key` converted to T (see gguf_value_as); NotFound when absent.
  template <typename T>
  Result<T> get(std::string_view key) const;
  /// Like get(), but nullopt when absent (a present value of the wrong type is still an error).
  template <typename T>
  Result<std::optional<T>> get_optional(std::string_view key) const;

  /// The tensor named `name`, or nullptr.
  const GgufTensorInfo* find_tensor(std::string_view name) const;
  /// The bytes of a tensor of this file (always inside the file: checked when parsed).
  std::span<const std::byte> tensor_data(const GgufTensorInfo& tensor) const;

  /// "[gguf] name: key 'k'" — the prefix of errors about a key.
  std::string key_context(std::string_view key) const;

 private:
  friend class GgufParser;
  std::string name_;
  std::span<const std::byte> bytes_;
  std::shared_ptr<const MappedFile> mapping_;  // keeps the bytes alive when opened from a path
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string, size_t> key_index_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

template <typename T>
Result<T> GgufFile::get(std::string_view key) const {
  const GgufValue* value = find(key);
  if (!value) return not_found(key_context(key), " is missing");
  return gguf_value_as<T>(*value, key_context(key));
}

template <typename T>
Result<std::optional<T>> GgufFile::get_optional(std::string_view key) const {
  const GgufValue* value = find(key);
  if (!value) return std::optional<T>{};
  BRAID_ASSIGN_OR_RETURN(T converted, gguf_value_as<T>(*value, key_context(key)));
  return std::optional<T>{std::move(converted)};
}

}  // namespace braid::core
