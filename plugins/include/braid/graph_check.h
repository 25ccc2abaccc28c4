// The rules of a braid_graph_desc, shared by the host and every backend: each op's inputs,
// parameters and output shape, and whole-graph validation (the dtypes and layouts they build on
// are in abi_layout.h, included here).
//
// Header-only and standard-library-only, because backends see nothing of braid but the ABI.
// Every check returns a std::string: empty when the thing is valid, else one line saying what is
// wrong ("node 3 (matmul): src1 [64, 48]: innermost dim 48 != src0's innermost dim 32").
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/backend.h"

namespace braid::abi {

// ---- nodes ---------------------------------------------------------------------------------

/// What a host buffer handle is, for the checks that need it (size, writability).
struct BufferFacts {
  uint64_t size = 0;
  bool writable = true;
};
/// Returns the facts of a live buffer handle, or nullopt for a handle that is not one.
using BufferLookup = std::function<std::optional<BufferFacts>(const braid_buffer_t*)>;

/// The output an op produces from its inputs: its shape, and the dtypes it may have.
struct OutputRule {
  uint32_t rank = 0;
  std::array<int64_t, BRAID_MAX_DIMS> shape{};
  std::vector<uint32_t> dtypes;  ///< allowed output dtypes (one for most ops)
};

/// Index of input slot `slot` of `node`, or -1 when absent (past n_inputs, or -1).
inline int32_t node_input(const braid_node_desc& node, uint32_t slot) {
  return slot < node.n_inputs && slot < BRAID_MAX_OP_INPUTS ? node.inputs[slot] : -1;
}

namespace detail {

// The slots an op reads: `required` must be present, the rest of [0, max_inputs) are optional.
struct Arity {
  uint32_t max_inputs;
  uint32_t required_mask;
};

inline Arity op_arity(uint32_t op) {
  switch (op) {
    case BRAID_OP_MATMUL:
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D:
    case BRAID_OP_ROPE:
      return {3, 0b11};
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
    case BRAID_OP_SWIGLU:
    case BRAID_OP_GET_ROWS:
    case BRAID_OP_CONCAT:
    case BRAID_OP_SET_ROWS:
      return {2, 0b11};
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_SOFTMAX:
      return {2, 0b1};
    case BRAID_OP_LAYER_NORM:
      return {3, 0b1};
    case BRAID_OP_ATTENTION:
      return {6, 0b111};
    default:
      return {1, 0b1};  // scale, the activations, avg_pool2d, permute, copy, reshape
  }
}

// One node's view of its inputs, with helpers that produce messages naming the slot.
class NodeChecker {
 public:
  NodeChecker(const braid_graph_desc& graph, const braid_node_desc& node)
      : graph_(graph), node_(node) {}

  const braid_tensor_desc* in(uint32_t slot) const {
    const int32_t index = node_input(node_, slot);
    return index < 0 ? nullptr : &graph_.tensors[index];
  }
  static std::string src(uint32_t slot) { return cat("src", slot); }

  std::string need_dtype(uint32_t slot, std::initializer_list<uint32_t> dtypes) const {
    const braid_tensor_desc* t = in(slot);
    for (uint32_t d : dtypes) {
      if (t->dtype == d) return {};
    }
    return cat(src(slot), " ", describe(*t), ": dtype must be ",
               dtype_list(std::initializer_list<uint32_t>(dtypes)));
  }
  std::string need_rank(uint32_t slot, uint32_t lo, uint32_t hi) const {
    const braid_tensor_desc* t = in(slot);
    if (t->rank >= lo && t->rank <= hi) return {};
    return lo == hi ? cat(src(slot), " ", describe(*t), ": rank must be ", lo)
                    : cat(src(slot), " ", describe(*t), ": rank must be ", lo, "..", hi);
  }
  // A rank-1 tensor of `n` elements (a weight, bias or index vector).
  std::string need_vector(uint32_t slot, int64_t n, const char* what) const {
    const braid_tensor_desc* t = in(slot);
    if (t->rank == 1 && t->shape[0] == n) return {};
    return cat(src(slot), " ", describe(*t), ": the ", what, " must be [", n, "]");
  }
  // src1 broadcasts over src0: rank <= src0's, each dim 1 or equal, aligned at the innermost.
  std::string need_broadcastable(uint32_t slot, const braid_tensor_desc& to) const {
    const braid_tensor_desc* t = in(slot);
    bool ok = t->rank <= to.rank;
    for (uint32_t i = 0; ok && i < t->rank; ++i) {
      const int64_t d = t->shape[t->rank - 1 - i];
      ok = d == 1 || d == to.shape[to.rank - 1 - i];
    }
    if (ok) return {};
    return cat(src(slot), " ", describe(*t), " does not broadcast to ", describe(to),
               " (dims must be 1 or equal, aligned at the innermost)");
  }

