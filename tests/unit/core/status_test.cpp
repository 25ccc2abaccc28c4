#include "braid/core/status.h"

#include <gtest/gtest.h>

namespace braid::core {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return invalid_argument("[parse] expected a positive number, got ", x);
  return x;
}

Status use_try(int x, int* out) {
  BRAID_ASSIGN_OR_RETURN(*out, parse_positive(x));
  BRAID_TRY(parse_positive(*out + 1));
  return Status::ok();
}

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = data_loss("[gguf] a.gguf: offset ", 12, ": truncated");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::DataLoss);
  EXPECT_EQ(s.message(), "[gguf] a.gguf: offset 12: truncated");
  EXPECT_EQ(s.with_context("loading").message(), "loading: [gguf] a.gguf: offset 12: truncated");
}

TEST(Result, ValueOrStatus) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::InvalidArgument);
}

TEST(Result, OkStatusIsNotAValue) {
  Result<int> r{Status::ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::Internal);
}

TEST(Result, MacrosPropagate) {
  int out = 0;
  EXPECT_TRUE(use_try(5, &out).is_ok());
  EXPECT_EQ(out, 5);
  EXPECT_EQ(use_try(0, &out).code(), StatusCode::InvalidArgument);
}

TEST(ResultDeathTest, ValueOfFailureAborts) {
  auto bad = parse_positive(0);
  EXPECT_DEATH((void)bad.value(), "expected a positive number");
}

}  // namespace
}  // namespace braid::core
