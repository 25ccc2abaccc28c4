// The parity harness: one test body per op, instantiated for every backend (reference, cpu,
// cuda), each run compared against the reference backend. A backend whose plugin is absent or
// unusable here skips; a backend that declines a case (supports_op) has it noted, not failed.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "op_runner.h"

namespace braid::test {

/// The backends every parity test is instantiated for.
const std::vector<std::string>& parity_backends();

/// How close a backend must come to the reference: NMSE, and the largest absolute difference
/// relative to max(1, largest |reference value|).
struct Tolerance {
  double nmse;
  double max_abs;
};
/// The threshold for `op` whose deciding input (matmul weights, attention KV, copy destination)
/// has `dtype`. tolerance.cpp holds the table and the reasons for each entry.
Tolerance tolerance(uint32_t op, uint32_t dtype = abi::kF32);

class Parity : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;

  /// Runs `op` on the reference as given (contiguous) and on the backend with its inputs in
  /// `layout` (where it applies to an input) and its output in `out_layout`; checks guards,
  /// NaN/inf, NMSE and max-abs against `tol`. The reference against itself must match exactly.
  void check(const OpCase& op,
             Tolerance tol,
             Layout layout = Layout::Contiguous,
             Layout out_layout = Layout::Contiguous);
  /// check() for each layout in `layouts`.
  void check_layouts(const OpCase& op, Tolerance tol, std::initializer_list<Layout> layouts);

  /// Call at the end of a test body: skips the test when the backend declined every case.
  void finish();

  plugins::Device* device_ = nullptr;
  plugins::Device* reference_ = nullptr;
  int checked_ = 0;
  int declined_ = 0;
  std::string first_decline_;
};

/// Instantiates a Parity-derived suite for every parity backend.
#define BRAID_PARITY_SUITE(Suite)                                             \
  INSTANTIATE_TEST_SUITE_P(                                                   \
      Backends, Suite, ::testing::ValuesIn(::braid::test::parity_backends()), \
      [](const ::testing::TestParamInfo<std::string>& backend) { return backend.param; })

// Small builders for op parameters and inputs.
braid_op_params no_params();
std::vector<float> range_values(int64_t n, float start, float step);
/// "F32 [3, 17]".
std::string describe(const HostTensor& t);

}  // namespace braid::test
