// Parity of the data-movement ops (concat, permute, copy, set_rows) and of small multi-node
// graphs with intermediates, run repeatedly: a compiled graph must give the same bits each run.
#include <algorithm>
#include <numeric>

#include "parity.h"

namespace braid::test {
namespace {

using abi::kF32;
using abi::kI32;

class LayoutParity : public Parity {};

TEST_P(LayoutParity, ConcatEveryAxis) {
  for (uint32_t dtype : {abi::kF32, abi::kF16, abi::kI32}) {
    for (int32_t axis = 0; axis < 3; ++axis) {
      std::vector<int64_t> a = {3, 5, 7}, b = a, out = a;
      b[axis] = 2;
      out[axis] += 2;
      OpCase c;
      c.op = BRAID_OP_CONCAT;
      c.params.concat.axis = axis;
      c.inputs = {HostTensor::random(dtype, a, 900 + axis, -100, 100),
                  HostTensor::random(dtype, b, 910 + axis, -100, 100)};
      c.label = core::str_cat("concat ", describe(*c.inputs[0]), " ", describe(*c.inputs[1]),
                              " axis ", axis);
      c.output = GraphTensor::output(dtype, out);
      check_layouts(
          c, tolerance(c.op),
          {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter, Layout::InnerStrided});
    }
  }
  finish();
}

TEST_P(LayoutParity, PermuteEveryOrder) {
  for (uint32_t dtype : {abi::kF32, abi::kF16}) {
    std::vector<int32_t> axes = {0, 1, 2};
    do {
      OpCase c;
      c.op = BRAID_OP_PERMUTE;
      std::copy(axes.begin(), axes.end(), c.params.permute.axes);
      const std::vector<int64_t> shape = {3, 5, 7};
      c.inputs = {HostTensor::random(dtype, shape, 920)};
      c.label =
          core::str_cat("permute ", describe(*c.inputs[0]), " to ", axes[0], axes[1], axes[2]);
      c.output = GraphTensor::output(dtype, {shape[axes[0]], shape[axes[1]], shape[axes[2]]});
      check_layouts(c, tolerance(c.op), {Layout::Contiguous, Layout::SwappedOuter});
    } while (std::next_permutation(axes.begin(), axes.end()));
  }
  for (const std::vector<int32_t>& axes :
       std::vector<std::vector<int32_t>>{{0, 2, 1, 3}, {3, 2, 1, 0}}) {
    const std::vector<int64_t> shape = {2, 3, 4, 5};
    OpCase c;
    c.op = BRAID_OP_PERMUTE;
    std::copy(axes.begin(), axes.end(), c.params.permute.axes);
    c.inputs = {HostTensor::random(kF32, shape, 921)};
    c.label = "permute rank 4";
    c.output =
        GraphTensor::output(kF32, {shape[axes[0]], shape[axes[1]], shape[axes[2]], shape[axes[3]]});
    check_layouts(c, tolerance(c.op), {Layout::Contiguous, Layout::PaddedRows});
  }
  finish();
}

TEST_P(LayoutParity, CopyConvertsIntoStridedDestinations) {
  const std::vector<std::pair<uint32_t, uint32_t>> conversions = {
      {kF32, kF32},      {kF32, abi::kF16},  {kF32, abi::kBF16}, {kF32, abi::kQ8_0},
      {abi::kF16, kF32}, {abi::kBF16, kF32}, {abi::kQ8_0, kF32}, {abi::kF16, abi::kF16}};
  for (const auto& [from, to] : conversions) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{{17, 64}, {3, 4, 32}, {32}}) {
      OpCase c;
      c.op = BRAID_OP_COPY;
      c.inputs = {HostTensor::random(from, shape, 930, -4, 4)};
      c.label = "copy " + describe(*c.inputs[0]) + " to " + abi::dtype_name(to);
      c.output = GraphTensor::output(to, shape);
      // A padded or swapped destination is a view into a larger cache.
      for (Layout out : {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter}) {
        check(c, tolerance(c.op, to), Layout::Contiguous, out);
        check(c, tolerance(c.op, to), Layout::PaddedRows, out);
      }
    }
  }
  finish();
}

TEST_P(LayoutParity, SetRowsIntoACache) {
  for (uint32_t to : {kF32, abi::kF16, abi::kBF16, abi::kQ8_0}) {
    for (const auto& rows : std::vector<std::vector<int32_t>>{{4}, {0, 16, 5}, {2, 7, 2}}) {
      for (const auto& tail : std::vector<std::vector<int64_t>>{{64}, {2, 32}}) {
        const int64_t m = static_cast<int64_t>(rows.size());
        std::vector<int64_t> src_shape = {m}, dst_shape = {17};
        src_shape.insert(src_shape.end(), tail.begin(), tail.end());
        dst_shape.insert(dst_shape.end(), tail.begin(), tail.end());
        OpCase c;
        c.op = BRAID_OP_SET_ROWS;
        c.inputs = {HostTensor::random(kF32, src_shape, 940, -3, 3),
                    HostTensor::from_i32({m}, rows)};
        c.label = "set_rows " + describe(*c.inputs[0]) + " into " + abi::dtype_name(to) +
                  (rows.size() == 3 && rows[0] == rows[2] ? " (repeated index)" : "");
        c.output = GraphTensor::output_from(HostTensor::random(to, dst_shape, 941));
        for (Layout out : {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter}) {
          check(c, tolerance(c.op, to), Layout::Contiguous, out);
        }
      }
    }
  }
  finish();
}

