// Reference conversions between f32 and every storage type braid computes with: F16, BF16 and the
// GGUF block formats Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K (layouts in quant_blocks.h).
//
// These are the plain, obviously-correct routines: the oracle for optimized kernels and the tools
// (`braid quantize`) that write files. Quantization follows the reference (non-imatrix) rounding of
// llama.cpp's converters, so files we write dequantize to the values llama.cpp would produce.
#pragma once

#include <cstdint>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::core {

/// True for the types dequantize_row / quantize_row accept (dtype_info(t).convertible).
bool is_convertible(DType dtype);

/// Converts `n_values` values stored as `dtype` at `src` into f32 at `dst`.
/// @param n_values must be a multiple of the type's block size.
/// @return InvalidArgument for a partial block, NotSupported for a type without a routine.
///         `src` must hold dtype_row_bytes(dtype, n_values) bytes; `dst` n_values floats.
Status dequantize_row(DType dtype, const void* src, float* dst, int64_t n_values);

/// Converts `n_values` f32 values at `src` into `dtype` blocks at `dst` (reference rounding).
/// Same size rules as dequantize_row. Non-finite inputs give InvalidArgument for block types
/// (checked before anything is written); F16/BF16 keep inf and NaN, and F16 overflows to inf.
/// @return OutOfRange when a block's values are so large that its fp16 scale overflows (beyond
///         roughly 65504 times the type's largest quant); `dst` is then partly written.
///         Deterministic and thread-safe: the same input always gives the same bytes.
Status quantize_row(DType dtype, const float* src, void* dst, int64_t n_values);

}  // namespace braid::core
