// Shared builders of the decoder graph: the pieces every Llama-family block is made of. Each
// names its results "blk.N.<what>" so a debug dump lines up with PyTorch forward hooks.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "braid/core/graph.h"
#include "braid/model/model_weights.h"

namespace braid::model {

/// Adds weights to a graph once each (a tied output reuses the embedding tensor).
class WeightTable {
 public:
  explicit WeightTable(core::Graph& graph) : graph_(graph) {}
  /// The graph tensor of `w` (invalid when `w` is absent).
  core::TensorId operator()(const WeightRef& w);

 private:
  core::Graph& graph_;
  std::unordered_map<std::string, core::TensorId> ids_;
};

/// "blk.<layer>.<what>".
std::string layer_name(int64_t layer, const char* what);

/// RMSNorm of x [rows, n] with weight [n].
core::TensorId build_norm(
    core::Graph& g, core::TensorId x, core::TensorId weight, float eps, std::string name);

/// x [rows, n_in] → [rows, n_heads, head_dim]: the projection (plus bias) split into heads.
core::TensorId build_heads(core::Graph& g,
                           core::TensorId x,
                           core::TensorId w,
                           core::TensorId bias,
                           int64_t n_heads,
                           int64_t head_dim,
                           const std::string& name);

/// The SwiGLU MLP: down(silu(gate(x)) * up(x)).
core::TensorId build_mlp(core::Graph& g,
                         core::TensorId x,
                         core::TensorId w_gate,
                         core::TensorId w_up,
                         core::TensorId w_down,
                         int64_t layer);

}  // namespace braid::model
