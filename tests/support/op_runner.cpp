#include "op_runner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>

#include "braid/core/half.h"
#include "braid/core/quant.h"
#include "braid/plugins/registry.h"

namespace braid::test {
namespace {

constexpr uint64_t kGuardBytes = 256;  // before and after every input and output

const abi::DtypeFacts& facts_of(uint32_t dtype) {
  const abi::DtypeFacts* facts = abi::dtype_facts(dtype);
  if (facts == nullptr) {
    ADD_FAILURE() << "op_runner: dtype " << dtype << " is not an ABI dtype";
    std::abort();
  }
  return *facts;
}

struct Placement {
  std::vector<int64_t> strides;
  int64_t bytes = 0;
};

// Strides and storage size of dtype [shape] in `layout` (see Layout).
Placement place(uint32_t dtype, const std::vector<int64_t>& shape, Layout layout) {
  const abi::DtypeFacts& f = facts_of(dtype);
  const size_t rank = shape.size();
  const bool block = f.block_size > 1;
  std::vector<size_t> order(rank);  // physical order, outermost first
  std::iota(order.begin(), order.end(), 0);
  if (layout == Layout::SwappedOuter && rank >= 2) std::swap(order[0], order[1]);
  std::vector<int64_t> pad(rank, 0);
  if (layout == Layout::PaddedRows) {
    pad[rank - 1] = block ? f.block_size : 3;
    for (size_t i = 1; i + 1 < rank; ++i) pad[i] = 1;
  }
  Placement p;
  p.strides.assign(rank, 0);
  const size_t inner = order[rank - 1];
  const int64_t unit =
      static_cast<int64_t>(f.block_bytes) * (layout == Layout::InnerStrided ? 2 : 1);
  p.strides[inner] = block ? 0 : unit;
  int64_t span =
      block ? abi::row_bytes(dtype, shape[inner] + pad[inner]) : unit * (shape[inner] + pad[inner]);
  for (int j = static_cast<int>(rank) - 2; j >= 0; --j) {
    p.strides[order[j]] = span;
    span *= shape[order[j]] + pad[order[j]];
  }
  p.bytes = span;
  return p;
}

// Byte offset of element `flat` (plain types) or of the row holding it (block types).
int64_t offset_of(const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides,
                  int64_t flat,
                  bool row_only) {
  int64_t offset = 0;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    const int64_t index = flat % shape[d];
    flat /= shape[d];
    if (!(row_only && d == static_cast<int>(shape.size()) - 1)) offset += index * strides[d];
  }
  return offset;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::Contiguous:
      return "contiguous";
    case Layout::PaddedRows:
      return "padded rows";
    case Layout::SwappedOuter:
      return "swapped outer dims";
    case Layout::InnerStrided:
      return "inner stride 2";
  }
  return "?";
}

bool layout_applies(Layout layout, uint32_t dtype, size_t rank) {
  const bool block = abi::is_block_type(dtype);
  switch (layout) {
    case Layout::Contiguous:
      return true;
    case Layout::PaddedRows:
      return rank >= 2;
    case Layout::SwappedOuter:
      return block ? rank >= 3 : rank >= 2;
    case Layout::InnerStrided:
      return !block;
  }
  return false;
}

int64_t HostTensor::n_elements() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

HostTensor HostTensor::empty(uint32_t dtype, std::vector<int64_t> shape, Layout layout) {
  HostTensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  const Placement p = place(dtype, t.shape_, layout);
  t.strides_ = p.strides;
  t.bytes_.assign(static_cast<size_t>(p.bytes), kGuardByte);
  return t;
}

