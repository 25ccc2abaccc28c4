#include "braid/core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace braid::core {
namespace {

std::string errno_text(int error) { return std::system_category().message(error); }

// Closes the descriptor on every path out of open(); the mapping does not need it once made.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

}  // namespace

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK so that opening a FIFO by mistake returns at once instead of waiting for a
  // writer; it has no effect on regular files or on mmap.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return not_found("[mapped_file] ", name, ": cannot open: ", errno_text(error));
    }
    return io_error("[mapped_file] ", name, ": cannot open: ", errno_text(error));
  }
  FdCloser closer(fd);

  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return io_error("[mapped_file] ", name, ": fstat failed: ", errno_text(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    return invalid_argument("[mapped_file] ", name, ": is a directory, not a file");
  }
  if (!S_ISREG(info.st_mode)) {
    return invalid_argument("[mapped_file] ", name, ": is not a regular file");
  }
  if (info.st_size < 0) {
    return io_error("[mapped_file] ", name, ": fstat reported a negative size");
  }
  const auto size = static_cast<size_t>(info.st_size);
  if (size == 0) return MappedFile(path, nullptr, 0);  // mmap rejects a zero length

  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) {
    return io_error("[mapped_file] ", name, ": mmap of ", size,
                    " bytes failed: ", errno_text(errno));
  }
  return MappedFile(path, static_cast<const std::byte*>(addr), size);
}

MappedFile::MappedFile(std::filesystem::path path, const std::byte* data, size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() {
  if (data_ != nullptr) {
    // munmap only fails for arguments we never pass; nothing useful to do with an error here.
    ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }
}

}  // namespace braid::core
