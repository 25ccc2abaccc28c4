// The reference backend on cases small enough to work out by hand: each expected number below
// comes from the op's definition, not from running code.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "braid/core/half.h"
#include "op_runner.h"

namespace braid::test {
namespace {

using abi::kF32;
using abi::kI32;

HostTensor F(std::vector<int64_t> shape, std::vector<float> values, uint32_t dtype = kF32) {
  return HostTensor::from_f32(dtype, std::move(shape), values);
}
HostTensor I(std::vector<int64_t> shape, std::vector<int32_t> values) {
  return HostTensor::from_i32(std::move(shape), values);
}

OpCase make(uint32_t op,
            std::vector<std::optional<HostTensor>> inputs,
            std::vector<int64_t> out_shape,
            braid_op_params params = {},
            uint32_t out_dtype = kF32) {
  OpCase c;
  c.op = op;
  c.params = params;
  c.inputs = std::move(inputs);
  c.output = GraphTensor::output(out_dtype, std::move(out_shape));
  return c;
}

class ReferenceOps : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    device_ = backend_device("reference", &why);
    ASSERT_NE(device_, nullptr) << why;
  }
  core::Result<GraphResult> try_run(const OpCase& c) { return run_op(*device_, c); }
  std::vector<float> run(const OpCase& c) {
    auto result = run_op(*device_, c);
    EXPECT_TRUE(result.ok()) << result.status().to_string();
    if (!result.ok()) return {};
    for (const auto& e : result->guard_errors) ADD_FAILURE() << e;
    return result->outputs[0].to_f32();
  }
  static void expect_values(const std::vector<float>& got,
                            const std::vector<double>& want,
                            double tolerance = 1e-6) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], tolerance * std::max(1.0, std::fabs(want[i]))) << "index " << i;
    }
  }
  plugins::Device* device_ = nullptr;
};

TEST_F(ReferenceOps, MatmulWithBias) {
  // [[1 2 3] [4 5 6]] x [[1 0 -1] [2 1 0]]^T + [0.5 -1]
  auto c = make(BRAID_OP_MATMUL,
                {F({2, 3}, {1, 2, 3, 4, 5, 6}), F({2, 3}, {1, 0, -1, 2, 1, 0}), F({2}, {0.5f, -1})},
                {2, 2});
  expect_values(run(c), {-1.5, 3, -1.5, 12});
}

TEST_F(ReferenceOps, MatmulWithAHandWrittenQ8_0Block) {
  // One Q8_0 block: fp16 scale 0.5 (0x3800), then quants q[i] = i - 16: weights (i - 16) / 2.
  std::vector<std::byte> block(34);
  block[0] = std::byte{0x00};
  block[1] = std::byte{0x38};
  for (int i = 0; i < 32; ++i) block[2 + i] = static_cast<std::byte>(static_cast<int8_t>(i - 16));
  std::vector<float> x(32, 0.0f);
  x[0] = 1;   // picks weight 0: -8
  x[31] = 2;  // picks weight 31: 7.5, twice
  auto c = make(BRAID_OP_MATMUL,
                {F({1, 32}, x), HostTensor::from_bytes(abi::kQ8_0, {1, 32}, block)}, {1, 1});
  expect_values(run(c), {-8 + 15});
}

TEST_F(ReferenceOps, AddAndMulBroadcast) {
  const HostTensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_values(run(make(BRAID_OP_ADD, {x, F({3}, {10, 20, 30})}, {2, 3})),
                {11, 22, 33, 14, 25, 36});
  expect_values(run(make(BRAID_OP_MUL, {x, F({2, 1}, {2, 3})}, {2, 3})), {2, 4, 6, 12, 15, 18});
  braid_op_params p{};
  p.scale = {2.0f, 1.0f};
  expect_values(run(make(BRAID_OP_SCALE, {x}, {2, 3}, p)), {3, 5, 7, 9, 11, 13});
}