 private:
  const braid_graph_desc& graph_;
  const braid_node_desc& node_;
};

#define BRAID_ABI_CHECK(expr)                               \
  do {                                                      \
    std::string braid_abi_error_ = expr;                    \
    if (!braid_abi_error_.empty()) return braid_abi_error_; \
  } while (0)

inline OutputRule same_as(const braid_tensor_desc& t, std::vector<uint32_t> dtypes) {
  OutputRule rule;
  rule.rank = t.rank;
  for (uint32_t i = 0; i < t.rank; ++i) rule.shape[i] = t.shape[i];
  rule.dtypes = std::move(dtypes);
  return rule;
}

// The op-specific part of infer_output (inputs present and individually valid).
inline std::string infer_op(const NodeChecker& c, const braid_node_desc& node, OutputRule* out) {
  const braid_op_params& p = node.params;
  const braid_tensor_desc& a = *c.in(0);
  switch (node.op) {
    case BRAID_OP_MATMUL: {
      const braid_tensor_desc& w = *c.in(1);
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_dtype(
          1, {kF32, kF16, kBF16, kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ4_K, kQ5_K, kQ6_K}));
      BRAID_ABI_CHECK(c.need_rank(1, 2, 2));
      if (w.shape[1] != a.shape[a.rank - 1]) {
        return cat("src1 ", describe(w), ": innermost dim ", w.shape[1],
                   " != src0's innermost dim ", a.shape[a.rank - 1], " (", describe(a), ")");
      }
      if (c.in(2)) {
        BRAID_ABI_CHECK(c.need_dtype(2, {kF32}));
        BRAID_ABI_CHECK(c.need_vector(2, w.shape[0], "bias"));
      }
      *out = same_as(a, {kF32});
      out->shape[a.rank - 1] = w.shape[0];
      return {};
    }
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_dtype(1, {kF32}));
      BRAID_ABI_CHECK(c.need_broadcastable(1, a));
      *out = same_as(a, {kF32});
      return {};
    case BRAID_OP_SCALE:
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU:
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      *out = same_as(a, {kF32});
      return {};
    case BRAID_OP_SWIGLU: {
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_dtype(1, {kF32}));
      const braid_tensor_desc& b = *c.in(1);
      bool same = a.rank == b.rank;
      for (uint32_t i = 0; same && i < a.rank; ++i) same = a.shape[i] == b.shape[i];
      if (!same) return cat("src1 ", describe(b), " must have src0's shape ", describe(a));
      *out = same_as(a, {kF32});
      return {};
    }
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM: {
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      if (!(p.norm.eps >= 0.0f)) return cat("params.norm.eps must be >= 0, got ", p.norm.eps);
      const int64_t n = a.shape[a.rank - 1];
      for (uint32_t slot = 1; slot <= 2; ++slot) {
        if (!c.in(slot)) continue;
        BRAID_ABI_CHECK(c.need_dtype(slot, {kF32}));
        BRAID_ABI_CHECK(c.need_vector(slot, n, slot == 1 ? "weight" : "bias"));
      }
      *out = same_as(a, {kF32});
      return {};
    }
    case BRAID_OP_ROPE: {
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_rank(0, 3, 3));
      BRAID_ABI_CHECK(c.need_dtype(1, {kI32}));
      BRAID_ABI_CHECK(c.need_vector(1, a.shape[0], "positions"));
      const braid_rope_params& r = p.rope;
      if (r.mode != BRAID_ROPE_ADJACENT && r.mode != BRAID_ROPE_HALF_SPLIT) {
        return cat("params.rope.mode ", r.mode, " is not a braid_rope_mode");
      }
      if (r.n_rot < 2 || r.n_rot % 2 != 0 || r.n_rot > a.shape[2]) {
        return cat("params.rope.n_rot ", r.n_rot, " must be even and in 2..head_dim (", a.shape[2],
                   ")");
      }
      if (!(r.freq_base > 0.0f) || !(r.freq_scale > 0.0f)) {
        return cat("params.rope freq_base ", r.freq_base, " and freq_scale ", r.freq_scale,
                   " must be > 0");
      }
      if (c.in(2)) {
        BRAID_ABI_CHECK(c.need_dtype(2, {kF32}));
        BRAID_ABI_CHECK(c.need_vector(2, r.n_rot / 2, "frequency factors"));
      }
      *out = same_as(a, {kF32});
      return {};
    }
    case BRAID_OP_SOFTMAX:
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      if (c.in(1)) {
        BRAID_ABI_CHECK(c.need_dtype(1, {kF32}));
        BRAID_ABI_CHECK(c.need_broadcastable(1, a));
      }
      *out = same_as(a, {kF32});
      return {};
    case BRAID_OP_ATTENTION: {
      const braid_tensor_desc& k = *c.in(1);
      const braid_tensor_desc& v = *c.in(2);
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_dtype(1, {kF32, kF16, kQ8_0}));
      BRAID_ABI_CHECK(c.need_dtype(2, {kF32, kF16, kQ8_0}));
      for (uint32_t slot = 0; slot < 3; ++slot) BRAID_ABI_CHECK(c.need_rank(slot, 3, 3));
      const int64_t n_q = a.shape[0], n_head = a.shape[1], n_kv = k.shape[0];
      const int64_t n_head_kv = k.shape[1];
      if (k.shape[2] != a.shape[2]) {
        return cat("src1 (k) ", describe(k), ": head_dim must equal q's ", a.shape[2]);
      }
      if (v.shape[0] != n_kv || v.shape[1] != n_head_kv) {
        return cat("src2 (v) ", describe(v), ": [n_kv, n_head_kv] must equal k's [", n_kv, ", ",
                   n_head_kv, "]");
      }
      if (n_head % n_head_kv != 0) {
        return cat("n_head ", n_head, " is not a multiple of n_head_kv ", n_head_kv);
      }
      if (!(p.attention.scale == p.attention.scale)) return "params.attention.scale is NaN";
      if (p.attention.causal != 0 && p.attention.causal != 1) {
        return cat("params.attention.causal must be 0 or 1, got ", p.attention.causal);
      }
      if (p.attention.causal && !c.in(3)) return "causal attention needs src3 (positions)";
      if (c.in(3)) {
        BRAID_ABI_CHECK(c.need_dtype(3, {kI32}));
        BRAID_ABI_CHECK(c.need_vector(3, n_q, "positions"));
      }
      if (c.in(4)) {
        const braid_tensor_desc& m = *c.in(4);
        BRAID_ABI_CHECK(c.need_dtype(4, {kF32}));
        if (m.rank != 2 || m.shape[0] != n_q || m.shape[1] != n_kv) {
          return cat("src4 (mask) ", describe(m), " must be [", n_q, ", ", n_kv, "]");
        }
      }
      if (c.in(5)) {
        BRAID_ABI_CHECK(c.need_dtype(5, {kI32}));
        BRAID_ABI_CHECK(c.need_vector(5, 1, "valid KV count"));
      }
      *out = same_as(a, {kF32});
      out->shape[2] = v.shape[2];
      return {};
    }
    case BRAID_OP_GET_ROWS: {
      BRAID_ABI_CHECK(c.need_rank(0, 2, 2));
      if (a.dtype == kI32) return cat("src0 ", describe(a), ": an I32 table is not supported");
      BRAID_ABI_CHECK(c.need_dtype(1, {kI32}));
      BRAID_ABI_CHECK(c.need_rank(1, 1, 1));
      *out = same_as(a, {kF32});
      out->shape[0] = c.in(1)->shape[0];
      return {};
    }
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D: {
      const bool is_2d = node.op == BRAID_OP_CONV2D;
      const uint32_t rank = is_2d ? 3 : 2;
      const braid_tensor_desc& w = *c.in(1);
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_rank(0, rank, rank));
      BRAID_ABI_CHECK(c.need_dtype(1, {kF32, kF16, kBF16}));
      BRAID_ABI_CHECK(c.need_rank(1, rank + 1, rank + 1));
      if (w.shape[1] != a.shape[0]) {
        return cat("src1 ", describe(w), ": c_in ", w.shape[1], " != src0's ", a.shape[0]);
      }
      if (p.conv.stride < 1 || p.conv.padding < 0) {
        return cat("params.conv stride ", p.conv.stride, " must be >= 1 and padding ",
                   p.conv.padding, " >= 0");
      }
      if (c.in(2)) {
        BRAID_ABI_CHECK(c.need_dtype(2, {kF32}));
        BRAID_ABI_CHECK(c.need_vector(2, w.shape[0], "bias"));
      }
      *out = same_as(a, {kF32});
      out->shape[0] = w.shape[0];
      for (uint32_t d = 1; d < rank; ++d) {
        const int64_t padded = a.shape[d] + 2 * static_cast<int64_t>(p.conv.padding);
        if (padded < w.shape[d + 1]) {
          return cat("kernel ", w.shape[d + 1], " is larger than the padded input ", padded);
        }
        out->shape[d] = (padded - w.shape[d + 1]) / p.conv.stride + 1;
      }
      return {};
    }
    case BRAID_OP_AVG_POOL2D: {
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_rank(0, 3, 3));
      const int32_t k = p.pool.kernel;
      if (k < 1 || k > a.shape[1] || k > a.shape[2]) {
        return cat("params.pool.kernel ", k, " must be in 1..min(h, w) of ", describe(a));
      }
      *out = same_as(a, {kF32});
      out->shape[1] = a.shape[1] / k;
      out->shape[2] = a.shape[2] / k;
      return {};
    }
    case BRAID_OP_CONCAT: {
      const braid_tensor_desc& b = *c.in(1);
      if (!is_plain_type(a.dtype)) return cat("src0 ", describe(a), ": dtype must be plain");
      if (b.dtype != a.dtype || b.rank != a.rank) {
        return cat("src1 ", describe(b), " must have src0's dtype and rank (", describe(a), ")");
      }
      const int32_t axis = p.concat.axis;
      if (axis < 0 || axis >= static_cast<int32_t>(a.rank)) {
        return cat("params.concat.axis ", axis, " is outside 0..", a.rank - 1);
      }
      for (uint32_t i = 0; i < a.rank; ++i) {
        if (static_cast<int32_t>(i) != axis && a.shape[i] != b.shape[i]) {
          return cat("src1 ", describe(b), " and src0 ", describe(a), " differ in dim ", i,
                     ", which is not the concat axis ", axis);
        }
      }
      *out = same_as(a, {a.dtype});
      out->shape[axis] = a.shape[axis] + b.shape[axis];
      return {};
    }
    case BRAID_OP_PERMUTE: {
      if (!is_plain_type(a.dtype)) return cat("src0 ", describe(a), ": dtype must be plain");
      uint32_t seen = 0;
      *out = same_as(a, {a.dtype});
      for (uint32_t i = 0; i < a.rank; ++i) {
        const int32_t axis = p.permute.axes[i];
        if (axis < 0 || axis >= static_cast<int32_t>(a.rank) || (seen >> axis & 1u)) {
          return cat("params.permute.axes[0..", a.rank, ") is not a permutation of 0..",
                     a.rank - 1);
        }
        seen |= 1u << axis;
        out->shape[i] = a.shape[axis];
      }
      return {};
    }
    case BRAID_OP_COPY:
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32, kF16, kBF16, kQ8_0}));
      *out = same_as(a, {kF32, kF16, kBF16, kQ8_0});
      return {};
    case BRAID_OP_SET_ROWS: {
      BRAID_ABI_CHECK(c.need_dtype(0, {kF32}));
      BRAID_ABI_CHECK(c.need_rank(0, 2, BRAID_MAX_DIMS));
      BRAID_ABI_CHECK(c.need_dtype(1, {kI32}));
      BRAID_ABI_CHECK(c.need_vector(1, a.shape[0], "row indices"));
      // The output's row count is the host's choice; infer_output leaves shape[0] at src0's and
      // check_node compares only the trailing dims.
      *out = same_as(a, {kF32, kF16, kBF16, kQ8_0});
      return {};
    }
    case BRAID_OP_RESHAPE:
      if (!is_contiguous(a)) return cat("src0 ", describe(a), " must be contiguous");
      // The output's shape is the host's choice; check_node compares only the element count.
      *out = same_as(a, {a.dtype});
      return {};
    default:
      return cat("unknown op ", node.op);
  }
}

