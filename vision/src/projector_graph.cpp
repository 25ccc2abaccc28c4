// Projectors from ViT features to text embeddings, matching transformers'
// LlavaMultiModalProjector, Gemma3MultiModalProjector and Idefics3Connector.
#include "projector_graph.h"

namespace braid::vision {
namespace {

using core::Graph;
using core::TensorId;

// LLaVA: linear_1 -> GELU -> linear_2. Hugging Face's projector_hidden_act is "gelu", the exact
// (erf) form; llama.cpp uses the tanh approximation here.
TensorId mlp(Graph& g, const VisionWeights& w, TensorId x) {
  x = g.matmul(x, w.mm0_w.add_to(g), w.mm0_b.add_to(g), "mm.0");
  if (!w.mm2_w.present()) return x;
  x = g.gelu(x, "mm.1.gelu");
  return g.matmul(x, w.mm2_w.add_to(g), w.mm2_b.add_to(g), "mm.2");
}

// Gemma 3: the patch grid averaged over k x k windows, RMS-normed (the stored weight is already
// Gemma's 1 + w), projected.
TensorId gemma3(Graph& g, const VisionModel& m, TensorId x, int64_t gh, int64_t gw) {
  const VisionHparams& h = m.hparams();
  const VisionWeights& w = m.weights();
  const int64_t k = h.scale_factor;
  x = g.permute(x, {1, 0}, "mm.channels");  // [n_embd, gh * gw]
  x = g.reshape(x, {h.n_embd, gh, gw}, "mm.grid");
  x = g.avg_pool2d(x, static_cast<int32_t>(k), "mm.pool");
  x = g.reshape(x, {h.n_embd, (gh / k) * (gw / k)}, "mm.pool.flat");
  x = g.permute(x, {1, 0}, "mm.pooled");  // [tokens, n_embd]
  x = g.rms_norm(x, w.soft_emb_norm.add_to(g), h.eps, "mm.soft_emb_norm");
  return g.matmul(x, w.input_projection.add_to(g), {}, "mm.input_projection");
}

// Idefics3: each s x s block of patches becomes one row of s * s * n_embd values, in the order
// Idefics3Connector.pixel_shuffle produces (reshape, swap, reshape, swap), then one linear.
TensorId idefics3(Graph& g, const VisionModel& m, TensorId x, int64_t gh, int64_t gw) {
  const VisionHparams& h = m.hparams();
  const int64_t s = h.scale_factor, d = h.n_embd;
  x = g.reshape(x, {gh, gw / s, d * s}, "mm.shuffle.0");
  x = g.permute(x, {1, 0, 2}, "mm.shuffle.1");  // [gw / s, gh, d s]
  x = g.reshape(x, {gw / s, gh / s, d * s * s}, "mm.shuffle.2");
  x = g.permute(x, {1, 0, 2}, "mm.shuffle.3");  // [gh / s, gw / s, d s^2]
  x = g.reshape(x, {(gh / s) * (gw / s), d * s * s}, "mm.shuffle");
  return g.matmul(x, m.weights().fc.add_to(g), {}, "mm.model.fc");
}

}  // namespace

TensorId build_projector(
    Graph& g, const VisionModel& model, TensorId features, int64_t grid_h, int64_t grid_w) {
  switch (model.hparams().projector) {
    case ProjectorType::Mlp:
      return mlp(g, model.weights(), features);
    case ProjectorType::Gemma3:
      return gemma3(g, model, features, grid_h, grid_w);
    case ProjectorType::Idefics3:
      return idefics3(g, model, features, grid_h, grid_w);
  }
  return {};
}

}  // namespace braid::vision
