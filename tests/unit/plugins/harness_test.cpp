// The op-test harness (tests/support/op_runner.h) catches what a broken backend does: writes
// outside its output, wrong values, NaN, and declined ops. The broken backend is the test plugin
// braid-backend-sloppy.so (sloppy_plugin.cpp), which also shows plugin_adapter.h working in a
// real plugin file.
#include <gtest/gtest.h>

#include <cmath>

#include "braid/plugins/registry.h"
#include "op_runner.h"
#include "test_paths.h"

namespace braid::test {
namespace {

class Harness : public ::testing::Test {
 protected:
  void SetUp() override {
    const plugins::Registry registry = plugins::Registry::discover({BRAID_TEST_BAD_PLUGIN_DIR});
    auto selected = registry.select("sloppy");
    ASSERT_TRUE(selected.ok()) << selected.status().to_string();
    sloppy_ = std::move(selected->device);
    reference_ = backend_device("reference");
    ASSERT_NE(reference_, nullptr);
  }
  OpCase binary(uint32_t op) const {
    OpCase c;
    c.op = op;
    c.inputs = {HostTensor::random(abi::kF32, {3, 5}, 1), HostTensor::random(abi::kF32, {5}, 2)};
    c.output = GraphTensor::output(abi::kF32, {3, 5});
    return c;
  }
  OpCase unary(uint32_t op) const {
    OpCase c;
    c.op = op;
    c.params.scale = {2.0f, 0.5f};
    c.inputs = {HostTensor::random(abi::kF32, {3, 5}, 3)};
    c.output = GraphTensor::output(abi::kF32, {3, 5});
    return c;
  }
  std::unique_ptr<plugins::Device> sloppy_;
  plugins::Device* reference_ = nullptr;
};

TEST_F(Harness, GuardBytesCatchAWriteOutsideTheOutput) {
  OpCase c = binary(BRAID_OP_ADD);
  auto got = run_op(*sloppy_, c);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_FALSE(got->guard_errors.empty());
  EXPECT_NE(got->guard_errors[0].find("after the tensor"), std::string::npos);
  // In a padded layout the stray element lands in a gap instead.
  c.output.data = c.output.data.with_layout(Layout::PaddedRows);
  got = run_op(*sloppy_, c);
  ASSERT_TRUE(got.ok());
  ASSERT_FALSE(got->guard_errors.empty());
  EXPECT_NE(got->guard_errors[0].find("in a gap of its layout"), std::string::npos)
      << got->guard_errors[0];
  // The reference touches nothing outside.
  auto want = run_op(*reference_, c);
  ASSERT_TRUE(want.ok());
  EXPECT_TRUE(want->guard_errors.empty());
}

TEST_F(Harness, CompareCatchesWrongValuesAndNaN) {
  auto got = run_op(*sloppy_, unary(BRAID_OP_SCALE));
  auto want = run_op(*reference_, unary(BRAID_OP_SCALE));
  ASSERT_TRUE(got.ok() && want.ok());
  Diff d = compare(got->outputs[0].to_f32(), want->outputs[0].to_f32());
  EXPECT_NEAR(d.nmse, 1e-4, 1e-5);  // 1% off everywhere
  EXPECT_GT(d.max_abs, 0.0);
  EXPECT_EQ(d.got_nonfinite, 0);

  got = run_op(*sloppy_, unary(BRAID_OP_SILU));
  want = run_op(*reference_, unary(BRAID_OP_SILU));
  ASSERT_TRUE(got.ok() && want.ok());
  d = compare(got->outputs[0].to_f32(), want->outputs[0].to_f32());
  EXPECT_EQ(d.got_nonfinite, 1);
  EXPECT_EQ(d.want_nonfinite, 0);
  EXPECT_EQ(d.worst, 0);
  EXPECT_TRUE(std::isinf(d.max_abs));
}

TEST_F(Harness, DeclinedOpsAreNotSupportedWithTheReason) {
  auto got = run_op(*sloppy_, binary(BRAID_OP_MUL));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), core::StatusCode::NotSupported);
  EXPECT_NE(got.status().message().find("sloppy does not multiply"), std::string::npos)
      << got.status().message();
}

TEST(HostTensorLayouts, KeepValuesAndMarkTheirFootprint) {
  const HostTensor t = HostTensor::random(abi::kQ4_0, {3, 2, 64}, 9);
  for (Layout layout : {Layout::PaddedRows, Layout::SwappedOuter}) {
    const HostTensor moved = t.with_layout(layout);
    EXPECT_EQ(moved.to_f32(), t.to_f32()) << layout_name(layout);
    EXPECT_GT(moved.bytes().size(), t.bytes().size() - (layout == Layout::SwappedOuter ? 1 : 0));
    size_t used = 0;
    for (bool b : moved.footprint()) used += b;
    EXPECT_EQ(used, t.bytes().size());  // every block, once
  }
  EXPECT_FALSE(layout_applies(Layout::InnerStrided, abi::kQ4_0, 3));
  const HostTensor f = HostTensor::random(abi::kF16, {4, 3}, 10);
  const HostTensor strided = f.with_layout(Layout::InnerStrided);
  EXPECT_EQ(strided.strides()[1], 4);
  EXPECT_EQ(strided.to_f32(), f.to_f32());
  const HostTensor transposed = f.with_layout(Layout::SwappedOuter);
  EXPECT_EQ(transposed.strides()[0], 2);
  EXPECT_EQ(transposed.strides()[1], 8);
  EXPECT_EQ(transposed.to_f32(), f.to_f32());
}

}  // namespace
}  // namespace braid::test
