#include "graph_blocks.h"

namespace braid::model {

core::TensorId WeightTable::operator()(const WeightRef& w) {
  if (!w.present()) return {};
  if (auto it = ids_.find(w.name); it != ids_.end()) return it->second;
  const core::TensorId id = graph_.weight(w.name, w.dtype, w.shape, w.data);
  ids_.emplace(w.name, id);
  return id;
}

std::string layer_name(int64_t layer, const char* what) {
  return core::str_cat("blk.", layer, ".", what);
}

core::TensorId build_norm(
    core::Graph& g, core::TensorId x, core::TensorId weight, float eps, std::string name) {
  return g.rms_norm(x, weight, eps, std::move(name));
}

core::TensorId build_heads(core::Graph& g,
                           core::TensorId x,
                           core::TensorId w,
                           core::TensorId bias,
                           int64_t n_heads,
                           int64_t head_dim,
                           const std::string& name) {
  const core::TensorId y = g.matmul(x, w, bias, name);
  if (!y.valid()) return y;
  const int64_t rows = g.tensor(y).shape[0];
  return g.reshape(y, {rows, n_heads, head_dim}, name + ".heads");
}

core::TensorId build_mlp(core::Graph& g,
                         core::TensorId x,
                         core::TensorId w_gate,
                         core::TensorId w_up,
                         core::TensorId w_down,
                         int64_t layer) {
  const core::TensorId gate = g.matmul(x, w_gate, {}, layer_name(layer, "ffn_gate"));
  const core::TensorId up = g.matmul(x, w_up, {}, layer_name(layer, "ffn_up"));
  const core::TensorId act = g.swiglu(gate, up, layer_name(layer, "ffn_swiglu"));
  return g.matmul(act, w_down, {}, layer_name(layer, "ffn_down"));
}

}  // namespace braid::model