TEST_P(LayoutParity, ReshapeKeepsTheElementOrder) {
  struct Case {
    uint32_t dtype;
    std::vector<int64_t> from, to;
  };
  const std::vector<Case> cases = {{kF32, {6, 4}, {24}},           {kF32, {2, 3, 4}, {4, 6}},
                                   {abi::kF16, {5, 8}, {2, 4, 5}}, {kI32, {12}, {3, 2, 2}},
                                   {abi::kQ8_0, {4, 64}, {8, 32}}, {kF32, {1, 7}, {7, 1}}};
  for (const Case& rc : cases) {
    OpCase c;
    c.op = BRAID_OP_RESHAPE;
    c.inputs = {HostTensor::random(rc.dtype, rc.from, 960, -50, 50)};
    c.label = core::str_cat("reshape ", describe(*c.inputs[0]), " to ", rc.to.size(), " dims");
    c.output = GraphTensor::output(rc.dtype, rc.to);
    check(c, tolerance(c.op, rc.dtype));
  }
  finish();
}

// norm -> matmul (Q8_0) -> swiglu with a second matmul -> matmul (F16) + residual: the shape of
// a transformer MLP block, with every intermediate left to the backend.
GraphCase mlp_block(int64_t n_tokens, int64_t n_embd, int64_t n_ff) {
  GraphCase g;
  auto add = [&](GraphTensor t) {
    g.tensors.push_back(std::move(t));
    return static_cast<int32_t>(g.tensors.size() - 1);
  };
  const int32_t x = add(GraphTensor::input(HostTensor::random(kF32, {n_tokens, n_embd}, 950)));
  const int32_t norm_w = add(GraphTensor::input(HostTensor::random(kF32, {n_embd}, 951)));
  const int32_t gate_w =
      add(GraphTensor::input(HostTensor::random(abi::kQ8_0, {n_ff, n_embd}, 952)));
  const int32_t up_w = add(GraphTensor::input(HostTensor::random(abi::kQ4_K, {n_ff, n_embd}, 953)));
  const int32_t down_w =
      add(GraphTensor::input(HostTensor::random(abi::kF16, {n_embd, n_ff}, 954, -0.1f, 0.1f)));
  const int32_t normed = add(GraphTensor::intermediate(kF32, {n_tokens, n_embd}));
  const int32_t gate = add(GraphTensor::intermediate(kF32, {n_tokens, n_ff}));
  const int32_t up = add(GraphTensor::intermediate(kF32, {n_tokens, n_ff}));
  const int32_t act = add(GraphTensor::intermediate(kF32, {n_tokens, n_ff}));
  const int32_t down = add(GraphTensor::intermediate(kF32, {n_tokens, n_embd}));
  const int32_t out = add(GraphTensor::output(kF32, {n_tokens, n_embd}));
  auto node = [&](uint32_t op, std::vector<int32_t> inputs, int32_t output) {
    braid_node_desc n{};
    n.op = op;
    n.n_inputs = static_cast<uint32_t>(inputs.size());
    std::copy(inputs.begin(), inputs.end(), n.inputs);
    n.output = output;
    return n;
  };
  g.nodes.push_back(node(BRAID_OP_RMS_NORM, {x, norm_w}, normed));
  g.nodes.back().params.norm.eps = 1e-5f;
  g.nodes.push_back(node(BRAID_OP_MATMUL, {normed, gate_w}, gate));
  g.nodes.push_back(node(BRAID_OP_MATMUL, {normed, up_w}, up));
  g.nodes.push_back(node(BRAID_OP_SWIGLU, {gate, up}, act));
  g.nodes.push_back(node(BRAID_OP_MATMUL, {act, down_w}, down));
  g.nodes.push_back(node(BRAID_OP_ADD, {x, down}, out));
  return g;
}

TEST_P(LayoutParity, MlpBlockGraphWithIntermediatesIsRepeatable) {
  for (const auto& [n_tokens, n_embd, n_ff] :
       std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 256, 512}, {7, 512, 768}}) {
    SCOPED_TRACE(core::str_cat("mlp block ", n_tokens, "x", n_embd, "x", n_ff));
    const GraphCase g = mlp_block(n_tokens, n_embd, n_ff);
    auto want = run_graph(*reference_, g);
    ASSERT_TRUE(want.ok()) << want.status().to_string();
    auto once = run_graph(*device_, g, 1);
    if (!once.ok() && once.status().code() == core::StatusCode::NotSupported) {
      ++declined_;
      first_decline_ = once.status().message();
      continue;
    }
    ASSERT_TRUE(once.ok()) << once.status().to_string();
    ++checked_;
    auto thrice = run_graph(*device_, g, 3);
    ASSERT_TRUE(thrice.ok()) << thrice.status().to_string();
    for (const auto& e : once->guard_errors) ADD_FAILURE() << e;
    // Same inputs, same compiled graph: the same bits every run.
    EXPECT_EQ(once->outputs[0].bytes(), thrice->outputs[0].bytes());
    const Diff d = compare(once->outputs[0].to_f32(), want->outputs[0].to_f32());
    EXPECT_EQ(d.got_nonfinite, 0);
    const Tolerance tol = tolerance(BRAID_OP_MATMUL, abi::kQ4_K);
    if (GetParam() == "reference") {
      EXPECT_EQ(d.max_abs, 0.0);
    } else {
      EXPECT_LE(d.nmse, tol.nmse);
    }
  }
  finish();
}

BRAID_PARITY_SUITE(LayoutParity);

}  // namespace
}  // namespace braid::test
