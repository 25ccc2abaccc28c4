// The Graph's tables, leaves, the checking of each node against the ABI rules, and signatures.
#include "braid/core/graph.h"

#include <algorithm>
#include <cstdio>

#include "braid/graph_check.h"

namespace braid::core {
namespace {

// Stands in for "some buffer" in the graphs handed to the ABI checker and to supports_op: the
// rules only ask whether a tensor lives in a buffer (views and outputs of set_rows must), never
// which one.
braid_buffer_t* placeholder_buffer() {
  static int anchor = 0;
  return reinterpret_cast<braid_buffer_t*>(&anchor);
}

std::string shape_text(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

}  // namespace

braid_tensor_desc GraphTensor::abi_desc() const {
  braid_tensor_desc d{};
  d.dtype = dtype;
  d.rank = rank;
  for (uint32_t i = 0; i < rank && i < BRAID_MAX_DIMS; ++i) {
    d.shape[i] = shape[i];
    d.strides[i] = strides[i];
  }
  d.buffer = kind == TensorKind::Intermediate ? nullptr : placeholder_buffer();
  d.offset = offset;
  d.name = name.c_str();
  return d;
}

uint64_t GraphTensor::packed_bytes() const {
  int64_t bytes = abi::row_bytes(dtype, shape[rank - 1]);
  for (uint32_t i = 0; i + 1 < rank; ++i) bytes *= shape[i];
  return static_cast<uint64_t>(bytes);
}

void Graph::fail(Status status) {
  if (status_.is_ok()) status_ = std::move(status);
  signature_.clear();
}

bool Graph::usable(std::initializer_list<TensorId> ids, std::string_view what) {
  for (TensorId id : ids) {
    if (id.index < -1 || id.index >= static_cast<int32_t>(tensors_.size())) {
      fail(invalid_argument("[graph] ", what, ": tensor id ", id.index, " is not in this graph (",
                            tensors_.size(), " tensors)"));
      return false;
    }
  }
  // An id left invalid by an earlier failure: that failure is already recorded.
  return std::all_of(ids.begin(), ids.end(), [](TensorId id) { return id.valid(); });
}

std::string Graph::auto_name(std::string_view op, std::string name) const {
  if (!name.empty()) return name;
  return str_cat(op, ".", nodes_.size());
}

TensorId Graph::add_tensor(GraphTensor t) {
  if (t.name.empty()) {
    fail(invalid_argument("[graph] a ", t.kind == TensorKind::View ? "view" : "tensor",
                          " needs a name"));
    return {};
  }
  if (find(t.name).valid()) {
    fail(invalid_argument("[graph] tensor name '", t.name, "' is used twice"));
    return {};
  }
  const braid_tensor_desc desc = t.abi_desc();
  const std::string error = abi::check_tensor_desc(desc);
  if (!error.empty()) {
    fail(invalid_argument("[graph] tensor '", t.name, "': ", error));
    return {};
  }
  tensors_.push_back(std::move(t));
  signature_.clear();
  return TensorId{static_cast<int32_t>(tensors_.size() - 1)};
}

namespace {

// A contiguous tensor description; shape checked by add_tensor.
Result<GraphTensor> leaf(std::string name, TensorKind kind, DType dtype, const Shape& shape) {
  if (shape.empty() || shape.size() > BRAID_MAX_DIMS) {
    return invalid_argument("[graph] tensor '", name, "' ", shape_text(shape), ": rank ",
                            shape.size(), " is outside 1..", BRAID_MAX_DIMS);
  }
  if (!abi::dtype_facts(static_cast<uint32_t>(dtype))) {
    return invalid_argument("[graph] tensor '", name, "': dtype ", dtype_name(dtype),
                            " does not cross the backend ABI");
  }
  GraphTensor t;
  t.name = std::move(name);
  t.kind = kind;
  t.dtype = static_cast<uint32_t>(dtype);
  t.rank = static_cast<uint32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), t.shape.begin());
  for (int64_t d : shape) {
    if (d < 1) {
      return invalid_argument("[graph] tensor '", t.name, "' ", shape_text(shape),
                              ": every dim must be >= 1");
    }
  }
  t.strides = abi::contiguous_strides(t.dtype, t.rank, t.shape.data());
  return t;
}

}  // namespace

