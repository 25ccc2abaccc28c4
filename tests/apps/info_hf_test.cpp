// `braid info` on Hugging Face folders and .safetensors files written by the safetensors package
// (tests/golden/safetensors, made by tests/scripts/make_safetensors_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

json expected() {
  std::ifstream in(golden_dir() / "safetensors" / "expected.json");
  return json::parse(in);
}

// Tensor count, parameters and bytes per dtype over the named files of expected.json.
void expect_totals(const json& got, const std::vector<std::string>& files) {
  const json facts = expected();
  size_t n_tensors = 0;
  uint64_t n_params = 0;
  std::map<std::string, uint64_t> bytes;
  for (const auto& file : files) {
    for (const auto& [name, t] : facts[file]["tensors"].items()) {
      ++n_tensors;
      uint64_t count = 1;
      for (auto d : t["shape"]) count *= d.get<uint64_t>();
      n_params += count;
      bytes[t["dtype"]] += t["hex"].get<std::string>().size() / 2;
    }
  }
  EXPECT_EQ(got["tensor_count"], n_tensors);
  EXPECT_EQ(got["n_params"], n_params);
  for (const auto& [type, n] : bytes) EXPECT_EQ(got["types"][type]["bytes"], n) << type;
}

TEST(InfoHfCli, ShardedFolder) {
  const auto dir = golden_dir() / "safetensors" / "sharded";
  auto r = run_braid({"info", "--json", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["format"], "safetensors (sharded)");
  EXPECT_EQ(got["files"], 2);
  EXPECT_EQ(got["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(got["hyperparameters"]["num_hidden_layers"], 1);
  EXPECT_EQ(got["hyperparameters"]["hidden_size"], 4);
  expect_totals(got, {"sharded/model-00001-of-00002.safetensors",
                      "sharded/model-00002-of-00002.safetensors"});
  auto text = run_braid({"info", "--tensors", dir.string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("lm_head.weight"), std::string::npos) << text.out;
}

TEST(InfoHfCli, SingleSafetensorsFile) {
  const auto file = golden_dir() / "safetensors" / "single" / "model.safetensors";
  auto r = run_braid({"info", "--json", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  EXPECT_EQ(got["format"], "safetensors");
  expect_totals(got, {"single/model.safetensors"});
}

TEST(InfoHfCli, BrokenFolderGivesOneLine) {
  const auto dir = scratch_dir();
  std::ofstream(dir / "config.json") << R"({"model_type": "llama"})";
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"a.weight": "model-00001-of-00002.safetensors"}})";
  auto r = run_braid({"info", dir.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model-00001-of-00002.safetensors"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  std::ofstream(dir / "bad.safetensors") << "{not json at all";
  auto bad = run_braid({"info", (dir / "bad.safetensors").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.safetensors"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace braid::test
