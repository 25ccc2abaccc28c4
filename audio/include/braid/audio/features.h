// Audio as the audio room passes it around, independent of any decoder library: mono samples
// at a known rate (audio/io), and log-mel features (what a Whisper encoder eats).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "braid/core/status.h"

namespace braid::audio {

/// Mono PCM in [-1, 1].
struct Waveform {
  int32_t sample_rate = 0;
  std::vector<float> samples;
};

/// Log-mel features of one encoder window: `n_mel` rows of `n_frames` values (row-major
/// [n_mel, n_frames], the layout of Whisper's input_features entry).
struct MelFeatures {
  int32_t n_mel = 0;
  int32_t n_frames = 0;
  std::vector<float> values;
};

/// Ok when values.size() == n_mel * n_frames (both at least 1).
core::Status check_features(const MelFeatures& features, const std::string& what);

/// The first `n_frames` frames of `features` (all of them when it has no more).
MelFeatures first_frames(const MelFeatures& features, int32_t n_frames);

}  // namespace braid::audio
