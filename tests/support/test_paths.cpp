#include "test_paths.h"

#include <gtest/gtest.h>

namespace braid::test {

std::filesystem::path shared_data_dir() { return BRAID_SHARED_DATA_DIR; }
std::filesystem::path golden_dir() { return BRAID_GOLDEN_DIR; }
std::filesystem::path binary_dir() { return std::filesystem::path(BRAID_BINARY_DIR) / "bin"; }

std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "global";
  for (auto& c : name) {
    if (c == '/') c = '_';
  }
  auto dir = std::filesystem::path(BRAID_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace braid::test
