// Where tests find their inputs: the shared data beside the checkout, committed golden files, and
// a scratch folder for files a test writes.
#pragma once

#include <filesystem>
#include <string>

namespace braid::test {

/// ../shared/data beside the checkout (the folder may be absent outside CI).
std::filesystem::path shared_data_dir();
/// tests/golden in the source tree.
std::filesystem::path golden_dir();
/// The build tree's bin/ folder, where `braid` and the plugins are.
std::filesystem::path binary_dir();
/// A fresh, empty folder for the calling test (under the build tree).
std::filesystem::path scratch_dir();

/// The shared data file `relative`, or skips the calling test when it is missing.
#define BRAID_SHARED_FILE_OR_SKIP(var, relative)                                   \
  const std::filesystem::path var = ::braid::test::shared_data_dir() / (relative); \
  if (!std::filesystem::exists(var)) GTEST_SKIP() << "shared data missing: " << var.string()

}  // namespace braid::test
