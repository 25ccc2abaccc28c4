#include "braid/model/kv_cache.h"

#include <cctype>

namespace braid::model {

const char* kv_type_name(KvType type) {
  switch (type) {
    case KvType::F16:
      return "f16";
    case KvType::F32:
      return "f32";
    case KvType::Q8_0:
      return "q8_0";
  }
  return "?";
}

std::optional<KvType> parse_kv_type(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (KvType t : {KvType::F16, KvType::F32, KvType::Q8_0}) {
    if (lower == kv_type_name(t)) return t;
  }
  return std::nullopt;
}

core::DType kv_dtype(KvType type) {
  switch (type) {
    case KvType::F16:
      return core::DType::F16;
    case KvType::F32:
      return core::DType::F32;
    case KvType::Q8_0:
      return core::DType::Q8_0;
  }
  return core::DType::F16;
}

uint64_t KvLayout::row_bytes() const {
  return static_cast<uint64_t>(n_head_kv) *
         core::dtype_row_bytes(kv_dtype(type), static_cast<uint64_t>(head_dim)).value_or(0);
}

uint64_t KvLayout::total_bytes() const {
  return 2 * static_cast<uint64_t>(n_layer) * static_cast<uint64_t>(n_rows()) * row_bytes();
}

std::string KvLayout::k_name(int64_t layer) { return core::str_cat("kv.k.", layer); }
std::string KvLayout::v_name(int64_t layer) { return core::str_cat("kv.v.", layer); }

core::Status KvLayout::check() const {
  const uint32_t block = core::dtype_info(kv_dtype(type)).block_size;
  if (head_dim % block != 0) {
    return core::invalid_argument("[kv] a ", kv_type_name(type), " cache needs heads of a multiple",
                                  " of ", block, " values; this model's heads have ", head_dim);
  }
  return core::Status::ok();
}

}  // namespace braid::model