TensorId Graph::weight(std::string name,
                       DType dtype,
                       const Shape& shape,
                       std::span<const std::byte> data) {
  if (!status_.is_ok()) return {};
  Result<GraphTensor> t = leaf(std::move(name), TensorKind::Weight, dtype, shape);
  if (!t.ok()) return fail(t.status()), TensorId{};
  TensorId id = add_tensor(std::move(*t));
  if (!id.valid()) return id;
  GraphTensor& w = tensors_[id.index];
  if (data.size() != w.packed_bytes()) {
    fail(invalid_argument("[graph] weight '", w.name, "' ", dtype_name(dtype), " ",
                          shape_text(shape), " needs ", w.packed_bytes(), " bytes, got ",
                          data.size()));
    tensors_.pop_back();
    return {};
  }
  w.data = data;
  return id;
}

TensorId Graph::input(std::string name, DType dtype, const Shape& shape) {
  if (!status_.is_ok()) return {};
  Result<GraphTensor> t = leaf(std::move(name), TensorKind::Input, dtype, shape);
  if (!t.ok()) return fail(t.status()), TensorId{};
  return add_tensor(std::move(*t));
}

TensorId Graph::state(std::string name, DType dtype, const Shape& shape) {
  if (!status_.is_ok()) return {};
  Result<GraphTensor> t = leaf(std::move(name), TensorKind::State, dtype, shape);
  if (!t.ok()) return fail(t.status()), TensorId{};
  return add_tensor(std::move(*t));
}

TensorId Graph::view(TensorId base,
                     const Shape& shape,
                     const std::vector<int64_t>& byte_strides,
                     uint64_t offset,
                     std::string name) {
  if (!usable({base}, "view")) return {};
  const GraphTensor& b = tensors_[base.index];
  if (b.kind != TensorKind::Input && b.kind != TensorKind::State) {
    fail(invalid_argument("[graph] view of '", b.name, "': the base must be an input or state"));
    return {};
  }
  if (name.empty()) name = str_cat(b.name, ".view.", tensors_.size());
  Result<GraphTensor> t =
      leaf(std::move(name), TensorKind::View, static_cast<DType>(b.dtype), shape);
  if (!t.ok()) return fail(t.status()), TensorId{};
  if (byte_strides.size() != shape.size()) {
    fail(invalid_argument("[graph] view '", t->name, "' ", shape_text(shape), ": ",
                          byte_strides.size(), " strides for ", shape.size(), " dims"));
    return {};
  }
  std::copy(byte_strides.begin(), byte_strides.end(), t->strides.begin());
  t->offset = offset;
  t->base = base.index;
  const std::string base_name = b.name;
  const uint64_t base_bytes = b.packed_bytes();
  TensorId id = add_tensor(std::move(*t));  // checks the layout (strides, overflow)
  if (!id.valid()) return id;
  braid_tensor_desc desc{};
  const GraphTensor& v = tensors_[id.index];
  desc.dtype = v.dtype;
  desc.rank = v.rank;
  std::copy(v.shape.begin(), v.shape.end(), desc.shape);
  std::copy(v.strides.begin(), v.strides.end(), desc.strides);
  const uint64_t end = offset + static_cast<uint64_t>(abi::byte_extent(desc));
  if (end > base_bytes) {
    fail(invalid_argument("[graph] view '", v.name, "' ", abi::describe(desc), " at offset ",
                          offset, " reaches byte ", end, " of '", base_name, "', which has ",
                          base_bytes));
    tensors_.pop_back();
    return {};
  }
  return id;
}