TEST_F(ReferenceOps, Activations) {
  const HostTensor x = F({2}, {1, -1});
  expect_values(run(make(BRAID_OP_SILU, {x}, {2})), {0.7310585786, -0.2689414214});
  expect_values(run(make(BRAID_OP_GELU, {x}, {2})), {0.8413447461, -0.1586552539});
  expect_values(run(make(BRAID_OP_GELU_TANH, {F({1}, {1})}, {1})), {0.8411919906});
  expect_values(run(make(BRAID_OP_QUICK_GELU, {F({1}, {1})}, {1})), {0.8457957659});
  expect_values(run(make(BRAID_OP_SWIGLU, {F({1}, {1}), F({1}, {3})}, {1})), {3 * 0.7310585786});
}

TEST_F(ReferenceOps, RmsNormAndLayerNorm) {
  braid_op_params p{};  // eps 0
  // rms([3 4]) = sqrt(12.5)
  expect_values(run(make(BRAID_OP_RMS_NORM, {F({2}, {3, 4})}, {2}, p)),
                {0.8485281374, 1.1313708499});
  expect_values(run(make(BRAID_OP_RMS_NORM, {F({2}, {3, 4}), F({2}, {2, 0.5f})}, {2}, p)),
                {1.6970562748, 0.5656854249});
  // [1 2 3]: mean 2, variance 2/3.
  expect_values(run(make(BRAID_OP_LAYER_NORM, {F({3}, {1, 2, 3})}, {3}, p)),
                {-1.2247448714, 0, 1.2247448714});
  expect_values(run(make(BRAID_OP_LAYER_NORM,
                         {F({3}, {1, 2, 3}), F({3}, {1, 2, 3}), F({3}, {1, 1, 1})}, {3}, p)),
                {1 - 1.2247448714, 1, 1 + 3 * 1.2247448714});
  // Bias without weight: slot 1 absent.
  expect_values(
      run(make(BRAID_OP_LAYER_NORM, {F({3}, {1, 2, 3}), std::nullopt, F({3}, {1, 1, 1})}, {3}, p)),
      {1 - 1.2247448714, 1, 1 + 1.2247448714});
}

TEST_F(ReferenceOps, RopeOfAKnownVector) {
  // One token, one head, x = [1 0 0 1], position 1, base 10000, n_rot 4: the pair angles are
  // 1 and 10000^(-1/2) = 0.01 radians.
  const HostTensor x = F({1, 1, 4}, {1, 0, 0, 1});
  const HostTensor pos = I({1}, {1});
  braid_op_params p{};
  p.rope = {BRAID_ROPE_ADJACENT, 4, 10000.0f, 1.0f};
  // Pairs (x0, x1) = (1, 0) and (x2, x3) = (0, 1).
  expect_values(run(make(BRAID_OP_ROPE, {x, pos}, {1, 1, 4}, p)),
                {0.5403023059, 0.8414709848, -0.0099998333, 0.9999500004});
  p.rope.mode = BRAID_ROPE_HALF_SPLIT;  // pairs (x0, x2) = (1, 0) and (x1, x3) = (0, 1)
  expect_values(run(make(BRAID_OP_ROPE, {x, pos}, {1, 1, 4}, p)),
                {0.5403023059, -0.0099998333, 0.8414709848, 0.9999500004});
  // A frequency factor of 2 halves the second angle; freq_scale 0.5 halves both.
  p.rope.mode = BRAID_ROPE_ADJACENT;
  expect_values(run(make(BRAID_OP_ROPE, {x, pos, F({2}, {1, 2})}, {1, 1, 4}, p)),
                {0.5403023059, 0.8414709848, -0.0049999792, 0.9999875000});
  p.rope.freq_scale = 0.5f;
  expect_values(run(make(BRAID_OP_ROPE, {x, pos}, {1, 1, 4}, p)),
                {0.8775825619, 0.4794255386, -0.0049999792, 0.9999875000});
  // n_rot 2: only the first pair turns; position 0 turns nothing.
  p.rope = {BRAID_ROPE_ADJACENT, 2, 10000.0f, 1.0f};
  expect_values(run(make(BRAID_OP_ROPE, {x, pos}, {1, 1, 4}, p)),
                {0.5403023059, 0.8414709848, 0, 1});
  expect_values(run(make(BRAID_OP_ROPE, {x, I({1}, {0})}, {1, 1, 4}, p)), {1, 0, 0, 1});
}