#undef BRAID_ABI_CHECK

}  // namespace detail

/// Checks node `node_index`'s structure and inputs against its op's rule and says what the
/// output must be. Reads only the node and the tensors it names; the graph's tensors must be
/// addressable (n_tensors matching the array). "" when valid, and then `*out` is set.
inline std::string infer_output(const braid_graph_desc& graph,
                                uint32_t node_index,
                                OutputRule* out) {
  using detail::cat;
  if (node_index >= graph.n_nodes || graph.nodes == nullptr) {
    return cat("node ", node_index, " does not exist (", graph.n_nodes, " nodes)");
  }
  const braid_node_desc& node = graph.nodes[node_index];
  const std::string where = cat("node ", node_index, " (", op_name(node.op), "): ");
  if (node.op == BRAID_OP_NONE || node.op >= BRAID_OP_COUNT) return where + "unknown op";
  const detail::Arity arity = detail::op_arity(node.op);
  if (node.n_inputs > arity.max_inputs) {
    return cat(where, "n_inputs ", node.n_inputs, " is more than the ", arity.max_inputs,
               " this op reads");
  }
  for (uint32_t slot = 0; slot < node.n_inputs; ++slot) {
    const int32_t index = node.inputs[slot];
    if (index < -1 || index >= static_cast<int64_t>(graph.n_tensors)) {
      return cat(where, "src", slot, " = ", index, " is not a tensor index (", graph.n_tensors,
                 " tensors) or -1");
    }
    if (index >= 0) {
      const std::string error = check_tensor_desc(graph.tensors[index]);
      if (!error.empty()) return cat(where, "src", slot, " (tensor ", index, "): ", error);
    }
  }
  for (uint32_t slot = 0; slot < arity.max_inputs; ++slot) {
    if ((arity.required_mask >> slot & 1u) && node_input(node, slot) < 0) {
      return cat(where, "src", slot, " is required");
    }
  }
  const std::string error = detail::infer_op(detail::NodeChecker(graph, node), node, out);
  return error.empty() ? error : where + error;
}

