#include "braid/core/safetensors.h"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <utility>

#include "strict_json.h"

namespace braid::core {
namespace {

using Json = nlohmann::json;
using detail::in_quotes;

struct DTypeEntry {
  SafetensorsDType dtype;
  std::string_view name;
  uint32_t bits;
  std::optional<DType> core;
};

// Names and widths as the safetensors library (0.8) writes them.
constexpr std::array kDTypes = {
    DTypeEntry{SafetensorsDType::Bool, "BOOL", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::U8, "U8", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::I8, "I8", 8, DType::I8},
    DTypeEntry{SafetensorsDType::U16, "U16", 16, std::nullopt},
    DTypeEntry{SafetensorsDType::I16, "I16", 16, DType::I16},
    DTypeEntry{SafetensorsDType::U32, "U32", 32, std::nullopt},
    DTypeEntry{SafetensorsDType::I32, "I32", 32, DType::I32},
    DTypeEntry{SafetensorsDType::U64, "U64", 64, std::nullopt},
    DTypeEntry{SafetensorsDType::I64, "I64", 64, DType::I64},
    DTypeEntry{SafetensorsDType::F16, "F16", 16, DType::F16},
    DTypeEntry{SafetensorsDType::BF16, "BF16", 16, DType::BF16},
    DTypeEntry{SafetensorsDType::F32, "F32", 32, DType::F32},
    DTypeEntry{SafetensorsDType::F64, "F64", 64, DType::F64},
    DTypeEntry{SafetensorsDType::C64, "C64", 64, std::nullopt},
    DTypeEntry{SafetensorsDType::F8_E4M3, "F8_E4M3", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::F8_E5M2, "F8_E5M2", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::F8_E8M0, "F8_E8M0", 8, std::nullopt},
    DTypeEntry{SafetensorsDType::F4, "F4", 4, std::nullopt},
    DTypeEntry{SafetensorsDType::F6_E2M3, "F6_E2M3", 6, std::nullopt},
    DTypeEntry{SafetensorsDType::F6_E3M2, "F6_E3M2", 6, std::nullopt},
};

const DTypeEntry& entry_of(SafetensorsDType dtype) {
  for (const auto& entry : kDTypes) {
    if (entry.dtype == dtype) return entry;
  }
  return kDTypes[0];  // unreachable: every enumerator has an entry
}

std::string known_dtype_names() {
  std::string out;
  for (const auto& entry : kDTypes) {
    out += (out.empty() ? "" : ", ") + std::string(entry.name);
  }
  return out;
}

// Valid headers nest three levels (root, tensor entry, shape); anything far deeper is garbage.
constexpr int kMaxHeaderDepth = 16;

std::string format_list(const std::vector<uint64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(values[i]);
  }
  return out + "]";
}

// Reads field `key` of a tensor entry; DataLoss when it is absent.
Result<const Json*> field(const Json& entry, std::string_view key, const std::string& where) {
  const auto it = entry.find(key);
  if (it == entry.end()) return data_loss(where, ": field '", key, "' missing");
  return &*it;
}

// A JSON array of non-negative integers, each at most `max`. `what` names it in messages.
Status read_u64_list(const Json& value,
                     std::string_view what,
                     uint64_t max,
                     const std::string& where,
                     std::vector<uint64_t>* out) {
  if (!value.is_array()) {
    return data_loss(where, ": field '", what, "' is ", detail::describe_json(value),
                     ", expected an array");
  }
  out->reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    uint64_t number = 0;
    if (!detail::json_to_u64(value[i], &number)) {
      return data_loss(where, ": ", what, "[", i, "] is ", detail::describe_json(value[i]),
                       ", expected a non-negative integer");
    }
    if (number > max) {
      return data_loss(where, ": ", what, "[", i, "] = ", number, " is larger than ", max);
    }
    out->push_back(number);
  }
  return Status::ok();
}

// Bytes that `n_elements` values of `dtype` take; DataLoss on overflow or a partial byte.
Result<uint64_t> bytes_for(uint64_t n_elements,
                           const DTypeEntry& dtype,
                           const std::string& shape_text,
                           const std::string& where) {
  uint64_t result = 0;
  if (dtype.bits % 8 == 0) {
    if (__builtin_mul_overflow(n_elements, dtype.bits / 8, &result)) {
      return data_loss(where, ": shape ", shape_text, " of ", dtype.name,
                       " needs more than 2^64 bytes");
    }
    return result;
  }
  uint64_t bits = 0;
  if (__builtin_mul_overflow(n_elements, dtype.bits, &bits)) {
    return data_loss(where, ": shape ", shape_text, " of ", dtype.name,
                     " needs more than 2^64 bits");
  }
  if (bits % 8 != 0) {
    return data_loss(where, ": shape ", shape_text, " of ", dtype.name, " is ", bits,
                     " bits, not a whole number of bytes");
  }
  return bits / 8;
}

