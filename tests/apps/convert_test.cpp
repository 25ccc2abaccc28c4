// `braid convert` against a re-implementation of llama.cpp's converter on top of the gguf package
// (tests/scripts/make_convert_goldens.py): the same tensors, byte for byte, in the same order,
// and the same metadata.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

json expected() {
  std::ifstream in(golden_dir() / "convert" / "expected.json");
  return json::parse(in);
}

std::string fnv1a64(std::span<const std::byte> bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::byte b : bytes) h = (h ^ static_cast<uint8_t>(b)) * 0x100000001b3ull;
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
  return text;
}

// The gguf package's type names ("uint32", "array of string") for our values.
std::string type_name(const core::GgufValue& v) {
  auto scalar = [](core::GgufValueType t) -> std::string {
    switch (t) {
      case core::GgufValueType::U32:
        return "uint32";
      case core::GgufValueType::I32:
        return "int32";
      case core::GgufValueType::F32:
        return "float32";
      case core::GgufValueType::Bool:
        return "bool";
      case core::GgufValueType::String:
        return "string";
      default:
        return std::string(core::gguf_value_type_name(t));
    }
  };
  if (const auto* a = std::get_if<core::GgufArray>(&v.data)) {
    return "array of " + scalar(a->element_type);
  }
  return scalar(v.type());
}

json value_json(const core::GgufValue& v) {
  if (const auto* a = std::get_if<core::GgufArray>(&v.data)) {
    json items = json::array();
    for (const auto& item : a->items) items.push_back(value_json(item));
    return items;
  }
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, core::GgufArray>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, float>) {
          return static_cast<double>(x);
        } else {
          return x;
        }
      },
      v.data);
}

