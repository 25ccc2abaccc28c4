// A real-input DFT of any even length on top of FFmpeg's av_tx.
//
// Why not av_tx's RDFT directly: FFmpeg 5.1 (Debian 12) has fast codelets for powers of two but
// falls back to a slow O(n^2) transform for lengths such as Whisper's 400 = 2^4 * 5^2: measured
// about 2.5 ms per 400-point RDFT on this machine, 7.5 s for a 30 s window. So a power-of-two
// length goes straight to av_tx's RDFT, and any other even length n is computed as
//   1. the complex DFT of the n/2 points z[j] = x[2j] + i x[2j+1],
//   2. by Bluestein's chirp-z identity j*k = (j^2 + k^2 - (k-j)^2) / 2, which turns that DFT into
//      a circular convolution, done with two av_tx FFTs of a power-of-two length >= n - 1,
//   3. then split into the n/2 + 1 bins of the real input (the even/odd separation).
// Every transform is still av_tx's; this file only rearranges.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "braid/core/status.h"

extern "C" {
#include <libavutil/tx.h>
}

namespace braid::audio::detail {

class RealDft {
 public:
  /// Builds the transforms for `n` real inputs (n even, >= 4).
  static core::Result<std::unique_ptr<RealDft>> create(int32_t n);
  ~RealDft();
  RealDft(const RealDft&) = delete;
  RealDft& operator=(const RealDft&) = delete;

  int32_t size() const { return n_; }
  /// Writes the n/2 + 1 bins X[k] = sum_j x[j] e^{-2 pi i j k / n} of `in` (n floats) to `out`.
  /// Not thread-safe: it uses the object's buffers.
  void forward(const float* in, AVComplexFloat* out);

 private:
  RealDft() = default;

  int32_t n_ = 0;
  int32_t half_ = 0;   // n / 2: the complex length
  int32_t fft_n_ = 0;  // the power-of-two convolution length
  AVTXContext* rdft_ = nullptr;
  av_tx_fn rdft_fn_ = nullptr;
  AVTXContext* fft_ = nullptr;
  av_tx_fn fft_fn_ = nullptr;
  AVTXContext* ifft_ = nullptr;
  av_tx_fn ifft_fn_ = nullptr;
  float* real_in_ = nullptr;                   // aligned copy of the input for the RDFT
  AVComplexFloat* work_ = nullptr;             // fft_n_ values
  AVComplexFloat* work2_ = nullptr;            // fft_n_ values
  std::vector<AVComplexFloat> chirp_;          // e^{-i pi j^2 / half}, j < half
  std::vector<AVComplexFloat> kernel_;         // FFT of the conjugate chirp, / fft_n_
  std::vector<AVComplexFloat> split_twiddle_;  // e^{-2 pi i k / n}, k <= half
};

}  // namespace braid::audio::detail
