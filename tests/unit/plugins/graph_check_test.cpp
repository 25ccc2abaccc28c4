// The shared op and layout rules (braid/graph_check.h): a valid graph passes, and each way a
// graph can be malformed is refused with a message that names the problem.
#include "braid/graph_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "braid/core/dtype.h"

namespace braid::abi {
namespace {

braid_buffer_t* const kBufferA = reinterpret_cast<braid_buffer_t*>(0x1000);
braid_buffer_t* const kReadOnly = reinterpret_cast<braid_buffer_t*>(0x2000);

braid_tensor_desc tensor(uint32_t dtype, std::vector<int64_t> shape, bool in_buffer = true) {
  braid_tensor_desc t{};
  t.dtype = dtype;
  t.rank = static_cast<uint32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
  const auto strides = contiguous_strides(dtype, t.rank, t.shape);
  for (size_t i = 0; i < shape.size(); ++i) t.strides[i] = strides[i];
  t.buffer = in_buffer ? kBufferA : nullptr;
  return t;
}

braid_node_desc node(uint32_t op, std::vector<int32_t> inputs, int32_t output) {
  braid_node_desc n{};
  n.op = op;
  n.n_inputs = static_cast<uint32_t>(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) n.inputs[i] = inputs[i];
  n.output = output;
  return n;
}

struct Graph {
  std::vector<braid_tensor_desc> tensors;
  std::vector<braid_node_desc> nodes;
  braid_graph_desc desc() const {
    return {static_cast<uint32_t>(tensors.size()), tensors.data(),
            static_cast<uint32_t>(nodes.size()), nodes.data()};
  }
};

std::optional<BufferFacts> lookup(const braid_buffer_t* b) {
  if (b == kBufferA) return BufferFacts{1 << 20, true};
  if (b == kReadOnly) return BufferFacts{1 << 20, false};
  return std::nullopt;
}

// A matmul [3, 64] x Q8_0 [5, 64] -> intermediate [3, 5] -> silu -> output [3, 5].
Graph matmul_silu() {
  Graph g;
  g.tensors = {tensor(kF32, {3, 64}), tensor(kQ8_0, {5, 64}), tensor(kF32, {3, 5}, false),
               tensor(kF32, {3, 5})};
  g.nodes = {node(BRAID_OP_MATMUL, {0, 1}, 2), node(BRAID_OP_SILU, {2}, 3)};
  return g;
}

void expect_error(const Graph& g, const std::string& needle) {
  const std::string error = validate_graph(g.desc(), lookup);
  EXPECT_NE(error.find(needle), std::string::npos) << "got: '" << error << "'";
}

TEST(GraphCheck, DtypeTableAgreesWithCore) {
  for (uint32_t id :
       {kF32, kF16, kBF16, kI32, kQ8_0, kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ4_K, kQ5_K, kQ6_K}) {
    const DtypeFacts* facts = dtype_facts(id);
    ASSERT_NE(facts, nullptr);
    const auto core_info = core::dtype_info(id);
    ASSERT_TRUE(core_info.has_value());
    EXPECT_EQ(facts->name, core_info->name);
    EXPECT_EQ(facts->block_size, core_info->block_size);
    EXPECT_EQ(facts->block_bytes, core_info->block_bytes);
  }
  EXPECT_EQ(dtype_facts(9), nullptr);  // Q8_1 does not cross the ABI
  EXPECT_EQ(dtype_name(99), "dtype 99");
  EXPECT_EQ(op_name(BRAID_OP_SET_ROWS), "set_rows");
}

TEST(GraphCheck, LayoutHelpers) {
  const braid_tensor_desc q = tensor(kQ4_K, {2, 3, 512});
  EXPECT_EQ(q.strides[2], 0);
  EXPECT_EQ(q.strides[1], 2 * 144);
  EXPECT_EQ(q.strides[0], 3 * 2 * 144);
  EXPECT_EQ(byte_extent(q), 6 * 2 * 144);
  EXPECT_TRUE(is_contiguous(q));
  braid_tensor_desc t = tensor(kF32, {4, 3});
  std::swap(t.strides[0], t.strides[1]);  // a transposed view: [4, 3] over [3, 4] storage
  t.strides[1] = 16;
  t.strides[0] = 4;
  EXPECT_FALSE(is_contiguous(t));
  EXPECT_TRUE(is_non_overlapping(t));
  EXPECT_EQ(byte_extent(t), 3 * 4 + 2 * 16 + 4);
  t.strides[1] = 8;  // rows of 3 elements 8 bytes apart overlap a 4-element dim of stride 4
  EXPECT_FALSE(is_non_overlapping(t));
}

TEST(GraphCheck, AValidGraphPasses) {
  const Graph g = matmul_silu();
  EXPECT_EQ(validate_graph(g.desc(), lookup), "");
  OutputRule rule;
  EXPECT_EQ(infer_output(g.desc(), 0, &rule), "");
  EXPECT_EQ(rule.rank, 2u);
  EXPECT_EQ(rule.shape[1], 5);
}

TEST(GraphCheck, TensorDescriptionsAreChecked) {
  Graph g = matmul_silu();
  g.tensors[0].dtype = 4;
  expect_error(g, "dtype id 4 is not one the ABI carries");
  g = matmul_silu();
  g.tensors[0].rank = 5;
  expect_error(g, "rank 5 is outside 1..4");
  g = matmul_silu();
  g.tensors[0].shape[0] = 0;
  expect_error(g, "dim 0 is 0, must be >= 1");
  g = matmul_silu();
  g.tensors[1].shape[1] = 48;
  expect_error(g, "innermost dim 48 is not a multiple of the Q8_0 block size 32");
  g = matmul_silu();
  g.tensors[1].strides[1] = 34;
  expect_error(g, "a block type's innermost stride must be 0");
  g = matmul_silu();
  g.tensors[0].strides[0] = -4;
  expect_error(g, "stride 0 is negative");
  g = matmul_silu();
  g.tensors[2].strides[0] = 40;
  expect_error(g, "an intermediate must be contiguous");
  g = matmul_silu();
  g.tensors[0].shape[0] = int64_t{1} << 62;
  expect_error(g, "overflows");
}

TEST(GraphCheck, BuffersAreLookedUp) {
  Graph g = matmul_silu();
  g.tensors[0].buffer = reinterpret_cast<braid_buffer_t*>(0x3000);
  expect_error(g, "tensor 0: its buffer is not a live buffer of this device");
  g = matmul_silu();
  g.tensors[0].offset = (1 << 20) - 100;
  expect_error(g, "at offset 1048476 needs 1049244 bytes; its buffer has 1048576");
  g = matmul_silu();
  g.tensors[3].buffer = kReadOnly;
  expect_error(g, "node 1 (silu): output (tensor 3) is in a read-only buffer");
  g.tensors[3].buffer = kBufferA;
  g.tensors[1].buffer = kReadOnly;  // reading from read-only memory is fine
  EXPECT_EQ(validate_graph(g.desc(), lookup), "");
}

TEST(GraphCheck, NodesAreChecked) {
  Graph g = matmul_silu();
  g.nodes[0].inputs[1] = 7;
  expect_error(g, "node 0 (matmul): src1 = 7 is not a tensor index (4 tensors) or -1");
  g = matmul_silu();
  g.nodes[0].n_inputs = 1;
  expect_error(g, "node 0 (matmul): src1 is required");
  g = matmul_silu();
  g.nodes[1].n_inputs = 2;
  g.nodes[1].inputs[1] = 0;
  expect_error(g, "n_inputs 2 is more than the 1 this op reads");
  g = matmul_silu();
  g.tensors[1].shape[1] = 96;
  expect_error(g, "innermost dim 96 != src0's innermost dim 64");
  g = matmul_silu();
  g.tensors[3].shape[1] = 6;
  expect_error(g, "node 1 (silu): output F32 [3, 6] must have shape [3, 5]");
  g = matmul_silu();
  g.tensors[3].dtype = kF16;
  expect_error(g, "output F16 [3, 5]: dtype must be F32");
  g = matmul_silu();
  g.nodes[1].inputs[0] = 3;
  expect_error(g, "the output (tensor 3) is also src0");
  g = matmul_silu();
  std::swap(g.nodes[0], g.nodes[1]);
  expect_error(g, "node 0 (silu): src0 (tensor 2) is an intermediate that no earlier node writes");
  g = matmul_silu();
  g.nodes[0].op = 99;
  expect_error(g, "unknown op");
  g = matmul_silu();
  g.tensors[3].strides[0] = 0;  // every row on top of the first
  expect_error(g, "its strides make elements overlap");
  g = matmul_silu();
  g.nodes.clear();
  expect_error(g, "has no nodes");
}

TEST(GraphCheck, OpRules) {
  struct Case {
    std::vector<braid_tensor_desc> tensors;
    braid_node_desc node;
    std::string error;  // "" when valid
  };
  braid_op_params rope{};
  rope.rope = {BRAID_ROPE_HALF_SPLIT, 64, 10000.0f, 1.0f};
  braid_op_params bad_rope = rope;
  bad_rope.rope.n_rot = 63;
  braid_op_params causal{};
  causal.attention = {0.125f, 1};
  braid_op_params conv{};
  conv.conv = {2, 1};
  braid_op_params big_kernel{};
  big_kernel.conv = {1, 0};
  braid_op_params perm{};
  perm.permute = {{2, 0, 1, 0}};
  braid_op_params bad_perm{};
  bad_perm.permute = {{2, 2, 1, 0}};
  braid_op_params axis1{};
  axis1.concat.axis = 1;
  auto with = [](braid_node_desc n, braid_op_params p) {
    n.params = p;
    return n;
  };
  const std::vector<Case> cases = {
      {{tensor(kF32, {2, 3, 8}), tensor(kF32, {3, 1}), tensor(kF32, {2, 3, 8})},
       node(BRAID_OP_ADD, {0, 1}, 2),
       ""},
      {{tensor(kF32, {2, 3, 8}), tensor(kF32, {2, 8}), tensor(kF32, {2, 3, 8})},
       node(BRAID_OP_ADD, {0, 1}, 2),
       "does not broadcast to F32 [2, 3, 8]"},
      {{tensor(kF32, {7, 4, 64}), tensor(kI32, {7}), tensor(kF32, {7, 4, 64})},
       with(node(BRAID_OP_ROPE, {0, 1}, 2), rope),
       ""},
      {{tensor(kF32, {7, 4, 64}), tensor(kI32, {7}), tensor(kF32, {7, 4, 64})},
       with(node(BRAID_OP_ROPE, {0, 1}, 2), bad_rope),
       "params.rope.n_rot 63 must be even"},
      {{tensor(kF32, {7, 4, 64}), tensor(kF32, {7}), tensor(kF32, {7, 4, 64})},
       with(node(BRAID_OP_ROPE, {0, 1}, 2), rope),
       "src1 F32 [7]: dtype must be I32"},
      {{tensor(kF32, {2, 8, 64}), tensor(kF16, {9, 2, 64}), tensor(kF16, {9, 2, 64}),
        tensor(kI32, {2}), tensor(kF32, {2, 8, 64})},
       with(node(BRAID_OP_ATTENTION, {0, 1, 2, 3}, 4), causal),
       ""},
      {{tensor(kF32, {2, 8, 64}), tensor(kF16, {9, 2, 64}), tensor(kF16, {9, 2, 64}),
        tensor(kF32, {2, 8, 64})},
       with(node(BRAID_OP_ATTENTION, {0, 1, 2}, 3), causal),
       "causal attention needs src3"},
      {{tensor(kF32, {2, 8, 64}), tensor(kF16, {9, 3, 64}), tensor(kF16, {9, 3, 64}),
        tensor(kF32, {2, 8, 64})},
       node(BRAID_OP_ATTENTION, {0, 1, 2}, 3),
       "n_head 8 is not a multiple of n_head_kv 3"},
      {{tensor(kF32, {2, 8, 64}), tensor(kF16, {9, 2, 64}), tensor(kF16, {9, 2, 64}),
        tensor(kF32, {2, 9}), tensor(kF32, {2, 8, 64})},
       node(BRAID_OP_ATTENTION, {0, 1, 2, -1, 3}, 4),
       ""},
      {{tensor(kF32, {3, 17}), tensor(kF16, {5, 3, 3}), tensor(kF32, {5, 9})},
       with(node(BRAID_OP_CONV1D, {0, 1}, 2), conv),
       ""},
      {{tensor(kF32, {3, 2}), tensor(kF32, {5, 3, 3}), tensor(kF32, {5, 1})},
       with(node(BRAID_OP_CONV1D, {0, 1}, 2), big_kernel),
       "kernel 3 is larger than the padded"},
      {{tensor(kF32, {3, 5, 7}), tensor(kF32, {7, 3, 5})},
       with(node(BRAID_OP_PERMUTE, {0}, 1), perm),
       ""},
      {{tensor(kF32, {3, 5, 7}), tensor(kF32, {7, 3, 5})},
       with(node(BRAID_OP_PERMUTE, {0}, 1), bad_perm),
       "is not a permutation"},
      {{tensor(kF16, {2, 3}), tensor(kF16, {2, 4}), tensor(kF16, {2, 7})},
       with(node(BRAID_OP_CONCAT, {0, 1}, 2), axis1),
       ""},
      {{tensor(kF16, {2, 3}), tensor(kF32, {2, 4}), tensor(kF16, {2, 7})},
       with(node(BRAID_OP_CONCAT, {0, 1}, 2), axis1),
       "must have src0's dtype and rank"},
      {{tensor(kF32, {2, 64}), tensor(kI32, {2}), tensor(kQ8_0, {17, 64})},
       node(BRAID_OP_SET_ROWS, {0, 1}, 2),
       ""},
      {{tensor(kF32, {2, 64}), tensor(kI32, {2}), tensor(kQ8_0, {17, 64}, false)},
       node(BRAID_OP_SET_ROWS, {0, 1}, 2),
       "must live in a buffer"},
      {{tensor(kF32, {2, 64}), tensor(kI32, {2}), tensor(kF16, {17, 32})},
       node(BRAID_OP_SET_ROWS, {0, 1}, 2),
       "must have shape [n_rows, 64]"},
      {{tensor(kQ4_K, {10, 256}), tensor(kI32, {3}), tensor(kF32, {3, 256})},
       node(BRAID_OP_GET_ROWS, {0, 1}, 2),
       ""},
      {{tensor(kF32, {3, 64}), tensor(kQ6_K, {3, 256}), tensor(kQ6_K, {3, 256})},
       node(BRAID_OP_COPY, {0}, 2),
       "must have shape [3, 64]"},
      {{tensor(kF32, {3, 64}), tensor(kQ4_0, {3, 64})},
       node(BRAID_OP_COPY, {0}, 1),
       "dtype must be F32, F16, BF16, Q8_0"},
      {{tensor(kQ8_0, {4, 64}), tensor(kQ8_0, {8, 32})}, node(BRAID_OP_RESHAPE, {0}, 1), ""},
      {{tensor(kF32, {4, 6}), tensor(kF32, {5, 5})},
       node(BRAID_OP_RESHAPE, {0}, 1),
       "must have the 24 elements of src0"},
      {{tensor(kF32, {4, 6}), tensor(kF16, {24})},
       node(BRAID_OP_RESHAPE, {0}, 1),
       "dtype must be F32"},
  };
  for (const Case& c : cases) {
    Graph g;
    g.tensors = c.tensors;
    g.nodes = {c.node};
    SCOPED_TRACE(op_name(c.node.op) + " expecting '" + c.error + "'");
    const std::string error = validate_graph(g.desc(), lookup);
    if (c.error.empty()) {
      EXPECT_EQ(error, "");
    } else {
      EXPECT_NE(error.find(c.error), std::string::npos) << "got: '" << error << "'";
    }
  }
}

}  // namespace
}  // namespace braid::abi
