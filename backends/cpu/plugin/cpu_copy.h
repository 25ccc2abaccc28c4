// Element copies between layouts and the plain float types (COPY, SET_ROWS).
#pragma once

#include <cstddef>
#include <cstdint>

namespace braid::cpu_plugin {

/// True for the dtypes convert_copy reads and writes: F32, F16, BF16.
bool convertible(uint32_t dtype);

/// Copies every element of a tensor of `shape` (rank 1..4) from `src` (dtype, byte strides) to
/// `dst`, converting between F32, F16 and BF16 (to half types with round-to-nearest-even, as
/// core's conversions do).
void convert_copy(const std::byte* src,
                  uint32_t src_dtype,
                  const int64_t* src_strides,
                  std::byte* dst,
                  uint32_t dst_dtype,
                  const int64_t* dst_strides,
                  const int64_t* shape,
                  uint32_t rank);

}  // namespace braid::cpu_plugin
