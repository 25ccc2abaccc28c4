// `braid info` on an mmproj file laid out as llama.cpp's converter writes them
// (general.architecture = clip, the clip.* keys, v./a. tensors). No real mmproj is in
// ../shared/data, so the file is written here with the keys and names listed in docs/formats.md.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "braid/core/gguf_writer.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using core::GgufValue;

TEST(InfoMmprojCli, NamesEncodersAndProjectors) {
  core::GgufWriter writer;
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("clip.has_vision_encoder", GgufValue{true});
  writer.set("clip.has_audio_encoder", GgufValue{true});
  writer.set("clip.vision.projector_type", GgufValue{std::string("gemma3")});
  writer.set("clip.audio.projector_type", GgufValue{std::string("ultravox")});
  writer.set("clip.vision.image_size", GgufValue{uint32_t{896}});
  writer.set("clip.vision.patch_size", GgufValue{uint32_t{14}});
  writer.set("clip.vision.image_mean", core::gguf_array(std::vector<float>{0.5f, 0.5f, 0.5f}));
  writer.set("clip.audio.num_mel_bins", GgufValue{uint32_t{128}});
  std::vector<float> patch(4 * 3 * 2 * 2, 0.0f);
  ASSERT_TRUE(writer
                  .add_tensor("v.patch_embd.weight", core::DType::F32, {4, 3, 2, 2},
                              std::as_bytes(std::span(patch)))
                  .is_ok());
  const auto path = scratch_dir() / "mmproj.gguf";
  ASSERT_TRUE(writer.write(path).is_ok());

  auto r = run_braid({"info", "--json", path.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  EXPECT_EQ(info["architecture"], "clip");
  EXPECT_EQ(info["mmproj"]["vision"]["projector"], "gemma3");
  EXPECT_EQ(info["mmproj"]["audio"]["projector"], "ultravox");
  EXPECT_EQ(info["hyperparameters"]["clip.vision.image_size"], 896);
  EXPECT_EQ(info["hyperparameters"]["clip.audio.num_mel_bins"], 128);
  EXPECT_EQ(info["hyperparameters"]["clip.vision.image_mean"],
            nlohmann::json::array({0.5, 0.5, 0.5}));
  EXPECT_TRUE(info["tokenizer"].is_null());
  auto text = run_braid({"info", path.string()});
  EXPECT_NE(text.out.find("vision encoder  projector gemma3"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("audio encoder   projector ultravox"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace braid::test
