// One decoder block: RMSNorm → Q/K/V (+ bias) → rope → append K/V to the cache → causal GQA
// attention over the valid cache rows → output projection → residual → RMSNorm → SwiGLU MLP →
// residual. Llama and Qwen2 differ only in what ModelConfig carries (biases, rope pairing).
#include "llama_graph.h"

#include <cmath>

#include "graph_blocks.h"

namespace braid::model {

void build_llama_graph(core::Graph& g,
                       const Model& model,
                       const KvLayout& kv,
                       const GraphShape& shape) {
  using core::DType;
  using core::TensorId;
  namespace io = graph_io;
  const ModelConfig& c = model.config();
  const int64_t rows = shape.rows;
  WeightTable w(g);

  TensorId x;
  if (shape.embeddings) {
    x = g.input(io::kEmbeddings, DType::F32, {rows, c.n_embd});
  } else {
    const TensorId tokens = g.input(io::kTokens, DType::I32, {rows});
    x = g.get_rows(w(model.token_embd()), tokens, "token_embd");
  }
  const TensorId pos = g.input(io::kPositions, DType::I32, {rows});
  const TensorId kv_rows = g.input(io::kKvRows, DType::I32, {rows});
  const TensorId visible = g.input(io::kVisible, DType::I32, {rows});
  const TensorId n_valid = g.input(io::kNValid, DType::I32, {1});

  core::RopeOptions rope;
  rope.mode = c.rope_mode;
  rope.n_rot = c.n_rot;
  rope.freq_base = c.rope_freq_base;
  rope.freq_scale = c.rope_freq_scale;
  const TensorId rope_freqs = w(model.rope_freqs());

  core::AttentionOptions attn;
  attn.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  attn.positions = visible;
  attn.n_valid = n_valid;
  attn.causal = true;
  if (c.sliding_window > 0) {
    // Only windowed models pay for a per-run mask; the others keep the lean causal graph.
    attn.mask = g.input(io::kWindowMask, DType::F32, {rows, kv.n_rows()});
  }

  const DType cache_type = kv_dtype(kv.type);
  for (int64_t i = 0; i < c.n_layer; ++i) {
    const LayerWeights& l = model.layers()[static_cast<size_t>(i)];
    TensorId h = build_norm(g, x, w(l.attn_norm), c.rms_norm_eps, layer_name(i, "attn_norm"));
    TensorId q = build_heads(g, h, w(l.wq), w(l.bq), c.n_head, c.head_dim, layer_name(i, "q"));
    TensorId k = build_heads(g, h, w(l.wk), w(l.bk), c.n_head_kv, c.head_dim, layer_name(i, "k"));
    TensorId v = build_heads(g, h, w(l.wv), w(l.bv), c.n_head_kv, c.head_dim, layer_name(i, "v"));
    q = g.rope(q, pos, rope, rope_freqs, layer_name(i, "q_rope"));
    k = g.rope(k, pos, rope, rope_freqs, layer_name(i, "k_rope"));
    const core::Shape cache_shape{kv.n_rows(), c.n_head_kv, c.head_dim};
    const TensorId k_cache = g.state(KvLayout::k_name(i), cache_type, cache_shape);
    const TensorId v_cache = g.state(KvLayout::v_name(i), cache_type, cache_shape);
    const TensorId keys = g.set_rows(k_cache, k, kv_rows);
    const TensorId values = g.set_rows(v_cache, v, kv_rows);
    TensorId a = g.attention(q, keys, values, attn, layer_name(i, "attn"));
    a = g.reshape(a, {rows, c.n_head * c.head_dim}, layer_name(i, "attn_flat"));
    const TensorId o = g.matmul(a, w(l.wo), w(l.bo), layer_name(i, "attn_out"));
    x = g.add(x, o, layer_name(i, "attn_residual"));
    h = build_norm(g, x, w(l.ffn_norm), c.rms_norm_eps, layer_name(i, "ffn_norm"));
    const TensorId m = build_mlp(g, h, w(l.w_gate), w(l.w_up), w(l.w_down), i);
    x = g.add(x, m, layer_name(i, "ffn_residual"));
  }
  if (!shape.all_logits && rows > 1) {
    // Only one row's logits are needed while generating: pick it before the (vocab-wide)
    // output projection, which is the largest matmul of a small model.
    const TensorId out_row = g.input(io::kOutRow, DType::I32, {1});
    x = g.get_rows(x, out_row, "last_row");
  }
  x = build_norm(g, x, w(model.output_norm()), c.rms_norm_eps, "output_norm");
  const TensorId logits = g.matmul(x, w(model.output()), {}, io::kLogits);
  g.mark_output(logits);
}

}  // namespace braid::model
