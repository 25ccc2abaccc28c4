#include "braid/model/media_cache.h"

#include <gtest/gtest.h>

namespace braid::model {
namespace {

EncodedMedia chunk_of(int64_t rows, float value) {
  return EncodedMedia{
      {EmbeddingChunk{rows, 4, std::vector<float>(rows * 4, value), true, "test"}}, 0, 0, false};
}

MediaKey key_of(const std::string& text) {
  const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
  return MediaKey{"mmproj.gguf", content_hash({bytes, text.size()}), text.size()};
}

TEST(MediaCache, HashDependsOnEveryByteAndTheLength) {
  std::vector<std::byte> a(1000, std::byte{7});
  const uint64_t base = content_hash(a);
  for (size_t at : {size_t(0), size_t(5), size_t(998), size_t(999)}) {
    std::vector<std::byte> b = a;
    b[at] = std::byte{8};
    EXPECT_NE(content_hash(b), base) << "byte " << at;
  }
  EXPECT_NE(content_hash(std::span(a).first(999)), base);
  EXPECT_EQ(content_hash(a), base);
}

TEST(MediaCache, HitReturnsWhatWasStoredAndCountsIt) {
  MediaCache cache;
  EXPECT_FALSE(cache.find(key_of("photo")).has_value());
  cache.insert(key_of("photo"), chunk_of(3, 1.5f));
  const auto hit = cache.find(key_of("photo"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->chunks[0].n_rows, 3);
  EXPECT_EQ(hit->chunks[0].data[11], 1.5f);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  MediaKey other_encoder = key_of("photo");
  other_encoder.encoder = "other.gguf";
  EXPECT_FALSE(cache.find(other_encoder).has_value());
}

TEST(MediaCache, EvictsTheLeastRecentlyUsedWhenFull) {
  MediaCache cache(2 * 4 * 4 * sizeof(float));  // room for two 4-row chunks
  cache.insert(key_of("a"), chunk_of(4, 1));
  cache.insert(key_of("b"), chunk_of(4, 2));
  ASSERT_TRUE(cache.find(key_of("a")).has_value());  // a is now the most recent
  cache.insert(key_of("c"), chunk_of(4, 3));
  EXPECT_TRUE(cache.find(key_of("a")).has_value());
  EXPECT_FALSE(cache.find(key_of("b")).has_value());
  EXPECT_TRUE(cache.find(key_of("c")).has_value());
  EXPECT_EQ(cache.entries(), 2u);
  cache.insert(key_of("huge"), chunk_of(100, 4));  // larger than the cache: not kept
  EXPECT_FALSE(cache.find(key_of("huge")).has_value());
  EXPECT_EQ(cache.entries(), 2u);
}

}  // namespace
}  // namespace braid::model