/// Checks node `node_index` fully: infer_output, then the output tensor (index, description,
/// shape and dtype as the op produces, not also an input). Buffers are not looked at.
inline std::string check_node(const braid_graph_desc& graph, uint32_t node_index) {
  using detail::cat;
  OutputRule rule;
  std::string error = infer_output(graph, node_index, &rule);
  if (!error.empty()) return error;
  const braid_node_desc& node = graph.nodes[node_index];
  const std::string where = cat("node ", node_index, " (", op_name(node.op), "): ");
  if (node.output < 0 || node.output >= static_cast<int64_t>(graph.n_tensors)) {
    return cat(where, "output ", node.output, " is not a tensor index");
  }
  for (uint32_t slot = 0; slot < node.n_inputs && slot < BRAID_MAX_OP_INPUTS; ++slot) {
    if (node.inputs[slot] == node.output) {
      return cat(where, "the output (tensor ", node.output, ") is also src", slot);
    }
  }
  const braid_tensor_desc& dst = graph.tensors[node.output];
  error = check_tensor_desc(dst);
  if (!error.empty()) return cat(where, "output (tensor ", node.output, "): ", error);
  // SET_ROWS writes into a table of any row count: only the trailing dims must agree.
  const uint32_t first = node.op == BRAID_OP_SET_ROWS ? 1 : 0;
  if (node.op == BRAID_OP_RESHAPE) {
    const braid_tensor_desc& src = graph.tensors[node.inputs[0]];
    if (n_elements(dst) != n_elements(src)) {
      return cat(where, "output ", describe(dst), " must have the ", n_elements(src),
                 " elements of src0 ", describe(src));
    }
    if (dst.dtype != src.dtype) {
      return cat(where, "output ", describe(dst), ": dtype must be ", dtype_name(src.dtype));
    }
    if (!is_contiguous(dst)) return cat(where, "output ", describe(dst), " must be contiguous");
    return {};
  }
  bool shape_ok = dst.rank == rule.rank;
  for (uint32_t i = first; shape_ok && i < rule.rank; ++i) shape_ok = dst.shape[i] == rule.shape[i];
  if (!shape_ok) {
    std::string want = first ? "[n_rows" : "[";
    for (uint32_t i = first; i < rule.rank; ++i) {
      if (i) want += ", ";
      want += std::to_string(rule.shape[i]);
    }
    return cat(where, "output ", describe(dst), " must have shape ", want, "]");
  }
  if (std::find(rule.dtypes.begin(), rule.dtypes.end(), dst.dtype) == rule.dtypes.end()) {
    return cat(where, "output ", describe(dst), ": dtype must be ",
               detail::dtype_list(rule.dtypes));
  }
  if (!is_non_overlapping(dst)) {
    return cat(where, "output ", describe(dst), ": its strides make elements overlap");
  }
  if (node.op == BRAID_OP_SET_ROWS && dst.buffer == nullptr) {
    return cat(where, "output must live in a buffer (set_rows keeps the rows it does not write)");
  }
  return {};
}

