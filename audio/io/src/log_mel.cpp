#include "braid/audio/log_mel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <thread>

#include "real_dft.h"

namespace braid::audio {
namespace {

using core::Result;

// The Slaney mel scale (librosa's default, htk=False): linear below 1 kHz (200/3 Hz per mel),
// logarithmic above (27 mels per factor 6.4).
constexpr double kLinearHzPerMel = 200.0 / 3.0;
constexpr double kLogStartHz = 1000.0;
constexpr double kLogStartMel = kLogStartHz / kLinearHzPerMel;  // 15
const double kLogStep = std::log(6.4) / 27.0;

double hz_to_mel(double hz) {
  if (hz < kLogStartHz) return hz / kLinearHzPerMel;
  return kLogStartMel + std::log(hz / kLogStartHz) / kLogStep;
}

double mel_to_hz(double mel) {
  if (mel < kLogStartMel) return mel * kLinearHzPerMel;
  return kLogStartHz * std::exp(kLogStep * (mel - kLogStartMel));
}

}  // namespace

Result<std::vector<float>> slaney_mel_filters(int32_t sample_rate, int32_t n_fft, int32_t n_mel) {
  if (sample_rate < 1 || n_fft < 2 || n_mel < 1 || n_mel > 1024 || n_fft > (1 << 20)) {
    return core::invalid_argument("[mel] filters for sample rate ", sample_rate, ", n_fft ", n_fft,
                                  ", n_mel ", n_mel,
                                  ": expected positive values, n_fft >= 2, n_mel <= 1024");
  }
  const int32_t n_bins = n_fft / 2 + 1;
  // Band edges: n_mel + 2 points evenly spaced on the mel scale from 0 Hz to Nyquist.
  const double max_mel = hz_to_mel(sample_rate / 2.0);
  std::vector<double> edges(std::size_t(n_mel) + 2);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    edges[i] = mel_to_hz(max_mel * double(i) / double(n_mel + 1));
  }
  std::vector<float> filters(std::size_t(n_mel) * std::size_t(n_bins));
  for (int32_t m = 0; m < n_mel; ++m) {
    const double left = edges[m], center = edges[m + 1], right = edges[m + 2];
    // Area normalization: every triangle gets height 2 / (right - left).
    const double norm = 2.0 / (right - left);
    for (int32_t k = 0; k < n_bins; ++k) {
      const double hz = double(k) * sample_rate / n_fft;
      const double rising = (hz - left) / (center - left);
      const double falling = (right - hz) / (right - center);
      const double weight = std::max(0.0, std::min(rising, falling));
      filters[std::size_t(m) * n_bins + k] = float(weight * norm);
    }
  }
  return filters;
}

Result<LogMelSpectrogram> LogMelSpectrogram::create(const MelOptions& options) {
  const auto& o = options;
  if (o.sample_rate < 1 || o.n_fft < 4 || o.n_fft % 2 != 0 || o.n_fft > 65536 || o.hop_length < 1 ||
      o.hop_length > o.n_fft || o.window_samples < o.n_fft ||
      o.window_samples % o.hop_length != 0) {
    return core::invalid_argument(
        "[mel] options: sample rate ", o.sample_rate, ", n_fft ", o.n_fft, ", hop ", o.hop_length,
        ", window ", o.window_samples,
        " samples: expected an even n_fft in 4..65536, 1 <= hop <= n_fft, a "
        "window of at least n_fft samples and a multiple of hop");
  }
  if (o.threads < 1 || o.threads > 256) {
    return core::invalid_argument("[mel] options: ", o.threads, " threads, expected 1..256");
  }
  LogMelSpectrogram mel;
  mel.options_ = options;
  BRAID_ASSIGN_OR_RETURN(mel.filters_, slaney_mel_filters(o.sample_rate, o.n_fft, o.n_mel));

  // Periodic Hann (torch.hann_window(n_fft), periodic=True): 0.5 - 0.5 cos(2 pi i / n_fft).
  mel.window_.resize(std::size_t(o.n_fft));
  for (int32_t i = 0; i < o.n_fft; ++i) {
    mel.window_[i] = float(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / o.n_fft));
  }

  // Each triangle covers a few bins: keeping only its nonzero run makes the filter product
  // about n_bins * 2 multiplies per frame instead of n_mel * n_bins.
  const int32_t n_bins = o.n_fft / 2 + 1;
  mel.rows_.resize(std::size_t(o.n_mel));
  for (int32_t m = 0; m < o.n_mel; ++m) {
    const float* row = mel.filters_.data() + std::size_t(m) * n_bins;
    int32_t first = 0;
    while (first < n_bins && row[first] == 0.0f) ++first;
    int32_t last = n_bins;
    while (last > first && row[last - 1] == 0.0f) --last;
    mel.rows_[m].first = first;
    mel.rows_[m].weights.assign(row + first, row + last);
  }

  // Fail here, not per call, if this FFmpeg lacks the transforms.
  auto dft = detail::RealDft::create(o.n_fft);
  if (!dft.ok()) return dft.status().with_context("[mel] options");
  return mel;
}