HostTensor HostTensor::from_f32(uint32_t dtype,
                                std::vector<int64_t> shape,
                                const std::vector<float>& values) {
  HostTensor t = empty(dtype, std::move(shape), Layout::Contiguous);
  if (static_cast<int64_t>(values.size()) != t.n_elements()) {
    ADD_FAILURE() << "from_f32: " << values.size() << " values for " << t.n_elements()
                  << " elements";
    std::abort();
  }
  if (dtype == abi::kF32) {
    std::memcpy(t.bytes_.data(), values.data(), values.size() * sizeof(float));
    return t;
  }
  if (abi::is_block_type(dtype)) {
    const core::Status status = core::quantize_row(static_cast<core::DType>(dtype), values.data(),
                                                   t.bytes_.data(), t.n_elements());
    if (!status.is_ok()) {
      ADD_FAILURE() << "from_f32: " << status.to_string();
      std::abort();
    }
    return t;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == abi::kI32) {
      const int32_t x = static_cast<int32_t>(values[i]);
      std::memcpy(&t.bytes_[i * 4], &x, 4);
    } else {
      const uint16_t bits =
          dtype == abi::kF16 ? core::f32_to_fp16(values[i]) : core::f32_to_bf16(values[i]);
      std::memcpy(&t.bytes_[i * 2], &bits, 2);
    }
  }
  return t;
}

HostTensor HostTensor::from_i32(std::vector<int64_t> shape, const std::vector<int32_t>& values) {
  HostTensor t = empty(abi::kI32, std::move(shape), Layout::Contiguous);
  if (static_cast<int64_t>(values.size()) != t.n_elements()) {
    ADD_FAILURE() << "from_i32: " << values.size() << " values for " << t.n_elements();
    std::abort();
  }
  std::memcpy(t.bytes_.data(), values.data(), values.size() * 4);
  return t;
}

HostTensor HostTensor::from_bytes(uint32_t dtype,
                                  std::vector<int64_t> shape,
                                  const std::vector<std::byte>& bytes) {
  HostTensor t = empty(dtype, std::move(shape), Layout::Contiguous);
  if (bytes.size() != t.bytes_.size()) {
    ADD_FAILURE() << "from_bytes: " << bytes.size() << " bytes for " << t.bytes_.size();
    std::abort();
  }
  t.bytes_ = bytes;
  return t;
}

HostTensor HostTensor::strided(uint32_t dtype,
                               std::vector<int64_t> shape,
                               std::vector<int64_t> strides,
                               const std::vector<std::byte>& bytes) {
  const abi::DtypeFacts* facts = abi::dtype_facts(dtype);
  int64_t last = 0;  // offset of the last element
  for (size_t i = 0; i < shape.size(); ++i) last += (shape[i] - 1) * strides[i];
  if (facts == nullptr || facts->block_size != 1 || shape.size() != strides.size() ||
      last + facts->block_bytes > static_cast<int64_t>(bytes.size())) {
    ADD_FAILURE() << "strided: a plain type whose elements lie inside the " << bytes.size()
                  << " bytes";
    std::abort();
  }
  HostTensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.strides_ = std::move(strides);
  t.bytes_ = bytes;
  return t;
}

HostTensor HostTensor::random(
    uint32_t dtype, std::vector<int64_t> shape, uint64_t seed, float lo, float hi) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> values(n);
  uint64_t state = seed * 0x2545F4914F6CDD1Dull + 1;
  for (float& v : values) {
    const double unit = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
    v = static_cast<float>(lo + (hi - lo) * unit);
  }
  return from_f32(dtype, std::move(shape), values);
}

HostTensor HostTensor::with_layout(Layout layout) const {
  HostTensor out = empty(dtype_, shape_, layout);
  const abi::DtypeFacts& f = facts_of(dtype_);
  const bool block = f.block_size > 1;
  const int64_t row = shape_.back();
  // Raw bytes move: re-quantizing dequantized values would not give the same blocks back.
  const int64_t unit = block ? abi::row_bytes(dtype_, row) : f.block_bytes;
  const int64_t step = block ? row : 1;
  for (int64_t flat = 0; flat < n_elements(); flat += step) {
    std::memcpy(&out.bytes_[offset_of(shape_, out.strides_, flat, block)],
                &bytes_[offset_of(shape_, strides_, flat, block)], static_cast<size_t>(unit));
  }
  return out;
}

