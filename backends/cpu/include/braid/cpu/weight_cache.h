// Packed weights shared by every compiled graph of a device. A model compiles several graphs over
// the same weights (one decode step, prompts of a few lengths); each packs its matrices once
// (oneDNN's blocked f32, repacked GGUF tiles, int8 codes), and without sharing every graph would
// hold its own copy of the model. Entries are weak: a packing lives as long as some compiled
// graph uses it; keys name the buffer as well as the address (see Key).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace braid::cpu {

class WeightCache {
 public:
  /// What was packed, from which memory: (kind, weights buffer id, address, dtype, rows, cols,
  /// row stride, bias buffer id, bias address or nullptr). Buffer ids are unique for the
  /// device's life, so a buffer freed while some graph still holds a packing of it (which the ABI
  /// forbids, but a host can do) and a new one at the same address never share an entry.
  using Key = std::
      tuple<int, uint64_t, const void*, uint32_t, int64_t, int64_t, int64_t, uint64_t, const void*>;

  /// The packing under `key`, made by `make` when no live graph holds one. `T` must be the same
  /// for every use of a given kind.
  template <typename T>
  std::shared_ptr<T> get(const Key& key, const std::function<std::shared_ptr<T>()>& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (std::shared_ptr<void> live = it->second.lock()) return std::static_pointer_cast<T>(live);
    }
    std::shared_ptr<T> made = make();
    entries_[key] = made;
    for (auto e = entries_.begin(); e != entries_.end();) {  // drop expired entries
      e = e->second.expired() ? entries_.erase(e) : std::next(e);
    }
    return made;
  }

 private:
  std::mutex mutex_;
  std::map<Key, std::weak_ptr<void>> entries_;
};

}  // namespace braid::cpu
