// The ViT half of the vision graph (CLIP and SigLIP share it; what differs comes from the file:
// a class token, pre-LN, post-LN, the activation). Matches transformers' CLIPVisionTransformer /
// SiglipVisionTransformer / Idefics3VisionTransformer forward passes.
#include <algorithm>

#include "braid/vision/vision_graph.h"
#include "projector_graph.h"

namespace braid::vision {
namespace {

using core::Graph;
using core::TensorId;

TensorId activation(Graph& g, VitActivation act, TensorId x, std::string name) {
  switch (act) {
    case VitActivation::QuickGelu:
      return g.quick_gelu(x, std::move(name));
    case VitActivation::GeluTanh:
      return g.gelu_tanh(x, std::move(name));
    case VitActivation::Silu:
      return g.silu(x, std::move(name));
  }
  return {};
}

// One pre-LN transformer block over x [n, n_embd].
TensorId block(Graph& g,
               const VisionModel& model,
               const VisionGraphOptions& options,
               int64_t il,
               TensorId x,
               int64_t n) {
  const VisionHparams& h = model.hparams();
  const VitBlockWeights& b = model.weights().blocks[static_cast<size_t>(il)];
  const std::string p = core::str_cat("v.blk.", il, ".");
  const int64_t head_dim = h.n_embd / h.n_head;

  TensorId cur = g.layer_norm(x, b.ln1_w.add_to(g), b.ln1_b.add_to(g), h.eps, p + "ln1");
  auto heads = [&](const WeightRef& w, const WeightRef& bias, const char* name) {
    TensorId t = g.matmul(cur, w.add_to(g), bias.add_to(g), p + name);
    return g.reshape(t, {n, h.n_head, head_dim}, p + name + ".heads");
  };
  TensorId q = heads(b.q_w, b.q_b, "attn_q");
  TensorId k = heads(b.k_w, b.k_b, "attn_k");
  TensorId v = heads(b.v_w, b.v_b, "attn_v");
  if (options.attention_kv_type != core::DType::F32) {
    k = g.cast(k, options.attention_kv_type, p + "attn_k.cast");
    v = g.cast(v, options.attention_kv_type, p + "attn_v.cast");
  }
  // Every patch sees every patch: no mask, no positions; scale 1/sqrt(head_dim).
  TensorId att = g.attention(q, k, v, core::AttentionOptions{}, p + "attn");
  att = g.reshape(att, {n, h.n_embd}, p + "attn.merged");
  att = g.matmul(att, b.out_w.add_to(g), b.out_b.add_to(g), p + "attn_out");
  x = g.add(x, att, p + "attn_residual");

  cur = g.layer_norm(x, b.ln2_w.add_to(g), b.ln2_b.add_to(g), h.eps, p + "ln2");
  cur = g.matmul(cur, b.up_w.add_to(g), b.up_b.add_to(g), p + "ffn_up");
  cur = activation(g, h.activation, cur, p + "ffn_act");
  cur = g.matmul(cur, b.down_w.add_to(g), b.down_b.add_to(g), p + "ffn_down");
  return g.add(x, cur, p + "layer_out");
}

}  // namespace

core::Result<FeaturePlan> plan_features(const VisionModel& model,
                                        const std::vector<int32_t>& feature_layers) {
  const VisionHparams& h = model.hparams();
  const std::vector<int32_t>& layers = feature_layers.empty() ? h.feature_layers : feature_layers;
  FeaturePlan plan;
  if (layers.empty()) {
    plan.layers = {static_cast<int32_t>(h.n_layer)};
    plan.n_blocks = h.n_layer;
    plan.post_ln = h.projector != ProjectorType::Mlp && model.weights().post_ln_w.present();
    return plan;
  }
  for (int32_t l : layers) {
    if (l < 0 || l > h.n_layer) {
      return core::invalid_argument("[vision] ", model.file_name(), ": feature layer ", l,
                                    " is outside the hidden states 0..", h.n_layer,
                                    " of the stored blocks");
    }
  }
  const int64_t width = h.n_embd * static_cast<int64_t>(layers.size());
  if (width != model.projector_input_width()) {
    return core::invalid_argument("[vision] ", model.file_name(), ": ", layers.size(),
                                  " feature layers give ", width, " values per patch, but the ",
                                  projector_type_name(h.projector), " projector reads ",
                                  model.projector_input_width());
  }
  plan.layers = layers;
  plan.n_blocks = *std::max_element(layers.begin(), layers.end());
  return plan;
}

core::Result<VisionGraph> build_vision_graph(const VisionModel& model,
                                             int32_t height,
                                             int32_t width,
                                             const WeightRef& position_embeddings,
                                             const VisionGraphOptions& options) {
  const VisionHparams& h = model.hparams();
  const VisionWeights& w = model.weights();
  BRAID_ASSIGN_OR_RETURN(const int64_t n_rows, model.output_rows(height, width));
  BRAID_ASSIGN_OR_RETURN(const FeaturePlan plan, plan_features(model, options.feature_layers));
  const int64_t gh = height / h.patch_size, gw = width / h.patch_size;
  const int64_t n_patches = gh * gw;
  const bool has_class = w.class_embd.present();
  const int64_t n_pos = n_patches + (has_class ? 1 : 0);
  if (position_embeddings.shape != core::Shape{n_pos, h.n_embd} ||
      position_embeddings.dtype != core::DType::F32) {
    return core::invalid_argument("[vision] position embeddings for a ", gw, "x", gh,
                                  " patch grid must be F32 [", n_pos, ", ", h.n_embd, "]");
  }

  VisionGraph out;
  Graph& g = out.graph;
  out.pixels = "pixels";
  TensorId x = g.input(out.pixels, core::DType::F32, {3, height, width});
  x = g.conv2d(x, w.patch_w.add_to(g), w.patch_b.add_to(g), h.patch_size, 0, "v.patch_embd");
  x = g.reshape(x, {h.n_embd, n_patches}, "v.patch_embd.flat");
  x = g.permute(x, {1, 0}, "v.patches");  // [n_patches, n_embd], row-major over the grid
  if (has_class) x = g.concat(w.class_embd.add_to(g), x, 0, "v.with_class");
  x = g.add(x, position_embeddings.add_to(g), "v.embeddings");
  if (w.pre_ln_w.present()) {
    x = g.layer_norm(x, w.pre_ln_w.add_to(g), w.pre_ln_b.add_to(g), h.eps, "v.pre_ln");
  }

  std::vector<TensorId> hidden{x};
  for (int64_t il = 0; il < plan.n_blocks; ++il) {
    x = block(g, model, options, il, x, n_pos);
    hidden.push_back(x);
  }
  TensorId features = hidden[static_cast<size_t>(plan.layers[0])];
  for (size_t i = 1; i < plan.layers.size(); ++i) {
    features = g.concat(features, hidden[static_cast<size_t>(plan.layers[i])], 1,
                        core::str_cat("v.features.", i));
  }
  if (plan.post_ln) {
    features =
        g.layer_norm(features, w.post_ln_w.add_to(g), w.post_ln_b.add_to(g), h.eps, "v.post_ln");
  }
  if (has_class) {
    // Drop the class token's row: the projector sees patches only.
    out.patch_rows = "patch_rows";
    out.patch_rows_data.resize(static_cast<size_t>(n_patches));
    for (int64_t i = 0; i < n_patches; ++i) out.patch_rows_data[static_cast<size_t>(i)] = 1 + i;
    TensorId rows = g.input(out.patch_rows, core::DType::I32, {n_patches});
    features = g.get_rows(features, rows, "v.patch_features");
  }

  TensorId result = build_projector(g, model, features, gh, gw);
  g.mark_output(result);
  BRAID_TRY(g.status());
  out.output = g.tensor(result).name;
  out.n_rows = n_rows;
  out.n_embd = model.output_width();
  const auto& t = g.tensor(result);
  if (t.rank != 2 || t.shape[0] != n_rows || t.shape[1] != out.n_embd) {
    return core::internal_error("[vision] the projector's output has ", t.rank, " dims; expected [",
                                n_rows, ", ", out.n_embd, "]");
  }
  return out;
}

}  // namespace braid::vision
