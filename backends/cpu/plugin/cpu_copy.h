// Element copies between layouts and dtypes: the one routine behind COPY, SET_ROWS, PERMUTE,
// CONCAT, GET_ROWS of plain tables and the gathers of the convolutions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "braid/backend.h"

namespace braid::cpu_plugin {

/// True for the dtypes convert_copy reads and writes: F32, F16, BF16, I32 (to itself only) and
/// Q8_0 (whole rows: its innermost dim contiguous).
bool convertible(uint32_t dtype);
/// True when convert_copy takes `from` to `to`: equal types, or two of F32, F16, BF16, Q8_0.
bool convertible(uint32_t from, uint32_t to);

/// Copies every element of a tensor of `shape` (rank 1..4) from `src` (dtype, byte strides) to
/// `dst`, converting between F32, F16, BF16 and Q8_0 (to half types with round-to-nearest-even
/// and to Q8_0 with core::quantize_row, as the reference does). Strides are any non-negative
/// byte steps (a block type's innermost is ignored: its rows are contiguous). Rows of equal
/// contiguous types are memcpy'd, a transposing copy goes through cache-sized tiles, and large
/// copies are split over `threads` OpenMP threads.
/// @return false when a value cannot be stored as Q8_0 (non-finite): nothing else fails.
bool convert_copy(const std::byte* src,
                  uint32_t src_dtype,
                  const int64_t* src_strides,
                  std::byte* dst,
                  uint32_t dst_dtype,
                  const int64_t* dst_strides,
                  const int64_t* shape,
                  uint32_t rank,
                  int threads = 1);

/// A tensor of a float type (F32, F16, BF16) in any layout, as contiguous f32 values in `out`
/// (resized). The f32 GEMM's weights go through this once per matrix: callers keep `out` from one
/// matrix to the next, so its pages fault once (each fresh page costs a fault and a zeroing,
/// which was a third of the first run of an F16 encoder on the development VM).
void widen_to_f32(const braid_tensor_desc& t,
                  const std::byte* data,
                  std::vector<float>& out,
                  int threads);

}  // namespace braid::cpu_plugin
