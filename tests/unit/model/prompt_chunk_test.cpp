#include "braid/model/prompt_chunk.h"

#include <gtest/gtest.h>

#include <cmath>

namespace braid::model {
namespace {

TEST(PromptChunk, TokenIdsMustBeInTheVocabulary) {
  EXPECT_TRUE(validate_chunk(TokenChunk{{0, 5, 9}}, 8, 10).is_ok());
  const core::Status bad = validate_chunk(TokenChunk{{0, 10}}, 8, 10);
  EXPECT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("token 1 has id 10"), std::string::npos) << bad.message();
  EXPECT_FALSE(validate_chunk(TokenChunk{{-1}}, 8, 10).is_ok());
}

TEST(PromptChunk, EmbeddingRowsMustMatchTheModelWidth) {
  EmbeddingChunk chunk{2, 4, std::vector<float>(8, 0.5f), true, "image 1"};
  EXPECT_TRUE(validate_chunk(chunk, 4, 10).is_ok());
  EXPECT_EQ(chunk_rows(chunk), 2);
  const core::Status wrong_width = validate_chunk(chunk, 6, 10);
  EXPECT_NE(wrong_width.message().find("image 1"), std::string::npos) << wrong_width.message();
  chunk.data.pop_back();
  EXPECT_FALSE(validate_chunk(chunk, 4, 10).is_ok());
  chunk.data.push_back(NAN);
  EXPECT_FALSE(validate_chunk(chunk, 4, 10).is_ok());
  EXPECT_FALSE(validate_chunk(EmbeddingChunk{0, 4, {}, true, ""}, 4, 10).is_ok());
}

}  // namespace
}  // namespace braid::model
