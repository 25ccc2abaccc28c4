// The audio half of an mmproj file as the llama.cpp ecosystem publishes it: a Whisper-style
// encoder (`a.*` tensors, `clip.audio.*` keys) and a projector into the text model's embedding
// space (`mm.a.*`). A file may also hold a vision encoder (`v.*`); loading the audio part ignores
// it. Everything is checked at load (keys, every tensor's shape and type, the projector's output
// width against the text model), so building and running the encoder graph cannot fail on the
// file's account.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf.h"
#include "braid/core/status.h"

namespace braid::audio {

/// How encoder frames become text-model embeddings.
enum class AudioProjectorType {
  /// Ultravox (v0.5): stack `stack_factor` frames (zero rows pad the last group), RMS norm
  /// (mm.a.norm_pre), linear (mm.a.mlp.1), SwiGLU with SiLU on the second half, RMS norm
  /// (mm.a.norm_mid), linear (mm.a.mlp.2).
  Ultravox,
  /// Qwen2-Audio: the encoder average-pools pairs of frames before its final LayerNorm; then
  /// one linear layer with bias (mm.a.fc).
  Qwen2Audio,
};

/// "ultravox" / "qwen2a" (the clip.projector_type spelling).
std::string_view audio_projector_name(AudioProjectorType type);

/// Hyperparameters of the encoder and projector, from the `clip.audio.*` keys and the tensors.
struct AudioHparams {
  AudioProjectorType projector = AudioProjectorType::Ultravox;
  int64_t n_mel = 0;   ///< clip.audio.num_mel_bins (80, or 128 for large-v3)
  int64_t n_embd = 0;  ///< clip.audio.embedding_length (Whisper d_model)
  int64_t n_ff = 0;    ///< clip.audio.feed_forward_length
  int64_t n_layer = 0;
  int64_t n_head = 0;
  float eps = 1e-5f;             ///< LayerNorm epsilon of the encoder
  int64_t n_positions = 0;       ///< rows of a.position_embd (1500 = 30 s)
  int64_t stack_factor = 0;      ///< Ultravox only (clip.audio.projector.stack_factor)
  int64_t projector_hidden = 0;  ///< Ultravox: rows of mm.a.mlp.1 (before SwiGLU halves them)
  int64_t n_embd_out = 0;        ///< the projector's output width (the text model's n_embd)
  float projector_eps = 1e-6f;   ///< Ultravox RMS norms (not stored in the files)

  int64_t head_dim() const { return n_embd / n_head; }
  /// Mel frames the longest input may have (two per position).
  int64_t max_frames() const { return 2 * n_positions; }
};

/// One tensor the encoder graph reads: type, shape (outermost first) and bytes. The bytes are
/// the file's (mapped) or the mmproj's own F32 copy (vectors stored in another float type).
struct AudioWeight {
  std::string name;
  core::DType dtype = core::DType::F32;
  std::vector<int64_t> shape;
  std::span<const std::byte> data;

  bool present() const { return !data.empty(); }
};

/// The weights of one encoder block (bias absent where the file has none: attn_k never has).
struct AudioLayerWeights {
  AudioWeight ln1_w, ln1_b, q_w, q_b, k_w, k_b, v_w, v_b, out_w, out_b;
  AudioWeight ln2_w, ln2_b, up_w, up_b, down_w, down_b;
};

/// An opened audio mmproj. Immutable after load; safe to share between threads. Not copyable
/// (weights point into its own storage and the mapped file).
class AudioMmproj {
 public:
  /// Opens and checks `path`. `text_n_embd` > 0: the projector's output width must equal it
  /// (the text model's embedding_length); 0 skips that check.
  /// Errors: IoError/DataLoss for an unreadable file, InvalidArgument/NotFound/NotSupported
  /// naming the key or tensor for a file that is not a usable audio mmproj.
  static core::Result<std::unique_ptr<AudioMmproj>> open(const std::filesystem::path& path,
                                                         int64_t text_n_embd = 0);
  /// Same, for a file already parsed; `file`'s bytes must outlive the result.
  static core::Result<std::unique_ptr<AudioMmproj>> load(std::shared_ptr<const core::GgufFile> file,
                                                         int64_t text_n_embd = 0);

  AudioMmproj(const AudioMmproj&) = delete;
  AudioMmproj& operator=(const AudioMmproj&) = delete;

  const AudioHparams& hparams() const { return hparams_; }
  const std::string& name() const { return file_->name(); }

  // Encoder.
  const AudioWeight& conv1_w() const { return conv1_w_; }
  const AudioWeight& conv1_b() const { return conv1_b_; }
  const AudioWeight& conv2_w() const { return conv2_w_; }
  const AudioWeight& conv2_b() const { return conv2_b_; }
  const AudioWeight& position_embd() const { return position_embd_; }  ///< F32 [n_pos, n_embd]
  const std::vector<AudioLayerWeights>& layers() const { return layers_; }
  const AudioWeight& post_ln_w() const { return post_ln_w_; }
  const AudioWeight& post_ln_b() const { return post_ln_b_; }
  // Projector: Ultravox uses mlp1/mlp2 (+ optional biases) and the two norms; Qwen2-Audio fc.
  const AudioWeight& mlp1_w() const { return mlp1_w_; }
  const AudioWeight& mlp1_b() const { return mlp1_b_; }
  const AudioWeight& mlp2_w() const { return mlp2_w_; }
  const AudioWeight& mlp2_b() const { return mlp2_b_; }
  const AudioWeight& norm_pre() const { return norm_pre_; }
  const AudioWeight& norm_mid() const { return norm_mid_; }
  const AudioWeight& fc_w() const { return fc_w_; }
  const AudioWeight& fc_b() const { return fc_b_; }

 private:
  AudioMmproj() = default;
  friend class AudioMmprojLoader;

  std::shared_ptr<const core::GgufFile> file_;
  AudioHparams hparams_;
  // F32 copies of vectors the file stores in F16/BF16 (the graph's norms, biases and adds
  // take F32); stable addresses, referenced by the AudioWeight spans.
  std::vector<std::unique_ptr<std::vector<float>>> converted_;
  AudioWeight conv1_w_, conv1_b_, conv2_w_, conv2_b_, position_embd_, post_ln_w_, post_ln_b_;
  std::vector<AudioLayerWeights> layers_;
  AudioWeight mlp1_w_, mlp1_b_, mlp2_w_, mlp2_b_, norm_pre_, norm_mid_, fc_w_, fc_b_;
};

}  // namespace braid::audio
