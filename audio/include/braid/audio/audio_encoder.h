// The Whisper-style audio encoder and its projector as a core::Graph, run by a
// plugins::Scheduler: log-mel features of one window in, rows of text-model embeddings out.
//
//   mel [n_mel, n_frames] → conv1d(k3, pad 1) + GELU → conv1d(k3, stride 2, pad 1) + GELU
//   → transpose to [n_frames/2, n_embd] + position embeddings (the first n_frames/2 rows)
//   → n_layer pre-LN blocks (LayerNorm, attention with Q/K/V/out projections (K without bias),
//     residual; LayerNorm, up + GELU + down, residual)
//   → (Qwen2-Audio: average of each pair of frames) → final LayerNorm
//   → projector (Ultravox or Qwen2-Audio; see AudioProjectorType).
//
// GELU is the exact (erf) form throughout, as Whisper's and the converters' reference uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "braid/audio/audio_mmproj.h"
#include "braid/audio/features.h"
#include "braid/core/graph.h"
#include "braid/core/status.h"
#include "braid/model/prompt_chunk.h"
#include "braid/plugins/scheduler.h"

namespace braid::audio {

/// What to build: the encoder alone, or encoder and projector.
enum class AudioGraphStage { Encoder, Projected };

/// Rows the encoder gives for `n_frames` mel frames (n_frames / 2; Qwen2-Audio n_frames / 4).
int64_t encoder_rows(const AudioHparams& hparams, int64_t n_frames);
/// Rows the projector gives for `n_frames` mel frames (Ultravox: ceil(encoder rows / stack)).
int64_t projected_rows(const AudioHparams& hparams, int64_t n_frames);

/// Ok when `n_frames` mel frames can be encoded: even, 2 ≤ n_frames ≤ hparams.max_frames()
/// (Qwen2-Audio: a multiple of 4). The message names the limits.
core::Status check_frame_count(const AudioHparams& hparams, int64_t n_frames);

/// Runs an audio mmproj's encoder and projector through a scheduler. Holds references only: the
/// mmproj and the scheduler must outlive it. Not thread-safe (the scheduler is not). Compiled
/// graphs are reused by the scheduler for every window of the same length.
class AudioEncoder {
 public:
  AudioEncoder(const AudioMmproj& mmproj, plugins::Scheduler& scheduler);

  /// Builds the graph for `n_frames` frames into `graph` (an input "mel" F32 [n_mel, n_frames];
  /// the marked output "audio.out": [rows, n_embd] for Encoder, [rows, n_embd_out] for
  /// Projected). Errors: check_frame_count's.
  core::Status build(core::Graph& graph, int64_t n_frames, AudioGraphStage stage) const;

  /// Encodes one window and projects it: an embedding chunk of projected_rows(...) rows of the
  /// text model's width, `source` naming it. InvalidArgument when the features do not fit the
  /// encoder (mel bins, frame count, non-finite values); a backend's failure as it comes.
  core::Result<model::EmbeddingChunk> encode(const MelFeatures& features,
                                             std::string source = "audio") const;

  /// The encoder's output before the projector, row-major [encoder_rows(...), n_embd]: for
  /// debugging and for comparing against a reference implementation layer by layer.
  core::Result<std::vector<float>> encode_hidden(const MelFeatures& features) const;

 private:
  core::Result<std::vector<float>> run(const MelFeatures& features, AudioGraphStage stage) const;

  const AudioMmproj& mmproj_;
  plugins::Scheduler& scheduler_;
  std::vector<float> zeros_;     // padding rows for Ultravox's frame stacking
  std::vector<float> pair_avg_;  // {0.5, 0.5}: the Qwen2-Audio pooling as a k=2 matmul
};

}  // namespace braid::audio
