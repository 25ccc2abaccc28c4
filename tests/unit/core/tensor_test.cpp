#include "braid/core/tensor.h"

#include <gtest/gtest.h>

#include <vector>

namespace braid::core {
namespace {

TEST(TensorView, ContiguousF32) {
  std::vector<std::byte> bytes(2 * 3 * 4);
  auto view = TensorView::contiguous(DType::F32, {2, 3}, {bytes.data(), bytes.size()});
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_EQ(view->rank(), 2);
  EXPECT_EQ(view->n_elements(), 6);
  EXPECT_EQ(view->byte_stride(0), 12);
  EXPECT_EQ(view->byte_stride(1), 4);
  EXPECT_TRUE(view->is_contiguous());
  EXPECT_EQ(view->describe(), "F32 [2, 3]");
}

TEST(TensorView, QuantizedRowsStepWholeBlocks) {
  std::vector<std::byte> bytes(4 * 2 * 34);
  auto view = TensorView::contiguous(DType::Q8_0, {4, 64}, {bytes.data(), bytes.size()});
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->byte_stride(0), 68);
  EXPECT_EQ(view->packed_bytes(), bytes.size());
  auto row = view->select(3);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->offset(), 3u * 68u);
  EXPECT_FALSE(view->select(4).ok());
}

TEST(TensorView, RejectsViewsPastTheBuffer) {
  std::vector<std::byte> bytes(23);
  EXPECT_EQ(
      TensorView::contiguous(DType::F32, {2, 3}, {bytes.data(), bytes.size()}).status().code(),
      StatusCode::OutOfRange);
  std::vector<std::byte> enough(24);
  EXPECT_FALSE(TensorView::contiguous(DType::F32, {2, 3}, {enough.data(), enough.size()}, 4).ok());
}

TEST(TensorView, RejectsBadShapes) {
  std::vector<std::byte> bytes(1024);
  BufferRef buf{bytes.data(), bytes.size()};
  EXPECT_FALSE(TensorView::contiguous(DType::F32, {}, buf).ok());
  EXPECT_FALSE(TensorView::contiguous(DType::F32, {1, 1, 1, 1, 1}, buf).ok());
  EXPECT_FALSE(TensorView::contiguous(DType::F32, {-1, 2}, buf).ok());
  EXPECT_FALSE(TensorView::contiguous(DType::Q4_0, {2, 31}, buf).ok());
  EXPECT_FALSE(TensorView::contiguous(DType::F32, {1LL << 40, 1LL << 40}, buf).ok());
}

TEST(TensorView, StridedTransposeIsNotContiguous) {
  std::vector<std::byte> bytes(2 * 3 * 4);
  auto view = TensorView::strided(DType::F32, {3, 2}, {4, 12}, {bytes.data(), bytes.size()});
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_FALSE(view->is_contiguous());
  EXPECT_EQ(view->packed_bytes(), 24u);
  EXPECT_FALSE(TensorView::strided(DType::F32, {3, 2}, {4, 13}, {bytes.data(), bytes.size()}).ok());
}

}  // namespace
}  // namespace braid::core
