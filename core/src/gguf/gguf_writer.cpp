#include "braid/core/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <unordered_set>

namespace braid::core {
namespace {

// Collects bytes in memory.
struct VectorSink {
  std::vector<std::byte>* out;
  Status write(const void* data, size_t n) {
    const auto* bytes = static_cast<const std::byte*>(data);
    out->insert(out->end(), bytes, bytes + n);
    return Status::ok();
  }
};

// Streams bytes to a FILE*, turning short writes (a full disk) into an IoError.
struct FileSink {
  std::FILE* file;
  const std::filesystem::path* path;
  Status write(const void* data, size_t n) {
    if (n != 0 && std::fwrite(data, 1, n, file) != n) {
      return io_error("[gguf] ", path->string(), ": write failed: ", std::strerror(errno));
    }
    return Status::ok();
  }
};

template <typename Sink, typename T>
Status put(Sink& sink, T value) {
  return sink.write(&value, sizeof(T));
}

template <typename Sink>
Status put_string(Sink& sink, const std::string& text) {
  BRAID_TRY(put(sink, static_cast<uint64_t>(text.size())));
  return sink.write(text.data(), text.size());
}

template <typename Sink>
Status put_value(Sink& sink, const GgufValue& value);

template <typename Sink>
Status put_payload(Sink& sink, const GgufValue& value) {
  return std::visit(
      [&](const auto& v) -> Status {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>) {
          return put_string(sink, v);
        } else if constexpr (std::is_same_v<V, GgufArray>) {
          BRAID_TRY(put(sink, static_cast<uint32_t>((v.element_type))));
          BRAID_TRY(put(sink, static_cast<uint64_t>(v.items.size())));
          for (const auto& item : v.items) {
            if (item.type() != v.element_type) {
              return invalid_argument("[gguf] array of ", gguf_value_type_name(v.element_type),
                                      " holds an item of type ", item.type_name());
            }
            BRAID_TRY(put_payload(sink, item));
          }
          return Status::ok();
        } else if constexpr (std::is_same_v<V, bool>) {
          return put(sink, static_cast<uint8_t>(v ? 1 : 0));
        } else {
          return put(sink, v);
        }
      },
      value.data);
}

template <typename Sink>
Status put_value(Sink& sink, const GgufValue& value) {
  BRAID_TRY(put(sink, static_cast<uint32_t>((value.type()))));
  return put_payload(sink, value);
}

template <typename Sink>
Status put_padding(Sink& sink, uint64_t written, uint64_t alignment) {
  static constexpr std::byte kZeros[256] = {};
  uint64_t pad = (alignment - written % alignment) % alignment;
  while (pad > 0) {
    const uint64_t n = std::min<uint64_t>(pad, sizeof(kZeros));
    BRAID_TRY(sink.write(kZeros, n));
    pad -= n;
  }
  return Status::ok();
}

uint64_t align_up(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

// Counts bytes without storing them, to know where the header ends.
struct CountingSink {
  uint64_t n = 0;
  Status write(const void*, size_t bytes) {
    n += bytes;
    return Status::ok();
  }
};

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment) : alignment_(alignment) {
  if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) alignment_ = kGgufDefaultAlignment;
  if (alignment_ != kGgufDefaultAlignment) set("general.alignment", GgufValue{alignment_});
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& kv : metadata_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({key, std::move(value)});
}

Status GgufWriter::check_tensor(const std::string& name,
                                DType dtype,
                                const std::vector<int64_t>& shape,
                                uint64_t* n_bytes) const {
  if (name.empty() || name.size() > kGgufMaxTensorNameBytes) {
    return invalid_argument("[gguf writer] tensor name '", name, "' must be 1..",
                            kGgufMaxTensorNameBytes, " bytes");
  }
  for (const auto& t : tensors_) {
    if (t.name == name) return invalid_argument("[gguf writer] duplicate tensor '", name, "'");
  }
  if (shape.empty() || shape.size() > static_cast<size_t>(kGgufMaxDims)) {
    return invalid_argument("[gguf writer] tensor '", name, "': rank ", shape.size(),
                            ", expected 1..", kGgufMaxDims);
  }
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return invalid_argument("[gguf writer] tensor '", name, "': negative dim");
    if (dim != 0 && count > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(dim)) {
      return invalid_argument("[gguf writer] tensor '", name, "': element count overflows");
    }
    count *= static_cast<uint64_t>(dim);
  }
  const auto& info = dtype_info(dtype);
  if (shape.back() % info.block_size != 0) {
    return invalid_argument("[gguf writer] tensor '", name, "': innermost dim ", shape.back(),
                            " is not a multiple of the ", info.name, " block size ",
                            info.block_size);
  }
  const auto bytes = dtype_row_bytes(dtype, count);
  if (!bytes) return invalid_argument("[gguf writer] tensor '", name, "': byte size overflows");
  *n_bytes = *bytes;
  return Status::ok();
}