TEST_F(ReferenceOps, Softmax) {
  braid_op_params p{};
  p.softmax.scale = 1.0f;
  const HostTensor x = F({2}, {0, std::log(2.0f)});
  expect_values(run(make(BRAID_OP_SOFTMAX, {x}, {2}, p)), {1.0 / 3, 2.0 / 3});
  p.softmax.scale = 2.0f;  // [0, 2 ln 2]: weights 1 and 4
  expect_values(run(make(BRAID_OP_SOFTMAX, {x}, {2}, p)), {0.2, 0.8});
  p.softmax.scale = 1.0f;
  expect_values(run(make(BRAID_OP_SOFTMAX, {x, F({2}, {0, -INFINITY})}, {2}, p)), {1, 0});
  // Every entry masked: zeros, not NaN.
  expect_values(run(make(BRAID_OP_SOFTMAX, {x, F({2}, {-INFINITY, -INFINITY})}, {2}, p)), {0, 0});
}

TEST_F(ReferenceOps, AttentionWithTwoKeys) {
  // q = [1 0], keys [1 0] and [0 1], values [1 2] and [3 4], scale 1: scores [1 0], weights
  // e/(e+1) and 1/(e+1).
  const HostTensor q = F({1, 1, 2}, {1, 0});
  const HostTensor k = F({2, 1, 2}, {1, 0, 0, 1});
  const HostTensor v = F({2, 1, 2}, {1, 2, 3, 4});
  braid_op_params p{};
  p.attention = {1.0f, 0};
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v}, {1, 1, 2}, p)),
                {1.5378828427, 2.5378828427});
  p.attention.scale = 2.0f;  // scores [2 0]: weights e^2/(e^2+1) and 1/(e^2+1)
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v}, {1, 1, 2}, p)),
                {1.2384058440, 2.2384058440});
  p.attention = {1.0f, 1};  // causal at position 0: only key 0
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v, I({1}, {0})}, {1, 1, 2}, p)), {1, 2});
  p.attention.causal = 0;
  // A mask hiding key 0 leaves value 1; a valid length of 1 leaves value 0.
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v, std::nullopt, F({1, 2}, {-INFINITY, 0})},
                         {1, 1, 2}, p)),
                {3, 4});
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v, std::nullopt, std::nullopt, I({1}, {1})},
                         {1, 1, 2}, p)),
                {1, 2});
  // No key at all: zeros.
  expect_values(run(make(BRAID_OP_ATTENTION, {q, k, v, std::nullopt, std::nullopt, I({1}, {0})},
                         {1, 1, 2}, p)),
                {0, 0});
  // Two query heads share the one KV head (GQA); head 1's q = [0 1] flips the weights. The F16
  // cache holds these values exactly.
  const HostTensor q2 = F({1, 2, 2}, {1, 0, 0, 1});
  expect_values(
      run(make(BRAID_OP_ATTENTION,
               {q2, F({2, 1, 2}, {1, 0, 0, 1}, abi::kF16), F({2, 1, 2}, {1, 2, 3, 4}, abi::kF16)},
               {1, 2, 2}, p)),
      {1.5378828427, 2.5378828427, 2.4621171573, 3.4621171573});
  // A valid count past n_kv fails the run.
  auto bad = try_run(
      make(BRAID_OP_ATTENTION, {q, k, v, std::nullopt, std::nullopt, I({1}, {3})}, {1, 1, 2}, p));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("valid KV count 3 is outside [0, 2]"), std::string::npos)
      << bad.status().message();
}

