#include "braid/core/mapped_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "test_paths.h"

namespace braid::core {
namespace {

std::filesystem::path write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(MappedFile, MapsTheWholeFile) {
  const auto path = write_file(test::scratch_dir() / "hello.bin", "hello, mapped world");
  auto file = MappedFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->size(), 19u);
  EXPECT_EQ(file->path(), path);
  ASSERT_EQ(file->bytes().size(), 19u);
  EXPECT_EQ(std::memcmp(file->bytes().data(), "hello, mapped world", 19), 0);
}

TEST(MappedFile, EmptyFileHasNoBytes) {
  const auto path = write_file(test::scratch_dir() / "empty.bin", "");
  auto file = MappedFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->size(), 0u);
  EXPECT_TRUE(file->bytes().empty());
}

TEST(MappedFile, MoveKeepsTheMappingInPlace) {
  const auto path = write_file(test::scratch_dir() / "move.bin", "abcdef");
  auto file = MappedFile::open(path);
  ASSERT_TRUE(file.ok());
  const std::byte* before = file->bytes().data();
  MappedFile moved = std::move(file).value();
  EXPECT_EQ(moved.bytes().data(), before);
  EXPECT_EQ(std::to_integer<char>(moved.bytes()[5]), 'f');

  auto other = MappedFile::open(write_file(test::scratch_dir() / "other.bin", "xy"));
  ASSERT_TRUE(other.ok());
  moved = std::move(other).value();  // unmaps the first mapping
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(std::to_integer<char>(moved.bytes()[0]), 'x');
}

TEST(MappedFile, MissingFileIsNotFoundAndNamesThePath) {
  const auto path = test::scratch_dir() / "no-such-file.bin";
  auto file = MappedFile::open(path);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::NotFound);
  EXPECT_NE(file.status().message().find(path.string()), std::string::npos);
  EXPECT_NE(file.status().message().find("No such file"), std::string::npos)
      << file.status().message();
}

TEST(MappedFile, DirectoryIsRefused) {
  auto file = MappedFile::open(test::scratch_dir());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::InvalidArgument);
  EXPECT_NE(file.status().message().find("directory"), std::string::npos);
}

TEST(MappedFile, DeviceIsRefused) {
  if (!std::filesystem::exists("/dev/null")) GTEST_SKIP() << "no /dev/null";
  auto file = MappedFile::open("/dev/null");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::InvalidArgument);
}

}  // namespace
}  // namespace braid::core
