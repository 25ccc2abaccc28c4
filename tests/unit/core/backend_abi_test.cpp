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
