// `braid info` as a user runs it: facts about every GGUF in ../shared/data must match what the
// `gguf` package from PyPI read (tests/golden/gguf/facts.json), and bad files give one clear line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

json load_facts() {
  std::ifstream in(golden_dir() / "gguf" / "facts.json");
  return json::parse(in);
}

const json* find_key(const json& file_facts, const std::string& key) {
  for (const auto& kv : file_facts["metadata"]) {
    if (kv["key"] == key) return &kv;
  }
  return nullptr;
}

// The one-line error a user sees: exactly one line on stderr, nothing on stdout.
void expect_one_line_error(const CommandResult& r, int exit_code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line:\n" << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(InfoCli, JsonAgreesWithTheGgufPackageOnEverySharedFile) {
  if (!std::filesystem::exists(shared_data_dir())) GTEST_SKIP() << "no ../shared/data";
  const json facts = load_facts();
  for (const auto& expected : facts["files"]) {
    const std::string relative = expected["file"];
    SCOPED_TRACE(relative);
    auto r = run_braid({"info", "--json", (shared_data_dir() / relative).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json got = json::parse(r.out);
    EXPECT_EQ(got["format"], "gguf");
    EXPECT_EQ(got["version"], expected["version"]);
    EXPECT_EQ(got["tensor_count"], expected["tensor_count"]);
    EXPECT_EQ(got["n_params"], expected["n_params"]);
    EXPECT_EQ(got["file_size"].get<uint64_t>(),
              std::filesystem::file_size(shared_data_dir() / relative));
    EXPECT_EQ(got["architecture"], find_key(expected, "general.architecture")->at("value"));
    for (const auto& [type, bytes] : expected["bytes_per_type"].items()) {
      EXPECT_EQ(got["types"][type]["bytes"], bytes) << type;
    }
    EXPECT_EQ(got["types"].size(), expected["bytes_per_type"].size());
    // Tokenizer facts.
    const json* model = find_key(expected, "tokenizer.ggml.model");
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(got["tokenizer"]["model"], model->at("value"));
    EXPECT_EQ(got["tokenizer"]["vocab_size"],
              find_key(expected, "tokenizer.ggml.tokens")->at("count"));
    if (const json* merges = find_key(expected, "tokenizer.ggml.merges")) {
      EXPECT_EQ(got["tokenizer"]["merges"], merges->at("count"));
    }
    if (const json* bos = find_key(expected, "tokenizer.ggml.bos_token_id")) {
      EXPECT_EQ(got["tokenizer"]["bos_token_id"], bos->at("value"));
    }
    EXPECT_EQ(got["tokenizer"]["chat_template"],
              find_key(expected, "tokenizer.chat_template") != nullptr);
    // Every architecture key is reported with its value.
    const std::string arch = got["architecture"];
    for (const auto& kv : expected["metadata"]) {
      const std::string key = kv["key"];
      if (key.rfind(arch + ".", 0) != 0 || kv["type"] == "array") continue;
      ASSERT_TRUE(got["hyperparameters"].contains(key)) << key;
      if (kv["type"] == "f32") {
        EXPECT_FLOAT_EQ(got["hyperparameters"][key].get<float>(), kv["value"].get<float>()) << key;
      } else {
        EXPECT_EQ(got["hyperparameters"][key], kv["value"]) << key;
      }
    }
  }
}

TEST(InfoCli, TextViewOfTheTinyStoriesModel) {
  BRAID_SHARED_FILE_OR_SKIP(model, "tinyllama-stories260K/stories260K.gguf");
  auto r = run_braid({"info", model.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("GGUF v3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("architecture    llama"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("512 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("llama.block_count"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chat template   no"), std::string::npos) << r.out;
}

TEST(InfoCli, ListsTensors) {
  BRAID_SHARED_FILE_OR_SKIP(model, "tinyllama-stories260K/stories260K.gguf");
  auto r = run_braid({"info", "--json", "--tensors", model.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json got = json::parse(r.out);
  ASSERT_EQ(got["tensors"].size(), 48u);
  EXPECT_EQ(got["tensors"][0]["name"], "token_embd.weight");
  EXPECT_EQ(got["tensors"][0]["shape"], json::array({512, 64}));
  auto text = run_braid({"info", "--tensors", model.string()});
  EXPECT_NE(text.out.find("blk.4.ffn_down.weight"), std::string::npos);
}

TEST(InfoCli, TruncatedFileGivesOneLineNamingFileAndOffset) {
  BRAID_SHARED_FILE_OR_SKIP(model, "tinyllama-stories260K/stories260K.gguf");
  const auto dir = scratch_dir();
  for (size_t keep : {size_t{3}, size_t{100}, size_t{20000}, size_t{600000}}) {
    const auto cut = dir / ("cut" + std::to_string(keep) + ".gguf");
    {
      std::ifstream in(model, std::ios::binary);
      std::string bytes(keep, '\0');
      in.read(bytes.data(), static_cast<std::streamsize>(keep));
      std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    }
    auto r = run_braid({"info", cut.string()});
    SCOPED_TRACE(keep);
    expect_one_line_error(r, 1, cut.filename().string());
    EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
  }
}

TEST(InfoCli, RefusesFilesThatAreNotModels) {
  const auto dir = scratch_dir();
  const auto text = dir / "notes.gguf";
  std::ofstream(text) << "this is plain text, not a model\n";
  expect_one_line_error(run_braid({"info", text.string()}), 1, "expected \"GGUF\"");
  const auto other = dir / "picture.jpg";
  std::ofstream(other) << "\xFF\xD8\xFF not really";
  expect_one_line_error(run_braid({"info", other.string()}), 1, "not a GGUF file");
  expect_one_line_error(run_braid({"info", (dir / "missing.gguf").string()}), 1, "missing.gguf");
  const auto empty = dir / "empty.gguf";
  std::ofstream{empty};
  expect_one_line_error(run_braid({"info", empty.string()}), 1, "too short");
}

TEST(InfoCli, UsageErrors) {
  EXPECT_EQ(run_braid({"info"}).exit_code, 2);
  EXPECT_EQ(run_braid({"info", "--bogus", "x.gguf"}).exit_code, 2);
  EXPECT_EQ(run_braid({"info", "a.gguf", "b.gguf"}).exit_code, 2);
  auto help = run_braid({"info", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--tensors"), std::string::npos);
  EXPECT_EQ(run_braid({"no-such-command"}).exit_code, 2);
}

}  // namespace
}  // namespace braid::test
