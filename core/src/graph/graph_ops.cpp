// One builder per op: each fills a node and lets Graph::add_node check it with the ABI's rules.
#include <cmath>
#include <cstdint>

#include "braid/core/graph.h"
#include "braid/graph_check.h"

namespace braid::core {
namespace {

GraphNode make_node(uint32_t op, std::initializer_list<TensorId> inputs) {
  GraphNode node;
  node.op = op;
  for (TensorId id : inputs) node.inputs[node.n_inputs++] = id.index;
  // Trailing absent optional inputs need not be counted.
  while (node.n_inputs > 0 && node.inputs[node.n_inputs - 1] < 0) --node.n_inputs;
  return node;
}

// An output whose shape and dtype the op's rule decides.
GraphTensor inferred(std::string name) {
  GraphTensor out;
  out.name = std::move(name);
  out.dtype = UINT32_MAX;
  return out;
}

}  // namespace

TensorId Graph::unary(uint32_t op, TensorId x, std::string name) {
  const std::string op_name = abi::op_name(op);
  if (!usable({x}, op_name)) return {};
  name = auto_name(op_name, std::move(name));
  return add_node(make_node(op, {x}), inferred(name), name);
}

TensorId Graph::matmul(TensorId x, TensorId w, TensorId bias, std::string name) {
  if (!usable({x, w}, "matmul") || (bias.index != -1 && !usable({bias}, "matmul"))) return {};
  name = auto_name("matmul", std::move(name));
  return add_node(make_node(BRAID_OP_MATMUL, {x, w, bias}), inferred(name), name);
}

TensorId Graph::add(TensorId a, TensorId b, std::string name) {
  if (!usable({a, b}, "add")) return {};
  name = auto_name("add", std::move(name));
  return add_node(make_node(BRAID_OP_ADD, {a, b}), inferred(name), name);
}

TensorId Graph::mul(TensorId a, TensorId b, std::string name) {
  if (!usable({a, b}, "mul")) return {};
  name = auto_name("mul", std::move(name));
  return add_node(make_node(BRAID_OP_MUL, {a, b}), inferred(name), name);
}

TensorId Graph::scale(TensorId x, float scale, float bias, std::string name) {
  if (!usable({x}, "scale")) return {};
  name = auto_name("scale", std::move(name));
  GraphNode node = make_node(BRAID_OP_SCALE, {x});
  node.params.scale.scale = scale;
  node.params.scale.bias = bias;
  return add_node(node, inferred(name), name);
}

TensorId Graph::rms_norm(TensorId x, TensorId weight, float eps, std::string name) {
  if (!usable({x}, "rms_norm") || (weight.index != -1 && !usable({weight}, "rms_norm"))) return {};
  name = auto_name("rms_norm", std::move(name));
  GraphNode node = make_node(BRAID_OP_RMS_NORM, {x, weight});
  node.params.norm.eps = eps;
  return add_node(node, inferred(name), name);
}

TensorId Graph::layer_norm(
    TensorId x, TensorId weight, TensorId bias, float eps, std::string name) {
  if (!usable({x}, "layer_norm")) return {};
  for (TensorId opt : {weight, bias}) {
    if (opt.index != -1 && !usable({opt}, "layer_norm")) return {};
  }
  name = auto_name("layer_norm", std::move(name));
  GraphNode node = make_node(BRAID_OP_LAYER_NORM, {x, weight, bias});
  node.params.norm.eps = eps;
  return add_node(node, inferred(name), name);
}

TensorId Graph::rope(TensorId x,
                     TensorId positions,
                     const RopeOptions& options,
                     TensorId freq_factors,
                     std::string name) {
  if (!usable({x, positions}, "rope")) return {};
  if (freq_factors.index != -1 && !usable({freq_factors}, "rope")) return {};
  name = auto_name("rope", std::move(name));
  GraphNode node = make_node(BRAID_OP_ROPE, {x, positions, freq_factors});
  node.params.rope.mode = options.mode;
  node.params.rope.n_rot = options.n_rot > 0 || tensors_[x.index].rank != 3
                               ? options.n_rot
                               : static_cast<int32_t>(tensors_[x.index].shape[2]);
  node.params.rope.freq_base = options.freq_base;
  node.params.rope.freq_scale = options.freq_scale;
  return add_node(node, inferred(name), name);
}

TensorId Graph::softmax(TensorId x, float scale, TensorId mask, std::string name) {
  if (!usable({x}, "softmax") || (mask.index != -1 && !usable({mask}, "softmax"))) return {};
  name = auto_name("softmax", std::move(name));
  GraphNode node = make_node(BRAID_OP_SOFTMAX, {x, mask});
  node.params.softmax.scale = scale;
  return add_node(node, inferred(name), name);
}

TensorId Graph::attention(
    TensorId q, TensorId k, TensorId v, const AttentionOptions& options, std::string name) {
  if (!usable({q, k, v}, "attention")) return {};
  for (TensorId opt : {options.positions, options.mask, options.n_valid}) {
    if (opt.index != -1 && !usable({opt}, "attention")) return {};
  }
  name = auto_name("attention", std::move(name));
  GraphNode node =
      make_node(BRAID_OP_ATTENTION, {q, k, v, options.positions, options.mask, options.n_valid});
  float scale = options.scale;
  const GraphTensor& qt = tensors_[q.index];
  if (scale == 0.0f && qt.rank == 3) scale = 1.0f / std::sqrt(static_cast<float>(qt.shape[2]));
  node.params.attention.scale = scale;
  node.params.attention.causal = options.causal ? 1 : 0;
  return add_node(node, inferred(name), name);
}

TensorId Graph::silu(TensorId x, std::string name) {
  return unary(BRAID_OP_SILU, x, std::move(name));
}
TensorId Graph::gelu(TensorId x, std::string name) {
  return unary(BRAID_OP_GELU, x, std::move(name));
}
TensorId Graph::gelu_tanh(TensorId x, std::string name) {
  return unary(BRAID_OP_GELU_TANH, x, std::move(name));
}
TensorId Graph::quick_gelu(TensorId x, std::string name) {
  return unary(BRAID_OP_QUICK_GELU, x, std::move(name));
}

TensorId Graph::swiglu(TensorId gate, TensorId up, std::string name) {
  if (!usable({gate, up}, "swiglu")) return {};
  name = auto_name("swiglu", std::move(name));
  return add_node(make_node(BRAID_OP_SWIGLU, {gate, up}), inferred(name), name);
}

TensorId Graph::get_rows(TensorId table, TensorId rows, std::string name) {
  if (!usable({table, rows}, "get_rows")) return {};
  name = auto_name("get_rows", std::move(name));
  return add_node(make_node(BRAID_OP_GET_ROWS, {table, rows}), inferred(name), name);
}

TensorId Graph::conv1d(
    TensorId x, TensorId w, TensorId bias, int32_t stride, int32_t padding, std::string name) {
  if (!usable({x, w}, "conv1d") || (bias.index != -1 && !usable({bias}, "conv1d"))) return {};
  name = auto_name("conv1d", std::move(name));
  GraphNode node = make_node(BRAID_OP_CONV1D, {x, w, bias});
  node.params.conv.stride = stride;
  node.params.conv.padding = padding;
  return add_node(node, inferred(name), name);
}

TensorId Graph::conv2d(
    TensorId x, TensorId w, TensorId bias, int32_t stride, int32_t padding, std::string name) {
  if (!usable({x, w}, "conv2d") || (bias.index != -1 && !usable({bias}, "conv2d"))) return {};
  name = auto_name("conv2d", std::move(name));
  GraphNode node = make_node(BRAID_OP_CONV2D, {x, w, bias});
  node.params.conv.stride = stride;
  node.params.conv.padding = padding;
  return add_node(node, inferred(name), name);
}

TensorId Graph::avg_pool2d(TensorId x, int32_t kernel, std::string name) {
  if (!usable({x}, "avg_pool2d")) return {};
  name = auto_name("avg_pool2d", std::move(name));
  GraphNode node = make_node(BRAID_OP_AVG_POOL2D, {x});
  node.params.pool.kernel = kernel;
  return add_node(node, inferred(name), name);
}

TensorId Graph::concat(TensorId a, TensorId b, int32_t axis, std::string name) {
  if (!usable({a, b}, "concat")) return {};
  name = auto_name("concat", std::move(name));
  GraphNode node = make_node(BRAID_OP_CONCAT, {a, b});
  node.params.concat.axis = axis;
  return add_node(node, inferred(name), name);
}

TensorId Graph::permute(TensorId x, const std::vector<int32_t>& axes, std::string name) {
  if (!usable({x}, "permute")) return {};
  name = auto_name("permute", std::move(name));
  GraphNode node = make_node(BRAID_OP_PERMUTE, {x});
  if (axes.size() != tensors_[x.index].rank) {
    fail(invalid_argument("[graph] permute '", name, "' of '", tensors_[x.index].name,
                          "': ", axes.size(), " axes for rank ", tensors_[x.index].rank));
    return {};
  }
  std::copy(axes.begin(), axes.end(), node.params.permute.axes);
  return add_node(node, inferred(name), name);
}

TensorId Graph::reshape(TensorId x, const Shape& shape, std::string name) {
  if (!usable({x}, "reshape")) return {};
  name = auto_name("reshape", std::move(name));
  if (shape.empty() || shape.size() > BRAID_MAX_DIMS) {
    fail(invalid_argument("[graph] reshape '", name, "': rank ", shape.size(), " is outside 1..",
                          BRAID_MAX_DIMS));
    return {};
  }
  GraphTensor out;
  out.name = name;
  out.dtype = tensors_[x.index].dtype;
  out.rank = static_cast<uint32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), out.shape.begin());
  out.strides = abi::contiguous_strides(out.dtype, out.rank, out.shape.data());
  return add_node(make_node(BRAID_OP_RESHAPE, {x}), out, name);
}

