// The plugin loader against real plugin files: the reference backend from bin/, and a folder of
// deliberately broken ones (see bad_plugin.c). Each broken file is reported with its reason, and
// the good plugins still load and open.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "braid/plugins/registry.h"
#include "test_paths.h"

namespace braid::plugins {
namespace {

namespace fs = std::filesystem;

const fs::path kBadDir = BRAID_TEST_BAD_PLUGIN_DIR;

std::map<std::string, std::string> reasons_by_name(const Registry& registry) {
  std::map<std::string, std::string> out;
  for (const auto& failure : registry.failures()) out[failure.name] = failure.reason;
  return out;
}

TEST(PluginName, FollowsTheFilePattern) {
  EXPECT_EQ(plugin_name_from_file("/x/braid-backend-cuda.so"), "cuda");
  EXPECT_EQ(plugin_name_from_file("braid-backend-reference.so"), "reference");
  EXPECT_EQ(plugin_name_from_file("braid-backend-.so"), "");
  EXPECT_EQ(plugin_name_from_file("libbraid-backend-cpu.so"), "");
  EXPECT_EQ(plugin_name_from_file("braid-backend-cpu.so.1"), "");
  EXPECT_EQ(plugin_name_from_file("braid-backend-cpu.dll"), "");
}

TEST(Loader, ReportsEveryBrokenPluginWithItsReason) {
  const Registry registry = Registry::discover({kBadDir, test::binary_dir()});
  const auto reasons = reasons_by_name(registry);
  const std::map<std::string, std::string> expected = {
      {"noentry", "missing symbol braid_backend_entry"},
      {"abi99", "ABI version 99, host supports 1"},
      {"declines", "the plugin does not serve ABI version 1"},
      {"small", "lacks probe"},
      {"probefail", "probe failed: simulated driver failure"},
      {"unusable", "unusable: no simulated device here"},
      {"misnamed", "the file is named for 'misnamed' but the plugin calls itself 'other'"},
      {"junk", "not a loadable library: "},
  };
  for (const auto& [name, reason] : expected) {
    ASSERT_TRUE(reasons.count(name)) << name << " was not reported";
    EXPECT_NE(reasons.at(name).find(reason), std::string::npos)
        << name << ": got '" << reasons.at(name) << "', want '" << reason << "'";
  }
  // Only the deliberately broken plugins: the build's own may fail too where they cannot run
  // (the cuda plugin on a machine without a GPU).
  size_t broken = 0;
  for (const auto& failure : registry.failures()) broken += failure.path.parent_path() == kBadDir;
  EXPECT_EQ(broken, expected.size());

  // The good ones load: the reference backend, and `noopen` (its probe is fine).
  const auto reference = registry.find("reference");
  ASSERT_NE(reference, nullptr);
  EXPECT_EQ(reference->path().parent_path(), test::binary_dir());
  EXPECT_EQ(reference->abi_version(), BRAID_BACKEND_ABI_VERSION);
  EXPECT_EQ(reference->probe().score, 1);
  EXPECT_EQ(reference->probe().device_count, 1u);
  EXPECT_FALSE(reference->version().empty());
  const auto noopen = registry.find("noopen");
  ASSERT_NE(noopen, nullptr);
  EXPECT_EQ(noopen->probe().score, 1000);
  EXPECT_FALSE(noopen->has(&braid_backend_v1::buffer_wrap_host));
  EXPECT_TRUE(reference->has(&braid_backend_v1::buffer_wrap_host));
  EXPECT_EQ(registry.find("abi99"), nullptr);
}

TEST(Loader, AutoSkipsADeviceThatWillNotOpenAndSaysWhichItChose) {
  const Registry registry = Registry::discover({kBadDir, test::binary_dir()});
  // `noopen` scores 1000, above every real backend, but its device never opens: auto takes the
  // next, the cpu backend where it is built and usable here (score 100), else the reference.
  const auto cpu = registry.find("cpu");
  const bool cpu_usable = cpu != nullptr && cpu->probe().usable;
  const std::string want = cpu_usable ? "cpu" : "reference";
  auto selected = registry.select("auto");
  ASSERT_TRUE(selected.ok()) << selected.status().to_string();
  EXPECT_EQ(selected->device->plugin().name(), want);
  EXPECT_EQ(selected->description.rfind("backend: " + want + " (", 0), 0u) << selected->description;
  if (!cpu_usable) {
    EXPECT_NE(selected->description.find("1 thread"), std::string::npos) << selected->description;
  }
  EXPECT_EQ(selected->description.find('\n'), std::string::npos);
}

TEST(Loader, NamedBackendsFailWithOneLineThatHasThePluginsReason) {
  const Registry registry = Registry::discover({kBadDir, test::binary_dir()});
  auto unusable = registry.select("unusable");
  ASSERT_FALSE(unusable.ok());
  const std::string message = unusable.status().message();
  EXPECT_NE(message.find("backend 'unusable' is not available"), std::string::npos) << message;
  EXPECT_NE(message.find("unusable: no simulated device here"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);

  auto noopen = registry.select("noopen");
  ASSERT_FALSE(noopen.ok());
  EXPECT_NE(noopen.status().message().find("[noopen] device_open(0): simulated open failure"),
            std::string::npos)
      << noopen.status().message();
  EXPECT_EQ(noopen.status().code(), core::StatusCode::BackendError);

  auto absent = registry.select("nosuch");
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.status().message().find("no braid-backend-nosuch.so in " + kBadDir.string()),
            std::string::npos)
      << absent.status().message();

  EXPECT_FALSE(registry.select("reference:1").ok());
  EXPECT_FALSE(registry.select("reference:x").ok());
  auto indexed = registry.select("reference:0");
  ASSERT_TRUE(indexed.ok()) << indexed.status().to_string();
}

TEST(Loader, SameFileTwiceLoadsOnceAndASecondCopyIsSkipped) {
  const fs::path copy_dir = test::scratch_dir();
  fs::copy_file(test::binary_dir() / "braid-backend-reference.so",
                copy_dir / "braid-backend-reference.so");
  const Registry registry =
      Registry::discover({test::binary_dir(), test::binary_dir(), copy_dir, "/no/such/folder"});
  size_t references = 0;
  for (const auto& plugin : registry.plugins()) references += plugin->name() == "reference";
  EXPECT_EQ(references, 1u);
  const auto reasons = reasons_by_name(registry);
  ASSERT_TRUE(reasons.count("reference"));
  EXPECT_NE(reasons.at("reference").find("skipped: 'reference' already loaded from "),
            std::string::npos);
  EXPECT_EQ(registry.find("reference")->path().parent_path(), test::binary_dir());
}

TEST(Loader, NoPluginsAtAllIsAClearError) {
  const Registry registry = Registry::discover({test::scratch_dir()});
  EXPECT_TRUE(registry.plugins().empty());
  auto selected = registry.select("auto");
  ASSERT_FALSE(selected.ok());
  EXPECT_NE(selected.status().message().find("no usable backend"), std::string::npos);
}

TEST(SearchPath, EnvironmentThenInstallThenExecutableFolder) {
  ASSERT_EQ(setenv("BRAID_PLUGIN_PATH", "/first::/second:", 1), 0);
  const auto dirs = default_search_dirs();
  unsetenv("BRAID_PLUGIN_PATH");
  ASSERT_EQ(dirs.size(), 4u);
  EXPECT_EQ(dirs[0], "/first");
  EXPECT_EQ(dirs[1], "/second");
  // Test executables live in bin/, as `braid` does.
  EXPECT_EQ(dirs[2], (test::binary_dir() / ".." / "lib" / "braid").lexically_normal());
  EXPECT_EQ(dirs[3], test::binary_dir());

  const auto without_env = default_search_dirs();
  ASSERT_EQ(without_env.size(), 2u);
  EXPECT_EQ(without_env[1], test::binary_dir());
}

TEST(SearchPath, DefaultDiscoveryFindsTheReferenceBesideTheExecutable) {
  unsetenv("BRAID_PLUGIN_PATH");
  const Registry registry = Registry::discover();
  EXPECT_NE(registry.find("reference"), nullptr);
  EXPECT_EQ(registry.find("noentry"), nullptr);  // the broken ones are never in bin/
}

}  // namespace
}  // namespace braid::plugins