void check_against_golden(const std::filesystem::path& gguf, const json& want) {
  auto file = core::GgufFile::open(gguf);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  const auto& tensors = want["tensors"];
  ASSERT_EQ(file->tensors().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = file->tensors()[i];
    const auto& w = tensors[i];
    SCOPED_TRACE(w["name"].get<std::string>());
    EXPECT_EQ(t.name, w["name"].get<std::string>());
    EXPECT_EQ(std::string(core::dtype_name(t.dtype)), w["type"].get<std::string>());
    EXPECT_EQ(t.shape, w["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(fnv1a64(file->tensor_data(t)), w["fnv1a64"].get<std::string>());
  }
  if (!want.contains("metadata")) return;
  const json& meta = want["metadata"];
  for (const auto& [key, w] : meta.items()) {
    SCOPED_TRACE(key);
    const core::GgufValue* v = file->find(key);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(type_name(*v), w["type"].get<std::string>());
    EXPECT_EQ(value_json(*v), w["value"]);
  }
  // braid always writes add_bos_token and add_eos_token; SpecialVocab leaves out what it could
  // not determine. Those (false) are the only extras.
  for (const auto& kv : file->metadata()) {
    if (meta.contains(kv.key)) continue;
    if (kv.key == "tokenizer.ggml.add_space_prefix") {
      // SentencePiece's dummy prefix, which llama.cpp assumes when the key is absent.
      EXPECT_EQ(value_json(kv.value), json(true));
      continue;
    }
    EXPECT_TRUE(kv.key == "tokenizer.ggml.add_eos_token" ||
                kv.key == "tokenizer.ggml.add_bos_token")
        << kv.key;
    EXPECT_EQ(value_json(kv.value), json(false)) << kv.key;
  }
}

void copy_folder(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(e.path(), to / e.path().filename());
  }
}

TEST(ConvertCli, MatchesTheConverterLayoutForEveryType) {
  const json all = expected();
  const auto dir = scratch_dir();
  // tiny-mistral's tokenizer is Llama 2's SentencePiece model from the shared data, copied in.
  BRAID_SHARED_FILE_OR_SKIP(spm, "llama2-tokenizer/tokenizer.model");
  copy_folder(golden_dir() / "convert" / "tiny-mistral", dir / "tiny-mistral");
  std::filesystem::copy_file(spm, dir / "tiny-mistral" / "tokenizer.model");
  for (const auto& [folder, types] : all.items()) {
    const auto source = folder == "tiny-mistral" ? dir / folder : golden_dir() / "convert" / folder;
    for (const auto& [type, want] : types.items()) {
      SCOPED_TRACE(folder + " " + type);
      const auto out = dir / (folder + "-" + type + ".gguf");
      auto r = run_braid({"convert", source.string(), "-o", out.string(), "--type", type});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      check_against_golden(out, want);
    }
  }
}

TEST(ConvertCli, DefaultIsF16AndInfoReadsTheResult) {
  const auto out = scratch_dir() / "llama.gguf";
  auto r = run_braid(
      {"convert", (golden_dir() / "convert" / "tiny-llama").string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check_against_golden(out, expected()["tiny-llama"]["F16"]);
  auto info = run_braid({"info", "--json", out.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const json summary = json::parse(info.out);
  EXPECT_EQ(summary["architecture"], "llama");
  EXPECT_EQ(summary["file_type"], "F16");
  EXPECT_EQ(summary["tokenizer"]["vocab_size"], 320);
  EXPECT_TRUE(summary["tokenizer"]["chat_template"].get<bool>());
}

TEST(ConvertCli, QuantizedMixesUseTheQuantizeRules) {
  const auto out = scratch_dir() / "q.gguf";
  auto r = run_braid({"convert", (golden_dir() / "convert" / "tiny-llama").string(), "-o",
                      out.string(), "--type", "Q4_K_M"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = core::GgufFile::open(out);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file->get<uint32_t>("general.file_type"), 15u);
  // Rows of 64 values fill no Q4_K/Q6_K block: the fallbacks are Q5_0 and Q8_0.
  EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->dtype, core::DType::Q5_0);
  EXPECT_EQ(file->find_tensor("output.weight")->dtype, core::DType::Q8_0);
  EXPECT_EQ(file->find_tensor("blk.0.attn_norm.weight")->dtype, core::DType::F32);
  EXPECT_NE(r.err.find("note:"), std::string::npos) << r.err;
}

TEST(ConvertCli, RopeScalingKeys) {
  // TextModel.set_gguf_parameters: yarn gives type, factor, original context and the optional
  // yarn_* keys; linear gives type and factor; Llama 3's is the rope_freqs tensor, no keys.
  const auto dir = scratch_dir();
  const auto folder = dir / "yarn";
  copy_folder(golden_dir() / "convert" / "tiny-qwen2", folder);
  auto set_rope = [&](const json& rope) {
    std::ifstream in(folder / "config.json");
    json config = json::parse(in);
    config["rope_parameters"] = rope;
    std::ofstream(folder / "config.json") << config.dump(1);
  };
  set_rope({{"rope_type", "yarn"},
            {"rope_theta", 1e6},
            {"factor", 4.0},
            {"original_max_position_embeddings", 1024},
            {"beta_fast", 32.0},
            {"attention_factor", 1.5}});
  auto r = run_braid({"convert", folder.string(), "-o", (dir / "y.gguf").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto y = core::GgufFile::open(dir / "y.gguf");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(*y->get<std::string>("qwen2.rope.scaling.type"), "yarn");
  EXPECT_EQ(*y->get<float>("qwen2.rope.scaling.factor"), 4.0f);
  EXPECT_EQ(*y->get<uint32_t>("qwen2.rope.scaling.original_context_length"), 1024u);
  EXPECT_EQ(*y->get<float>("qwen2.rope.scaling.yarn_beta_fast"), 32.0f);
  EXPECT_EQ(*y->get<float>("qwen2.rope.scaling.yarn_attn_factor"), 1.5f);
  EXPECT_FALSE(y->contains("qwen2.rope.scaling.yarn_beta_slow"));
  EXPECT_EQ(*y->get<float>("qwen2.rope.freq_base"), 1e6f);

  set_rope({{"rope_type", "linear"}, {"rope_theta", 1e4}, {"factor", 2.0}});
  r = run_braid({"convert", folder.string(), "-o", (dir / "l.gguf").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto l = core::GgufFile::open(dir / "l.gguf");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l->get<std::string>("qwen2.rope.scaling.type"), "linear");
  EXPECT_EQ(*l->get<float>("qwen2.rope.scaling.factor"), 2.0f);
  EXPECT_FALSE(l->contains("qwen2.rope.scaling.original_context_length"));
}

TEST(ConvertCli, BadFolders) {
  const auto dir = scratch_dir();
  const auto out = (dir / "out.gguf").string();

  // An architecture convert does not handle: named, with the supported list.
  const auto llava = dir / "llava";
  copy_folder(golden_dir() / "convert" / "tiny-qwen2", llava);
  {
    std::ifstream in(llava / "config.json");
    json config = json::parse(in);
    config["architectures"] = {"LlavaForConditionalGeneration"};
    std::ofstream(llava / "config.json") << config.dump(1);
  }
  auto r = run_braid({"convert", llava.string(), "-o", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("LlavaForConditionalGeneration"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("LlamaForCausalLM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--mmproj"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  // A sharded folder with a shard missing.
  const auto partial = dir / "partial";
  copy_folder(golden_dir() / "convert" / "tiny-llama", partial);
  std::filesystem::remove(partial / "model-00002-of-00003.safetensors");
  r = run_braid({"convert", partial.string(), "-o", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model-00002-of-00003.safetensors"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  // No tokenizer.
  const auto notok = dir / "notok";
  copy_folder(golden_dir() / "convert" / "tiny-qwen2", notok);
  std::filesystem::remove(notok / "tokenizer.json");
  r = run_braid({"convert", notok.string(), "-o", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tokenizer"), std::string::npos) << r.err;

  // Usage errors and an existing output.
  const auto good = (golden_dir() / "convert" / "tiny-qwen2").string();
  EXPECT_EQ(run_braid({"convert", good}).exit_code, 2);
  EXPECT_EQ(run_braid({"convert", good, "-o", out, "--type", "Q9"}).exit_code, 2);
  EXPECT_EQ(run_braid({"convert", (dir / "nope").string(), "-o", out}).exit_code, 1);
  EXPECT_EQ(run_braid({"convert", good, "-o", (dir / "no" / "x.gguf").string()}).exit_code, 1);
  ASSERT_EQ(run_braid({"convert", good, "-o", out}).exit_code, 0);
  auto again = run_braid({"convert", good, "-o", out});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
}

}  // namespace
}  // namespace braid::test
