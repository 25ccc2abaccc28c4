// The Whisper encoder and the Ultravox / Qwen2-Audio projectors against Hugging Face
// transformers (tests/golden/audio_encoder/, from tests/scripts/make_audio_encoder_goldens.py),
// on each backend plugin the build has. Metric: max |got - want| / max |want| <= 1e-4.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "audio_test_support.h"
#include "braid/audio/audio_encoder.h"
#include "braid/audio/audio_mmproj.h"
#include "test_paths.h"

namespace braid::audio {
namespace {

constexpr double kTolerance = 1e-4;

nlohmann::json golden_case(const std::string& name) {
  std::ifstream in(test::golden_dir() / "audio_encoder" / "cases.json");
  EXPECT_TRUE(in.good());
  return nlohmann::json::parse(in)["cases"][name];
}

std::vector<float> read_floats(const std::string& file) {
  std::ifstream in(test::golden_dir() / "audio_encoder" / file, std::ios::binary);
  EXPECT_TRUE(in.good()) << file;
  in.seekg(0, std::ios::end);
  std::vector<float> values(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(values.data()), std::streamsize(values.size() * sizeof(float)));
  return values;
}

class EncoderGolden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    scheduler_ = test::scheduler_on(GetParam(), &why);
    if (!scheduler_) GTEST_SKIP() << GetParam() << " backend not available: " << why;
  }

  std::unique_ptr<AudioMmproj> open(const nlohmann::json& c, int64_t text_width) {
    auto mmproj = AudioMmproj::open(
        test::golden_dir() / "audio_encoder" / c["file"].get<std::string>(), text_width);
    EXPECT_TRUE(mmproj.ok()) << mmproj.status().to_string();
    return mmproj.ok() ? std::move(mmproj.value()) : nullptr;
  }

  std::unique_ptr<plugins::Scheduler> scheduler_;
};

TEST_P(EncoderGolden, WhisperEncoderAndUltravoxProjectorMatchTransformers) {
  const auto c = golden_case("whisper_ultravox");
  auto mmproj = open(c, 48);
  ASSERT_TRUE(mmproj);
  const AudioHparams& h = mmproj->hparams();
  EXPECT_EQ(h.projector, AudioProjectorType::Ultravox);
  EXPECT_EQ(h.n_positions, 1500);
  EXPECT_EQ(h.stack_factor, 8);
  const auto features =
      test::splitmix_features(c["seed"], c["n_mel"].get<int32_t>(), c["n_frames"].get<int32_t>());
  AudioEncoder encoder(*mmproj, *scheduler_);

  auto hidden = encoder.encode_hidden(features);
  ASSERT_TRUE(hidden.ok()) << hidden.status().to_string();
  const int64_t n_embd = h.n_embd;
  ASSERT_EQ(static_cast<int64_t>(hidden->size()), 1500 * n_embd);
  std::vector<float> sampled;
  for (int64_t row : c["hidden_rows"].get<std::vector<int64_t>>()) {
    sampled.insert(sampled.end(), hidden->begin() + row * n_embd,
                   hidden->begin() + (row + 1) * n_embd);
  }
  EXPECT_LE(test::relative_max_error(sampled, read_floats(c["hidden"])), kTolerance);

  auto chunk = encoder.encode(features, "audio 1");
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  EXPECT_EQ(chunk->n_rows, 188);  // ceil(1500 / 8): the last group is zero-padded
  EXPECT_EQ(chunk->n_embd, 48);
  EXPECT_EQ(chunk->source, "audio 1");
  EXPECT_TRUE(model::validate_chunk(*chunk, 48, 1).is_ok());
  EXPECT_LE(test::relative_max_error(chunk->data, read_floats(c["projected"])), kTolerance);
}

