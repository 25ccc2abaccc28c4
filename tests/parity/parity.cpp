#include "parity.h"

#include <algorithm>
#include <iostream>

namespace braid::test {

const std::vector<std::string>& parity_backends() {
  static const std::vector<std::string> names = {"reference", "cpu", "cuda"};
  return names;
}

void Parity::SetUp() {
  std::string why;
  device_ = backend_device(GetParam(), &why);
  if (device_ == nullptr) GTEST_SKIP() << GetParam() << " is not available: " << why;
  reference_ = backend_device("reference", &why);
  ASSERT_NE(reference_, nullptr) << "the reference backend must load: " << why;
}

void Parity::check(const OpCase& op, Tolerance tol, Layout layout, Layout out_layout) {
  SCOPED_TRACE(op.label + ", inputs " + layout_name(layout) + ", output " +
               layout_name(out_layout));
  auto want = run_op(*reference_, op);
  ASSERT_TRUE(want.ok()) << "reference: " << want.status().to_string();
  for (const auto& e : want->guard_errors) ADD_FAILURE() << "reference: " << e;

  OpCase variant = op;
  for (auto& input : variant.inputs) {
    if (input && layout_applies(layout, input->dtype(), input->shape().size())) {
      input = input->with_layout(layout);
    }
  }
  HostTensor& out = variant.output.data;
  if (layout_applies(out_layout, out.dtype(), out.shape().size()))
    out = out.with_layout(out_layout);

  auto got = run_op(*device_, variant);
  if (!got.ok() && got.status().code() == core::StatusCode::NotSupported) {
    if (declined_++ == 0) first_decline_ = op.label + ": " + got.status().message();
    return;
  }
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ++checked_;
  for (const auto& e : got->guard_errors) ADD_FAILURE() << e;

  const std::vector<float> g = got->outputs[0].to_f32();
  const std::vector<float> w = want->outputs[0].to_f32();
  const Diff d = compare(g, w);
  EXPECT_EQ(d.want_nonfinite, 0) << "the reference gave NaN/inf: the case itself is wrong";
  EXPECT_EQ(d.got_nonfinite, 0) << d.got_nonfinite << " NaN/inf values in the output";
  const auto at = [&](int64_t i) {
    return i < 0 ? std::string("-")
                 : core::str_cat("index ", i, ": got ", g[i], ", reference ", w[i]);
  };
  if (GetParam() == "reference") {
    // Layout must not change a single bit, and the reference is deterministic.
    EXPECT_EQ(d.max_abs, 0.0) << at(d.worst);
  } else {
    EXPECT_LE(d.nmse, tol.nmse) << "NMSE over " << g.size() << " values; worst " << at(d.worst);
    EXPECT_LE(d.max_abs, tol.max_abs * std::max(1.0, d.want_max_abs)) << at(d.worst);
  }
  // Weights and bias in a weights buffer take other paths (packed once at compile): once more
  // that way, for the ops that have weights.
  const bool has_weights =
      op.op == BRAID_OP_MATMUL || op.op == BRAID_OP_CONV1D || op.op == BRAID_OP_CONV2D;
  if (has_weights && op.weight_inputs == 0 && layout == Layout::Contiguous &&
      out_layout == Layout::Contiguous) {
    OpCase packed = op;
    packed.weight_inputs = 0b110;
    packed.label += " (weights buffers)";
    check(packed, tol, layout, out_layout);
  }
}

void Parity::check_layouts(const OpCase& op, Tolerance tol, std::initializer_list<Layout> layouts) {
  for (Layout layout : layouts) check(op, tol, layout);
}

void Parity::finish() {
  if (declined_ > 0) {
    std::cout << "[ NOTE     ] " << GetParam() << " declined " << declined_
              << " case(s), first: " << first_decline_ << "\n";
  }
  if (checked_ == 0 && declined_ > 0 && !HasFailure()) {
    GTEST_SKIP() << GetParam() << " declined every case";
  }
}

braid_op_params no_params() { return braid_op_params{}; }

std::vector<float> range_values(int64_t n, float start, float step) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

std::string describe(const HostTensor& t) {
  std::string out = abi::dtype_name(t.dtype()) + " [";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(t.shape()[i]);
  }
  return out + "]";
}

}  // namespace braid::test
