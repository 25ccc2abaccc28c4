// Random-weight audio mmprojs with the exact shapes of published ones (for `braid make-model`,
// benchmarks and tests, no download): a Whisper encoder and an Ultravox or Qwen2-Audio
// projector, with the keys and tensor names llama.cpp's converter writes, so braid and
// llama.cpp both load them. Weights are seeded uniform noise with std 1/sqrt(fan_in), norms at
// 1, Whisper's sinusoidal position table. The embeddings they give are noise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "braid/audio/audio_mmproj.h"
#include "braid/core/dtype.h"
#include "braid/core/gguf_writer.h"
#include "braid/core/status.h"

namespace braid::audio {

/// The shape of an audio encoder + projector.
struct AudioEncoderShape {
  std::string name;         ///< "whisper-large-v3"
  std::string description;  ///< one line for --help
  AudioProjectorType projector = AudioProjectorType::Ultravox;
  int64_t n_mel = 0;
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_positions = 1500;    ///< 30 s windows
  int64_t stack_factor = 8;      ///< Ultravox
  int64_t projector_hidden = 0;  ///< Ultravox: rows of mm.a.mlp.1 (twice the SwiGLU width)
  int64_t text_n_embd = 0;       ///< the text model's width (the projector's output)
};

/// The shapes `braid make-model` knows: whisper-large-v3 (with Ultravox v0.5's projector for
/// Llama 3.2 1B, width 2048) and qwen2-audio-7b (Qwen2-Audio's encoder and projector, 4096).
const std::vector<AudioEncoderShape>& known_audio_shapes();

/// The shape called `name`; NotFound listing the known names otherwise.
core::Result<AudioEncoderShape> find_audio_shape(const std::string& name);

/// The same structure, small for tests: 2 layers, width 64, 4 heads, the projector's output 256
/// (the width of core::tiny_variant's text models); mel bins and positions unchanged.
AudioEncoderShape tiny_audio_variant(const AudioEncoderShape& shape);

struct SyntheticAudioOptions {
  core::DType weight_type = core::DType::F16;  ///< matrices; conv kernels F16, vectors F32
  uint64_t seed = 42;
};

/// Adds the audio keys (clip.has_audio_encoder, clip.audio.*; the projector type as
/// clip.audio.projector_type) and the a.* / mm.a.* tensors to `writer`. Also sets
/// general.architecture = clip. Leaves clip.has_vision_encoder and every vision key alone, so a
/// vision generator can add its part to the same writer.
core::Status add_synthetic_audio_encoder(core::GgufWriter& writer,
                                         const AudioEncoderShape& shape,
                                         const SyntheticAudioOptions& options);

/// Writes an audio-only mmproj (also clip.projector_type and clip.has_vision_encoder = false,
/// as the converter writes audio-only files) to `path`, via a temporary file.
core::Status write_synthetic_audio_mmproj(const std::filesystem::path& path,
                                          const AudioEncoderShape& shape,
                                          const SyntheticAudioOptions& options);

}  // namespace braid::audio