Result<SafetensorsTensor> read_tensor(const std::string& name,
                                      const Json& entry,
                                      std::span<const std::byte> data_section,
                                      const std::string& file_where) {
  const std::string where = str_cat(file_where, ": tensor ", in_quotes(name));
  if (!entry.is_object()) {
    return data_loss(where, ": entry is ", detail::describe_json(entry),
                     ", expected an object with dtype, shape and data_offsets");
  }

  BRAID_ASSIGN_OR_RETURN(const Json* dtype_json, field(entry, "dtype", where));
  if (!dtype_json->is_string()) {
    return data_loss(where, ": field 'dtype' is ", detail::describe_json(*dtype_json),
                     ", expected a string");
  }
  const auto& dtype_name = dtype_json->get_ref<const std::string&>();
  const auto dtype = safetensors_dtype_from_name(dtype_name);
  if (!dtype) {
    return not_supported(where, ": unknown dtype ", in_quotes(dtype_name),
                         " (known: ", known_dtype_names(), ")");
  }
  const DTypeEntry& info = entry_of(*dtype);

  BRAID_ASSIGN_OR_RETURN(const Json* shape_json, field(entry, "shape", where));
  std::vector<uint64_t> dims;
  BRAID_TRY(read_u64_list(*shape_json, "shape",
                          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where,
                          &dims));
  const std::string shape_text = format_list(dims);

  BRAID_ASSIGN_OR_RETURN(const Json* offsets_json, field(entry, "data_offsets", where));
  std::vector<uint64_t> offsets;
  BRAID_TRY(read_u64_list(*offsets_json, "data_offsets", std::numeric_limits<uint64_t>::max(),
                          where, &offsets));
  if (offsets.size() != 2) {
    return data_loss(where, ": data_offsets has ", offsets.size(),
                     " numbers, expected 2: [begin, end]");
  }
  const uint64_t begin = offsets[0];
  const uint64_t end = offsets[1];
  const std::string offsets_text = format_list(offsets);
  if (end < begin) {
    return data_loss(where, ": data_offsets ", offsets_text, " end before they begin");
  }

  uint64_t n_elements = 1;
  for (const uint64_t dim : dims) {
    if (__builtin_mul_overflow(n_elements, dim, &n_elements)) {
      return data_loss(where, ": shape ", shape_text, " has more than 2^64 elements");
    }
  }
  // n_elements() returns int64; only an F4 tensor over 2^62 bytes could get here.
  if (n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return data_loss(where, ": shape ", shape_text, " has more than 2^63 - 1 elements");
  }
  BRAID_ASSIGN_OR_RETURN(const uint64_t needed, bytes_for(n_elements, info, shape_text, where));
  if (needed != end - begin) {
    return data_loss(where, ": data_offsets ", offsets_text, " hold ", end - begin,
                     " bytes but shape ", shape_text, " of ", info.name, " needs ", needed);
  }
  if (end > data_section.size()) {
    return data_loss(where, ": data_offsets ", offsets_text,
                     " run past the end of the data section (", data_section.size(),
                     " bytes): the file is truncated or the offsets are wrong");
  }

  SafetensorsTensor tensor;
  tensor.name = name;
  tensor.dtype = *dtype;
  tensor.shape.assign(dims.begin(), dims.end());
  tensor.data_begin = begin;
  tensor.data_end = end;
  tensor.data = data_section.subspan(begin, end - begin);
  return tensor;
}

Status read_metadata(const Json& value,
                     const std::string& where,
                     std::map<std::string, std::string, std::less<>>* out) {
  if (!value.is_object()) {
    return data_loss(where, ": __metadata__ is ", detail::describe_json(value),
                     ", expected an object of strings");
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      return data_loss(where, ": __metadata__ ", in_quotes(key), " is ",
                       detail::describe_json(item), ", expected a string");
    }
    out->emplace(key, item.get<std::string>());
  }
  return Status::ok();
}

// No two tensors may share a byte. Empty tensors hold no bytes and so overlap nothing.
Status check_no_overlap(const std::vector<SafetensorsTensor>& tensors, const std::string& where) {
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair(tensors[a].data_begin, tensors[a].data_end) <
           std::pair(tensors[b].data_begin, tensors[b].data_end);
  });
  const SafetensorsTensor* previous = nullptr;  // the non-empty tensor reaching furthest so far
  for (const size_t index : order) {
    const auto& tensor = tensors[index];
    if (tensor.data_begin == tensor.data_end) continue;
    if (previous != nullptr && tensor.data_begin < previous->data_end) {
      return data_loss(where, ": tensor ", in_quotes(tensor.name), ": data_offsets [",
                       tensor.data_begin, ", ", tensor.data_end, "] overlap tensor ",
                       in_quotes(previous->name), " at [", previous->data_begin, ", ",
                       previous->data_end, "]");
    }
    if (previous == nullptr || tensor.data_end > previous->data_end) previous = &tensor;
  }
  return Status::ok();
}

}  // namespace

