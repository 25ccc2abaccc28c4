// The host-side RAII wrapper (braid/plugins/device.h) over the real reference plugin: buffers,
// transfers, streams, compile/run, and how plugin failures arrive as Status with their text.
#include <gtest/gtest.h>

#include <cstring>

#include "braid/graph_check.h"
#include "braid/plugins/registry.h"
#include "test_paths.h"

namespace braid::plugins {
namespace {

class DeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Registry registry = Registry::discover({test::binary_dir()});
    auto selected = registry.select("reference");
    ASSERT_TRUE(selected.ok()) << selected.status().to_string();
    device_ = std::move(selected->device);
  }
  std::unique_ptr<Device> device_;
};

braid_tensor_desc f32_desc(std::vector<int64_t> shape, const Buffer* buffer, uint64_t offset) {
  braid_tensor_desc t{};
  t.dtype = abi::kF32;
  t.rank = static_cast<uint32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
  const auto strides = abi::contiguous_strides(abi::kF32, t.rank, t.shape);
  for (size_t i = 0; i < shape.size(); ++i) t.strides[i] = strides[i];
  t.buffer = buffer ? buffer->handle() : nullptr;
  t.offset = offset;
  return t;
}

TEST_F(DeviceTest, InfoComesFromThePlugin) {
  EXPECT_EQ(device_->plugin().name(), "reference");
  EXPECT_EQ(device_->index(), 0u);
  EXPECT_EQ(device_->info().kind, BRAID_DEVICE_CPU);
  EXPECT_EQ(device_->info().threads, 1u);
  EXPECT_FALSE(device_->info().name.empty());
  EXPECT_FALSE(device_->can_capture());
  EXPECT_EQ(describe_device(*device_).rfind("backend: reference (", 0), 0u);
}

TEST_F(DeviceTest, BuffersMoveLikeUniquePtrAndTransfersRoundTrip) {
  auto allocated = device_->alloc(64, BufferUsage::Activations);
  ASSERT_TRUE(allocated.ok());
  Buffer a = std::move(allocated).value();
  EXPECT_TRUE(a);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a.host_ptr(), nullptr);  // the reference keeps host memory
  const float values[4] = {1, 2, 3, 4};
  ASSERT_TRUE(device_->upload(a, 16, values, sizeof values).is_ok());
  Buffer b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  float back[4] = {};
  ASSERT_TRUE(device_->download(b, 16, back, sizeof back).is_ok());
  EXPECT_EQ(std::memcmp(values, back, sizeof back), 0);
  auto c = device_->alloc(64, BufferUsage::Staging);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(device_->copy(b, 16, *c, 0, 16).is_ok());
  ASSERT_TRUE(device_->download(*c, 0, back, sizeof back).is_ok());
  EXPECT_EQ(back[3], 4.0f);

  const core::Status past = device_->upload(b, 60, values, sizeof values);
  EXPECT_EQ(past.code(), core::StatusCode::InvalidArgument);
  EXPECT_EQ(past.message(),
            "[reference] buffer_upload: buffer_upload dst: range [60, 60 + 16) runs past the "
            "buffer of 64 bytes");
  b.reset();
  EXPECT_FALSE(b);
}

TEST_F(DeviceTest, WrappedMemoryIsReadInPlaceAndNeverWritten) {
  float weights[4] = {1, 2, 3, 4};
  auto wrapped = device_->wrap_host(weights, sizeof weights);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status().to_string();
  EXPECT_EQ(wrapped->host_ptr(), weights);
  const core::Status status = device_->upload(*wrapped, 0, weights, 4);
  EXPECT_EQ(status.code(), core::StatusCode::InvalidArgument);
  EXPECT_NE(status.message().find("read-only"), std::string::npos);
}