Result<MelFeatures> LogMelSpectrogram::compute(std::span<const float> samples) const {
  const auto& o = options_;
  if (int64_t(samples.size()) > o.window_samples) {
    return core::invalid_argument("[mel] ", samples.size(), " samples, more than one window of ",
                                  o.window_samples);
  }
  // The signal: the samples, zero-padded to the window (or to n_fft), then reflect-padded by
  // n_fft / 2 at both ends (torch.stft(center=True, pad_mode="reflect")).
  const std::size_t length = o.pad_to_window
                                 ? std::size_t(o.window_samples)
                                 : std::max<std::size_t>(samples.size(), std::size_t(o.n_fft));
  const std::size_t pad = std::size_t(o.n_fft / 2);
  std::vector<float> padded(length + 2 * pad, 0.0f);
  std::copy(samples.begin(), samples.end(), padded.begin() + pad);
  for (std::size_t i = 1; i <= pad; ++i) {
    padded[pad - i] = padded[pad + i];
    padded[pad + length - 1 + i] = padded[pad + length - 1 - i];
  }
  // torch.stft gives 1 + length / hop frames; Whisper drops the last one.
  const int32_t n_frames = int32_t(length / std::size_t(o.hop_length));
  const int32_t n_bins = o.n_fft / 2 + 1;

  MelFeatures out;
  out.n_mel = o.n_mel;
  out.n_frames = n_frames;
  out.values.resize(std::size_t(o.n_mel) * std::size_t(n_frames));

  // Frames [begin, end): spectrum, mel energies, log10; returns the largest log value.
  auto run_frames = [&](int32_t begin, int32_t end, float* max_out) -> core::Status {
    BRAID_ASSIGN_OR_RETURN(const std::unique_ptr<detail::RealDft> dft,
                           detail::RealDft::create(o.n_fft));
    std::vector<float> frame(static_cast<std::size_t>(o.n_fft));
    std::vector<AVComplexFloat> spectrum(static_cast<std::size_t>(n_bins));
    std::vector<float> power(static_cast<std::size_t>(n_bins));
    float* values = out.values.data();
    const float* window = window_.data();
    // log10(x) as ln(x) / ln(10): glibc's logf is twice as fast as log10f, and the extra
    // rounding (~1e-7 relative) is far below the features' tolerance.
    constexpr float kInvLn10 = float(1.0 / std::numbers::ln10);
    float max_log = -std::numeric_limits<float>::infinity();
    for (int32_t t = begin; t < end; ++t) {
      const float* src = padded.data() + std::size_t(t) * std::size_t(o.hop_length);
      float* dst = frame.data();
      for (int32_t i = 0; i < o.n_fft; ++i) dst[i] = src[i] * window[i];
      dft->forward(frame.data(), spectrum.data());
      const AVComplexFloat* bins = spectrum.data();
      for (int32_t k = 0; k < n_bins; ++k) {
        power[k] = bins[k].re * bins[k].re + bins[k].im * bins[k].im;
      }
      for (int32_t m = 0; m < o.n_mel; ++m) {
        const FilterRow& row = rows_[m];
        const float* p = power.data() + row.first;
        const float* w = row.weights.data();
        float sum = 0.0f;
        for (std::size_t k = 0; k < row.weights.size(); ++k) sum += w[k] * p[k];
        const float log_value = std::log(std::max(sum, 1e-10f)) * kInvLn10;
        values[std::size_t(m) * n_frames + t] = log_value;
        max_log = std::max(max_log, log_value);
      }
    }
    *max_out = max_log;
    return core::Status::ok();
  };

  float max_log = -std::numeric_limits<float>::infinity();
  const int32_t threads = std::clamp(o.threads, 1, std::max(1, n_frames / 64));
  if (threads == 1) {
    BRAID_TRY(run_frames(0, n_frames, &max_log));
  } else {
    std::vector<float> maxima(static_cast<std::size_t>(threads), max_log);
    std::vector<core::Status> statuses(static_cast<std::size_t>(threads));
    std::vector<std::thread> workers;
    auto slice = [&](int32_t i) { return int32_t(int64_t(n_frames) * i / threads); };
    for (int32_t i = 1; i < threads; ++i) {
      workers.emplace_back(
          [&, i] { statuses[i] = run_frames(slice(i), slice(i + 1), &maxima[i]); });
    }
    statuses[0] = run_frames(0, slice(1), &maxima[0]);
    for (std::thread& worker : workers) worker.join();
    for (int32_t i = 0; i < threads; ++i) {
      BRAID_TRY(statuses[i]);
      max_log = std::max(max_log, maxima[i]);
    }
  }

  const float floor = max_log - 8.0f;
  for (float& v : out.values) v = (std::max(v, floor) + 4.0f) / 4.0f;
  return out;
}

Result<std::vector<MelFeatures>> LogMelSpectrogram::compute_windows(const Waveform& wave) const {
  const auto& o = options_;
  if (wave.sample_rate != o.sample_rate) {
    return core::invalid_argument("[mel] waveform at ", wave.sample_rate,
                                  " Hz, the features expect ", o.sample_rate, " Hz");
  }
  if (wave.samples.empty()) return core::invalid_argument("[mel] empty waveform (0 samples)");
  std::vector<MelFeatures> windows;
  const std::span<const float> all(wave.samples);
  for (std::size_t start = 0; start < all.size(); start += std::size_t(o.window_samples)) {
    const std::size_t count = std::min(all.size() - start, std::size_t(o.window_samples));
    BRAID_ASSIGN_OR_RETURN(MelFeatures features, compute(all.subspan(start, count)));
    windows.push_back(std::move(features));
  }
  return windows;
}

}  // namespace braid::audio
