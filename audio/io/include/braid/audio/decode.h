// Decoding audio with FFmpeg (libavformat, libavcodec, libswresample): any container and codec
// the linked FFmpeg reads (WAV of any sample format, MP3, FLAC, Ogg/Vorbis, Opus, AAC/M4A, WebM,
// the audio track of a video file), from a file, from memory, or from standard input, downmixed
// to mono and resampled to the encoder's rate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "braid/audio/features.h"
#include "braid/core/status.h"

namespace braid::audio {

/// Called while decoding: seconds of audio decoded so far, and the container's stated duration
/// in seconds (negative when it states none).
using DecodeProgress = std::function<void(double decoded_seconds, double total_seconds)>;

struct DecodeOptions {
  /// The output rate in Hz (Whisper: 16 kHz).
  int32_t sample_rate = 16000;
  /// Longest recording accepted, in seconds of audio. Enforced while decoding: decoding stops
  /// with an OutOfRange error as soon as more audio than this has come out, so a 10-hour file
  /// costs no more than the limit.
  double max_seconds = 3600.0;
  /// Largest input read into memory (standard input; decode_audio_memory checks it too).
  std::size_t max_input_bytes = std::size_t(2) << 30;
  /// When set, called about every `progress_every_seconds` of decoded audio, and once at the end.
  DecodeProgress progress;
  double progress_every_seconds = 60.0;
};

/// Decodes the first (best) audio stream of the file at `path` to mono float samples in [-1, 1]
/// at options.sample_rate. `path` "-" reads standard input to its end first (at most
/// options.max_input_bytes). Errors name the file: NotFound / IoError when it cannot be read,
/// InvalidArgument when it holds no audio stream or is not a media file FFmpeg recognizes,
/// DataLoss when nothing decodes (corrupt, truncated before any audio), OutOfRange past
/// options.max_seconds, and when the audio is empty.
///
/// A file truncated after some audio decodes to the audio that is there (as ffmpeg does), and
/// damaged packets are skipped; non-finite samples (a float WAV can hold NaN) become 0. Samples
/// stay float: unlike `ffmpeg -f s16le` (what Whisper reads) nothing is quantized or clipped.
/// The downmix is FFmpeg's default matrix normalized to unit gain, as `ffmpeg -ac 1` gives for
/// integer output: stereo becomes (L + R) / 2.
core::Result<Waveform> decode_audio_file(const std::filesystem::path& path,
                                         const DecodeOptions& options = {});

/// Like decode_audio_file, over bytes already in memory; `name` is used in messages only.
/// The bytes are read in place (not copied) and need to live only during the call.
core::Result<Waveform> decode_audio_memory(std::span<const std::byte> bytes,
                                           const std::string& name,
                                           const DecodeOptions& options = {});

/// Reads `stream` (a pipe, standard input) to its end, at most `max_bytes`, then decodes it.
/// `name` is used in messages ("<stdin>").
core::Result<Waveform> decode_audio_stream(std::FILE* stream,
                                           const std::string& name,
                                           const DecodeOptions& options = {});

}  // namespace braid::audio
