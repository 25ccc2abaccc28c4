// Products of a few activation rows with F16 or BF16 weights read where they lie (the model
// file's mapping): y[m, n] = x[m, k] · W[n, k]ᵀ (+ bias[n]), each weight widened to f32 in
// registers as it streams past. For decode (m = 1) and small batches, where the time is the
// weight bytes read: 2 bytes a weight here against 4 for an f32 copy (which also doubles the
// memory a model takes). Larger m goes to the f32 GEMM (gemm.h), which is compute-bound.
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

enum class HalfType { F16, BF16 };

/// Rows of x one call takes (each weight row is read once for all of them).
inline constexpr int64_t kHalfGemvMaxRows = 4;

/// y [m, n] (row-major, contiguous) = x [m, k] (contiguous) · Wᵀ (+ bias [n], may be null); W
/// row i starts at w + i · row_stride (in elements, >= k). Columns are split over n_threads.
/// @return InvalidArgument for bad sizes or m outside 1..kHalfGemvMaxRows, NotSupported on a CPU
///         without AVX2/FMA/F16C.
core::Status half_gemv(HalfType type,
                       const uint16_t* w,
                       int64_t n,
                       int64_t k,
                       int64_t row_stride,
                       const float* x,
                       int64_t m,
                       const float* bias,
                       float* y,
                       int n_threads);

}  // namespace braid::cpu
