// The encoder tests of `braid bench`: an mmproj's vision encoder on a synthetic image of the
// encoder's own size (one tile), and its audio encoder on synthetic log-mel features of one
// window (30 s, or the longest the file allows). Each is timed with the projector included,
// after one untimed warm-up run that compiles the graph. And the time to first token of an image
// question: the image encoded, the prompt of its rows and the question's tokens evaluated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/decoder.h"
#include "braid/plugins/device.h"

namespace braid::app {

/// What one encoder test did: seconds per repetition, the item's name and the work it was.
struct EncoderTiming {
  std::string test;  ///< "image 336x336" or "audio 30s (3000 frames)"
  std::vector<double> seconds;
  double flops = 0;        ///< multiply-add FLOPs of one run (matrices and attention)
  bool quantized = false;  ///< the linear weights are quantized (held against the int8 peak)
  /// --ttft only: the decoder's prefill FLOPs (flops is then the encoder's alone), each part
  /// held against the peak of its own weights' arithmetic
  double prefill_flops = 0;
};

/// Whether the mmproj at `path` has a vision (v.*) / audio (a.*) encoder.
struct MmprojParts {
  bool vision = false;
  bool audio = false;
};
core::Result<MmprojParts> mmproj_parts(const std::string& path);

core::Result<EncoderTiming> bench_image_encode(const std::string& path,
                                               const std::vector<plugins::Device*>& devices,
                                               int reps);
/// `seconds` of audio (100 frames a second), at most what the file's positions allow.
core::Result<EncoderTiming> bench_audio_encode(const std::string& path,
                                               const std::vector<plugins::Device*>& devices,
                                               int reps,
                                               double seconds = 30);

/// Time to first token of an image question on `decoder`: a synthetic image of the encoder's
/// size encoded by the mmproj at `path`, then a prompt of `n_text` random tokens around its rows
/// evaluated and the first token picked (the decoder is cleared before each run). The mmproj
/// must project to the decoder's width. `flops` counts the encoder, `prefill_flops` the prompt.
core::Result<EncoderTiming> bench_image_ttft(model::Decoder& decoder,
                                             const std::string& path,
                                             const std::vector<plugins::Device*>& devices,
                                             int reps,
                                             int64_t n_text);

}  // namespace braid::app