TEST_F(ReferenceOps, Convolutions) {
  braid_op_params p{};
  p.conv = {1, 0};
  const HostTensor x = F({1, 4}, {1, 2, 3, 4});
  const HostTensor w = F({1, 1, 3}, {1, 0, -1});  // x[t] - x[t + 2]
  expect_values(run(make(BRAID_OP_CONV1D, {x, w}, {1, 2}, p)), {-2, -2});
  p.conv = {1, 1};
  expect_values(run(make(BRAID_OP_CONV1D, {x, w, F({1}, {1})}, {1, 4}, p)), {-1, -1, -1, 4});
  p.conv = {2, 1};
  expect_values(run(make(BRAID_OP_CONV1D, {x, w}, {1, 2}, p)), {-2, -2});
  // Two input channels, the second weighted 10.
  p.conv = {1, 0};
  expect_values(
      run(make(BRAID_OP_CONV1D,
               {F({2, 3}, {1, 2, 3, 1, 1, 1}), F({1, 2, 3}, {1, 0, -1, 10, 10, 10})}, {1, 1}, p)),
      {-2 + 30});

  const HostTensor img = F({1, 2, 2}, {1, 2, 3, 4});
  p.conv = {2, 0};  // one 2x2 patch
  expect_values(
      run(make(BRAID_OP_CONV2D, {img, F({2, 1, 2, 2}, {1, 1, 1, 1, 1, 0, 0, -1})}, {2, 1, 1}, p)),
      {10, -3});
  p.conv = {1, 1};  // all-ones 2x2 kernel over the zero-padded image
  expect_values(run(make(BRAID_OP_CONV2D, {img, F({1, 1, 2, 2}, {1, 1, 1, 1})}, {1, 3, 3}, p)),
                {1, 3, 2, 4, 10, 6, 3, 7, 4});
}

TEST_F(ReferenceOps, AvgPool2d) {
  braid_op_params p{};
  p.pool.kernel = 2;
  expect_values(run(make(BRAID_OP_AVG_POOL2D, {F({1, 2, 2}, {1, 2, 3, 4})}, {1, 1, 1}, p)), {2.5});
  // 3x3 with kernel 2: the last row and column fill no window.
  expect_values(
      run(make(BRAID_OP_AVG_POOL2D, {F({1, 3, 3}, {1, 2, 9, 3, 4, 9, 9, 9, 9})}, {1, 1, 1}, p)),
      {2.5});
}

