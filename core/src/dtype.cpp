#include "braid/core/dtype.h"

#include <array>
#include <cctype>
#include <limits>

namespace braid::core {
namespace {

// Block sizes and byte counts follow the ggml block structs (see docs/formats.md): K-quants and
// IQ types pack 256 values per super-block, the legacy types 32.
constexpr std::array kTypes = {
    DTypeInfo{DType::F32, "F32", 1, 4, false, true},
    DTypeInfo{DType::F16, "F16", 1, 2, false, true},
    DTypeInfo{DType::Q4_0, "Q4_0", 32, 18, true, true},
    DTypeInfo{DType::Q4_1, "Q4_1", 32, 20, true, true},
    DTypeInfo{DType::Q5_0, "Q5_0", 32, 22, true, true},
    DTypeInfo{DType::Q5_1, "Q5_1", 32, 24, true, true},
    DTypeInfo{DType::Q8_0, "Q8_0", 32, 34, true, true},
    DTypeInfo{DType::Q8_1, "Q8_1", 32, 36, true, false},
    DTypeInfo{DType::Q2_K, "Q2_K", 256, 84, true, false},
    DTypeInfo{DType::Q3_K, "Q3_K", 256, 110, true, false},
    DTypeInfo{DType::Q4_K, "Q4_K", 256, 144, true, true},
    DTypeInfo{DType::Q5_K, "Q5_K", 256, 176, true, true},
    DTypeInfo{DType::Q6_K, "Q6_K", 256, 210, true, true},
    DTypeInfo{DType::Q8_K, "Q8_K", 256, 292, true, false},
    DTypeInfo{DType::IQ2_XXS, "IQ2_XXS", 256, 66, true, false},
    DTypeInfo{DType::IQ2_XS, "IQ2_XS", 256, 74, true, false},
    DTypeInfo{DType::IQ3_XXS, "IQ3_XXS", 256, 98, true, false},
    DTypeInfo{DType::IQ1_S, "IQ1_S", 256, 50, true, false},
    DTypeInfo{DType::IQ4_NL, "IQ4_NL", 32, 18, true, false},
    DTypeInfo{DType::IQ3_S, "IQ3_S", 256, 110, true, false},
    DTypeInfo{DType::IQ2_S, "IQ2_S", 256, 82, true, false},
    DTypeInfo{DType::IQ4_XS, "IQ4_XS", 256, 136, true, false},
    DTypeInfo{DType::I8, "I8", 1, 1, false, false},
    DTypeInfo{DType::I16, "I16", 1, 2, false, false},
    DTypeInfo{DType::I32, "I32", 1, 4, false, false},
    DTypeInfo{DType::I64, "I64", 1, 8, false, false},
    DTypeInfo{DType::F64, "F64", 1, 8, false, false},
    DTypeInfo{DType::IQ1_M, "IQ1_M", 256, 56, true, false},
    DTypeInfo{DType::BF16, "BF16", 1, 2, false, true},
    DTypeInfo{DType::TQ1_0, "TQ1_0", 256, 54, true, false},
    DTypeInfo{DType::TQ2_0, "TQ2_0", 256, 66, true, false},
    DTypeInfo{DType::MXFP4, "MXFP4", 32, 17, true, false},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DTypeInfo> dtype_info(uint32_t type_id) {
  for (const auto& info : kTypes) {
    if (static_cast<uint32_t>(info.dtype) == type_id) return info;
  }
  return std::nullopt;
}

const DTypeInfo& dtype_info(DType dtype) {
  for (const auto& info : kTypes) {
    if (info.dtype == dtype) return info;
  }
  return kTypes[0];  // unreachable: every enumerator is in the table (checked by a unit test)
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& info : kTypes) {
    if (iequals(info.name, name)) return info.dtype;
  }
  return std::nullopt;
}

std::optional<uint64_t> dtype_row_bytes(DType dtype, uint64_t n_values) {
  const auto& info = dtype_info(dtype);
  if (n_values % info.block_size != 0) return std::nullopt;
  const uint64_t blocks = n_values / info.block_size;
  if (blocks > std::numeric_limits<uint64_t>::max() / info.block_bytes) return std::nullopt;
  return blocks * info.block_bytes;
}

}  // namespace braid::core
