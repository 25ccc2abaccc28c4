// The plugin ABI header is plain C with a fixed layout: these checks catch an accidental change
// to a struct that plugins built earlier depend on.
#include <gtest/gtest.h>

#include <cstddef>

#include "braid/backend.h"

TEST(BackendAbi, TableStartsWithVersionAndSize) {
  EXPECT_EQ(offsetof(braid_backend_v1, abi_version), 0u);
  EXPECT_EQ(offsetof(braid_backend_v1, struct_size), 4u);
  EXPECT_EQ(BRAID_BACKEND_ABI_VERSION, 1u);
}

TEST(BackendAbi, DescriptorsHaveStableLayouts) {
  EXPECT_EQ(sizeof(braid_op_params), 64u);
  EXPECT_EQ(offsetof(braid_tensor_desc, shape), 8u);
  EXPECT_EQ(offsetof(braid_tensor_desc, strides), 40u);
  EXPECT_EQ(offsetof(braid_node_desc, params) % 4, 0u);
  EXPECT_LT(static_cast<int>(BRAID_OP_COUNT), 64);
}

// The sizes a 64-bit build of ABI version 1 has. A change here breaks every plugin built
// before it: append members (the table's struct_size tells the host), never reorder.
TEST(BackendAbi, Version1SizesOn64BitTargets) {
  if (sizeof(void*) != 8) GTEST_SKIP() << "sizes pinned for 64-bit targets";
  EXPECT_EQ(offsetof(braid_backend_v1, probe), 24u);
  EXPECT_EQ(offsetof(braid_backend_v1, capture_end), 184u);
  EXPECT_EQ(sizeof(braid_backend_v1), 192u);
  EXPECT_EQ(sizeof(braid_tensor_desc), 96u);
  EXPECT_EQ(offsetof(braid_tensor_desc, buffer), 72u);
  EXPECT_EQ(sizeof(braid_node_desc), 100u);
  EXPECT_EQ(offsetof(braid_node_desc, params), 36u);
  EXPECT_EQ(sizeof(braid_graph_desc), 32u);
  EXPECT_EQ(sizeof(braid_probe_result), 524u);
  EXPECT_EQ(sizeof(braid_device_info), 408u);
  EXPECT_EQ(sizeof(braid_device_options), 8u);
  EXPECT_EQ(static_cast<int>(BRAID_OP_SET_ROWS), 22);
  EXPECT_EQ(static_cast<int>(BRAID_OP_RESHAPE), 23);
}
