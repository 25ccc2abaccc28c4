// Element types and quantized block formats, numbered as GGUF numbers them (ggml type ids), so a
// tensor's type id read from a file maps straight onto a DType.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace braid::core {

/// Every type id that GGUF files in the wild carry. Ids that ggml retired (4, 5, 31–33, 36–38)
/// are absent: a file that uses them is rejected with a clear message.
enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

/// Storage facts of a type: a tensor row of n values takes n / block_size * block_bytes bytes.
struct DTypeInfo {
  DType dtype;
  std::string_view name;  ///< as llama.cpp prints it: "Q4_K", "BF16"
  uint32_t block_size;    ///< values per block (1 for plain types)
  uint32_t block_bytes;   ///< bytes per block
  bool quantized;
  bool convertible;  ///< braid can convert it to and from f32 (see quant.h)
};

/// Facts about a known type id; nullopt for an id that no current GGUF type uses.
std::optional<DTypeInfo> dtype_info(uint32_t type_id);
/// Facts about a DType (always known).
const DTypeInfo& dtype_info(DType dtype);

inline std::string_view dtype_name(DType dtype) { return dtype_info(dtype).name; }

/// Looks a type up by its name ("q8_0" or "Q8_0"); nullopt when unknown.
std::optional<DType> dtype_from_name(std::string_view name);

/// Bytes taken by `n_values` values of `dtype`; nullopt if n_values is not a whole number of
/// blocks or the byte count overflows.
std::optional<uint64_t> dtype_row_bytes(DType dtype, uint64_t n_values);

}  // namespace braid::core
