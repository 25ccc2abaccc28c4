#include "braid/core/dtype.h"

#include <gtest/gtest.h>

namespace braid::core {
namespace {

TEST(DType, KnownIdsMatchGgufNumbering) {
  EXPECT_EQ(dtype_info(0u)->dtype, DType::F32);
  EXPECT_EQ(dtype_info(8u)->name, "Q8_0");
  EXPECT_EQ(dtype_info(12u)->block_bytes, 144u);
  EXPECT_EQ(dtype_info(14u)->block_bytes, 210u);
  EXPECT_EQ(dtype_info(30u)->name, "BF16");
}

TEST(DType, RetiredAndUnknownIdsAreRejected) {
  for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 40u, 1000u}) {
    EXPECT_FALSE(dtype_info(id).has_value()) << id;
  }
}

TEST(DType, EveryEnumeratorHasItsOwnEntry) {
  for (uint32_t id = 0; id < 64; ++id) {
    auto info = dtype_info(id);
    if (!info) continue;
    EXPECT_EQ(static_cast<uint32_t>(info->dtype), id);
    EXPECT_EQ(dtype_info(info->dtype).name, info->name);
    EXPECT_EQ(dtype_from_name(info->name), info->dtype);
  }
  EXPECT_EQ(dtype_from_name("q4_k"), DType::Q4_K);
  EXPECT_FALSE(dtype_from_name("Q4_2").has_value());
}

TEST(DType, RowBytes) {
  EXPECT_EQ(dtype_row_bytes(DType::F16, 3), 6u);
  EXPECT_EQ(dtype_row_bytes(DType::Q4_0, 64), 36u);
  EXPECT_EQ(dtype_row_bytes(DType::Q6_K, 512), 420u);
  EXPECT_FALSE(dtype_row_bytes(DType::Q4_K, 100).has_value());               // partial block
  EXPECT_FALSE(dtype_row_bytes(DType::F32, uint64_t{1} << 63).has_value());  // overflow
}

}  // namespace
}  // namespace braid::core
