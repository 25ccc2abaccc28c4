// `braid ask` as a user runs it: a tiny random-weight text model and a combined vision + audio
// mmproj made by `braid make-model`, real pictures and recordings from ../shared, and bad input.
// The answers are noise (random weights); what is checked is that the media reach the prompt
// (its length grows by the encoders' rows), the cache, the timings, and the errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

constexpr const char* kImage = "media-images/llama-models-dog.jpg";
constexpr const char* kAudio = "media-audio/jfk.mp3";

// The models, made once for the whole suite (a few seconds).
class AskCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Each test runs in its own process under ctest (in parallel), so each makes its own folder.
    dir_ = new std::filesystem::path(binary_dir().parent_path() / "test-scratch" /
                                     ("ask-" + std::to_string(::getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const auto text = run_braid({"make-model", "llama-3.2-1b", "--tiny", "--type", "Q8_0", "-o",
                                 (*dir_ / "text.gguf").string()});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    const auto mmproj =
        run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b",
                   "--with-audio", "whisper-large-v3", "-o", (*dir_ / "mmproj.gguf").string()});
    ASSERT_EQ(mmproj.exit_code, 0) << mmproj.err;
    const auto vision_only = run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--text-width",
                                        "128", "-o", (*dir_ / "narrow.gguf").string()});
    ASSERT_EQ(vision_only.exit_code, 0) << vision_only.err;
    const auto matching_vision =
        run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b", "-o",
                   (*dir_ / "vision.gguf").string()});
    ASSERT_EQ(matching_vision.exit_code, 0) << matching_vision.err;
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }
  static std::string path(const char* name) { return (*dir_ / name).string(); }

  // `braid ask --json` with the default models and `extra` arguments; the parsed output.
  static nlohmann::json ask_json(std::vector<std::string> extra, CommandResult* result = nullptr) {
    std::vector<std::string> args = {
        "ask", "-m",           path("text.gguf"), "--mmproj", path("mmproj.gguf"), "--json", "-n",
        "4",   "--ignore-eos", "--temp",          "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CommandResult r = run_braid(args, 300);
    if (result) *result = r;
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  static std::filesystem::path* dir_;
};
std::filesystem::path* AskCommand::dir_ = nullptr;

TEST_F(AskCommand, AnImageAndARecordingBecomePromptRows) {
  BRAID_SHARED_FILE_OR_SKIP(image, kImage);
  BRAID_SHARED_FILE_OR_SKIP(audio, kAudio);
  const auto text_only = ask_json({"What is this?"});
  const auto with_media =
      ask_json({"--image", image.string(), "--audio", audio.string(), "What is this?"});
  ASSERT_TRUE(with_media.contains("timings"));
  EXPECT_EQ(with_media["tokens"], 4);
  EXPECT_EQ(with_media["timings"]["images"], 1);
  EXPECT_EQ(with_media["timings"]["audio_windows"], 1);
  // The tiny CLIP makes (32/8)^2 = 16 rows per image; Ultravox encodes the 11 s recording as
  // it is: 1100 frames, 550 positions, stacked by 8 into 69 rows.
  EXPECT_GE(with_media["prompt_positions"].get<int>(),
            text_only["prompt_positions"].get<int>() + 16 + 69);
}

TEST_F(AskCommand, TheSameImageTwiceIsEncodedOnce) {
  BRAID_SHARED_FILE_OR_SKIP(image, kImage);
  const auto twice = ask_json({"--image", image.string(), "--image", image.string(), "Compare."});
  EXPECT_EQ(twice["timings"]["images"], 2);
  EXPECT_EQ(twice["timings"]["image_tiles"], 1);  // the second came from the cache
}

TEST_F(AskCommand, TimingsNameEachStage) {
  BRAID_SHARED_FILE_OR_SKIP(image, kImage);
  const auto r = run_braid({"ask", "-m", path("text.gguf"), "--mmproj", path("mmproj.gguf"),
                            "--image", image.string(), "-n", "2", "--timings", "Describe it."},
                           300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("ms per tile"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("timings: prompt"), std::string::npos) << r.err;
}

// A mono 16-bit WAV of `seconds` of a 440 Hz tone.
void write_tone_wav(const std::filesystem::path& path, int seconds) {
  const uint32_t rate = 16000, samples = rate * static_cast<uint32_t>(seconds);
  const uint32_t data_bytes = samples * 2;
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  out.write("RIFF", 4);
  u32(36 + data_bytes);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(1);  // PCM
  u16(1);  // mono
  u32(rate);
  u32(rate * 2);
  u16(2);
  u16(16);
  out.write("data", 4);
  u32(data_bytes);
  for (uint32_t i = 0; i < samples; ++i) {
    u16(static_cast<uint16_t>(static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * i / rate))));
  }
}