TEST_F(DeviceTest, CompileRunAndFailuresWithTheirText) {
  auto buffer = device_->alloc(1024, BufferUsage::Activations);
  ASSERT_TRUE(buffer.ok());
  const float x[6] = {1, 2, 3, 4, 5, 6};
  const float w[6] = {1, 0, -1, 2, 1, 0};
  ASSERT_TRUE(device_->upload(*buffer, 0, x, sizeof x).is_ok());
  ASSERT_TRUE(device_->upload(*buffer, 64, w, sizeof w).is_ok());
  braid_tensor_desc tensors[] = {f32_desc({2, 3}, &*buffer, 0), f32_desc({2, 3}, &*buffer, 64),
                                 f32_desc({2, 2}, nullptr, 0), f32_desc({2, 2}, &*buffer, 128)};
  braid_node_desc nodes[2]{};
  nodes[0].op = BRAID_OP_MATMUL;
  nodes[0].n_inputs = 2;
  nodes[0].inputs[1] = 1;
  nodes[0].output = 2;
  nodes[1].op = BRAID_OP_SCALE;
  nodes[1].n_inputs = 1;
  nodes[1].inputs[0] = 2;
  nodes[1].output = 3;
  nodes[1].params.scale = {2.0f, 0.0f};
  braid_graph_desc graph{4, tensors, 2, nodes};
  EXPECT_TRUE(device_->supports_op(graph, 0));

  auto compiled = device_->compile(graph);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  auto stream = device_->create_stream();
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(device_->run(*compiled, &*stream).is_ok());
  ASSERT_TRUE(device_->synchronize(&*stream).is_ok());
  float y[4] = {};
  ASSERT_TRUE(device_->download(*buffer, 128, y, sizeof y).is_ok());
  EXPECT_EQ(y[0], 2 * -2.0f);  // [1 2 3].[1 0 -1]
  EXPECT_EQ(y[3], 2 * 13.0f);  // [4 5 6].[2 1 0]

  EXPECT_EQ(device_->capture_begin(*compiled, nullptr).code(), core::StatusCode::NotSupported);

  tensors[1].shape[1] = 2;  // the weight no longer matches
  tensors[1].strides[0] = 8;
  std::string why;
  EXPECT_FALSE(device_->supports_op(graph, 0, &why));
  EXPECT_NE(why.find("node 0 (matmul): src1 F32 [2, 2]: innermost dim 2 != src0's"),
            std::string::npos)
      << why;
  auto bad = device_->compile(graph);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), core::StatusCode::InvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("[reference] graph_compile: [graph] node 0 (matmul)", 0),
            0u)
      << bad.status().message();
}

TEST_F(DeviceTest, RunTimeFailuresNameTheNode) {
  auto buffer = device_->alloc(256, BufferUsage::Activations);
  ASSERT_TRUE(buffer.ok());
  const int32_t rows[1] = {7};
  ASSERT_TRUE(device_->upload(*buffer, 64, rows, sizeof rows).is_ok());
  braid_tensor_desc tensors[] = {f32_desc({3, 2}, &*buffer, 0), f32_desc({1}, &*buffer, 64),
                                 f32_desc({1, 2}, &*buffer, 128)};
  tensors[1].dtype = abi::kI32;
  braid_node_desc node{};
  node.op = BRAID_OP_GET_ROWS;
  node.n_inputs = 2;
  node.inputs[1] = 1;
  node.output = 2;
  braid_graph_desc graph{3, tensors, 1, &node};
  auto compiled = device_->compile(graph);
  ASSERT_TRUE(compiled.ok()) << compiled.status().to_string();
  const core::Status status = device_->run(*compiled);
  EXPECT_EQ(status.code(), core::StatusCode::InvalidArgument);
  EXPECT_EQ(status.message(),
            "[reference] graph_run: [reference] node 0 (get_rows): row index 7 at position 0 is "
            "outside [0, 3)");
}

TEST(DeviceOpen, RefusesAMissingDeviceIndex) {
  const Registry registry = Registry::discover({test::binary_dir()});
  auto device = Device::open(registry.find("reference"), 1);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.status().message(), "[reference] device 1 does not exist (1 devices)");
  EXPECT_FALSE(Device::open(nullptr, 0).ok());
}

}  // namespace
}  // namespace braid::plugins
