// `braid convert --mmproj` against mmproj files written with the gguf package in llama.cpp's
// layout for the same Hugging Face folders (tests/scripts/make_convert_mmproj_goldens.py): the
// same tensors (name, type, shape, bytes) and the same metadata (key, type, value); and braid's
// own vision and audio mmproj loaders open what it writes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "braid/audio/audio_mmproj.h"
#include "braid/core/gguf.h"
#include "braid/vision/mmproj.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

std::filesystem::path golden(const std::string& name) {
  return golden_dir() / "convert_mmproj" / name;
}

// A value with its type, comparable across files (floats compared bit-exactly via their value).
json typed(const core::GgufValue& v) {
  if (const auto* a = std::get_if<core::GgufArray>(&v.data)) {
    json items = json::array();
    for (const auto& item : a->items) items.push_back(typed(item));
    return {{"array_of", static_cast<int>(a->element_type)}, {"items", items}};
  }
  json value = std::visit(
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
  return {{"type", static_cast<int>(v.type())}, {"value", value}};
}

// Every tensor and key of `want` is in `got` with the same contents, and nothing else is.
void expect_same_file(const std::filesystem::path& got_path,
                      const std::filesystem::path& want_path) {
  auto got = core::GgufFile::open(got_path);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  auto want = core::GgufFile::open(want_path);
  ASSERT_TRUE(want.ok()) << want.status().to_string();
  std::map<std::string, const core::GgufTensorInfo*> ours;
  for (const auto& t : got->tensors()) ours[t.name] = &t;
  EXPECT_EQ(got->tensors().size(), want->tensors().size());
  for (const auto& w : want->tensors()) {
    SCOPED_TRACE(w.name);
    auto it = ours.find(w.name);
    ASSERT_NE(it, ours.end()) << "missing tensor";
    const auto& t = *it->second;
    EXPECT_EQ(t.dtype, w.dtype);
    EXPECT_EQ(t.shape, w.shape);
    const auto a = got->tensor_data(t);
    const auto b = want->tensor_data(w);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "bytes differ";
  }
  std::map<std::string, json> keys;
  for (const auto& kv : got->metadata()) keys[kv.key] = typed(kv.value);
  size_t matched = 0;
  for (const auto& kv : want->metadata()) {
    if (kv.key == "general.alignment") continue;
    SCOPED_TRACE(kv.key);
    auto it = keys.find(kv.key);
    ASSERT_NE(it, keys.end()) << "missing key";
    EXPECT_EQ(it->second, typed(kv.value));
    ++matched;
  }
  for (const auto& kv : got->metadata()) {
    EXPECT_TRUE(kv.key == "general.alignment" || want->find(kv.key) != nullptr)
        << "extra key " << kv.key;
  }
  EXPECT_GT(matched, 10u);
}

TEST(ConvertMmprojCli, LlavaMatchesTheConverterLayoutAndLoads) {
  const auto out = scratch_dir() / "llava-mmproj.gguf";
  auto r = run_braid({"convert", "--mmproj", golden("tiny-llava").string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("LlavaForConditionalGeneration"), std::string::npos) << r.out;
  expect_same_file(out, golden("tiny-llava.mmproj.gguf"));
  auto model = vision::VisionModel::open(out);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  // Block 2 (the last) and post_layernorm are gone: vision_feature_layer -2.
  auto file = core::GgufFile::open(out);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file->get<uint32_t>("clip.vision.block_count"), 2u);
  EXPECT_EQ(file->find_tensor("v.blk.2.attn_q.weight"), nullptr);
  EXPECT_EQ(file->find_tensor("v.post_ln.weight"), nullptr);
}

TEST(ConvertMmprojCli, UltravoxMatchesTheConverterLayoutAndLoads) {
  const auto out = scratch_dir() / "ultravox-mmproj.gguf";
  auto r = run_braid({"convert", "--mmproj", golden("tiny-ultravox").string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_file(out, golden("tiny-ultravox.mmproj.gguf"));
  auto model = audio::AudioMmproj::open(out, 48);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
}

TEST(ConvertMmprojCli, OtherTypesLoad) {
  const auto dir = scratch_dir();
  for (const char* type : {"F32", "Q8_0"}) {
    SCOPED_TRACE(type);
    const auto v = dir / (std::string("v-") + type + ".gguf");
    const auto a = dir / (std::string("a-") + type + ".gguf");
    auto r = run_braid(
        {"convert", "--mmproj", golden("tiny-llava").string(), "-o", v.string(), "--type", type});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_braid({"convert", "--mmproj", golden("tiny-ultravox").string(), "-o", a.string(),
                   "--type", type});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto vm = vision::VisionModel::open(v);
    EXPECT_TRUE(vm.ok()) << vm.status().to_string();
    auto am = audio::AudioMmproj::open(a, 48);
    EXPECT_TRUE(am.ok()) << am.status().to_string();
    auto vf = core::GgufFile::open(v);
    auto af = core::GgufFile::open(a);
    ASSERT_TRUE(vf.ok() && af.ok());
    const bool q8 = std::string(type) == "Q8_0";
    EXPECT_EQ(*vf->get<uint32_t>("general.file_type"), q8 ? 7u : 0u);
    // Rows of 32 fill a Q8_0 block; 1-D tensors stay F32, conv kernels F16.
    EXPECT_EQ(vf->find_tensor("v.blk.0.attn_q.weight")->dtype,
              q8 ? core::DType::Q8_0 : core::DType::F32);
    EXPECT_EQ(vf->find_tensor("v.patch_embd.weight")->dtype, core::DType::F16);
    EXPECT_EQ(vf->find_tensor("v.pre_ln.weight")->dtype, core::DType::F32);
    EXPECT_EQ(af->find_tensor("a.blk.0.ffn_up.weight")->dtype,
              q8 ? core::DType::Q8_0 : core::DType::F32);
    // The Whisper converter keeps conv kernels F16 whatever the type.
    EXPECT_EQ(af->find_tensor("a.conv1d.1.weight")->dtype, core::DType::F16);
  }
}

void copy_folder(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(e.path(), to / e.path().filename());
  }
}

void edit_config(const std::filesystem::path& folder, const std::function<void(json&)>& edit) {
  json config;
  {
    std::ifstream in(folder / "config.json");
    config = json::parse(in);
  }
  edit(config);
  std::ofstream(folder / "config.json") << config.dump(1);
}

TEST(ConvertMmprojCli, BadInput) {
  const auto dir = scratch_dir();
  const auto out = dir / "out.gguf";

  // A text model has no mmproj: refused, naming the supported architectures.
  auto r = run_braid({"convert", "--mmproj", (golden_dir() / "convert" / "tiny-qwen2").string(),
                      "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Qwen2ForCausalLM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("LlavaForConditionalGeneration UltravoxModel"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  // Converting LLaVA as a text model points at --mmproj.
  r = run_braid({"convert", golden("tiny-llava").string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--mmproj"), std::string::npos) << r.err;

  // Types an mmproj is not written in.
  r = run_braid({"convert", "--mmproj", golden("tiny-llava").string(), "-o", out.string(), "--type",
                 "Q4_K_M"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("F16, F32 or Q8_0"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  // The "full" feature strategy (class token kept) is not what the file can express.
  const auto full = dir / "full";
  copy_folder(golden("tiny-llava"), full);
  edit_config(full, [](json& c) { c["vision_feature_select_strategy"] = "full"; });
  r = run_braid({"convert", "--mmproj", full.string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("vision_feature_select_strategy"), std::string::npos) << r.err;

  // A feature layer outside the tower.
  const auto deep = dir / "deep";
  copy_folder(golden("tiny-llava"), deep);
  edit_config(deep, [](json& c) { c["vision_feature_layer"] = 7; });
  r = run_braid({"convert", "--mmproj", deep.string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("vision_feature_layer 7"), std::string::npos) << r.err;

  // A feature-layer list is recorded as clip.vision.feature_layer, blocks up to the deepest.
  const auto list = dir / "list";
  copy_folder(golden("tiny-llava"), list);
  edit_config(list, [](json& c) { c["vision_feature_layer"] = json::array({0, -2}); });
  r = run_braid({"convert", "--mmproj", list.string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    auto f = core::GgufFile::open(out);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(*f->get<uint32_t>("clip.vision.block_count"), 2u);
    EXPECT_EQ(*f->get<std::vector<int32_t>>("clip.vision.feature_layer"),
              (std::vector<int32_t>{0, 2}));
    // The loader sees that this projector takes one hidden state, not the two the list
    // concatenates (a real model trained with the list has a wider mm.0).
    auto model = vision::VisionModel::open(out);
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.status().message().find("mm.0.weight"), std::string::npos)
        << model.status().to_string();
  }
  std::filesystem::remove(out);

  // Ultravox without the Whisper config.
  const auto noaudio = dir / "noaudio";
  copy_folder(golden("tiny-ultravox"), noaudio);
  edit_config(noaudio, [](json& c) { c.erase("audio_config"); });
  r = run_braid({"convert", "--mmproj", noaudio.string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("audio_config"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace braid::test
