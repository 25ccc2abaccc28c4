#include "cpu_copy.h"

#include <cstring>

#include "braid/abi_layout.h"
#include "braid/core/half.h"

namespace braid::cpu_plugin {
namespace {

float load(const std::byte* p, uint32_t dtype) {
  if (dtype == abi::kF32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return dtype == abi::kF16 ? core::fp16_to_f32(bits) : core::bf16_to_f32(bits);
}

void store(std::byte* p, uint32_t dtype, float v) {
  if (dtype == abi::kF32) {
    std::memcpy(p, &v, 4);
    return;
  }
  const uint16_t bits = dtype == abi::kF16 ? core::f32_to_fp16(v) : core::f32_to_bf16(v);
  std::memcpy(p, &bits, 2);
}

}  // namespace

bool convertible(uint32_t dtype) {
  return dtype == abi::kF32 || dtype == abi::kF16 || dtype == abi::kBF16;
}

void convert_copy(const std::byte* src,
                  uint32_t src_dtype,
                  const int64_t* src_strides,
                  std::byte* dst,
                  uint32_t dst_dtype,
                  const int64_t* dst_strides,
                  const int64_t* shape,
                  uint32_t rank) {
  int64_t dims[4] = {1, 1, 1, 1}, in[4] = {0, 0, 0, 0}, out[4] = {0, 0, 0, 0};
  const uint32_t lead = 4 - rank;
  for (uint32_t d = 0; d < rank; ++d) {
    dims[lead + d] = shape[d];
    in[lead + d] = src_strides[d];
    out[lead + d] = dst_strides[d];
  }
  const bool same = src_dtype == dst_dtype;
  const size_t size = src_dtype == abi::kF32 ? 4 : 2;
  for (int64_t a = 0; a < dims[0]; ++a) {
    for (int64_t b = 0; b < dims[1]; ++b) {
      for (int64_t c = 0; c < dims[2]; ++c) {
        const std::byte* s = src + a * in[0] + b * in[1] + c * in[2];
        std::byte* t = dst + a * out[0] + b * out[1] + c * out[2];
        for (int64_t e = 0; e < dims[3]; ++e) {
          if (same) {
            std::memcpy(t + e * out[3], s + e * in[3], size);
          } else {
            store(t + e * out[3], dst_dtype, load(s + e * in[3], src_dtype));
          }
        }
      }
    }
  }
}

}  // namespace braid::cpu_plugin
