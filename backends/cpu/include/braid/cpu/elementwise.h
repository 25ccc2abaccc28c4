// Element-wise ops on contiguous f32 arrays: the activation functions of the models we run, the
// gated SwiGLU, and add / mul with a row broadcast. All may run in place (y == an input).
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

enum class Activation {
  Silu,       ///< x · sigmoid(x)
  Gelu,       ///< x · Φ(x), exact (erf); |error| <= 1e-6 · max(1, |x|)
  GeluTanh,   ///< x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
  QuickGelu,  ///< x · sigmoid(1.702 x) (CLIP)
};

/// y[i] = f(x[i]) for i < n.
core::Status activation(Activation f, const float* x, float* y, int64_t n, int n_threads = 1);

/// y[i] = silu(gate[i]) · up[i].
core::Status swiglu(const float* gate, const float* up, float* y, int64_t n, int n_threads = 1);

enum class BinaryOp { Add, Mul };

/// y[r, i] = a[r, i] op b[r, i] for rows × n values; rows are lda / ldb / ldy floats apart, and
/// ldb = 0 broadcasts one row of b over every row of a (bias add, per-channel scale).
core::Status binary(BinaryOp op,
                    const float* a,
                    int64_t lda,
                    const float* b,
                    int64_t ldb,
                    float* y,
                    int64_t ldy,
                    int64_t rows,
                    int64_t n,
                    int n_threads = 1);

/// y[i] = x[i] · scale + bias.
core::Status scale(const float* x, float* y, int64_t n, float scale, float bias, int n_threads = 1);

}  // namespace braid::cpu
