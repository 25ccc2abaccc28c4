// The nodes a Llama decoder, a CLIP/SigLIP ViT and a Whisper encoder put in their graphs, at
// reduced sizes but with the real models' forms (patch embedding with kernel = stride, the class
// token joined in front, heads split by permute, encoder attention over F32 activations, Whisper's
// kernel-3 convolutions, Gemma 3's 4 × 4 pooling, token embeddings from every table type), plus
// the edge cases of the data-movement ops: sizes that fill no tile, strided and repeated (stride
// 0) inputs, copies large enough to be split over threads, and Q8_0 on both sides of a copy.
//
// A backend may decline an op it lacks (the scheduler then runs it elsewhere), but the cpu backend
// is meant to run every node of these models itself: a decline there is a failure here.
#include <cmath>
#include <cstring>

#include "parity.h"

namespace braid::test {
namespace {

using abi::kF32;
using abi::kI32;

class ModelOpsParity : public Parity {
 protected:
  // Runs `c` in each layout and, on the cpu backend, fails if any case was declined.
  void check_runs(const OpCase& c, Tolerance tol, std::initializer_list<Layout> layouts) {
    const int before = declined_;
    check_layouts(c, tol, layouts);
    if (GetParam() == "cpu" && declined_ != before) {
      ADD_FAILURE() << "cpu declined a node a model needs: " << first_decline_;
    }
  }
};

TEST_P(ModelOpsParity, TokenEmbeddingsFromEveryTableType) {
  uint64_t seed = 1000;
  for (uint32_t dtype : {abi::kF32, abi::kF16, abi::kBF16, abi::kQ8_0, abi::kQ4_0, abi::kQ4_1,
                         abi::kQ5_0, abi::kQ5_1, abi::kQ4_K, abi::kQ5_K, abi::kQ6_K}) {
    const bool plain = abi::dtype_facts(dtype)->block_size == 1;
    // 67 rows of 512 (or 17 for plain types: no whole vector); 40 tokens fill the threads.
    const int64_t n = plain ? 17 : 512, n_rows = 67, m = 40;
    std::vector<int32_t> ids(m);
    for (int64_t i = 0; i < m; ++i) ids[i] = static_cast<int32_t>((i * 29 + 3) % n_rows);
    ids[0] = 0;
    ids[1] = static_cast<int32_t>(n_rows - 1);
    OpCase c;
    c.op = BRAID_OP_GET_ROWS;
    c.inputs = {HostTensor::random(dtype, {n_rows, n}, ++seed, -2.0f, 2.0f),
                HostTensor::from_i32({m}, ids)};
    c.label = "token embeddings from " + describe(*c.inputs[0]);
    c.output = GraphTensor::output(kF32, {m, n});
    check_runs(c, tolerance(c.op, dtype),
               plain ? std::initializer_list<Layout>{Layout::Contiguous, Layout::SwappedOuter,
                                                     Layout::InnerStrided}
                     : std::initializer_list<Layout>{Layout::Contiguous, Layout::PaddedRows});
  }
  finish();
}

TEST_P(ModelOpsParity, GetRowsRejectsAnIndexOutsideTheTable) {
  OpCase c;
  c.op = BRAID_OP_GET_ROWS;
  c.inputs = {HostTensor::random(abi::kQ8_0, {4, 64}, 1010), HostTensor::from_i32({2}, {1, 4})};
  c.label = "get_rows index 4 of 4 rows";
  c.output = GraphTensor::output(kF32, {2, 64});
  auto got = run_op(*device_, c);
  if (!got.ok() && got.status().code() == core::StatusCode::NotSupported) GTEST_SKIP();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::StatusCode::InvalidArgument) << got.status().to_string();
}

TEST_P(ModelOpsParity, VitPatchEmbeddingClassTokenAndPooling) {
  // CLIP-like: 3 × 42 × 42 image, 14 × 14 patches, 32 channels (a 3 × 3 grid); SigLIP has no
  // class token and odd widths: 3 × 30 × 45 with 15 × 15 patches (2 × 3).
  uint64_t seed = 1100;
  for (const auto& [h, w, patch, wtype] :
       std::vector<std::tuple<int64_t, int64_t, int64_t, uint32_t>>{
           {42, 42, 14, abi::kF16}, {30, 45, 15, abi::kF32}, {28, 28, 14, abi::kBF16}}) {
    const int64_t c_out = 32;
    OpCase c;
    c.op = BRAID_OP_CONV2D;
    c.params.conv = {static_cast<int32_t>(patch), 0};
    c.inputs = {HostTensor::random(kF32, {3, h, w}, ++seed),
                HostTensor::random(wtype, {c_out, 3, patch, patch}, ++seed, -0.1f, 0.1f),
                HostTensor::random(kF32, {c_out}, ++seed)};
    c.label = "patch embedding " + describe(*c.inputs[0]) + " * " + describe(*c.inputs[1]);
    c.output = GraphTensor::output(kF32, {c_out, h / patch, w / patch});
    check_runs(c, tolerance(c.op, wtype),
               {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
  }
  {
    // The class token [1, d] joined in front of the patches [n, d]; the patch grid [d, n]
    // transposed to tokens first.
    OpCase t;
    t.op = BRAID_OP_PERMUTE;
    t.params.permute.axes[0] = 1;
    t.params.permute.axes[1] = 0;
    t.inputs = {HostTensor::random(kF32, {96, 49}, ++seed)};
    t.label = "patch grid to tokens " + describe(*t.inputs[0]);
    t.output = GraphTensor::output(kF32, {49, 96});
    check_runs(t, tolerance(t.op), {Layout::Contiguous, Layout::PaddedRows});
    OpCase c;
    c.op = BRAID_OP_CONCAT;
    c.params.concat.axis = 0;
    c.inputs = {HostTensor::random(kF32, {1, 96}, ++seed),
                HostTensor::random(kF32, {49, 96}, ++seed)};
    c.label = "class token + patches";
    c.output = GraphTensor::output(kF32, {50, 96});
    check_runs(c, tolerance(c.op), {Layout::Contiguous, Layout::PaddedRows});
  }
  // Gemma 3: 4 × 4 average pooling of the 8 × 8 (here) patch grid, channels first.
  OpCase p;
  p.op = BRAID_OP_AVG_POOL2D;
  p.params.pool.kernel = 4;
  p.inputs = {HostTensor::random(kF32, {40, 8, 8}, ++seed)};
  p.label = "gemma3 pooling " + describe(*p.inputs[0]);
  p.output = GraphTensor::output(kF32, {40, 2, 2});
  check_runs(p, tolerance(p.op), {Layout::Contiguous, Layout::SwappedOuter});
  finish();
}

TEST_P(ModelOpsParity, WhisperConvolutions) {
  // conv1 (kernel 3, padding 1, stride 1) then conv2 (stride 2) over 80 mel bins × 30 frames.
  uint64_t seed = 1200;
  for (const auto& [c_in, length, c_out, stride, wtype] :
       std::vector<std::tuple<int64_t, int64_t, int64_t, int32_t, uint32_t>>{
           {80, 30, 48, 1, abi::kF16}, {48, 30, 48, 2, abi::kF16}, {7, 31, 5, 2, abi::kBF16}}) {
    OpCase c;
    c.op = BRAID_OP_CONV1D;
    c.params.conv = {stride, 1};
    c.inputs = {HostTensor::random(kF32, {c_in, length}, ++seed),
                HostTensor::random(wtype, {c_out, c_in, 3}, ++seed, -0.2f, 0.2f),
                HostTensor::random(kF32, {c_out}, ++seed)};
    c.label = core::str_cat("whisper conv1d ", describe(*c.inputs[0]), " stride ", stride);
    c.output = GraphTensor::output(kF32, {c_out, (length + 2 - 3) / stride + 1});
    check_runs(c, tolerance(c.op, wtype),
               {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
  }
  finish();
}

TEST_P(ModelOpsParity, EncoderAttentionOverActivations) {
  // Non-causal self-attention with F32 keys and values (a ViT's or Whisper's), head_dim 72 (SigLIP)
  // and 64, the heads split from [n, d] by a reshape the graph does as a view: here as inputs.
  uint64_t seed = 1300;
  for (const auto& [n, heads, hd] :
       std::vector<std::tuple<int64_t, int64_t, int64_t>>{{50, 4, 64}, {37, 3, 72}, {3, 2, 16}}) {
    OpCase c;
    c.op = BRAID_OP_ATTENTION;
    c.params.attention = {1.0f / std::sqrt(static_cast<float>(hd)), 0};
    c.inputs = {HostTensor::random(kF32, {n, heads, hd}, ++seed, -2, 2),
                HostTensor::random(kF32, {n, heads, hd}, ++seed, -2, 2),
                HostTensor::random(kF32, {n, heads, hd}, ++seed)};
    c.label = "encoder attention " + describe(*c.inputs[0]);
    c.output = GraphTensor::output(kF32, {n, heads, hd});
    check_runs(c, tolerance(c.op, kF32),
               {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
  }
  finish();
}

TEST_P(ModelOpsParity, PermuteLargeAndOddTransposes) {
  // Big enough to be split over threads, sizes that fill no 32 × 32 tile, every plain type.
  uint64_t seed = 1400;
  struct Case {
    uint32_t dtype;
    std::vector<int64_t> shape;
    std::vector<int32_t> axes;
  };
  for (const Case& pc : std::vector<Case>{{kF32, {61, 3, 257}, {1, 0, 2}},
                                          {kF32, {45, 8, 130}, {1, 2, 0}},
                                          {abi::kF16, {257, 130}, {1, 0}},
                                          {abi::kBF16, {5, 33, 65}, {0, 2, 1}},
                                          {kI32, {9, 7, 5, 3}, {3, 1, 0, 2}},
                                          {kF32, {1, 1, 1}, {2, 0, 1}}}) {
    OpCase c;
    c.op = BRAID_OP_PERMUTE;
    std::vector<int64_t> out;
    for (size_t i = 0; i < pc.axes.size(); ++i) {
      c.params.permute.axes[i] = pc.axes[i];
      out.push_back(pc.shape[pc.axes[i]]);
    }
    c.inputs = {HostTensor::random(pc.dtype, pc.shape, ++seed, -100, 100)};
    c.label = "permute " + describe(*c.inputs[0]);
    c.output = GraphTensor::output(pc.dtype, out);
    check_runs(
        c, tolerance(c.op),
        {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter, Layout::InnerStrided});
    check(c, tolerance(c.op), Layout::InnerStrided, Layout::PaddedRows);
  }
  finish();
}

TEST_P(ModelOpsParity, ConcatAndCopyOfBroadcastInputs) {
  // A stride-0 input (one row repeated: how a graph broadcasts a learned token) concatenated and
  // copied; and a 4-D concat along the innermost axis.
  HostTensor row = HostTensor::random(kF32, {1, 24}, 1500);
  const std::vector<float> values = row.to_f32();
  std::vector<std::byte> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  const HostTensor repeated = HostTensor::strided(kF32, {5, 24}, {0, 4}, bytes);
  OpCase c;
  c.op = BRAID_OP_CONCAT;
  c.params.concat.axis = 0;
  c.inputs = {repeated, HostTensor::random(kF32, {3, 24}, 1501)};
  c.label = "concat of a broadcast row";
  c.output = GraphTensor::output(kF32, {8, 24});
  check_runs(c, tolerance(c.op), {Layout::Contiguous});
  OpCase copy;
  copy.op = BRAID_OP_COPY;
  copy.inputs = {repeated};
  copy.label = "copy of a broadcast row to F16";
  copy.output = GraphTensor::output(abi::kF16, {5, 24});
  check_runs(copy, tolerance(copy.op, abi::kF16), {Layout::Contiguous});
  OpCase inner;
  inner.op = BRAID_OP_CONCAT;
  inner.params.concat.axis = 3;
  inner.inputs = {HostTensor::random(abi::kF16, {2, 3, 4, 5}, 1502),
                  HostTensor::random(abi::kF16, {2, 3, 4, 1}, 1503)};
  inner.label = "concat along the innermost axis";
  inner.output = GraphTensor::output(abi::kF16, {2, 3, 4, 6});
  check_runs(inner, tolerance(inner.op),
             {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
  finish();
}

// x F32 -> Q8_0 intermediate -> F32 output (both conversions; an intermediate is no cache).
TEST_P(ModelOpsParity, CopyThroughQ8_0) {
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{3, 64}, {300, 512}}) {
    GraphCase g;
    g.tensors.push_back(GraphTensor::input(HostTensor::random(kF32, shape, 1600, -4, 4)));
    g.tensors.push_back(GraphTensor::intermediate(abi::kQ8_0, shape));
    g.tensors.push_back(GraphTensor::output(kF32, shape));
    for (int32_t i = 0; i < 2; ++i) {
      braid_node_desc n{};
      n.op = BRAID_OP_COPY;
      n.n_inputs = 1;
      n.inputs[0] = i;
      n.output = i + 1;
      g.nodes.push_back(n);
    }
    SCOPED_TRACE(core::str_cat("copy through Q8_0, ", shape[0], " rows"));
    auto want = run_graph(*reference_, g);
    ASSERT_TRUE(want.ok()) << want.status().to_string();
    auto got = run_graph(*device_, g);
    if (!got.ok() && got.status().code() == core::StatusCode::NotSupported) {
      if (GetParam() == "cpu") ADD_FAILURE() << got.status().to_string();
      ++declined_;
      first_decline_ = got.status().message();
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    ++checked_;
    const Diff d = compare(got->outputs[0].to_f32(), want->outputs[0].to_f32());
    const Tolerance tol = tolerance(BRAID_OP_COPY, abi::kQ8_0);
    EXPECT_LE(d.nmse, tol.nmse);
    EXPECT_LE(d.max_abs, tol.max_abs * std::max(1.0, d.want_max_abs));
  }
  finish();
}

BRAID_PARITY_SUITE(ModelOpsParity);

}  // namespace
}  // namespace braid::test
