// The GGUF parser. Layout (little-endian): magic "GGUF" · u32 version · u64 tensor_count ·
// u64 kv_count · key/value pairs · tensor infos · padding to the alignment · tensor data.
// See docs/formats.md for the facts this follows.
#include <algorithm>
#include <cstring>
#include <limits>

#include "braid/core/gguf.h"

namespace braid::core {
namespace {

// Nested arrays deeper than this are rejected: real files use one level (merges, tokens), and
// unbounded recursion would let a small file exhaust the stack.
constexpr int kMaxArrayDepth = 8;

// Smallest encoded size of one value of each type; used to bound counts by the bytes left before
// anything is allocated. A string takes at least its u64 length; an array its u32 type + u64 count.
uint64_t min_encoded_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::Bool:
      return 1;
    case GgufValueType::U16:
    case GgufValueType::I16:
      return 2;
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::F32:
      return 4;
    case GgufValueType::U64:
    case GgufValueType::I64:
    case GgufValueType::F64:
    case GgufValueType::String:
      return 8;
    case GgufValueType::Array:
      return 12;
  }
  return 1;
}

}  // namespace

/// Reads the file front to back with a cursor; every read is bounds-checked.
class GgufParser {
 public:
  GgufParser(std::span<const std::byte> bytes, GgufFile& file) : bytes_(bytes), file_(file) {}

  Status run() {
    BRAID_TRY(read_header());
    BRAID_TRY(read_metadata());
    BRAID_TRY(read_alignment());
    BRAID_TRY(read_tensor_infos());
    return place_tensor_data();
  }

 private:
  template <typename... Parts>
  Status error(uint64_t at, const Parts&... parts) const {
    return data_loss("[gguf] ", file_.name_, ": offset ", at, ": ", parts...);
  }

  uint64_t remaining() const { return bytes_.size() - pos_; }

  template <typename T>
  Status read_pod(T* out, std::string_view field) {
    if (remaining() < sizeof(T)) {
      return error(pos_, field, ": file ends (needs ", sizeof(T), " bytes, ", remaining(),
                   " left)");
    }
    std::memcpy(out, bytes_.data() + pos_, sizeof(T));  // little-endian host (x86-64, aarch64)
    pos_ += sizeof(T);
    return Status::ok();
  }