std::vector<float> HostTensor::to_f32() const {
  std::vector<float> out(n_elements());
  const abi::DtypeFacts& f = facts_of(dtype_);
  if (f.block_size > 1) {
    const int64_t row = shape_.back();
    for (int64_t flat = 0; flat < n_elements(); flat += row) {
      const core::Status status =
          core::dequantize_row(static_cast<core::DType>(dtype_),
                               &bytes_[offset_of(shape_, strides_, flat, true)], &out[flat], row);
      if (!status.is_ok()) ADD_FAILURE() << status.to_string();
    }
    return out;
  }
  for (int64_t flat = 0; flat < n_elements(); ++flat) {
    const std::byte* p = &bytes_[offset_of(shape_, strides_, flat, false)];
    if (dtype_ == abi::kF32) {
      std::memcpy(&out[flat], p, 4);
    } else if (dtype_ == abi::kI32) {
      int32_t x;
      std::memcpy(&x, p, 4);
      out[flat] = static_cast<float>(x);
    } else {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      out[flat] = dtype_ == abi::kF16 ? core::fp16_to_f32(bits) : core::bf16_to_f32(bits);
    }
  }
  return out;
}

std::vector<int32_t> HostTensor::to_i32() const {
  std::vector<int32_t> out(n_elements());
  for (int64_t flat = 0; flat < n_elements(); ++flat) {
    std::memcpy(&out[flat], &bytes_[offset_of(shape_, strides_, flat, false)], 4);
  }
  return out;
}

std::vector<bool> HostTensor::footprint() const {
  std::vector<bool> used(bytes_.size(), false);
  const abi::DtypeFacts& f = facts_of(dtype_);
  const bool block = f.block_size > 1;
  const int64_t unit = block ? abi::row_bytes(dtype_, shape_.back()) : f.block_bytes;
  const int64_t step = block ? shape_.back() : 1;
  for (int64_t flat = 0; flat < n_elements(); flat += step) {
    const int64_t start = offset_of(shape_, strides_, flat, block);
    for (int64_t b = 0; b < unit; ++b) used[start + b] = true;
  }
  return used;
}

braid_tensor_desc HostTensor::desc() const {
  braid_tensor_desc d{};
  d.dtype = dtype_;
  d.rank = static_cast<uint32_t>(shape_.size());
  for (size_t i = 0; i < shape_.size(); ++i) {
    d.shape[i] = shape_[i];
    d.strides[i] = strides_[i];
  }
  return d;
}

GraphCase OpCase::graph() const {
  GraphCase g;
  braid_node_desc node{};
  node.op = op;
  node.params = params;
  node.n_inputs = static_cast<uint32_t>(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]) {
      node.inputs[i] = static_cast<int32_t>(g.tensors.size());
      g.tensors.push_back(GraphTensor::input(*inputs[i]));
      g.tensors.back().weights = (weight_inputs >> i & 1u) != 0;
    } else {
      node.inputs[i] = -1;
    }
  }
  node.output = static_cast<int32_t>(g.tensors.size());
  g.tensors.push_back(output);
  g.nodes.push_back(node);
  return g;
}