TEST_F(ReferenceOps, GatherConcatPermute) {
  const HostTensor table = F({3, 2}, {1, 2, 3, 4, 5, 6});
  expect_values(run(make(BRAID_OP_GET_ROWS, {table, I({3}, {2, 0, 2})}, {3, 2})),
                {5, 6, 1, 2, 5, 6});
  expect_values(
      run(make(BRAID_OP_GET_ROWS, {F({3, 2}, {1, 2, 3, 4, 5, 6}, abi::kF16), I({1}, {1})}, {1, 2})),
      {3, 4});
  auto bad = try_run(make(BRAID_OP_GET_ROWS, {table, I({1}, {3})}, {1, 2}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("row index 3 at position 0 is outside [0, 3)"),
            std::string::npos)
      << bad.status().message();

  braid_op_params p{};
  p.concat.axis = 0;
  expect_values(run(make(BRAID_OP_CONCAT, {F({1, 2}, {1, 2}), F({2, 2}, {3, 4, 5, 6})}, {3, 2}, p)),
                {1, 2, 3, 4, 5, 6});
  p.concat.axis = 1;
  expect_values(run(make(BRAID_OP_CONCAT, {F({2, 1}, {1, 2}), F({2, 2}, {3, 4, 5, 6})}, {2, 3}, p)),
                {1, 3, 4, 2, 5, 6});
  p = {};
  p.permute.axes[0] = 1;
  p.permute.axes[1] = 0;
  expect_values(run(make(BRAID_OP_PERMUTE, {F({2, 3}, {1, 2, 3, 4, 5, 6})}, {3, 2}, p)),
                {1, 4, 2, 5, 3, 6});
}

TEST_F(ReferenceOps, CopyRoundsToNearestEvenAndKeepsSameTypeBits) {
  auto got = run_op(*device_, make(BRAID_OP_COPY, {F({1}, {1.0f / 3})}, {1}, {}, abi::kF16));
  ASSERT_TRUE(got.ok());
  uint16_t bits;
  std::memcpy(&bits, got->outputs[0].bytes().data(), 2);
  EXPECT_EQ(bits, 0x3555);  // 0.333251953125, the nearest binary16
  got = run_op(*device_, make(BRAID_OP_COPY, {F({1}, {1.0f / 3})}, {1}, {}, abi::kBF16));
  ASSERT_TRUE(got.ok());
  std::memcpy(&bits, got->outputs[0].bytes().data(), 2);
  EXPECT_EQ(bits, 0x3EAB);  // 0.333984375
  // A Q8_0 block whose largest quant is not 127 would change if requantized: copied as bits.
  std::vector<std::byte> block(34, std::byte{0});
  block[1] = std::byte{0x38};
  block[2] = std::byte{5};
  const HostTensor q = HostTensor::from_bytes(abi::kQ8_0, {32}, block);
  got = run_op(*device_, make(BRAID_OP_COPY, {q}, {32}, {}, abi::kQ8_0));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->outputs[0].bytes(), block);
}

TEST_F(ReferenceOps, SetRowsWritesOnlyTheNamedRowsAndTheLastRepeatWins) {
  const HostTensor cache = F({4, 2}, {1, 1, 2, 2, 3, 3, 4, 4});
  OpCase c = make(BRAID_OP_SET_ROWS, {F({2, 2}, {9, 9, 8, 8}), I({2}, {2, 0})}, {4, 2});
  c.output = GraphTensor::output_from(cache);
  expect_values(run(c), {8, 8, 2, 2, 9, 9, 4, 4});
  c.inputs[1] = I({2}, {1, 1});
  expect_values(run(c), {1, 1, 8, 8, 3, 3, 4, 4});
  c.inputs[1] = I({2}, {1, 4});
  auto bad = try_run(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("row index 4 at position 1 is outside [0, 4)"),
            std::string::npos);
}

TEST_F(ReferenceOps, ReshapeKeepsRowMajorOrderAndBlockBytes) {
  expect_values(run(make(BRAID_OP_RESHAPE, {F({2, 3}, {1, 2, 3, 4, 5, 6})}, {3, 2})),
                {1, 2, 3, 4, 5, 6});
  auto got = run_op(*device_, make(BRAID_OP_RESHAPE, {I({2, 2}, {7, -8, 9, 10})}, {4}, {}, kI32));
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(got->outputs[0].to_i32(), (std::vector<int32_t>{7, -8, 9, 10}));
  // Two Q8_0 blocks as [2, 32] become [64]: the same bytes.
  const HostTensor q = HostTensor::random(abi::kQ8_0, {2, 32}, 5);
  got = run_op(*device_, make(BRAID_OP_RESHAPE, {q}, {64}, {}, abi::kQ8_0));
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(got->outputs[0].bytes(), q.bytes());
  // A strided source is refused by the rules (a backend may alias, so src0 is contiguous).
  auto strided = try_run(
      make(BRAID_OP_RESHAPE, {F({2, 3}, {1, 2, 3, 4, 5, 6}).with_layout(Layout::PaddedRows)}, {6}));
  ASSERT_FALSE(strided.ok());
  EXPECT_NE(strided.status().message().find("must be contiguous"), std::string::npos)
      << strided.status().message();
}

}  // namespace
}  // namespace braid::test
