// `braid make-model` for vision encoders: the mmproj it writes is described by `braid info` as
// llama.cpp's layout says, and its projector matches the text model it was made for.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

TEST(MakeMmprojCli, TinyClipForATinyTextModel) {
  const auto dir = scratch_dir();
  const auto mmproj = (dir / "mmproj.gguf").string();
  auto made = run_braid(
      {"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b", "-o", mmproj});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("mmproj for text width 256"), std::string::npos) << made.out;

  auto r = run_braid({"info", "--json", mmproj});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json info = json::parse(r.out);
  EXPECT_EQ(info["architecture"], "clip");
  EXPECT_EQ(info["mmproj"]["vision"]["projector"], "mlp");
  const auto& hp = info["hyperparameters"];
  EXPECT_EQ(hp["clip.vision.block_count"], 2);
  EXPECT_EQ(hp["clip.vision.embedding_length"], 64);
  EXPECT_EQ(hp["clip.vision.projection_dim"], 256);
  EXPECT_EQ(hp["clip.has_llava_projector"], true);

  // The projector's output is the text model's width.
  auto file = core::GgufFile::open(mmproj);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->find_tensor("mm.2.weight")->shape, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(file->find_tensor("mm.0.weight")->shape, (std::vector<int64_t>{256, 64}));
}

TEST(MakeMmprojCli, SiglipGemma3WithAnExplicitWidth) {
  const auto mmproj = (scratch_dir() / "gemma3-mmproj.gguf").string();
  auto made = run_braid({"make-model", "siglip-so400m-896", "--tiny", "--text-width", "96",
                         "--type", "Q8_0", "-o", mmproj});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto text = run_braid({"info", mmproj});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("vision encoder  projector gemma3"), std::string::npos) << text.out;
  auto file = core::GgufFile::open(mmproj);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->find_tensor("mm.input_projection.weight")->shape, (std::vector<int64_t>{64, 96}));
  EXPECT_EQ(file->find_tensor("v.blk.1.ffn_up.weight")->dtype, core::DType::Q8_0);
}

TEST(MakeMmprojCli, TheTextWidthIsRequiredAndOnlyForVision) {
  const auto out = (scratch_dir() / "x.gguf").string();
  auto r = run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--text-width N and --for TEXT_ARCH"), std::string::npos) << r.err;
  r = run_braid({"make-model", "clip-vit-l-14-336", "--text-width", "64", "--for", "llama-3.2-1b",
                 "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  r = run_braid({"make-model", "clip-vit-l-14-336", "--for", "gpt-17", "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gpt-17"), std::string::npos) << r.err;
  r = run_braid({"make-model", "llama-3.2-1b", "--tiny", "--text-width", "64", "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  r = run_braid({"make-model", "vit-huge", "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("siglip-so400m-896"), std::string::npos) << r.err;
  auto help = run_braid({"make-model", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("siglip-so400m-896"), std::string::npos);
  EXPECT_NE(help.out.find("--text-width"), std::string::npos);
}

}  // namespace
}  // namespace braid::test
