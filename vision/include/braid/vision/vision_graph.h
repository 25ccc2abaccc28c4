// The graph of a vision encoder and its projector for one image size, built from a VisionModel:
// patch embedding (conv2d, kernel = stride = patch size), class token (CLIP), learned position
// embeddings, pre-LN, transformer blocks (LayerNorm, multi-head attention without a mask,
// LayerNorm, fc1 -> activation -> fc2, each with a residual), the feature layers the projector
// reads, then the projector (see ProjectorType). Every intermediate is named after the tensor
// names of the file ("v.blk.3.attn_out", "v.blk.3.layer_out", "mm.0") so a debug dump diffs
// against PyTorch forward hooks.
//
// Which hidden states feed the projector (hidden state 0 is the embeddings after pre-LN, state i
// the output of block i-1, as Hugging Face numbers `hidden_states`):
// - an explicit list (VisionGraphOptions::feature_layers, else the file's
//   clip.vision.feature_layer): those states, concatenated along the width in list order, without
//   post-LN; only the blocks up to the deepest one run;
// - otherwise, the output of the last stored block. The mlp projector reads it as it is: LLaVA
//   uses the penultimate layer (vision_feature_layer = -2), and the converter llama.cpp's LLaVA
//   files come from already dropped the last block and the post-LN, so the stored blocks end
//   there. (llama.cpp's own graph skips one more block than Hugging Face; braid follows Hugging
//   Face.) The gemma3 and idefics3 projectors read the last block after post-LN, as
//   `last_hidden_state` is.
// The mlp projector drops the class token's row (LLaVA's "default" feature strategy).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "braid/core/graph.h"
#include "braid/core/status.h"
#include "braid/vision/mmproj.h"

namespace braid::vision {

struct VisionGraphOptions {
  /// Hidden-state indices to feed the projector, overriding the file's; empty: the default
  /// above. Their count times n_embd must be the projector's input width.
  std::vector<int32_t> feature_layers;
  /// Type K and V are cast to before attention: F32 (default, exact) or F16, which lets a
  /// backend whose attention kernel reads half-precision keys and values (the cpu backend's)
  /// run it, at the cost of rounding them (relative error ~1e-3 in the output).
  core::DType attention_kv_type = core::DType::F32;
};

/// Which blocks run and which hidden states the projector reads.
struct FeaturePlan {
  std::vector<int32_t> layers;  ///< hidden-state indices, in the order they are concatenated
  int64_t n_blocks = 0;         ///< blocks that run (the deepest index in `layers`)
  bool post_ln = false;         ///< the (single) feature goes through v.post_ln
};

/// The plan for `model` with `feature_layers` (empty: the file's list, else the default).
/// InvalidArgument when an index is outside 0..n_layer or the projector reads another width.
core::Result<FeaturePlan> plan_features(const VisionModel& model,
                                        const std::vector<int32_t>& feature_layers);

/// A built graph and what running it needs.
struct VisionGraph {
  core::Graph graph;
  std::string pixels;                    ///< F32 [3, height, width] input, CHW
  std::string patch_rows;                ///< I32 [n_patches] input ("" when absent)
  std::vector<int32_t> patch_rows_data;  ///< its contents: the rows after the class token
  std::string output;                    ///< F32 [n_rows, n_embd] output
  int64_t n_rows = 0;
  int64_t n_embd = 0;
};

/// Builds the graph for a `height` x `width` image (checked with VisionModel::output_rows).
/// `position_embeddings` is the F32 [n_pos, n_embd] table to add: the model's own when the
/// patch grid is the training grid, else one from interpolate_position_embeddings(); its bytes
/// must outlive every run of the graph. Fails with the model's message for an unusable size,
/// or the graph's first error.
core::Result<VisionGraph> build_vision_graph(const VisionModel& model,
                                             int32_t height,
                                             int32_t width,
                                             const WeightRef& position_embeddings,
                                             const VisionGraphOptions& options = {});

/// The model's position embeddings resampled to a `grid_h` x `grid_w` patch grid, as Hugging
/// Face's `interpolate_pos_encoding` does it: the square training grid resized with PyTorch's
/// bicubic filter (align_corners = False, a = -0.75, edges clamped), the class token's row
/// (when there is one) kept first and unchanged. F32 [grid_h * grid_w (+1), n_embd].
std::vector<float> interpolate_position_embeddings(const VisionModel& model,
                                                   int64_t grid_h,
                                                   int64_t grid_w);

/// The resampling itself: `src` holds a src_h x src_w grid of `dim`-wide rows (row-major);
/// the result a dst_h x dst_w grid. PyTorch bicubic as above.
std::vector<float> resample_grid_bicubic(std::span<const float> src,
                                         int64_t src_h,
                                         int64_t src_w,
                                         int64_t dim,
                                         int64_t dst_h,
                                         int64_t dst_w);

}  // namespace braid::vision
