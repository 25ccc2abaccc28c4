// Runs a test suite once per kernel code path (AVX2 and AVX-512), skipping a path this CPU lacks:
//   class MyTest : public braid::cpu::test::IsaTest {};
//   TEST_P(MyTest, Works) { ... }
//   BRAID_INSTANTIATE_ISA_TESTS(MyTest);
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "braid/cpu/cpu_features.h"

namespace braid::cpu {
/// Prints a path's name in failure messages ("avx2").
inline void PrintTo(Isa isa, std::ostream* os) { *os << isa_name(isa); }
}  // namespace braid::cpu

namespace braid::cpu::test {

class IsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    previous_ = active_isa();
    if (GetParam() > best_supported_isa()) {
      GTEST_SKIP() << "this CPU cannot run the " << isa_name(GetParam()) << " path";
    }
    ASSERT_TRUE(set_active_isa(GetParam()).is_ok());
  }
  void TearDown() override {
    if (previous_ != Isa::None) (void)set_active_isa(previous_);
  }

 private:
  Isa previous_ = Isa::None;
};

inline std::string isa_test_name(const ::testing::TestParamInfo<Isa>& info) {
  return std::string(isa_name(info.param));
}

}  // namespace braid::cpu::test

#define BRAID_INSTANTIATE_ISA_TESTS(suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(Isa, suite,                                                            \
                           ::testing::Values(::braid::cpu::Isa::Avx2, ::braid::cpu::Isa::Avx512), \
                           ::braid::cpu::test::isa_test_name)
