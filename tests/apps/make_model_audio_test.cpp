// `braid make-model` for audio mmprojs: the file has the keys and tensors of llama.cpp's
// Ultravox / Qwen2-Audio converters, and `braid info` reads it as an audio mmproj.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

TEST(MakeModelAudioCli, TinyUltravoxMmprojHasTheConvertersLayout) {
  const auto out = scratch_dir() / "mmproj.gguf";
  auto made = run_braid({"make-model", "whisper-large-v3", "--tiny", "-o", out.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("ultravox"), std::string::npos) << made.out;
  auto file = core::GgufFile::open(out);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(*file->get<std::string>("general.architecture"), "clip");
  EXPECT_TRUE(*file->get<bool>("clip.has_audio_encoder"));
  EXPECT_EQ(*file->get<std::string>("clip.projector_type"), "ultravox");
  EXPECT_EQ(*file->get<uint32_t>("clip.audio.num_mel_bins"), 128u);
  EXPECT_EQ(*file->get<uint32_t>("clip.audio.projector.stack_factor"), 8u);
  EXPECT_EQ(file->find_tensor("a.blk.1.attn_q.weight")->dtype, core::DType::F16);
  EXPECT_EQ(file->find_tensor("a.blk.0.attn_k.bias"), nullptr);  // Whisper's K has no bias
  EXPECT_EQ(file->find_tensor("mm.a.mlp.1.weight")->shape, (std::vector<int64_t>{512, 512}));
  EXPECT_EQ(file->find_tensor("mm.a.mlp.2.weight")->shape, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(file->find_tensor("a.position_embd.weight")->shape, (std::vector<int64_t>{1500, 64}));

  auto info = run_braid({"info", "--json", out.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(nlohmann::json::parse(info.out)["architecture"], "clip");
}

TEST(MakeModelAudioCli, Qwen2AudioAndBadRequests) {
  const auto dir = scratch_dir();
  auto made = run_braid({"make-model", "qwen2-audio-7b", "--tiny", "--type", "Q8_0", "-o",
                         (dir / "q.gguf").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto file = core::GgufFile::open(dir / "q.gguf");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->find_tensor("mm.a.fc.weight")->dtype, core::DType::Q8_0);
  EXPECT_EQ(file->find_tensor("a.conv1d.1.weight")->dtype, core::DType::F16);
  // Rows of 64 values do not fill Q4_K blocks: refused with the reason.
  auto q4k = run_braid({"make-model", "qwen2-audio-7b", "--tiny", "--type", "Q4_K", "-o",
                        (dir / "k.gguf").string()});
  EXPECT_EQ(q4k.exit_code, 1);
  EXPECT_NE(q4k.err.find("Q4_K"), std::string::npos) << q4k.err;
  auto again =
      run_braid({"make-model", "qwen2-audio-7b", "--tiny", "-o", (dir / "q.gguf").string()});
  EXPECT_EQ(again.exit_code, 1);  // exists, no --force
  auto help = run_braid({"make-model", "--help"});
  EXPECT_NE(help.out.find("whisper-large-v3"), std::string::npos);
}

}  // namespace
}  // namespace braid::test