std::string_view safetensors_dtype_name(SafetensorsDType dtype) { return entry_of(dtype).name; }

std::optional<SafetensorsDType> safetensors_dtype_from_name(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

uint32_t safetensors_dtype_bits(SafetensorsDType dtype) { return entry_of(dtype).bits; }

std::optional<DType> to_core_dtype(SafetensorsDType dtype) { return entry_of(dtype).core; }

int64_t SafetensorsTensor::n_elements() const {
  int64_t count = 1;
  for (const int64_t dim : shape) count *= dim;  // cannot overflow: checked when parsed
  return count;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::open(path));
  SafetensorsFile file;
  file.display_name_ = path.string();
  // The mapping's address survives the move below, so spans taken while parsing stay valid.
  BRAID_TRY(file.parse_bytes(mapping.bytes()));
  file.mapping_.emplace(std::move(mapping));
  return file;
}

Result<SafetensorsFile> SafetensorsFile::parse(std::span<const std::byte> bytes,
                                               std::string display_name) {
  SafetensorsFile file;
  file.display_name_ = std::move(display_name);
  BRAID_TRY(file.parse_bytes(bytes));
  return file;
}

Status SafetensorsFile::parse_bytes(std::span<const std::byte> bytes) {
  const std::string where = str_cat("[safetensors] ", display_name_);
  if (bytes.size() < 8) {
    return data_loss(where, ": file is ", bytes.size(),
                     " bytes, too short for the 8-byte header length");
  }
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) {
    header_size = (header_size << 8) | std::to_integer<uint64_t>(bytes[i]);
  }
  const uint64_t after_length = bytes.size() - 8;
  if (header_size > after_length) {
    return data_loss(where, ": header length ", header_size, " runs past the end of the file (",
                     after_length,
                     " bytes follow the length): truncated or not a safetensors file");
  }
  if (header_size > kSafetensorsMaxHeaderBytes) {
    return out_of_range(where, ": header length ", header_size, " is over the limit of ",
                        kSafetensorsMaxHeaderBytes, " bytes");
  }

  const std::string_view header_text(reinterpret_cast<const char*>(bytes.data() + 8),
                                     static_cast<size_t>(header_size));
  BRAID_ASSIGN_OR_RETURN(
      const Json header,
      detail::parse_json_strict(header_text, str_cat(where, ": header"), 8, kMaxHeaderDepth));
  if (!header.is_object()) {
    return data_loss(where, ": header is ", detail::describe_json(header),
                     ", expected a JSON object");
  }

  data_section_offset_ = 8 + header_size;
  data_section_size_ = bytes.size() - data_section_offset_;
  const auto data_section = bytes.subspan(static_cast<size_t>(data_section_offset_));

  tensors_.clear();
  metadata_.clear();
  tensors_.reserve(header.size());
  // nlohmann::json keeps object members sorted by key, so tensors_ comes out sorted by name.
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      BRAID_TRY(read_metadata(entry, where, &metadata_));
      continue;
    }
    BRAID_ASSIGN_OR_RETURN(auto tensor, read_tensor(name, entry, data_section, where));
    tensors_.push_back(std::move(tensor));
  }
  return check_no_overlap(tensors_, where);
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  const auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const SafetensorsTensor& tensor, std::string_view key) { return tensor.name < key; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

Status check_safetensors_bytes(std::span<const std::byte> bytes) {
  BRAID_ASSIGN_OR_RETURN(const auto file, SafetensorsFile::parse(bytes, "<fuzz input>"));
  const std::byte* first = bytes.data();
  const std::byte* last = bytes.data() + bytes.size();
  unsigned checksum = 0;
  for (const auto& tensor : file.tensors()) {
    const std::byte* begin = tensor.data.data();
    if (!tensor.data.empty() && (begin < first || begin + tensor.data.size() > last)) {
      return internal_error("[safetensors] tensor ", in_quotes(tensor.name),
                            ": data span lies outside the input");
    }
    for (const std::byte b : tensor.data) checksum += std::to_integer<unsigned>(b);
  }
  // Keeps the reads above from being optimised away.
  volatile unsigned sink = checksum;
  (void)sink;
  return Status::ok();
}

}  // namespace braid::core