TensorId Graph::add_node(GraphNode node, GraphTensor out, std::string_view what) {
  // A one-node graph: the node's inputs, then its output, described as the ABI sees them.
  std::vector<braid_tensor_desc> descs;
  descs.reserve(BRAID_MAX_OP_INPUTS + 1);
  braid_node_desc probe{};
  probe.op = node.op;
  probe.n_inputs = node.n_inputs;
  probe.params = node.params;
  std::string operands;
  for (uint32_t slot = 0; slot < node.n_inputs; ++slot) {
    probe.inputs[slot] = -1;
    if (node.inputs[slot] < 0) continue;
    const GraphTensor& t = tensors_[node.inputs[slot]];
    descs.push_back(t.abi_desc());
    probe.inputs[slot] = static_cast<int32_t>(descs.size() - 1);
    operands +=
        str_cat(operands.empty() ? "" : ", ", "'", t.name, "' ", abi::describe(descs.back()));
  }
  const bool existing = node.output >= 0;
  if (!existing) {
    braid_graph_desc partial{static_cast<uint32_t>(descs.size()), descs.data(), 1, &probe};
    abi::OutputRule rule;
    const std::string error = abi::infer_output(partial, 0, &rule);
    if (error.empty() && out.rank == 0) {
      out.rank = rule.rank;
      out.shape = rule.shape;
    }
    if (error.empty() && out.dtype == UINT32_MAX) out.dtype = rule.dtypes.front();
    if (!error.empty()) out.rank = 0;  // reported by check_node below
    if (out.rank > 0) out.strides = abi::contiguous_strides(out.dtype, out.rank, out.shape.data());
  }
  const GraphTensor& dst = existing ? tensors_[node.output] : out;
  descs.push_back(dst.rank > 0 ? dst.abi_desc() : descs.front());
  probe.output = static_cast<int32_t>(descs.size() - 1);
  const braid_graph_desc graph{static_cast<uint32_t>(descs.size()), descs.data(), 1, &probe};
  std::string error = abi::check_node(graph, 0);
  if (!error.empty()) {
    // Drop the checker's "node 0 (op): ", which names the one-node graph, not this one.
    const std::string prefix = str_cat("node 0 (", abi::op_name(node.op), "): ");
    if (error.rfind(prefix, 0) == 0) error.erase(0, prefix.size());
    fail(invalid_argument("[graph] ", abi::op_name(node.op), " '", what, "' (node ", nodes_.size(),
                          ") of ", operands, ": ", error));
    return {};
  }
  if (!existing) {
    out.kind = TensorKind::Intermediate;
    const TensorId id = add_tensor(std::move(out));
    if (!id.valid()) return id;
    node.output = id.index;
  }
  nodes_.push_back(node);
  signature_.clear();
  return TensorId{node.output};
}

void Graph::mark_output(TensorId id) {
  if (!usable({id}, "mark_output")) return;
  GraphTensor& t = tensors_[id.index];
  if (t.kind == TensorKind::Weight || t.kind == TensorKind::View) {
    fail(invalid_argument("[graph] mark_output '", t.name, "': a ",
                          t.kind == TensorKind::Weight ? "weight" : "view",
                          " cannot be an output (mark its base or the op that reads it)"));
    return;
  }
  t.output = true;
  signature_.clear();
}

TensorId Graph::find(std::string_view name) const {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].name == name) return TensorId{static_cast<int32_t>(i)};
  }
  return {};
}

const std::string& Graph::signature() const {
  if (!signature_.empty()) return signature_;
  std::string& s = signature_;
  s.reserve(64 * (tensors_.size() + nodes_.size()));
  char buf[64];
  for (const GraphTensor& t : tensors_) {
    std::snprintf(buf, sizeof buf, "t%d:%u:", static_cast<int>(t.kind), t.dtype);
    s += buf;
    for (uint32_t i = 0; i < t.rank; ++i) s += str_cat(t.shape[i], "/", t.strides[i], ",");
    s += str_cat("@", t.offset, "^", t.base, t.output ? "!" : "", "'", t.name, "'");
    if (t.kind == TensorKind::Weight) {
      s += str_cat("#", static_cast<const void*>(t.data.data()), "+", t.data.size());
    }
    s += ";";
  }
  for (const GraphNode& n : nodes_) {
    s += str_cat("n", n.op, "(");
    for (uint32_t i = 0; i < n.n_inputs; ++i) s += str_cat(n.inputs[i], ",");
    s += str_cat(")>", n.output, "{");
    // Params as bytes: the union is plain data, zeroed before a builder sets a member.
    static constexpr char kHex[] = "0123456789abcdef";
    const auto* p = reinterpret_cast<const unsigned char*>(&n.params);
    for (size_t i = 0; i < sizeof n.params; ++i) {
      s += kHex[p[i] >> 4];
      s += kHex[p[i] & 15];
    }
    s += "};";
  }
  if (!status_.is_ok()) s += "!failed";
  return s;
}

uint64_t Graph::signature_hash() const {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : signature()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace braid::core
