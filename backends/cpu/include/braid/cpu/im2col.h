// The patch matrix of a convolution (im2col): conv1d and conv2d become one GEMM with it,
//   y[p, o] = Σ_{c,i,j} cols[p, (c, i, j)] · W[o, c, i, j],
// p running over the output positions (row-major over height then width). The cpu backend's
// convolutions are im2col + GemmF32 (see bench/results/2026-11-23-cpu-prefill.md for why).
#pragma once

#include <cstddef>
#include <cstdint>

namespace braid::cpu {

/// One convolution's geometry; conv1d is the case h = kh = h_out = 1 (stride and padding along
/// the width only). Input strides are in bytes, any non-negative values (a strided view).
struct ConvGeometry {
  int64_t c_in = 0;
  int64_t h = 1, w = 1;          ///< input height and width
  int64_t kh = 1, kw = 1;        ///< kernel
  int64_t h_out = 1, w_out = 1;  ///< output
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;       ///< zero padding on both ends
  int64_t x_c = 0, x_h = 0, x_w = 4;  ///< input byte strides of channel, row, column

  int64_t k() const { return c_in * kh * kw; }
  int64_t positions() const { return h_out * w_out; }
};

/// cols[p, (c, i, j)] = x[c, oy·stride_h − pad_h + i, ox·stride_w − pad_w + j] (0 outside the
/// input) for the positions() × k() matrix at `cols`, rows split over n_threads OpenMP threads
/// (<= 0: default_threads()). x is f32.
void im2col(const ConvGeometry& g, const std::byte* x, float* cols, int n_threads = 0);

}  // namespace braid::cpu
