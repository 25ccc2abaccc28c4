// Log-mel features as Whisper computes them (OpenAI whisper/audio.py, and Hugging Face's
// WhisperFeatureExtractor, which Ultravox and Qwen2-Audio use): a short-time Fourier transform
// (n_fft 400, periodic Hann window, hop 160, reflect padding of n_fft/2 at both ends as
// torch.stft(center=True)), the power spectrum with the last frame dropped, Slaney mel filters with
// area normalization, log10 with a floor of 1e-10, a clamp to (max - 8), and (x + 4) / 4.
//
// Each encoder window (30 s for Whisper) is its own MelFeatures: the audio of the window is padded
// with zeros to 30 s first (whisper.pad_or_trim on the waveform), so the clamp and the maximum are
// per window, as the Hugging Face extractors compute them for one 30 s chunk.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "braid/audio/features.h"
#include "braid/core/status.h"

namespace braid::audio {

struct MelOptions {
  int32_t sample_rate = 16000;
  int32_t n_fft = 400;
  int32_t hop_length = 160;
  /// 80 (Whisper up to large-v2, Ultravox's whisper encoders) or 128 (large-v3, Qwen2-Audio).
  int32_t n_mel = 80;
  /// Samples per encoder window: 30 s at 16 kHz.
  int64_t window_samples = 480000;
  /// Pad every window with zeros to window_samples (Whisper), so each has window_samples /
  /// hop_length frames (3000). When false, a window has as many frames as its audio:
  /// samples / hop_length, the audio padded with zeros to at least n_fft samples.
  bool pad_to_window = true;
  /// Threads computing one window's frames (the calling thread is one of them). 1: no threads
  /// are started. A 30 s window takes about 10 ms of CPU on one core of the development VM.
  int32_t threads = 1;
};

/// The mel filter bank of librosa.filters.mel(sr, n_fft, n_mels, htk=False, norm="slaney") (the
/// Slaney mel scale, 0 Hz to sr/2, each triangle scaled to unit area), row-major
/// [n_mel, n_fft/2 + 1], computed in double precision and rounded to float.
core::Result<std::vector<float>> slaney_mel_filters(int32_t sample_rate,
                                                    int32_t n_fft,
                                                    int32_t n_mel);

/// Computes log-mel features; the window and the filter bank are built once by create(). The
/// object is immutable after creation, so one instance may serve several threads.
class LogMelSpectrogram {
 public:
  /// Checks the options (an even n_fft >= 4, hop <= n_fft, window_samples a multiple of hop) and
  /// precomputes the Hann window and the filters.
  static core::Result<LogMelSpectrogram> create(const MelOptions& options = {});

  /// Features of one window: `samples` (mono, at options.sample_rate) must hold at most
  /// window_samples values. Result: [n_mel, n_frames] as described in MelOptions.
  core::Result<MelFeatures> compute(std::span<const float> samples) const;

  /// Cuts `wave` into consecutive windows of window_samples (the last one shorter) and computes
  /// each: one MelFeatures per window. The wave's rate must be options.sample_rate.
  core::Result<std::vector<MelFeatures>> compute_windows(const Waveform& wave) const;

  const MelOptions& options() const { return options_; }
  /// The filter bank, [n_mel, n_fft/2 + 1] row-major.
  std::span<const float> filters() const { return filters_; }

 private:
  // The nonzero run of one filter row: bins [first, first + weights.size()).
  struct FilterRow {
    int32_t first = 0;
    std::vector<float> weights;
  };

  MelOptions options_;
  std::vector<float> window_;
  std::vector<float> filters_;
  std::vector<FilterRow> rows_;
};

}  // namespace braid::audio