/// Checks a whole graph: counts and arrays, every tensor description (and, when `lookup` is
/// given, that each buffer is live, large enough, and writable where a node writes it), every
/// node, and the data flow (an intermediate is written before it is read). "" when valid.
inline std::string validate_graph(const braid_graph_desc& graph, const BufferLookup& lookup = {}) {
  using detail::cat;
  if ((graph.n_tensors > 0 && graph.tensors == nullptr) ||
      (graph.n_nodes > 0 && graph.nodes == nullptr)) {
    return "[graph] a non-empty table has a NULL pointer";
  }
  if (graph.n_nodes == 0) return "[graph] has no nodes";
  std::vector<char> written(graph.n_tensors, 0);
  for (uint32_t i = 0; i < graph.n_tensors; ++i) {
    const braid_tensor_desc& t = graph.tensors[i];
    const std::string label = cat("[graph] tensor ", i, t.name ? cat(" '", t.name, "'") : "", ": ");
    std::string error = check_tensor_desc(t);
    if (!error.empty()) return label + error;
    if (t.buffer == nullptr || !lookup) continue;
    const std::optional<BufferFacts> facts = lookup(t.buffer);
    if (!facts) return label + "its buffer is not a live buffer of this device";
    const uint64_t end = t.offset + static_cast<uint64_t>(byte_extent(t));
    if (end > facts->size) {
      return cat(label, describe(t), " at offset ", t.offset, " needs ", end,
                 " bytes; its buffer has ", facts->size);
    }
  }
  for (uint32_t n = 0; n < graph.n_nodes; ++n) {
    std::string error = check_node(graph, n);
    if (!error.empty()) return std::string("[graph] ").append(error);
    const braid_node_desc& node = graph.nodes[n];
    for (uint32_t slot = 0; slot < node.n_inputs; ++slot) {
      const int32_t index = node.inputs[slot];
      if (index >= 0 && graph.tensors[index].buffer == nullptr && !written[index]) {
        return cat("[graph] node ", n, " (", op_name(node.op), "): src", slot, " (tensor ", index,
                   ") is an intermediate that no earlier node writes");
      }
    }
    const braid_tensor_desc& dst = graph.tensors[node.output];
    if (dst.buffer != nullptr && lookup && !lookup(dst.buffer)->writable) {
      return cat("[graph] node ", n, " (", op_name(node.op), "): output (tensor ", node.output,
                 ") is in a read-only buffer");
    }
    written[node.output] = 1;
  }
  return {};
}

}  // namespace braid::abi
