// cpu::WeightCache: one packing per key while a user holds it, a fresh one after every user let
// go, distinct keys apart (another buffer at the same address included).
#include "braid/cpu/weight_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace braid::cpu {
namespace {

TEST(WeightCache, SharesWhileHeldAndRebuildsAfter) {
  WeightCache cache;
  int made = 0;
  const float data[4] = {};
  const WeightCache::Key key{0, 1, data, 0u, 4, 1, 4, 0, nullptr};
  const std::function<std::shared_ptr<int>()> make = [&] { return std::make_shared<int>(++made); };
  std::shared_ptr<int> first = cache.get<int>(key, make);
  std::shared_ptr<int> second = cache.get<int>(key, make);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(made, 1);

  const WeightCache::Key other_kind{1, 1, data, 0u, 4, 1, 4, 0, nullptr};
  const WeightCache::Key other_bias{0, 1, data, 0u, 4, 1, 4, 2, data + 1};
  const WeightCache::Key other_buffer{0, 3, data, 0u, 4, 1, 4, 0, nullptr};  // same address
  EXPECT_EQ(*cache.get<int>(other_kind, make), 2);
  EXPECT_EQ(*cache.get<int>(other_bias, make), 3);
  EXPECT_EQ(*cache.get<int>(other_buffer, make), 4);

  first.reset();
  second.reset();
  EXPECT_EQ(*cache.get<int>(key, make), 5);  // every holder gone: packed anew
}

TEST(WeightCache, AFailedPackingLeavesNoEntry) {
  WeightCache cache;
  const WeightCache::Key key{2, 1, nullptr, 8u, 1, 32, 34, 0, nullptr};
  int calls = 0;
  const std::function<std::shared_ptr<int>()> none = [&] {
    ++calls;
    return std::shared_ptr<int>();
  };
  EXPECT_EQ(cache.get<int>(key, none), nullptr);
  EXPECT_EQ(cache.get<int>(key, none), nullptr);
  EXPECT_EQ(calls, 2);
  const std::function<std::shared_ptr<int>()> throws = []() -> std::shared_ptr<int> {
    throw std::runtime_error("packing failed");
  };
  EXPECT_THROW(cache.get<int>(key, throws), std::runtime_error);
  EXPECT_NE(cache.get<int>(key, [] { return std::make_shared<int>(7); }), nullptr);  // not locked
}

}  // namespace
}  // namespace braid::cpu