TEST_P(EncoderGolden, Qwen2AudioEncoderAndProjectorMatchTransformers) {
  const auto c = golden_case("qwen2_audio");
  auto mmproj = open(c, 48);
  ASSERT_TRUE(mmproj);
  EXPECT_EQ(mmproj->hparams().projector, AudioProjectorType::Qwen2Audio);
  EXPECT_EQ(mmproj->hparams().n_mel, 128);
  const auto features =
      test::splitmix_features(c["seed"], c["n_mel"].get<int32_t>(), c["n_frames"].get<int32_t>());
  AudioEncoder encoder(*mmproj, *scheduler_);

  auto hidden = encoder.encode_hidden(features);
  ASSERT_TRUE(hidden.ok()) << hidden.status().to_string();
  EXPECT_LE(test::relative_max_error(*hidden, read_floats(c["hidden"])), kTolerance);

  auto chunk = encoder.encode(features);
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  EXPECT_EQ(chunk->n_rows, 50);  // 200 frames → 100 positions → pooled by 2
  EXPECT_LE(test::relative_max_error(chunk->data, read_floats(c["projected"])), kTolerance);
}

// Behaviour that does not depend on the backend: on the reference backend only.
class EncoderBehaviour : public EncoderGolden {};

TEST_P(EncoderBehaviour, RepeatedWindowsReuseTheCompiledGraphAndGiveTheSameRows) {
  const auto c = golden_case("qwen2_audio");
  auto mmproj = open(c, 0);
  ASSERT_TRUE(mmproj);
  AudioEncoder encoder(*mmproj, *scheduler_);
  const auto features = test::splitmix_features(5, 128, 200);
  auto first = encoder.encode(features);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  const size_t compiled = scheduler_->compile_count();
  auto second = encoder.encode(features);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(scheduler_->compile_count(), compiled);
  EXPECT_EQ(first->data, second->data);
}

TEST_P(EncoderBehaviour, ShorterInputsUseTheFirstPositions) {
  // Ultravox's encoder accepts less than 30 s: 400 frames use position rows 0..199.
  const auto c = golden_case("whisper_ultravox");
  auto mmproj = open(c, 48);
  ASSERT_TRUE(mmproj);
  AudioEncoder encoder(*mmproj, *scheduler_);
  auto chunk = encoder.encode(test::splitmix_features(9, 80, 400));
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  EXPECT_EQ(chunk->n_rows, 25);
  EXPECT_TRUE(model::validate_chunk(*chunk, 48, 1).is_ok());
}

TEST_P(EncoderBehaviour, FeaturesThatDoNotFitAreRefused) {
  const auto c = golden_case("qwen2_audio");
  auto mmproj = open(c, 48);
  ASSERT_TRUE(mmproj);
  AudioEncoder encoder(*mmproj, *scheduler_);
  auto wrong_bins = encoder.encode(test::splitmix_features(1, 80, 200));
  EXPECT_FALSE(wrong_bins.ok());
  EXPECT_NE(wrong_bins.status().message().find("128"), std::string::npos);
  auto too_long = encoder.encode(test::splitmix_features(1, 128, 204));
  EXPECT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("at most 200"), std::string::npos);
  auto odd = encoder.encode(test::splitmix_features(1, 128, 102));
  EXPECT_FALSE(odd.ok());  // Qwen2-Audio needs a multiple of 4
  auto nan = test::splitmix_features(1, 128, 200);
  nan.values[77] = NAN;
  auto bad = encoder.encode(nan);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not finite"), std::string::npos);
  MelFeatures empty;
  EXPECT_FALSE(encoder.encode(empty).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         EncoderGolden,
                         ::testing::Values("reference", "cpu"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });
INSTANTIATE_TEST_SUITE_P(Reference,
                         EncoderBehaviour,
                         ::testing::Values("reference"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(AudioMmprojGolden, ProjectorWidthMustMatchTheTextModel) {
  auto mmproj =
      AudioMmproj::open(test::golden_dir() / "audio_encoder" / "whisper_ultravox.gguf", 2048);
  ASSERT_FALSE(mmproj.ok());
  EXPECT_NE(mmproj.status().message().find("embedding_length is 2048"), std::string::npos)
      << mmproj.status().message();
}

}  // namespace
}  // namespace braid::audio