Status GgufWriter::add_tensor(const std::string& name,
                              DType dtype,
                              const std::vector<int64_t>& shape,
                              std::span<const std::byte> data) {
  uint64_t n_bytes = 0;
  BRAID_TRY(check_tensor(name, dtype, shape, &n_bytes));
  if (data.size() != n_bytes) {
    return invalid_argument("[gguf writer] tensor '", name, "': ", data.size(),
                            " bytes given, the shape needs ", n_bytes);
  }
  tensors_.push_back({name, dtype, shape, n_bytes, {data.begin(), data.end()}, nullptr});
  return Status::ok();
}

Status GgufWriter::add_tensor(const std::string& name,
                              DType dtype,
                              const std::vector<int64_t>& shape,
                              Filler fill) {
  uint64_t n_bytes = 0;
  BRAID_TRY(check_tensor(name, dtype, shape, &n_bytes));
  if (!fill) return invalid_argument("[gguf writer] tensor '", name, "': no filler");
  tensors_.push_back({name, dtype, shape, n_bytes, {}, std::move(fill)});
  return Status::ok();
}

template <typename Sink>
Status GgufWriter::write_to(Sink& sink) const {
  CountingSink header;
  auto write_header = [&](auto& out) -> Status {
    BRAID_TRY(put(out, static_cast<uint32_t>(kGgufMagic)));
    BRAID_TRY(put(out, static_cast<uint32_t>(3)));
    BRAID_TRY(put(out, static_cast<uint64_t>(tensors_.size())));
    BRAID_TRY(put(out, static_cast<uint64_t>(metadata_.size())));
    for (const auto& kv : metadata_) {
      BRAID_TRY(put_string(out, kv.key));
      BRAID_TRY(put_value(out, kv.value));
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
      BRAID_TRY(put_string(out, t.name));
      BRAID_TRY(put(out, static_cast<uint32_t>(t.shape.size())));
      for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) {  // innermost first
        BRAID_TRY(put(out, static_cast<uint64_t>((*it))));
      }
      BRAID_TRY(put(out, static_cast<uint32_t>((t.dtype))));
      BRAID_TRY(put(out, static_cast<uint64_t>(offset)));
      offset = align_up(offset + t.n_bytes, alignment_);
    }
    return Status::ok();
  };
  BRAID_TRY(write_header(header));
  BRAID_TRY(write_header(sink));
  BRAID_TRY(put_padding(sink, header.n, alignment_));

  std::vector<std::byte> scratch;
  for (const auto& t : tensors_) {
    if (t.fill) {
      scratch.assign(t.n_bytes, std::byte{0});
      BRAID_TRY(t.fill(scratch).with_context(str_cat("[gguf writer] tensor '", t.name, "'")));
      BRAID_TRY(sink.write(scratch.data(), scratch.size()));
    } else {
      BRAID_TRY(sink.write(t.data.data(), t.data.size()));
    }
    BRAID_TRY(put_padding(sink, t.n_bytes, alignment_));
  }
  return Status::ok();
}

Result<std::vector<std::byte>> GgufWriter::to_bytes() const {
  std::vector<std::byte> out;
  VectorSink sink{&out};
  BRAID_TRY(write_to(sink));
  return out;
}

Status GgufWriter::write(const std::filesystem::path& path) const {
  std::filesystem::path partial = path;
  partial += ".partial";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(partial.c_str(), "wb"),
                                                       &std::fclose);
  if (!file)
    return io_error("[gguf] ", partial.string(), ": cannot create: ", std::strerror(errno));
  FileSink sink{file.get(), &path};
  Status status = write_to(sink);
  if (status.is_ok() && std::fflush(file.get()) != 0) {
    status = io_error("[gguf] ", path.string(), ": write failed: ", std::strerror(errno));
  }
  const int close_result = std::fclose(file.release());
  if (status.is_ok() && close_result != 0) {
    status = io_error("[gguf] ", path.string(), ": close failed: ", std::strerror(errno));
  }
  std::error_code ec;
  if (!status.is_ok()) {
    std::filesystem::remove(partial, ec);
    return status;
  }
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return io_error("[gguf] ", path.string(),
                    ": cannot rename the finished file into place: ", ec.message());
  }
  return Status::ok();
}

std::vector<GgufTensorInfo> GgufWriter::tensor_infos() const {
  std::vector<GgufTensorInfo> infos;
  infos.reserve(tensors_.size());
  for (const auto& t : tensors_) {
    GgufTensorInfo info;
    info.name = t.name;
    info.dtype = t.dtype;
    info.shape = t.shape;
    info.n_bytes = t.n_bytes;
    info.n_elements = 1;
    for (int64_t d : t.shape) info.n_elements *= d;
    infos.push_back(std::move(info));
  }
  return infos;
}

}  // namespace braid::core