TEST_F(AskCommand, UltravoxEncodesOnlyTheAudioThereIs) {
  // 2 s: 200 frames, 100 positions, 13 rows (stacked by 8, the last group padded).
  const auto short_wav = *dir_ / "tone-2s.wav";
  write_tone_wav(short_wav, 2);
  const auto text_only = ask_json({"Hi?"});
  const auto two = ask_json({"--audio", short_wav.string(), "Hi?"});
  EXPECT_EQ(two["timings"]["audio_windows"], 1);
  EXPECT_GE(two["prompt_positions"].get<int>(), text_only["prompt_positions"].get<int>() + 13);
  EXPECT_LT(two["prompt_positions"].get<int>(), text_only["prompt_positions"].get<int>() + 20);
  // 40 s: a full 30 s window (188 rows) and a 10 s one (63 rows), with progress on stderr.
  const auto long_wav = *dir_ / "tone-40s.wav";
  write_tone_wav(long_wav, 40);
  CommandResult r;
  const auto forty = ask_json({"--audio", long_wav.string(), "Hi?"}, &r);
  EXPECT_EQ(forty["timings"]["audio_windows"], 2);
  EXPECT_GE(forty["prompt_positions"].get<int>(),
            text_only["prompt_positions"].get<int>() + 188 + 63);
  EXPECT_LT(forty["prompt_positions"].get<int>(),
            text_only["prompt_positions"].get<int>() + 188 + 63 + 8);
  EXPECT_NE(r.err.find("encoding audio 1: 100% (2 / 2 windows of 30 s)"), std::string::npos)
      << r.err;
}

TEST_F(AskCommand, BadInputGivesAClearError) {
  const std::filesystem::path fake_image = *dir_ / "not-an-image.jpg";
  const std::filesystem::path fake_audio = *dir_ / "not-audio.mp3";
  std::ofstream(fake_image) << "this is text, not a JPEG\n";
  std::ofstream(fake_audio) << "this is text, not an MP3\n";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--image", fake_image.string(), "What?"}, 1, "not-an-image.jpg"},
      {{"--audio", fake_audio.string(), "What?"}, 1, "not-audio.mp3"},
      {{"--image", (*dir_ / "missing.png").string(), "What?"}, 1, "missing.png"},
      {{"   "}, 2, "the question is empty"},
      {{}, 2, "no question"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"ask", "-m", path("text.gguf"), "--mmproj",
                                     path("mmproj.gguf")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run_braid(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  const auto no_mmproj = run_braid({"ask", "-m", path("text.gguf"), "--image", "x.png", "Hi"});
  EXPECT_EQ(no_mmproj.exit_code, 2);
  EXPECT_NE(no_mmproj.err.find("need --mmproj"), std::string::npos) << no_mmproj.err;
  const auto wrong_width = run_braid(
      {"ask", "-m", path("text.gguf"), "--mmproj", path("narrow.gguf"), "--image", "x.png", "Hi"});
  EXPECT_EQ(wrong_width.exit_code, 1);
  EXPECT_NE(wrong_width.err.find("128"), std::string::npos) << wrong_width.err;
  const auto no_audio_encoder = run_braid(
      {"ask", "-m", path("text.gguf"), "--mmproj", path("vision.gguf"), "--audio", "x.wav", "Hi"});
  EXPECT_EQ(no_audio_encoder.exit_code, 1);
  EXPECT_NE(no_audio_encoder.err.find("has no audio encoder"), std::string::npos)
      << no_audio_encoder.err;
}

}  // namespace
}  // namespace braid::test