TensorId Graph::cast(TensorId x, DType dtype, std::string name) {
  if (!usable({x}, "cast")) return {};
  name = auto_name("cast", std::move(name));
  GraphTensor out = inferred(name);
  out.dtype = static_cast<uint32_t>(dtype);
  return add_node(make_node(BRAID_OP_COPY, {x}), out, name);
}

namespace {}  // namespace

bool Graph::writable(TensorId dst, std::string_view what) {
  const GraphTensor& t = tensors_[dst.index];
  if (t.kind == TensorKind::State ||
      (t.kind == TensorKind::View && tensors_[t.base].kind == TensorKind::State)) {
    return true;
  }
  fail(invalid_argument("[graph] ", what, " into '", t.name,
                        "': the destination must be a state or a view of one"));
  return false;
}

TensorId Graph::copy(TensorId x, TensorId dst) {
  if (!usable({x, dst}, "copy")) return {};
  if (!writable(dst, "copy")) return {};
  GraphNode node = make_node(BRAID_OP_COPY, {x});
  node.output = dst.index;
  return add_node(node, {}, tensors_[dst.index].name);
}

TensorId Graph::set_rows(TensorId dst, TensorId src, TensorId rows) {
  if (!usable({dst, src, rows}, "set_rows")) return {};
  if (!writable(dst, "set_rows")) return {};
  GraphNode node = make_node(BRAID_OP_SET_ROWS, {src, rows});
  node.output = dst.index;
  return add_node(node, {}, tensors_[dst.index].name);
}

}  // namespace braid::core
