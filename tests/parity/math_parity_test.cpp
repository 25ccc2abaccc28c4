// Parity of the element-wise ops, normalization, softmax and rotary embedding.
#include <cmath>

#include "parity.h"

namespace braid::test {
namespace {

using abi::kF32;
using abi::kI32;
constexpr auto kLayouts = {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter,
                           Layout::InnerStrided};

OpCase unary_case(uint32_t op, std::vector<int64_t> shape, uint64_t seed, float lo, float hi) {
  OpCase c;
  c.op = op;
  HostTensor x = HostTensor::random(kF32, shape, seed, lo, hi);
  c.label = abi::op_name(op) + " " + describe(x);
  c.inputs = {x};
  c.output = GraphTensor::output(kF32, shape);
  return c;
}

class MathParity : public Parity {};

TEST_P(MathParity, AddAndMulBroadcast) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{3, 17, 33}, {3, 17, 33}},
      {{3, 17, 33}, {33}},
      {{3, 17, 33}, {17, 1}},
      {{3, 17, 33}, {1}},
      {{3, 17, 33}, {3, 1, 33}},
      {{4097}, {4097}},
      {{1}, {1}},
      {{2, 3, 5, 7}, {3, 1, 7}}};
  for (uint32_t op : {BRAID_OP_ADD, BRAID_OP_MUL}) {
    uint64_t seed = 10;
    for (const auto& [a, b] : shapes) {
      OpCase c;
      c.op = op;
      HostTensor x = HostTensor::random(kF32, a, ++seed), y = HostTensor::random(kF32, b, ++seed);
      c.label = abi::op_name(op) + " " + describe(x) + " by " + describe(y);
      c.inputs = {x, y};
      c.output = GraphTensor::output(kF32, a);
      check_layouts(c, tolerance(op), kLayouts);
      check(c, tolerance(op), Layout::Contiguous, Layout::PaddedRows);
    }
  }
  finish();
}

TEST_P(MathParity, ScaleAndActivations) {
  for (uint32_t op :
       {BRAID_OP_SCALE, BRAID_OP_SILU, BRAID_OP_GELU, BRAID_OP_GELU_TANH, BRAID_OP_QUICK_GELU}) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{{1}, {17}, {3, 4097}}) {
      OpCase c = unary_case(op, shape, 20 + op, -6.0f, 6.0f);
      c.params.scale.scale = 0.37f;
      c.params.scale.bias = -0.25f;
      check_layouts(c, tolerance(op), kLayouts);
    }
  }
  finish();
}

TEST_P(MathParity, Swiglu) {
  for (const auto& shape : std::vector<std::vector<int64_t>>{{1}, {3, 4097}, {2, 5, 17}}) {
    OpCase c;
    c.op = BRAID_OP_SWIGLU;
    c.inputs = {HostTensor::random(kF32, shape, 31, -5, 5), HostTensor::random(kF32, shape, 32)};
    c.label = "swiglu " + describe(*c.inputs[0]);
    c.output = GraphTensor::output(kF32, shape);
    check_layouts(c, tolerance(c.op), kLayouts);
  }
  finish();
}

TEST_P(MathParity, RmsNormAndLayerNorm) {
  for (uint32_t op : {BRAID_OP_RMS_NORM, BRAID_OP_LAYER_NORM}) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{{3, 4097}, {17, 1}, {2, 3, 64}}) {
      const int64_t n = shape.back();
      for (int with = 0; with < 4; ++with) {  // bit 0: weight, bit 1: bias (layer norm only)
        if (op == BRAID_OP_RMS_NORM && with >= 2) continue;
        OpCase c;
        c.op = op;
        c.params.norm.eps = with % 2 ? 1e-5f : 1e-6f;
        // An offset makes layer norm's mean matter.
        c.inputs = {HostTensor::random(kF32, shape, 40 + with, -2.0f, 3.0f)};
        c.inputs.push_back(with & 1 ? std::optional(HostTensor::random(kF32, {n}, 41, 0.5f, 1.5f))
                                    : std::nullopt);
        if (with & 2) c.inputs.push_back(HostTensor::random(kF32, {n}, 42));
        c.label = abi::op_name(op) + " " + describe(*c.inputs[0]) + " weight " +
                  std::to_string(with & 1) + " bias " + std::to_string(with >> 1);
        c.output = GraphTensor::output(kF32, shape);
        check_layouts(c, tolerance(op), kLayouts);
      }
    }
  }
  finish();
}

TEST_P(MathParity, RopeBothModesWithFrequencyFactors) {
  struct Shape {
    int64_t n_tokens, n_heads, head_dim;
    int32_t n_rot;
  };
  for (const Shape s :
       {Shape{7, 4, 64, 64}, Shape{1, 2, 128, 128}, Shape{5, 3, 80, 32}, Shape{17, 1, 2, 2}}) {
    for (uint32_t mode : {BRAID_ROPE_ADJACENT, BRAID_ROPE_HALF_SPLIT}) {
      for (int variant = 0; variant < 3; ++variant) {
        OpCase c;
        c.op = BRAID_OP_ROPE;
        c.params.rope = {mode, s.n_rot, variant == 2 ? 500000.0f : 10000.0f,
                         variant == 1 ? 0.25f : 1.0f};
        std::vector<int32_t> positions(s.n_tokens);
        for (int64_t t = 0; t < s.n_tokens; ++t)
          positions[t] = static_cast<int32_t>((t * 613 + variant * 1000) % 4096);
        c.inputs = {HostTensor::random(kF32, {s.n_tokens, s.n_heads, s.head_dim}, 50 + variant),
                    HostTensor::from_i32({s.n_tokens}, positions)};
        if (variant == 2) {
          c.inputs.push_back(HostTensor::random(kF32, {s.n_rot / 2}, 51, 1.0f, 8.0f));
        }
        c.label = core::str_cat("rope mode ", mode, " ", describe(*c.inputs[0]), " n_rot ", s.n_rot,
                                " variant ", variant);
        c.output = GraphTensor::output(kF32, {s.n_tokens, s.n_heads, s.head_dim});
        check_layouts(c, tolerance(c.op), kLayouts);
      }
    }
  }
  finish();
}

TEST_P(MathParity, SoftmaxWithScaleAndMask) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> shapes = {
      {{3, 17, 4097}, {}}, {{3, 17, 33}, {17, 33}}, {{1}, {}}, {{4, 1, 9}, {1, 9}}};
  for (const auto& [shape, mask_shape] : shapes) {
    OpCase c;
    c.op = BRAID_OP_SOFTMAX;
    c.params.softmax.scale = 0.125f;
    c.inputs = {HostTensor::random(kF32, shape, 60, -20.0f, 20.0f)};
    if (!mask_shape.empty()) {
      // A causal-looking mask: -inf above the diagonal, small values elsewhere.
      std::vector<float> mask = HostTensor::random(kF32, mask_shape, 61).to_f32();
      const int64_t cols = mask_shape.back();
      for (size_t i = 0; i < mask.size(); ++i) {
        if (static_cast<int64_t>(i % cols) > static_cast<int64_t>(i / cols) + 2)
          mask[i] = -INFINITY;
      }
      c.inputs.push_back(HostTensor::from_f32(kF32, mask_shape, mask));
    }
    c.label = "softmax " + describe(*c.inputs[0]) + (mask_shape.empty() ? "" : " masked");
    c.output = GraphTensor::output(kF32, shape);
    check_layouts(c, tolerance(c.op), kLayouts);
  }
  finish();
}

BRAID_PARITY_SUITE(MathParity);

}  // namespace
}  // namespace braid::test
