#include "braid/core/hf_folder.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "test_paths.h"

namespace braid::core {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kShard1 = "model-00001-of-00002.safetensors";
constexpr const char* kShard2 = "model-00002-of-00002.safetensors";

fs::path golden(const std::string& relative) {
  return test::golden_dir() / "safetensors" / relative;
}

// A writable copy of a golden folder, for tests that break it.
fs::path copy_of(const std::string& folder) {
  const fs::path dst = test::scratch_dir() / folder;
  fs::copy(golden(folder), dst, fs::copy_options::recursive);
  return dst;
}

Json read_json(const fs::path& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string to_hex(std::span<const std::byte> bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (const std::byte b : bytes) {
    out += kDigits[std::to_integer<unsigned>(b) >> 4];
    out += kDigits[std::to_integer<unsigned>(b) & 15];
  }
  return out;
}

void expect_error(const Status& status, StatusCode code, std::string_view needle) {
  EXPECT_EQ(status.code(), code) << status.to_string();
  EXPECT_NE(status.message().find(needle), std::string::npos)
      << "message: " << status.message() << "\nexpected to contain: " << needle;
}

TEST(HfFolder, ShardedGoldenFolder) {
  auto folder = HfFolder::open(golden("sharded"));
  ASSERT_TRUE(folder.ok()) << folder.status().to_string();
  EXPECT_TRUE(folder->sharded());
  ASSERT_EQ(folder->shards().size(), 2u);
  EXPECT_EQ(folder->n_tensors(), 5u);

  // Every tensor is where the index (written beside the shards) says, with the bytes numpy gave
  // the reference writer.
  const Json index = read_json(golden("sharded/model.safetensors.index.json"));
  const Json expected = read_json(golden("expected.json"));
  ASSERT_EQ(index["weight_map"].size(), folder->n_tensors());
  for (const auto& [name, shard_file] : index["weight_map"].items()) {
    SCOPED_TRACE(name);
    const auto shard = folder->shard_of(name);
    ASSERT_TRUE(shard.has_value());
    EXPECT_EQ(fs::path(folder->shards()[*shard].display_name()).filename(),
              shard_file.get<std::string>());
    auto tensor = folder->tensor(name);
    ASSERT_TRUE(tensor.ok()) << tensor.status().to_string();
    const Json& want = expected["sharded/" + shard_file.get<std::string>()]["tensors"][name];
    EXPECT_EQ(safetensors_dtype_name((*tensor)->dtype), want["dtype"].get<std::string>());
    EXPECT_EQ((*tensor)->shape, want["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(to_hex((*tensor)->data), want["hex"].get<std::string>());
  }
  const auto names = folder->tensor_names();
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names.front(), "lm_head.weight");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  EXPECT_EQ(*folder->config().get_int("num_hidden_layers"), 1);
  EXPECT_EQ(*folder->config().get_double_or("rope_scaling.factor", 1.0), 1.0);
  EXPECT_EQ(folder->config().display_name(), (golden("sharded") / "config.json").string());
}

TEST(HfFolder, SingleFileGoldenFolder) {
  auto folder = HfFolder::open(golden("single"));
  ASSERT_TRUE(folder.ok()) << folder.status().to_string();
  EXPECT_FALSE(folder->sharded());
  ASSERT_EQ(folder->shards().size(), 1u);
  EXPECT_EQ(folder->n_tensors(), folder->shards()[0].tensors().size());
  EXPECT_EQ(folder->find("missing.weight"), nullptr);
  auto missing = folder->tensor("missing.weight");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "[hf] " + golden("single").string() + ": no tensor 'missing.weight'");
  EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
  // None of the tokenizer files are in the golden folder.
  EXPECT_FALSE(folder->side_files().tokenizer_json);
  EXPECT_FALSE(folder->side_files().tokenizer_model);
  EXPECT_FALSE(folder->side_files().tokenizer_config);
  EXPECT_FALSE(folder->side_files().chat_template);
}

TEST(HfFolder, DataStaysValidAfterMove) {
  auto folder = HfFolder::open(golden("sharded"));
  ASSERT_TRUE(folder.ok());
  const std::byte* before = folder->find("model.norm.weight")->data.data();
  HfFolder moved = std::move(folder).value();
  EXPECT_EQ(moved.find("model.norm.weight")->data.data(), before);
  EXPECT_EQ(to_hex(moved.find("model.norm.weight")->data), "0000803f0000803f0000403f0000a03f");
}

TEST(HfFolder, ReportsTokenizerAndTemplateFiles) {
  const fs::path dir = copy_of("single");
  write_text(dir / "tokenizer.json", "{}");
  write_text(dir / "tokenizer_config.json", "{}");
  write_text(dir / "chat_template.json", "{}");
  auto folder = HfFolder::open(dir);
  ASSERT_TRUE(folder.ok()) << folder.status().to_string();
  EXPECT_EQ(folder->side_files().tokenizer_json, dir / "tokenizer.json");
  EXPECT_EQ(folder->side_files().tokenizer_config, dir / "tokenizer_config.json");
  EXPECT_EQ(folder->side_files().chat_template, dir / "chat_template.json");
  EXPECT_FALSE(folder->side_files().tokenizer_model);

  write_text(dir / "tokenizer.model", "x");
  write_text(dir / "chat_template.jinja", "{{ messages }}");
  folder = HfFolder::open(dir);
  ASSERT_TRUE(folder.ok());
  EXPECT_EQ(folder->side_files().tokenizer_model, dir / "tokenizer.model");
  EXPECT_EQ(folder->side_files().chat_template, dir / "chat_template.jinja");  // preferred
}

TEST(HfFolder, PrefersModelSafetensorsOverAnIndex) {
  const fs::path dir = copy_of("sharded");
  fs::copy_file(golden("single/model.safetensors"), dir / "model.safetensors");
  auto folder = HfFolder::open(dir);
  ASSERT_TRUE(folder.ok()) << folder.status().to_string();
  EXPECT_FALSE(folder->sharded());
  EXPECT_NE(folder->find("f64.scalar"), nullptr);
}

TEST(HfFolderBad, MissingShard) {
  const fs::path dir = copy_of("sharded");
  fs::remove(dir / kShard2);
  expect_error(HfFolder::open(dir).status(), StatusCode::NotFound,
               "model.safetensors.index.json: shard 'model-00002-of-00002.safetensors' "
               "(holding tensor 'lm_head.weight' and others) is missing");
}

TEST(HfFolderBad, IndexNamesATensorItsShardLacks) {
  const fs::path dir = copy_of("sharded");
  Json index = read_json(dir / "model.safetensors.index.json");
  index["weight_map"]["ghost.weight"] = kShard1;
  write_text(dir / "model.safetensors.index.json", index.dump(2));
  expect_error(HfFolder::open(dir).status(), StatusCode::NotFound,
               "weight_map puts tensor 'ghost.weight' in shard "
               "'model-00001-of-00002.safetensors', which does not hold it");
}

TEST(HfFolderBad, TensorInTwoShards) {
  // A third shard holding the same tensors as shard 1, with the index sending one of them there.
  const fs::path dir = copy_of("sharded");
  fs::copy_file(dir / kShard1, dir / "model-extra.safetensors");
  Json index = read_json(dir / "model.safetensors.index.json");
  index["weight_map"]["model.embed_tokens.weight"] = "model-extra.safetensors";
  write_text(dir / "model.safetensors.index.json", index.dump(2));
  expect_error(HfFolder::open(dir).status(), StatusCode::DataLoss,
               "tensor 'model.embed_tokens.weight' is in both");
}

TEST(HfFolderBad, ShardNameWithAPath) {
  const fs::path dir = copy_of("sharded");
  Json index = read_json(dir / "model.safetensors.index.json");
  index["weight_map"]["f64.scalar"] = "../single/model.safetensors";
  write_text(dir / "model.safetensors.index.json", index.dump(2));
  expect_error(HfFolder::open(dir).status(), StatusCode::DataLoss,
               "names shard '../single/model.safetensors', which is not a plain file name");
}

TEST(HfFolderBad, MalformedIndex) {
  const fs::path dir = copy_of("sharded");
  const fs::path index = dir / "model.safetensors.index.json";
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"{", "invalid JSON at byte 1"},
      {"[]", "is an array, expected a JSON object"},
      {R"({"metadata": {}})", "'weight_map' missing"},
      {R"({"weight_map": []})", "'weight_map' is an array, expected an object"},
      {R"({"weight_map": {"a": 3}})", "weight_map 'a' is 3, expected a shard file name"},
      {R"({"weight_map": {"a": "x", "a": "y"}})", "key 'a' appears twice in object 'weight_map'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    write_text(index, c.text);
    expect_error(HfFolder::open(dir).status(), StatusCode::DataLoss, c.message);
  }
}

TEST(HfFolderBad, CorruptShardNamesTheShard) {
  const fs::path dir = copy_of("sharded");
  fs::resize_file(dir / kShard2, fs::file_size(dir / kShard2) - 3);
  const Status status = HfFolder::open(dir).status();
  expect_error(status, StatusCode::DataLoss, "[safetensors] " + (dir / kShard2).string());
  expect_error(status, StatusCode::DataLoss, "run past the end of the data section");
}

TEST(HfFolderBad, NoWeights) {
  const fs::path dir = test::scratch_dir() / "no-weights";
  fs::create_directories(dir);
  fs::copy_file(golden("single/config.json"), dir / "config.json");
  expect_error(HfFolder::open(dir).status(), StatusCode::NotFound,
               ": no model.safetensors or model.safetensors.index.json");
  write_text(dir / "pytorch_model.bin", "pickle");
  expect_error(HfFolder::open(dir).status(), StatusCode::NotSupported,
               "has only PyTorch pickle weights");
}

TEST(HfFolderBad, MissingConfigOrFolder) {
  const fs::path dir = copy_of("single");
  fs::remove(dir / "config.json");
  const Status status = HfFolder::open(dir).status();
  EXPECT_EQ(status.code(), StatusCode::NotFound);
  EXPECT_EQ(status.message(), "[hf] " + (dir / "config.json").string() + ": missing");

  const fs::path nowhere = test::scratch_dir() / "nowhere";
  expect_error(HfFolder::open(nowhere).status(), StatusCode::NotFound,
               "[hf] " + nowhere.string() + ": folder does not exist");
  expect_error(HfFolder::open(golden("single/config.json")).status(), StatusCode::InvalidArgument,
               "is not a folder");
}

}  // namespace
}  // namespace braid::core
