// The vision half of an mmproj file: a ViT image encoder (CLIP or SigLIP style) and the projector
// that maps its features into a text model's embedding space, read from GGUF files exactly as the
// llama.cpp ecosystem publishes them (`general.architecture = clip`, the `clip.vision.*` keys,
// `v.*` and `mm.*` tensors; see ../shared/design/FORMATS.md and docs in vision_encoder.h).
//
// Loading checks every hyperparameter and every tensor's shape against the others, so a model
// that loads is a model whose graph builds; the message names the file, the key or tensor, what
// it holds and what was expected. The weights are not copied where the graph can read them as
// stored (they stay in the memory-mapped file); small tensors the ops need as F32 (norms, biases,
// position and class embeddings) are converted once at load.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf.h"
#include "braid/core/graph.h"
#include "braid/core/status.h"

namespace braid::vision {

/// How the encoder's features become rows of the text model's embedding space.
enum class ProjectorType {
  Mlp,       ///< LLaVA 1.5/1.6 `mlp`: mm.0 -> GELU -> mm.2 over the patch features
  Gemma3,    ///< Gemma 3: 2-D average pool, RMS norm, projection (256 rows at 896 px)
  Idefics3,  ///< Idefics3 / SmolVLM: pixel shuffle by scale_factor, then mm.model.fc
};
/// "mlp", "gemma3", "idefics3": the names clip.projector_type uses.
std::string_view projector_type_name(ProjectorType type);

/// The activation of the ViT's feed-forward blocks (from clip.use_gelu / clip.use_silu).
enum class VitActivation {
  QuickGelu,  ///< neither flag: x * sigmoid(1.702 x), OpenAI CLIP
  GeluTanh,   ///< clip.use_gelu: the tanh approximation (SigLIP's gelu_pytorch_tanh)
  Silu,       ///< clip.use_silu
};

/// The vision hyperparameters of an mmproj, as read and checked at load.
struct VisionHparams {
  ProjectorType projector = ProjectorType::Mlp;
  int32_t image_size = 0;  ///< clip.vision.image_size: the square side the ViT was trained on
  int32_t patch_size = 0;  ///< clip.vision.patch_size
  int64_t n_embd = 0;      ///< clip.vision.embedding_length
  int64_t n_ff = 0;        ///< clip.vision.feed_forward_length
  int64_t n_layer = 0;     ///< clip.vision.block_count: the blocks stored in the file
  int64_t n_head = 0;      ///< clip.vision.attention.head_count
  float eps = 1e-6f;       ///< clip.vision.attention.layer_norm_epsilon (also the Gemma 3 norm's)
  int64_t projection_dim = 0;  ///< clip.vision.projection_dim (informational; 0 when absent)
  /// clip.vision.image_mean / image_std (0.5 each when absent). Used by preprocessing.
  std::array<float, 3> image_mean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> image_std{0.5f, 0.5f, 0.5f};
  VitActivation activation = VitActivation::QuickGelu;
  /// clip.vision.feature_layer: hidden-state indices whose features the projector reads
  /// (0 = the embeddings after pre-LN, i = the output of block i-1), concatenated in this order.
  /// Empty: the default of the projector (see vision_encoder.h).
  std::vector<int32_t> feature_layers;
  /// clip.vision.image_grid_pinpoints, flattened (width, height) pairs; LLaVA-1.6 anyres.
  std::vector<int32_t> image_grid_pinpoints;
  /// Idefics3: the pixel-shuffle factor (clip.vision.projector.scale_factor, default 2).
  /// Gemma 3: the average-pool kernel (the same key, default 4). 0 for the mlp projector.
  int32_t scale_factor = 0;
  /// clip.has_llava_projector: written by the legacy LLaVA converter, which also drops the
  /// tower's last block and its post-LN (so the stored blocks end at the penultimate layer).
  bool legacy_llava = false;
  /// The file has fc1/fc2 under swapped names (ffn_down holds [n_ff, n_embd]); detected by
  /// shape and undone at load.
  bool ffn_swapped = false;

