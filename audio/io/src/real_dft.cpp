#include "real_dft.h"

#include <cmath>
#include <cstring>
#include <numbers>

extern "C" {
#include <libavutil/mem.h>
}

namespace braid::audio::detail {
namespace {

AVComplexFloat polar(double angle) { return {float(std::cos(angle)), float(std::sin(angle))}; }

}  // namespace

RealDft::~RealDft() {
  av_tx_uninit(&rdft_);
  av_tx_uninit(&fft_);
  av_tx_uninit(&ifft_);
  av_free(real_in_);
  av_free(work_);
  av_free(work2_);
}

core::Result<std::unique_ptr<RealDft>> RealDft::create(int32_t n) {
  if (n < 4 || n % 2 != 0 || n > (1 << 24)) {
    return core::invalid_argument("[dft] real DFT of ", n, " points: expected an even size >= 4");
  }
  std::unique_ptr<RealDft> dft(new RealDft());
  dft->n_ = n;
  dft->half_ = n / 2;
  const float one = 1.0f;
  if ((n & (n - 1)) == 0) {
    dft->real_in_ = static_cast<float*>(av_malloc(sizeof(float) * std::size_t(n)));
    dft->work_ = static_cast<AVComplexFloat*>(av_malloc(sizeof(AVComplexFloat) * (n / 2 + 1)));
    if (dft->real_in_ == nullptr || dft->work_ == nullptr) {
      return core::internal_error("[dft] out of memory");
    }
    if (av_tx_init(&dft->rdft_, &dft->rdft_fn_, AV_TX_FLOAT_RDFT, 0, n, &one, 0) < 0) {
      return core::not_supported("[dft] av_tx has no real FFT of ", n, " points");
    }
    return dft;
  }

  const int32_t half = dft->half_;
  int32_t m = 1;
  while (m < 2 * half - 1) m *= 2;
  dft->fft_n_ = m;
  if (av_tx_init(&dft->fft_, &dft->fft_fn_, AV_TX_FLOAT_FFT, 0, m, &one, 0) < 0 ||
      av_tx_init(&dft->ifft_, &dft->ifft_fn_, AV_TX_FLOAT_FFT, 1, m, &one, 0) < 0) {
    return core::not_supported("[dft] av_tx has no complex FFT of ", m, " points");
  }
  dft->work_ = static_cast<AVComplexFloat*>(av_malloc(sizeof(AVComplexFloat) * std::size_t(m)));
  dft->work2_ = static_cast<AVComplexFloat*>(av_malloc(sizeof(AVComplexFloat) * std::size_t(m)));
  if (dft->work_ == nullptr || dft->work2_ == nullptr) {
    return core::internal_error("[dft] out of memory");
  }

  // chirp[j] = e^{-i pi j^2 / half}; j^2 is reduced mod 2 half first, so the angle stays exact.
  dft->chirp_.resize(std::size_t(half));
  for (int64_t j = 0; j < half; ++j) {
    const int64_t r = (j * j) % (2 * int64_t(half));
    dft->chirp_[j] = polar(-std::numbers::pi * double(r) / half);
  }
  // The convolution kernel: conj(chirp) at offsets -(half-1)..(half-1), circular in m points,
  // transformed once and pre-divided by m (av_tx's inverse does not normalize).
  AVComplexFloat* kernel = dft->work2_;
  std::memset(kernel, 0, sizeof(AVComplexFloat) * std::size_t(m));
  for (int32_t j = 0; j < half; ++j) {
    const AVComplexFloat c{dft->chirp_[j].re, -dft->chirp_[j].im};
    kernel[j] = c;
    if (j > 0) kernel[m - j] = c;
  }
  dft->fft_fn_(dft->fft_, dft->work_, kernel, sizeof(AVComplexFloat));
  dft->kernel_.resize(std::size_t(m));
  for (int32_t i = 0; i < m; ++i) {
    dft->kernel_[i] = {dft->work_[i].re / float(m), dft->work_[i].im / float(m)};
  }
  dft->split_twiddle_.resize(std::size_t(half) + 1);
  for (int32_t k = 0; k <= half; ++k) {
    dft->split_twiddle_[k] = polar(-2.0 * std::numbers::pi * k / n);
  }
  return dft;
}

void RealDft::forward(const float* in, AVComplexFloat* out) {
  if (rdft_ != nullptr) {
    std::memcpy(real_in_, in, sizeof(float) * std::size_t(n_));
    // av_tx needs aligned buffers; the caller's need not be.
    rdft_fn_(rdft_, work_, real_in_, sizeof(float));
    std::memcpy(out, work_, sizeof(AVComplexFloat) * std::size_t(half_));
    // FFmpeg 5.1's RDFT leaves the imaginary part of the Nyquist bin unwritten (it is 0 for real
    // input), so it is set here.
    out[half_] = {work_[half_].re, 0.0f};
    return;
  }
  const int32_t half = half_;
  const int32_t m = fft_n_;
  // a[j] = z[j] chirp[j], z[j] = x[2j] + i x[2j+1]; zero beyond half.
  AVComplexFloat* a = work2_;
  for (int32_t j = 0; j < half; ++j) {
    const float re = in[2 * j], im = in[2 * j + 1];
    const AVComplexFloat c = chirp_[j];
    a[j] = {re * c.re - im * c.im, re * c.im + im * c.re};
  }
  std::memset(a + half, 0, sizeof(AVComplexFloat) * std::size_t(m - half));
  fft_fn_(fft_, work_, a, sizeof(AVComplexFloat));
  for (int32_t i = 0; i < m; ++i) {
    const AVComplexFloat u = work_[i], v = kernel_[i];
    work_[i] = {u.re * v.re - u.im * v.im, u.re * v.im + u.im * v.re};
  }
  ifft_fn_(ifft_, a, work_, sizeof(AVComplexFloat));
  // Z[k] = chirp[k] * conv[k] for k < half (kept in `a`).
  for (int32_t k = 0; k < half; ++k) {
    const AVComplexFloat u = a[k], c = chirp_[k];
    a[k] = {u.re * c.re - u.im * c.im, u.re * c.im + u.im * c.re};
  }
  // Split: E[k] = (Z[k] + conj Z[half-k]) / 2 holds the even samples' DFT, O[k] = (Z[k] -
  // conj Z[half-k]) / 2i the odd ones'; X[k] = E[k] + e^{-2 pi i k / n} O[k].
  for (int32_t k = 0; k <= half; ++k) {
    const AVComplexFloat zk = a[k == half ? 0 : k];
    const AVComplexFloat zc = a[k == 0 ? 0 : half - k];
    const float e_re = 0.5f * (zk.re + zc.re), e_im = 0.5f * (zk.im - zc.im);
    const float o_re = 0.5f * (zk.im + zc.im), o_im = -0.5f * (zk.re - zc.re);
    const AVComplexFloat w = split_twiddle_[k];
    out[k] = {e_re + w.re * o_re - w.im * o_im, e_im + w.re * o_im + w.im * o_re};
  }
}

}  // namespace braid::audio::detail
