// Encoder outputs kept by the content of what was encoded, so a follow-up question about the
// same photo or recording (`/image` again in `braid chat`, the same file twice in one prompt)
// does not run the encoder again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "braid/model/media_layout.h"

namespace braid::model {

/// A cache key: which encoder (its file and settings) and a hash of the media's bytes.
struct MediaKey {
  std::string encoder;   ///< e.g. the mmproj path and the preprocessing family
  uint64_t content = 0;  ///< content_hash() of the encoded bytes
  uint64_t size = 0;     ///< byte count, a second guard against collisions
  friend bool operator==(const MediaKey&, const MediaKey&) = default;
};

/// A 64-bit hash of `bytes` (FNV-1a over 8-byte words, then mixed): fast enough for images of
/// tens of megabytes, not cryptographic.
uint64_t content_hash(std::span<const std::byte> bytes);

/// Least-recently-used cache of encoder outputs, bounded by the bytes of embeddings it holds.
/// Not thread-safe.
class MediaCache {
 public:
  explicit MediaCache(uint64_t max_bytes = uint64_t(512) << 20) : max_bytes_(max_bytes) {}

  /// The encoding stored for `key`, or nothing; a hit becomes the most recently used entry.
  std::optional<EncodedMedia> find(const MediaKey& key);
  /// Stores `media` for `key` (replacing an older entry), then evicts the least recently used
  /// entries until the cache fits. An entry larger than the whole cache is not kept.
  void insert(const MediaKey& key, EncodedMedia media);

  size_t entries() const { return order_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Entry {
    MediaKey key;
    EncodedMedia media;
    uint64_t bytes = 0;
  };
  struct KeyHash {
    size_t operator()(const MediaKey& key) const;
  };
  void erase(std::list<Entry>::iterator it);

  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<MediaKey, std::list<Entry>::iterator, KeyHash> index_;
};

}  // namespace braid::model