  Status read_string(std::string* out, std::string_view field) {
    const uint64_t at = pos_;
    uint64_t length = 0;
    BRAID_TRY(read_pod(&length, field));
    if (length > remaining()) {
      return error(at, field, ": string length ", length, " runs past the end of the file (",
                   remaining(), " bytes left)");
    }
    out->assign(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return Status::ok();
  }

  Status read_header() {
    uint32_t magic = 0;
    if (bytes_.size() < 4) {
      return error(0, "magic: file is ", bytes_.size(), " bytes, too short to be GGUF");
    }
    BRAID_TRY(read_pod(&magic, "magic"));
    if (magic != kGgufMagic) {
      return error(0, "magic: expected \"GGUF\", found bytes ", describe_bytes(0, 4));
    }
    BRAID_TRY(read_pod(&file_.version_, "version"));
    if (file_.version_ == 1) {
      return Status(StatusCode::NotSupported,
                    str_cat("[gguf] ", file_.name_,
                            ": offset 4: version 1 (32-bit counts) is not supported; "
                            "re-convert the model with a current converter"));
    }
    if (file_.version_ != 2 && file_.version_ != 3) {
      if ((file_.version_ & 0xFFFF) == 0 && file_.version_ != 0) {
        return error(4, "version: ", file_.version_,
                     " looks byte-swapped: big-endian GGUF files are not supported");
      }
      return error(4, "version: expected 2 or 3, found ", file_.version_);
    }
    BRAID_TRY(read_pod(&tensor_count_, "tensor_count"));
    BRAID_TRY(read_pod(&kv_count_, "kv_count"));
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at
    // least 8 + 4 + 8 + 4 + 8. Larger counts cannot fit: reject before reserving memory.
    if (kv_count_ > remaining() / 13) {
      return error(16, "kv_count: ", kv_count_, " entries cannot fit in the ", remaining(),
                   " bytes left");
    }
    if (tensor_count_ > remaining() / 32) {
      return error(8, "tensor_count: ", tensor_count_, " tensors cannot fit in the ", remaining(),
                   " bytes left");
    }
    return Status::ok();
  }

  Status read_value(GgufValueType type, GgufValue* out, int depth, std::string_view field) {
    switch (type) {
      case GgufValueType::U8:
        return read_scalar<uint8_t>(out, field);
      case GgufValueType::I8:
        return read_scalar<int8_t>(out, field);
      case GgufValueType::U16:
        return read_scalar<uint16_t>(out, field);
      case GgufValueType::I16:
        return read_scalar<int16_t>(out, field);
      case GgufValueType::U32:
        return read_scalar<uint32_t>(out, field);
      case GgufValueType::I32:
        return read_scalar<int32_t>(out, field);
      case GgufValueType::F32:
        return read_scalar<float>(out, field);
      case GgufValueType::U64:
        return read_scalar<uint64_t>(out, field);
      case GgufValueType::I64:
        return read_scalar<int64_t>(out, field);
      case GgufValueType::F64:
        return read_scalar<double>(out, field);
      case GgufValueType::Bool: {
        const uint64_t at = pos_;
        uint8_t byte = 0;
        BRAID_TRY(read_pod(&byte, field));
        if (byte > 1) return error(at, field, ": bool must be 0 or 1, found ", int{byte});
        *out = GgufValue{byte == 1};
        return Status::ok();
      }
      case GgufValueType::String: {
        std::string text;
        BRAID_TRY(read_string(&text, field));
        *out = GgufValue{std::move(text)};
        return Status::ok();
      }
      case GgufValueType::Array:
        return read_array(out, depth, field);
    }
    return error(pos_, field, ": unknown value type");
  }

  template <typename T>
  Status read_scalar(GgufValue* out, std::string_view field) {
    T value{};
    BRAID_TRY(read_pod(&value, field));
    *out = GgufValue{value};
    return Status::ok();
  }

  Status read_value_type(GgufValueType* out, std::string_view field) {
    const uint64_t at = pos_;
    uint32_t raw = 0;
    BRAID_TRY(read_pod(&raw, field));
    if (raw >= kGgufValueTypeCount) {
      return error(at, field, ": unknown value type ", raw, " (expected 0..",
                   kGgufValueTypeCount - 1, ")");
    }
    *out = static_cast<GgufValueType>(raw);
    return Status::ok();
  }

  Status read_array(GgufValue* out, int depth, std::string_view field) {
    if (depth >= kMaxArrayDepth) {
      return error(pos_, field, ": arrays nested deeper than ", kMaxArrayDepth, " levels");
    }
    GgufArray array;
    BRAID_TRY(read_value_type(&array.element_type, field));
    const uint64_t count_at = pos_;
    uint64_t count = 0;
    BRAID_TRY(read_pod(&count, field));
    if (count > remaining() / min_encoded_size(array.element_type)) {
      return error(count_at, field, ": array of ", count, " ",
                   gguf_value_type_name(array.element_type), " values cannot fit in the ",
                   remaining(), " bytes left");
    }
    array.items.resize(count);
    for (auto& item : array.items) {
      BRAID_TRY(read_value(array.element_type, &item, depth + 1, field));
    }
    *out = GgufValue{std::move(array)};
    return Status::ok();
  }

  Status read_metadata() {
    file_.metadata_.reserve(kv_count_);
    for (uint64_t i = 0; i < kv_count_; ++i) {
      const uint64_t at = pos_;
      GgufKeyValue kv;
      BRAID_TRY(read_string(&kv.key, str_cat("key of metadata entry ", i)));
      if (kv.key.empty()) return error(at, "metadata entry ", i, ": empty key");
      const std::string field = str_cat("key '", kv.key, "'");
      GgufValueType type{};
      BRAID_TRY(read_value_type(&type, field));
      BRAID_TRY(read_value(type, &kv.value, 0, field));
      if (!file_.key_index_.emplace(kv.key, file_.metadata_.size()).second) {
        return error(at, field, ": duplicate key");
      }
      file_.metadata_.push_back(std::move(kv));
    }
    return Status::ok();
  }

  Status read_alignment() {
    const GgufValue* value = file_.find("general.alignment");
    if (!value) return Status::ok();
    const auto* alignment = std::get_if<uint32_t>(&value->data);
    if (!alignment) {
      return error(0, "key 'general.alignment': expected u32, found ", value->type_name());
    }
    if (*alignment == 0 || (*alignment & (*alignment - 1)) != 0) {
      return error(0, "key 'general.alignment': ", *alignment, " is not a power of two");
    }
    file_.alignment_ = *alignment;
    return Status::ok();
  }

  Status read_tensor_infos() {
    file_.tensors_.reserve(tensor_count_);
    for (uint64_t i = 0; i < tensor_count_; ++i) {
      const uint64_t at = pos_;
      GgufTensorInfo info;
      BRAID_TRY(read_string(&info.name, str_cat("name of tensor ", i)));
      const std::string field = str_cat("tensor ", i, " '", info.name, "'");
      if (info.name.empty()) return error(at, "tensor ", i, ": empty name");
      if (info.name.size() > kGgufMaxTensorNameBytes) {
        return error(at, field, ": name is ", info.name.size(), " bytes, at most ",
                     kGgufMaxTensorNameBytes, " allowed");
      }
      BRAID_TRY(read_tensor_shape(&info, field));
      const uint64_t type_at = pos_;
      uint32_t type_id = 0;
      BRAID_TRY(read_pod(&type_id, field));
      const auto type = dtype_info(type_id);
      if (!type) {
        return error(type_at, field, ": unknown tensor type id ", type_id,
                     " (retired or newer than this braid)");
      }
      info.dtype = type->dtype;
      const int64_t innermost = info.shape.back();
      if (innermost % type->block_size != 0) {
        return error(at, field, ": innermost dim ", innermost, " is not a multiple of the ",
                     type->name, " block size ", type->block_size);
      }
      const auto bytes = dtype_row_bytes(info.dtype, static_cast<uint64_t>(info.n_elements));
      if (!bytes) return error(at, field, ": byte size overflows");
      info.n_bytes = *bytes;
      const uint64_t offset_at = pos_;
      BRAID_TRY(read_pod(&info.offset_in_data, field));
      if (info.offset_in_data % file_.alignment_ != 0) {
        return error(offset_at, field, ": data offset ", info.offset_in_data,
                     " is not a multiple of the alignment ", file_.alignment_);
      }
      if (!file_.tensor_index_.emplace(info.name, file_.tensors_.size()).second) {
        return error(at, field, ": duplicate tensor name");
      }
      file_.tensors_.push_back(std::move(info));
    }
    return Status::ok();
  }

  Status read_tensor_shape(GgufTensorInfo* info, const std::string& field) {
    const uint64_t at = pos_;
    uint32_t n_dims = 0;
    BRAID_TRY(read_pod(&n_dims, field));
    if (n_dims == 0 || n_dims > kGgufMaxDims) {
      return error(at, field, ": n_dims = ", n_dims, ", expected 1..", kGgufMaxDims);
    }
    std::vector<int64_t> innermost_first(n_dims);
    int64_t count = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim_at = pos_;
      uint64_t dim = 0;
      BRAID_TRY(read_pod(&dim, field));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return error(dim_at, field, ": dims[", d, "] = ", dim, " is out of range");
      }
      const auto value = static_cast<int64_t>(dim);
      if (value != 0 && count > std::numeric_limits<int64_t>::max() / value) {
        return error(dim_at, field, ": the product of the dims overflows");
      }
      count *= value;
      innermost_first[d] = value;
    }
    info->shape.assign(innermost_first.rbegin(), innermost_first.rend());
    info->n_elements = count;
    return Status::ok();
  }

  Status place_tensor_data() {
    const uint64_t alignment = file_.alignment_;
    const uint64_t end_of_infos = pos_;
    // The data section begins at the first aligned offset after the infos. A file with no
    // tensors (a vocabulary-only GGUF) may end before the padding.
    uint64_t start = (end_of_infos + alignment - 1) / alignment * alignment;
    if (file_.tensors_.empty()) {
      file_.data_offset_ = std::min<uint64_t>(start, bytes_.size());
      return Status::ok();
    }
    if (start > bytes_.size()) {
      return error(end_of_infos, "data section: starts at ", start, " past the end of the file (",
                   bytes_.size(), " bytes)");
    }
    file_.data_offset_ = start;
    const uint64_t data_size = bytes_.size() - start;
    for (auto& tensor : file_.tensors_) {
      if (tensor.offset_in_data > data_size || tensor.n_bytes > data_size - tensor.offset_in_data) {
        return error(start + std::min(tensor.offset_in_data, data_size), "tensor '", tensor.name,
                     "': data [", tensor.offset_in_data, ", +", tensor.n_bytes,
                     ") runs past the end of the data section (", data_size,
                     " bytes): the file is truncated or the offset is wrong");
      }
      tensor.file_offset = start + tensor.offset_in_data;
    }
    // No two tensors may share bytes.
    std::vector<const GgufTensorInfo*> by_offset;
    by_offset.reserve(file_.tensors_.size());
    for (const auto& tensor : file_.tensors_) by_offset.push_back(&tensor);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const auto* a, const auto* b) { return a->offset_in_data < b->offset_in_data; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const auto* prev = by_offset[i - 1];
      const auto* cur = by_offset[i];
      if (prev->n_bytes > 0 && cur->n_bytes > 0 &&
          prev->offset_in_data + prev->n_bytes > cur->offset_in_data) {
        return error(cur->file_offset, "tensor '", cur->name, "' overlaps tensor '", prev->name,
                     "' (", prev->name, " ends at data offset ",
                     prev->offset_in_data + prev->n_bytes, ", ", cur->name, " starts at ",
                     cur->offset_in_data, ")");
      }
    }
    return Status::ok();
  }

  std::string describe_bytes(uint64_t at, uint64_t n) const {
    std::string out;
    for (uint64_t i = at; i < at + n && i < bytes_.size(); ++i) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned>(bytes_[i]);
      if (i != at) out += ' ';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
    return out;
  }

  std::span<const std::byte> bytes_;
  GgufFile& file_;
  uint64_t pos_ = 0;
  uint64_t tensor_count_ = 0;
  uint64_t kv_count_ = 0;
};

Result<GgufFile> GgufFile::parse(std::span<const std::byte> bytes, std::string name) {
  GgufFile file;
  file.name_ = std::move(name);
  file.bytes_ = bytes;
  GgufParser parser(bytes, file);
  BRAID_TRY(parser.run());
  return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = key_index_.find(std::string(key));
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> GgufFile::tensor_data(const GgufTensorInfo& tensor) const {
  return bytes_.subspan(tensor.file_offset, tensor.n_bytes);
}

std::string GgufFile::key_context(std::string_view key) const {
  return str_cat("[gguf] ", name_, ": key '", key, "'");
}

}  // namespace braid::core
