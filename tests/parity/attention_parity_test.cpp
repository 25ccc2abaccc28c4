// Parity of attention: grouped-query heads, the causal rule by position, additive masks, a
// valid-length input over a larger cache, F32/F16/Q8_0 keys and values, and cache layouts.
#include <cmath>

#include "parity.h"

namespace braid::test {
namespace {

using abi::kF32;
using abi::kI32;

struct Shape {
  int64_t n_q, n_kv, n_head, n_head_kv, head_dim;
};

class AttentionParity : public Parity {};

TEST_P(AttentionParity, EveryOptionAndKvType) {
  uint64_t seed = 700;
  for (const Shape s : {Shape{1, 17, 4, 2, 64}, Shape{7, 33, 4, 4, 64}, Shape{5, 65, 8, 1, 128},
                        Shape{1, 1, 2, 2, 32}, Shape{3, 9, 2, 1, 80}}) {
    for (uint32_t kv_type : {abi::kF32, abi::kF16, abi::kQ8_0}) {
      if (s.head_dim % 32 != 0 && kv_type == abi::kQ8_0) continue;
      // variant 0: plain; 1: causal; 2: causal + mask; 3: causal + valid length < n_kv.
      for (int variant = 0; variant < 4; ++variant) {
        const int64_t n_valid = variant == 3 ? std::max<int64_t>(s.n_q, s.n_kv - 5) : s.n_kv;
        OpCase c;
        c.op = BRAID_OP_ATTENTION;
        c.params.attention = {1.0f / std::sqrt(static_cast<float>(s.head_dim)), variant >= 1};
        c.inputs = {HostTensor::random(kF32, {s.n_q, s.n_head, s.head_dim}, ++seed, -2, 2),
                    HostTensor::random(kv_type, {s.n_kv, s.n_head_kv, s.head_dim}, ++seed, -2, 2),
                    HostTensor::random(kv_type, {s.n_kv, s.n_head_kv, s.head_dim}, ++seed)};
        std::vector<int32_t> positions(s.n_q);
        for (int64_t i = 0; i < s.n_q; ++i)
          positions[i] = static_cast<int32_t>(n_valid - s.n_q + i);
        c.inputs.push_back(variant >= 1 ? std::optional(HostTensor::from_i32({s.n_q}, positions))
                                        : std::nullopt);
        if (variant == 2) {
          std::vector<float> mask = HostTensor::random(kF32, {s.n_q, s.n_kv}, ++seed).to_f32();
          for (size_t i = 0; i < mask.size(); i += 3) mask[i] = -INFINITY;
          for (int64_t i = 0; i < s.n_q; ++i) mask[i * s.n_kv] = 0.0f;  // key 0 always visible
          c.inputs.push_back(HostTensor::from_f32(kF32, {s.n_q, s.n_kv}, mask));
        } else {
          c.inputs.push_back(std::nullopt);
        }
        if (variant == 3) {
          c.inputs.push_back(HostTensor::from_i32({1}, {static_cast<int32_t>(n_valid)}));
        }
        c.label = core::str_cat("attention q ", describe(*c.inputs[0]), " kv ",
                                describe(*c.inputs[1]), " variant ", variant);
        c.output = GraphTensor::output(kF32, {s.n_q, s.n_head, s.head_dim});
        // SwappedOuter stores K and V head-major ([n_head_kv, n_kv, d]), as some caches do.
        check_layouts(c, tolerance(c.op, kv_type),
                      {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
      }
    }
  }
  finish();
}

TEST_P(AttentionParity, AQueryThatSeesNoKeyGetsZeros) {
  OpCase c;
  c.op = BRAID_OP_ATTENTION;
  c.params.attention = {0.5f, 1};
  c.inputs = {HostTensor::random(kF32, {2, 2, 32}, 801),
              HostTensor::random(kF32, {4, 1, 32}, 802),
              HostTensor::random(kF32, {4, 1, 32}, 803),
              HostTensor::from_i32({2}, {0, 3}),
              std::nullopt,
              HostTensor::from_i32({1}, {0})};  // nothing valid yet
  c.label = "attention with no valid key";
  c.output = GraphTensor::output(kF32, {2, 2, 32});
  check(c, tolerance(c.op));
  finish();
}

BRAID_PARITY_SUITE(AttentionParity);

}  // namespace
}  // namespace braid::test
