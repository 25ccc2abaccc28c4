// The whole Qwen2-Audio pipeline against Hugging Face transformers'
// Qwen2AudioForConditionalGeneration: the tiny random model's mmproj (llama.cpp's layout) encodes
// a 2 s window of features, its rows go between the prompt's tokens, and the language model (an
// HF Qwen2 folder read natively) gives the logits of the first generated token. They must match
// the reference within 1e-3 of the largest logit (tests/scripts/make_qwen2_audio_logits_golden.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audio_test_support.h"
#include "braid/audio/audio_encoder.h"
#include "braid/audio/audio_mmproj.h"
#include "braid/model/decoder.h"
#include "test_paths.h"

namespace braid::test {
namespace {

std::vector<float> read_floats(const std::filesystem::path& path, size_t count) {
  std::vector<float> values(count);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * 4));
  EXPECT_EQ(static_cast<size_t>(in.gcount()), count * 4) << path;
  return values;
}

class Qwen2AudioLogits : public testing::TestWithParam<std::string> {};

TEST_P(Qwen2AudioLogits, FirstTokenMatchesTransformers) {
  std::string why;
  auto scheduler = scheduler_on(GetParam(), &why);
  if (!scheduler) GTEST_SKIP() << GetParam() << ": " << why;
  std::vector<plugins::Device*> devices{backend_device(GetParam())};
  if (GetParam() != "reference") devices.push_back(backend_device("reference"));

  const auto dir = golden_dir() / "qwen2_audio_logits";
  std::ifstream in(dir / "case.json");
  const nlohmann::json c = nlohmann::json::parse(in);
  const std::vector<float> want = read_floats(dir / "logits.bin", c["vocab"].get<size_t>());

  auto text = model::Model::load(dir / "text");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  auto mmproj = audio::AudioMmproj::open(dir / "mmproj.gguf", (*text)->config().n_embd);
  ASSERT_TRUE(mmproj.ok()) << mmproj.status().to_string();
  audio::AudioEncoder encoder(**mmproj, *scheduler);
  auto audio = encoder.encode(
      splitmix_features(c["seed"], c["n_mel"].get<int32_t>(), c["n_frames"].get<int32_t>()),
      "audio 1");
  ASSERT_TRUE(audio.ok()) << audio.status().to_string();
  ASSERT_EQ(audio->n_rows, c["audio_rows"].get<int64_t>());

  // F32 KV so that only the order of arithmetic differs from the reference.
  auto decoder =
      model::Decoder::create(*text, devices, {.n_ctx = 128, .kv_type = model::KvType::F32});
  ASSERT_TRUE(decoder.ok()) << decoder.status().to_string();
  std::vector<model::PromptChunk> prompt;
  prompt.emplace_back(model::TokenChunk{c["before"].get<std::vector<int32_t>>()});
  prompt.emplace_back(std::move(*audio));
  prompt.emplace_back(model::TokenChunk{c["after"].get<std::vector<int32_t>>()});
  auto logits = (*decoder)->eval(prompt);
  ASSERT_TRUE(logits.ok()) << logits.status().to_string();
  const std::vector<float> got(logits->begin(), logits->end());
  const double error = relative_max_error(got, want);
  std::printf("%s: largest |Δ| / largest logit = %.3g\n", GetParam().c_str(), error);
  EXPECT_LE(error, 1e-3);
  EXPECT_EQ(std::max_element(got.begin(), got.end()) - got.begin(),
            std::max_element(want.begin(), want.end()) - want.begin());

  // Without the recording the logits are far from these: the audio rows reach them.
  (*decoder)->clear();
  ASSERT_TRUE((*decoder)->eval(std::span(&prompt[0], 1)).ok());
  auto text_only = (*decoder)->eval(std::span(&prompt[2], 1));
  ASSERT_TRUE(text_only.ok());
  EXPECT_GT(relative_max_error(std::vector<float>(text_only->begin(), text_only->end()), want),
            100 * error);
}

INSTANTIATE_TEST_SUITE_P(Backends, Qwen2AudioLogits, testing::Values("reference", "cpu"));

}  // namespace
}  // namespace braid::test
