// Vision encoders with random weights and the exact shapes of real ones, written as mmproj GGUF
// in the layout llama.cpp's converters use, for `braid make-model`, benchmarks and tests (no
// download needed; llama.cpp reads the files too). Seeded uniform weights with std
// 1/sqrt(fan_in), norms at 1, so activations stay finite through every block. The features are
// noise: say so to users.
//
//   clip-vit-l-14-336   CLIP ViT-L/14 at 336 px with the LLaVA-1.5 mlp projector, laid out as
//                       the legacy convert_image_encoder_to_gguf.py writes it: 23 of the 24
//                       blocks (the penultimate-layer features), no post-LN, fc1/fc2 under the
//                       swapped names ffn_down/ffn_up, clip.has_llava_projector.
//   siglip-so400m-896   SigLIP so400m/14 at 896 px with the Gemma 3 projector (4x4 pooling to
//                       256 rows), laid out as convert_hf_to_gguf.py writes Gemma 3's mmproj.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf_writer.h"
#include "braid/core/status.h"
#include "braid/vision/mmproj.h"

namespace braid::vision {

/// The shape and file layout of a vision encoder + projector.
struct VisionEncoderShape {
  std::string name;         ///< "clip-vit-l-14-336"
  std::string description;  ///< one line for --help
  ProjectorType projector = ProjectorType::Mlp;
  int32_t image_size = 0;
  int32_t patch_size = 0;
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int64_t n_layer = 0;  ///< blocks stored in the file
  int64_t n_head = 0;
  float eps = 1e-6f;
  VitActivation activation = VitActivation::QuickGelu;
  bool class_token = false;
  bool pre_ln = false;
  bool post_ln = false;
  bool patch_bias = false;
  /// The legacy LLaVA converter's layout (swapped FFN names, clip.has_llava_projector, F16
  /// position embeddings); otherwise convert_hf_to_gguf.py's.
  bool legacy_llava = false;
  std::array<float, 3> image_mean{0.5f, 0.5f, 0.5f};
  std::array<float, 3> image_std{0.5f, 0.5f, 0.5f};
  int32_t scale_factor = 0;  ///< gemma3 pooling / idefics3 shuffle (written when not default)
};

/// The encoders `braid make-model` knows, by name.
const std::vector<VisionEncoderShape>& known_vision_shapes();

/// The shape called `name`; NotFound listing the known names otherwise.
core::Result<VisionEncoderShape> find_vision_shape(const std::string& name);

/// The same structure, small enough for unit tests: 2 blocks, width 64, FFN 128, 4 heads,
/// a 4x4 (CLIP) or 8x8 (SigLIP) patch grid.
VisionEncoderShape tiny_vision_variant(const VisionEncoderShape& shape);

struct SyntheticVisionOptions {
  /// Linear weights of the blocks and the projector. Rows that do not fill whole blocks of a
  /// block type stay F16 (as llama.cpp's quantizer falls back). Embeddings follow the converter.
  core::DType weight_type = core::DType::F16;
  uint64_t seed = 42;
};

/// Adds the vision keys (`clip.has_vision_encoder`, `clip.vision.*`, the projector type) and the
/// `v.*` and `mm.*` tensors of a random encoder projecting to `text_width` to `writer`. Also sets
/// general.architecture = clip; leaves the other general.* keys to the caller, so a vision and an
/// audio encoder can share one file. InvalidArgument for an inconsistent shape or width.
core::Status add_synthetic_vision_encoder(core::GgufWriter& writer,
                                          const VisionEncoderShape& shape,
                                          int64_t text_width,
                                          const SyntheticVisionOptions& options);

/// Writes a whole mmproj file with one random vision encoder (general.name says "random
/// weights"), via a temporary file renamed when complete.
core::Status write_synthetic_mmproj(const std::filesystem::path& path,
                                    const VisionEncoderShape& shape,
                                    int64_t text_width,
                                    const SyntheticVisionOptions& options);

}  // namespace braid::vision
