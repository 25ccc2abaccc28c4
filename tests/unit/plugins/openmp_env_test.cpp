// set_openmp_wait_default(): bounded OpenMP spinning unless the user chose a wait policy.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "braid/plugins/registry.h"

namespace braid::plugins {
namespace {

// Restores both variables after each test, so the order of tests does not matter.
class OpenMpEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    save("OMP_WAIT_POLICY", policy_);
    save("GOMP_SPINCOUNT", spin_);
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("GOMP_SPINCOUNT");
  }
  void TearDown() override {
    restore("OMP_WAIT_POLICY", policy_);
    restore("GOMP_SPINCOUNT", spin_);
  }

 private:
  struct Saved {
    bool set = false;
    std::string value;
  };
  static void save(const char* name, Saved& out) {
    const char* v = std::getenv(name);
    out.set = v != nullptr;
    if (v) out.value = v;
  }
  static void restore(const char* name, const Saved& s) {
    if (s.set) {
      setenv(name, s.value.c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  Saved policy_, spin_;
};

TEST_F(OpenMpEnvTest, SetsSpinCountWhenUserChoseNothing) {
  EXPECT_TRUE(set_openmp_wait_default());
  ASSERT_NE(std::getenv("GOMP_SPINCOUNT"), nullptr);
  EXPECT_STREQ(std::getenv("GOMP_SPINCOUNT"), kOpenMpSpinCount);
}

TEST_F(OpenMpEnvTest, DiscoverSetsItBeforeLoading) {
  (void)Registry::discover(std::vector<std::filesystem::path>{});
  ASSERT_NE(std::getenv("GOMP_SPINCOUNT"), nullptr);
  EXPECT_STREQ(std::getenv("GOMP_SPINCOUNT"), kOpenMpSpinCount);
}

TEST_F(OpenMpEnvTest, KeepsTheUsersSpinCount) {
  setenv("GOMP_SPINCOUNT", "infinite", 1);
  EXPECT_FALSE(set_openmp_wait_default());
  EXPECT_STREQ(std::getenv("GOMP_SPINCOUNT"), "infinite");
}

TEST_F(OpenMpEnvTest, KeepsTheUsersWaitPolicy) {
  setenv("OMP_WAIT_POLICY", "active", 1);
  EXPECT_FALSE(set_openmp_wait_default());
  EXPECT_EQ(std::getenv("GOMP_SPINCOUNT"), nullptr);
  EXPECT_STREQ(std::getenv("OMP_WAIT_POLICY"), "active");
}

}  // namespace
}  // namespace braid::plugins
