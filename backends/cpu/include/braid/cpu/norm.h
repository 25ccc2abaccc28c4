// Row normalizations: RMSNorm (Llama) and LayerNorm (CLIP, Whisper), over the innermost dimension.
// Vectorized for AVX-512 and AVX2 (see cpu_features.h); rows are split over OpenMP threads.
// Sums are accumulated in f32 over 16 lanes (LayerNorm's variance in a second pass over x − mean),
// so results match a double-precision reference to a few f32 ulps for rows up to ~16k values.
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

/// y[r, i] = x[r, i] / sqrt(mean_i(x[r, i]²) + eps) · weight[i] (weight may be null: 1).
/// Rows are ldx / ldy floats apart; y may equal x (in place).
/// @return InvalidArgument for rows < 0, n < 1, ld < n or null pointers; NotSupported without AVX2.
core::Status rms_norm(const float* x,
                      int64_t ldx,
                      const float* weight,
                      float* y,
                      int64_t ldy,
                      int64_t rows,
                      int64_t n,
                      float eps,
                      int n_threads = 1);

/// y[r, i] = (x[r, i] − mean) / sqrt(var + eps) · weight[i] + bias[i] (biased variance, as
/// PyTorch's LayerNorm; weight and bias may be null). Same layout rules as rms_norm.
core::Status layer_norm(const float* x,
                        int64_t ldx,
                        const float* weight,
                        const float* bias,
                        float* y,
                        int64_t ldy,
                        int64_t rows,
                        int64_t n,
                        float eps,
                        int n_threads = 1);

}  // namespace braid::cpu
