// `braid backends` as a user runs it: the reference plugin beside the binary is listed with its
// facts; with BRAID_PLUGIN_PATH pointing at the broken test plugins, each is listed with its
// reason while the reference still works; `--backend` prints the one selection line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

// Sets BRAID_PLUGIN_PATH for the commands a test runs (children inherit it), then clears it.
class PluginPath {
 public:
  explicit PluginPath(const std::string& value) { setenv("BRAID_PLUGIN_PATH", value.c_str(), 1); }
  ~PluginPath() { unsetenv("BRAID_PLUGIN_PATH"); }
};

const json* find_by_name(const json& list, const std::string& name) {
  for (const auto& entry : list) {
    if (entry["name"] == name) return &entry;
  }
  return nullptr;
}

TEST(BackendsCli, ListsTheReferencePluginBesideTheBinary) {
  unsetenv("BRAID_PLUGIN_PATH");
  auto r = run_braid({"backends", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json facts = json::parse(r.out);
  EXPECT_EQ(facts["host_abi_version"], 1);
  ASSERT_EQ(facts["search_path"].size(), 2u);
  EXPECT_EQ(facts["search_path"][1], binary_dir().string());
  const json* reference = find_by_name(facts["plugins"], "reference");
  ASSERT_NE(reference, nullptr) << r.out;
  EXPECT_EQ((*reference)["path"], (binary_dir() / "braid-backend-reference.so").string());
  EXPECT_EQ((*reference)["abi_version"], 1);
  EXPECT_EQ((*reference)["score"], 1);
  EXPECT_FALSE((*reference)["version"].get<std::string>().empty());
  ASSERT_EQ((*reference)["devices"].size(), 1u);
  EXPECT_EQ((*reference)["devices"][0]["kind"], "cpu");
  EXPECT_EQ((*reference)["devices"][0]["threads"], 1);
  // (A CUDA plugin built on a machine without a GPU would be listed as unusable: allowed.)
  EXPECT_EQ(find_by_name(facts["failed"], "reference"), nullptr) << facts["failed"].dump();

  auto text = run_braid({"backends"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("reference  (score 1)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("braid-backend-reference.so"), std::string::npos);
}

TEST(BackendsCli, ReportsBrokenPluginsWithReasonsAndStillLoadsTheGoodOnes) {
  PluginPath path(BRAID_TEST_BAD_PLUGIN_DIR);
  auto r = run_braid({"backends", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json facts = json::parse(r.out);
  EXPECT_EQ(facts["search_path"][0], BRAID_TEST_BAD_PLUGIN_DIR);
  EXPECT_NE(find_by_name(facts["plugins"], "reference"), nullptr);
  const std::map<std::string, std::string> expected = {
      {"noentry", "missing symbol braid_backend_entry"},
      {"abi99", "ABI version 99, host supports 1"},
      {"probefail", "probe failed: simulated driver failure"},
      {"unusable", "unusable: no simulated device here"},
      {"junk", "not a loadable library"},
  };
  for (const auto& [name, reason] : expected) {
    const json* failure = find_by_name(facts["failed"], name);
    ASSERT_NE(failure, nullptr) << name;
    EXPECT_NE((*failure)["reason"].get<std::string>().find(reason), std::string::npos)
        << (*failure)["reason"];
  }
  // `noopen` loads (its probe is fine) but its device cannot open: listed with that error.
  const json* noopen = find_by_name(facts["plugins"], "noopen");
  ASSERT_NE(noopen, nullptr);
  EXPECT_NE((*noopen)["devices"][0]["error"].get<std::string>().find("simulated open failure"),
            std::string::npos);

  auto text = run_braid({"backends"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("not usable:"), std::string::npos);
  EXPECT_NE(text.out.find("ABI version 99, host supports 1"), std::string::npos) << text.out;
}

TEST(BackendsCli, BackendOptionPrintsOneLineForTheChoiceOrTheReason) {
  PluginPath path(BRAID_TEST_BAD_PLUGIN_DIR);
  auto chosen = run_braid({"backends", "--backend", "auto"});
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  // The best usable real backend: cpu (score 100) where its plugin is built and this CPU has
  // AVX2, else the reference.
  EXPECT_TRUE(chosen.err.rfind("backend: cpu (", 0) == 0 ||
              chosen.err.rfind("backend: reference (", 0) == 0)
      << chosen.err;
  EXPECT_EQ(chosen.err.find('\n'), chosen.err.size() - 1);

  auto refused = run_braid({"backends", "--backend", "unusable"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << refused.err;
  EXPECT_NE(refused.err.find("backend 'unusable' is not available"), std::string::npos);
  EXPECT_NE(refused.err.find("no simulated device here"), std::string::npos) << refused.err;

  auto missing = run_braid({"backends", "--backend", "nosuch", "--json"});
  EXPECT_EQ(missing.exit_code, 1);
  const json facts = json::parse(missing.out);
  EXPECT_NE(facts["selected"]["error"].get<std::string>().find("no braid-backend-nosuch.so"),
            std::string::npos);

  auto malformed = run_braid({"backends", "--backend", "CUDA!"});
  EXPECT_EQ(malformed.exit_code, 2);
  auto threads = run_braid({"backends", "--threads", "0"});
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_NE(threads.err.find("--threads '0'"), std::string::npos);
}

}  // namespace
}  // namespace braid::test
