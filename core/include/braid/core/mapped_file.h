// A whole file mapped read-only into memory, so model weights are read in place, without a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "braid/core/status.h"

namespace braid::core {

/// A read-only, private memory mapping of one regular file.
///
/// The mapping lives exactly as long as the object: the destructor unmaps it, and every span
/// handed out by bytes() dangles afterwards. Moving a MappedFile keeps the mapping at the same
/// address, so spans taken before a move stay valid. Not copyable.
///
/// The pages are mapped PROT_READ: writing through a pointer into them is a bug and faults.
/// If another process truncates the file while it is mapped, touching the lost pages raises
/// SIGBUS; braid does not guard against files changing underneath it.
///
/// Thread safety: bytes() may be read from any number of threads at once.
class MappedFile {
 public:
  /// Opens and maps `path`.
  /// An empty file is valid: size() is 0 and bytes() is an empty span (nothing is mapped).
  /// Errors (messages start with "[mapped_file] <path>:" and carry the OS's reason):
  /// NotFound when the path does not exist, InvalidArgument when it is not a regular file (a
  /// directory, a FIFO, a device), IoError when open, fstat or mmap fail otherwise.
  static Result<MappedFile> open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  /// The file's contents; valid while this object (or the one it was moved into) lives.
  std::span<const std::byte> bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  /// The path as given to open().
  const std::filesystem::path& path() const { return path_; }

 private:
  MappedFile(std::filesystem::path path, const std::byte* data, size_t size);
  void unmap();

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;  // nullptr for an empty file
  size_t size_ = 0;
};

}  // namespace braid::core