core::Result<GraphResult> run_graph(plugins::Device& device, const GraphCase& graph, int runs) {
  std::vector<braid_tensor_desc> descs(graph.tensors.size());
  std::vector<plugins::Buffer> buffers(graph.tensors.size());
  std::vector<std::vector<std::byte>> uploaded(graph.tensors.size());
  std::vector<std::string> names(graph.tensors.size());
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    const GraphTensor& t = graph.tensors[i];
    names[i] = std::string("t").append(std::to_string(i));
    if (t.kind == GraphTensor::Kind::Intermediate) {
      descs[i] = braid_tensor_desc{};
      descs[i].dtype = t.dtype;
      descs[i].rank = static_cast<uint32_t>(t.shape.size());
      for (size_t d = 0; d < t.shape.size(); ++d) descs[i].shape[d] = t.shape[d];
      const auto strides = abi::contiguous_strides(t.dtype, descs[i].rank, descs[i].shape);
      for (size_t d = 0; d < t.shape.size(); ++d) descs[i].strides[d] = strides[d];
    } else {
      descs[i] = t.data.desc();
      std::vector<std::byte>& bytes = uploaded[i];
      bytes.assign(kGuardBytes, kGuardByte);
      bytes.insert(bytes.end(), t.data.bytes().begin(), t.data.bytes().end());
      bytes.insert(bytes.end(), kGuardBytes, kGuardByte);
      BRAID_ASSIGN_OR_RETURN(
          buffers[i], device.alloc(bytes.size(), t.weights ? plugins::BufferUsage::Weights
                                                           : plugins::BufferUsage::Activations));
      BRAID_TRY(device.upload(buffers[i], 0, bytes.data(), bytes.size()));
      descs[i].buffer = buffers[i].handle();
      descs[i].offset = kGuardBytes;
    }
    descs[i].name = names[i].c_str();
  }
  braid_graph_desc desc{static_cast<uint32_t>(descs.size()), descs.data(),
                        static_cast<uint32_t>(graph.nodes.size()), graph.nodes.data()};
  for (uint32_t n = 0; n < desc.n_nodes; ++n) {
    std::string why;
    if (!device.supports_op(desc, n, &why)) {
      return core::not_supported("[", device.plugin().name(), "] declines node ", n, ": ", why);
    }
  }
  BRAID_ASSIGN_OR_RETURN(auto compiled, device.compile(desc));
  for (int r = 0; r < runs; ++r) BRAID_TRY(device.run(compiled));
  BRAID_TRY(device.synchronize());

  GraphResult result;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    const GraphTensor& t = graph.tensors[i];
    if (t.kind != GraphTensor::Kind::Output) continue;
    std::vector<std::byte> bytes(uploaded[i].size());
    BRAID_TRY(device.download(buffers[i], 0, bytes.data(), bytes.size()));
    HostTensor out = t.data;
    std::copy(bytes.begin() + kGuardBytes, bytes.end() - kGuardBytes, out.bytes().begin());
    const std::vector<bool> used = out.footprint();
    int reported = 0;
    for (size_t b = 0; b < bytes.size() && reported < 4; ++b) {
      const bool inside = b >= kGuardBytes && b < kGuardBytes + used.size();
      if (inside && used[b - kGuardBytes]) continue;
      if (bytes[b] != uploaded[i][b]) {
        const char* where = b < kGuardBytes ? "before the tensor"
                            : inside        ? "in a gap of its layout"
                                            : "after the tensor";
        result.guard_errors.push_back(
            core::str_cat("output tensor ", i, ": byte ", b, " (", where, ") changed"));
        ++reported;
      }
    }
    result.outputs.push_back(std::move(out));
  }
  return result;
}

core::Result<GraphResult> run_op(plugins::Device& device, const OpCase& op) {
  return run_graph(device, op.graph());
}

Diff compare(const std::vector<float>& got, const std::vector<float>& want) {
  Diff d;
  if (got.size() != want.size()) {
    d.nmse = INFINITY;
    d.max_abs = INFINITY;
    return d;
  }
  double err = 0.0, ref = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) ++d.got_nonfinite;
    if (!std::isfinite(want[i])) ++d.want_nonfinite;
    const double diff = static_cast<double>(got[i]) - static_cast<double>(want[i]);
    err += diff * diff;
    ref += static_cast<double>(want[i]) * want[i];
    d.want_max_abs = std::max(d.want_max_abs, std::fabs(static_cast<double>(want[i])));
    if (!(std::fabs(diff) <= d.max_abs)) {
      d.max_abs = std::isnan(diff) ? INFINITY : std::fabs(diff);
      d.worst = static_cast<int64_t>(i);
    }
  }
  d.nmse = ref > 0.0 ? err / ref : err;
  return d;
}

plugins::Device* backend_device(const std::string& name, std::string* why) {
  static const plugins::Registry registry = plugins::Registry::discover();
  static std::map<std::string, std::unique_ptr<plugins::Device>> opened;
  static std::map<std::string, std::string> errors;
  if (auto it = opened.find(name); it != opened.end()) return it->second.get();
  if (auto it = errors.find(name); it != errors.end()) {
    if (why) *why = it->second;
    return nullptr;
  }
  auto selected = registry.select(name);
  if (!selected.ok()) {
    errors[name] = selected.status().message();
    if (why) *why = errors[name];
    return nullptr;
  }
  return (opened[name] = std::move(selected->device)).get();
}

}  // namespace braid::test
