#include "braid/model/media_cache.h"

#include <cstring>
#include <functional>

namespace braid::model {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// A finalizer (MurmurHash3's fmix64) so that word-wise FNV spreads into every bit.
uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

uint64_t chunk_bytes(const EncodedMedia& media) {
  uint64_t total = 0;
  for (const EmbeddingChunk& chunk : media.chunks) total += chunk.data.size() * sizeof(float);
  return total;
}

}  // namespace

uint64_t content_hash(std::span<const std::byte> bytes) {
  uint64_t h = kFnvOffset ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = (h ^ word) * kFnvPrime;
  }
  for (; i < bytes.size(); ++i) h = (h ^ static_cast<uint8_t>(bytes[i])) * kFnvPrime;
  return mix(h);
}

size_t MediaCache::KeyHash::operator()(const MediaKey& key) const {
  return std::hash<std::string>()(key.encoder) ^ mix(key.content + key.size);
}

std::optional<EncodedMedia> MediaCache::find(const MediaKey& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->media;
}

void MediaCache::insert(const MediaKey& key, EncodedMedia media) {
  if (const auto it = index_.find(key); it != index_.end()) erase(it->second);
  const uint64_t size = chunk_bytes(media);
  if (size > max_bytes_) return;
  order_.push_front(Entry{key, std::move(media), size});
  index_[key] = order_.begin();
  bytes_ += size;
  while (bytes_ > max_bytes_) erase(std::prev(order_.end()));
}

void MediaCache::erase(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  order_.erase(it);
}

}  // namespace braid::model
