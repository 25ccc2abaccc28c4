// Keys per prompt position and the cache prefix a new turn may keep (model/prompt_keys.h).
#include "braid/model/prompt_keys.h"

#include <gtest/gtest.h>

namespace braid::model {
namespace {

EmbeddingChunk rows(int64_t n, const char* source) {
  return EmbeddingChunk{n, 2, std::vector<float>(static_cast<size_t>(n) * 2, 0.5f), true, source};
}

TEST(PromptKeys, TokensKeyAsTheirIdsAndMediaRowsAsDistinctNegatives) {
  const KeyedPrompt p =
      key_prompt({TokenChunk{{5, 6}}, rows(3, "image 1"), TokenChunk{{7}}, rows(2, "image 2")});
  ASSERT_EQ(p.keys.size(), 8u);
  EXPECT_EQ(p.keys[0], 5);
  EXPECT_EQ(p.keys[1], 6);
  EXPECT_EQ(p.keys[5], 7);
  for (size_t i : {2u, 3u, 4u, 6u, 7u}) EXPECT_LT(p.keys[i], 0) << i;
  // Every media row differs from every other, across chunks too.
  EXPECT_NE(p.keys[2], p.keys[3]);
  EXPECT_NE(p.keys[2], p.keys[6]);
  EXPECT_NE(p.keys[4], p.keys[7]);
  EXPECT_EQ(p.chunks.size(), 4u);
}

TEST(PromptKeys, AGrowingConversationKeepsItsPrefix) {
  const KeyedPrompt before = key_prompt({TokenChunk{{1, 2}}, rows(3, "image 1"), TokenChunk{{3}}});
  // The next turn: the same start, the reply and a new message.
  const KeyedPrompt next =
      key_prompt({TokenChunk{{1, 2}}, rows(3, "image 1"), TokenChunk{{3, 9, 9, 4}}});
  EXPECT_EQ(reusable_prefix(before.keys, next), 6);
  auto rest = chunks_from(next.chunks, 6);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(std::get<TokenChunk>((*rest)[0]).tokens, (std::vector<int32_t>{9, 9, 4}));
}

TEST(PromptKeys, ThePrefixNeverCutsAnEmbeddingChunk) {
  const KeyedPrompt cached = key_prompt({TokenChunk{{1}}, rows(4, "image 1")});
  // Only two of the image's rows were cached (as if a cache had been cut there): the whole
  // image is evaluated again.
  std::vector<int64_t> partial(cached.keys.begin(), cached.keys.begin() + 3);
  const KeyedPrompt next = key_prompt({TokenChunk{{1}}, rows(4, "image 1"), TokenChunk{{2}}});
  EXPECT_EQ(reusable_prefix(partial, next), 1);
  auto rest = chunks_from(next.chunks, 1);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_TRUE(std::holds_alternative<EmbeddingChunk>((*rest)[0]));
  // Cutting inside an embedding chunk is refused, not guessed.
  EXPECT_FALSE(chunks_from(next.chunks, 2).ok());
}

TEST(PromptKeys, TheLastPositionIsAlwaysEvaluated) {
  const KeyedPrompt p = key_prompt({TokenChunk{{1, 2, 3}}});
  EXPECT_EQ(reusable_prefix(p.keys, p), 2);
  // A prompt ending in media: the whole chunk is evaluated again for its last row's logits.
  const KeyedPrompt m = key_prompt({TokenChunk{{1}}, rows(3, "audio 1")});
  EXPECT_EQ(reusable_prefix(m.keys, m), 1);
  // Nothing cached, or an empty prompt.
  EXPECT_EQ(reusable_prefix({}, p), 0);
  EXPECT_EQ(reusable_prefix(p.keys, key_prompt({})), 0);
}

TEST(PromptKeys, ADifferentTokenEndsTheSharedPrefix) {
  const KeyedPrompt a = key_prompt({TokenChunk{{1, 2, 3, 4}}});
  const KeyedPrompt b = key_prompt({TokenChunk{{1, 2, 7, 4, 5}}});
  EXPECT_EQ(reusable_prefix(a.keys, b), 2);
}

}  // namespace
}  // namespace braid::model