  int32_t patches_per_side() const { return patch_size > 0 ? image_size / patch_size : 0; }
};

/// One tensor as the graph takes it: a name, a dtype and shape (outermost first), and bytes
/// that live as long as the VisionModel. Absent when `name` is empty.
struct WeightRef {
  std::string name;
  core::DType dtype = core::DType::F32;
  core::Shape shape;
  std::span<const std::byte> data;

  bool present() const { return !name.empty(); }
  /// Adds it to `graph` as a weight; an invalid id when absent.
  core::TensorId add_to(core::Graph& graph) const;
};

/// The tensors of one transformer block (names v.blk.N.*). Linear weights are [out, in].
struct VitBlockWeights {
  WeightRef ln1_w, ln1_b;
  WeightRef q_w, q_b, k_w, k_b, v_w, v_b, out_w, out_b;
  WeightRef ln2_w, ln2_b;
  WeightRef up_w, up_b;      ///< [n_ff, n_embd] (fc1), whatever name the file gave it
  WeightRef down_w, down_b;  ///< [n_embd, n_ff] (fc2)
};

/// Every tensor the encoder and projector read.
struct VisionWeights {
  WeightRef patch_w;     ///< [n_embd, 3, patch, patch]
  WeightRef patch_b;     ///< [n_embd] (SigLIP; absent in CLIP)
  WeightRef class_embd;  ///< F32 [1, n_embd] (CLIP; absent in SigLIP)
  WeightRef pos_embd;    ///< F32 [n_pos, n_embd], n_pos = patches (+ 1 with a class token)
  WeightRef pre_ln_w, pre_ln_b;
  WeightRef post_ln_w, post_ln_b;
  std::vector<VitBlockWeights> blocks;
  WeightRef mm0_w, mm0_b, mm2_w, mm2_b;  ///< mlp (mm.2 may be absent: one linear layer)
  WeightRef soft_emb_norm;               ///< gemma3, F32 [n_embd], already 1 + w as stored
  WeightRef input_projection;            ///< gemma3, [text, n_embd] (transposed from the file)
  WeightRef fc;                          ///< idefics3, [text, n_embd * scale_factor^2]
  /// LLaVA-1.6: model.image_newline, F32 [text width], the row the prompt puts after each row of
  /// tile features (absent in LLaVA-1.5 files). Not part of the graph.
  WeightRef image_newline;
};

/// A loaded mmproj's vision encoder and projector. Immutable after load, so one instance can be
/// shared by several encoders (and threads).
class VisionModel {
 public:
  /// Memory-maps and loads the mmproj at `path`.
  static core::Result<std::shared_ptr<const VisionModel>> open(const std::filesystem::path& path);
  /// Loads from an already parsed file (the bytes it points into must outlive the model).
  static core::Result<std::shared_ptr<const VisionModel>> load(core::GgufFile file);

  /// The file's name, for messages.
  const std::string& file_name() const { return file_.name(); }
  /// general.name, or "" when absent.
  const std::string& model_name() const { return model_name_; }
  const VisionHparams& hparams() const { return hparams_; }
  const VisionWeights& weights() const { return weights_; }
  const core::GgufFile& file() const { return file_; }

  /// Width of the rows the projector produces: what the text model's n_embd must be.
  int64_t output_width() const { return output_width_; }
  /// Width of the features the projector reads (n_embd times the number of feature layers).
  int64_t projector_input_width() const { return projector_input_width_; }

  /// Ok when the projector's output width equals `text_n_embd`, else InvalidArgument naming
  /// both widths and the tensor that fixes the projector's width.
  core::Status check_text_width(int64_t text_n_embd) const;

  /// Checks that an image of `height` x `width` pixels can be encoded (whole patches, a grid
  /// the projector can pool or shuffle) and returns the number of rows its chunk will have.
  core::Result<int64_t> output_rows(int32_t height, int32_t width) const;

 private:
  VisionModel() = default;
  friend class VisionModelLoader;

  core::GgufFile file_;
  std::string model_name_;
  VisionHparams hparams_;
  VisionWeights weights_;
  int64_t output_width_ = 0;
  int64_t projector_input_width_ = 0;
  std::string output_width_source_;  // the tensor that fixes output_width_, for messages
  // Converted copies (F32 norms, transposed projection). A deque never moves its elements.
  std::deque<std::vector<std::byte>> owned_;
};

}  // namespace braid::vision
