// Test and benchmark helper: encodes synthetic audio with the linked FFmpeg (libavcodec encoders,
// libavformat muxers) into bytes in memory, so tests can decode every container and codec without
// committing media files.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "braid/core/status.h"

namespace braid::test {

struct EncodeRequest {
  std::string codec;  ///< encoder name: "libmp3lame", "libvorbis", "libopus", "aac", "pcm_s24le"
  std::string container;  ///< muxer name: "mp3", "ogg", "webm", "ipod" (m4a), "wav", "flac"
  int sample_rate = 16000;
  int channels = 1;
  /// Interleaved samples in [-1, 1], channels values per sample instant.
  std::vector<float> interleaved;
  int64_t bit_rate = 96000;
};

/// The encoded file's bytes, or why encoding failed (an encoder or muxer missing).
core::Result<std::vector<std::byte>> encode_audio(const EncodeRequest& request);

/// `seconds` of a sine at `hz` (amplitude `amplitude`), the same in each of `channels` channels.
std::vector<float> sine(double hz, double seconds, int sample_rate, int channels, float amplitude);

}  // namespace braid::test
