// `braid convert` keeps the model: the tiny Hugging Face Llama folder of tests/golden/convert
// (BF16 weights in three shards, GQA, Llama 3.1 rope scaling, attention_bias) converted to GGUF
// gives the same logits as the folder loaded directly, on the reference backend and on cpu.
// The folder itself is checked against transformers by tests/unit/model/hf_golden_test.cpp; this
// test checks what the converter adds: the Q/K row (and bias) permutation for adjacent-pair rope,
// the rope_freqs tensor, the names and types.
#include <gtest/gtest.h>

#include <cmath>

#include "braid/model/decoder.h"
#include "decoder_test_support.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::model {
namespace {

std::vector<float> all_logits(const std::filesystem::path& path,
                              const std::vector<plugins::Device*>& devices) {
  auto model = Model::load(path);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  if (!model.ok()) return {};
  auto decoder = Decoder::create(*model, devices, {.n_ctx = 32, .kv_type = KvType::F32});
  EXPECT_TRUE(decoder.ok()) << decoder.status().to_string();
  if (!decoder.ok()) return {};
  // BOS (id 0 in this vocabulary), then ids across the vocabulary of 320.
  std::vector<int32_t> tokens{0};
  for (int32_t i = 1; i < 24; ++i) tokens.push_back((i * 37) % 300 + 10);
  const PromptChunk prompt = TokenChunk{tokens};
  auto logits = (*decoder)->eval_all(std::span(&prompt, 1));
  EXPECT_TRUE(logits.ok()) << logits.status().to_string();
  return logits.ok() ? *logits : std::vector<float>{};
}

class ConvertLogits : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertLogits, ConvertedGgufMatchesTheFolder) {
  const std::string backend = GetParam();
  BRAID_DEVICES_OR_SKIP(devices, backend);
  const auto folder = test::golden_dir() / "convert" / "tiny-llama";
  const auto want = all_logits(folder, devices);
  ASSERT_FALSE(want.empty());
  const int64_t n_vocab = 320;
  const auto dir = test::scratch_dir();
  // Bound on max |gguf - folder| / max |folder| over each row: 1e-5. F32, BF16 and F16 all
  // hold the folder's BF16 weights exactly (8-bit mantissas fit F16's 11 at these magnitudes),
  // so only the order of float32 sums differs. Measured: 1.9e-7 on reference, 1.8e-6 on cpu.
  for (const std::string type : {"F32", "BF16", "F16"}) {
    SCOPED_TRACE(type + " on " + backend);
    const auto out = dir / ("tiny-llama-" + type + ".gguf");
    const auto r =
        test::run_braid({"convert", folder.string(), "-o", out.string(), "--type", type});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto got = all_logits(out, devices);
    ASSERT_EQ(got.size(), want.size());
    double worst = 0;
    for (size_t row = 0; row * n_vocab < want.size(); ++row) {
      double diff = 0, scale = 0;
      for (int64_t j = 0; j < n_vocab; ++j) {
        const size_t i = row * n_vocab + static_cast<size_t>(j);
        diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - want[i]));
        scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
      }
      worst = std::max(worst, diff / scale);
    }
    std::printf("  %s on %s: worst row error %.3g\n", type.c_str(), backend.c_str(), worst);
    EXPECT_LT(worst, 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ConvertLogits, ::testing::Values("reference", "cpu"));

}  // namespace
}  // namespace braid::model
