// Row softmax with a scale and an additive mask, as attention scores need it.
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

/// y[r, i] = softmax_i(x[r, i] · scale + mask[r, i]). `mask` may be null; row r of the mask is at
/// mask + r · ld_mask (ld_mask = 0: one mask row for every row). −inf in the mask hides a value; a
/// row whose values are all hidden comes out all zeros (not NaN). y may equal x.
/// @return InvalidArgument for rows < 0, n < 1, ld < n or null pointers.
core::Status softmax(const float* x,
                     int64_t ldx,
                     float* y,
                     int64_t ldy,
                     int64_t rows,
                     int64_t n,
                     float scale,
                     const float* mask,
                     int64_t ld_mask,
                     int n_threads = 1);

}  // namespace braid::cpu
