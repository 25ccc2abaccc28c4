// `braid chat --mmproj` with /image and /audio: media join a message, stay in the cache across
// turns, survive /save and /load, and bad media leave the conversation going. A tiny random-
// weight text model and a combined vision + audio mmproj made by `braid make-model`; real
// pictures and recordings from ../shared.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

constexpr const char* kImage = "media-images/llama-models-dog.jpg";
constexpr const char* kAudio = "media-audio/jfk.mp3";

class ChatMedia : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Each test runs in its own process under ctest (in parallel), so each makes its own folder.
    dir_ = new std::filesystem::path(binary_dir().parent_path() / "test-scratch" /
                                     ("chat-media-" + std::to_string(::getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const auto text = run_braid({"make-model", "llama-3.2-1b", "--tiny", "--type", "Q8_0", "-o",
                                 (*dir_ / "text.gguf").string()});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    const auto both =
        run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for", "llama-3.2-1b",
                   "--with-audio", "whisper-large-v3", "-o", (*dir_ / "mmproj.gguf").string()});
    ASSERT_EQ(both.exit_code, 0) << both.err;
    const auto vision = run_braid({"make-model", "clip-vit-l-14-336", "--tiny", "--for",
                                   "llama-3.2-1b", "-o", (*dir_ / "vision.gguf").string()});
    ASSERT_EQ(vision.exit_code, 0) << vision.err;
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }
  static std::string path(const char* name) { return (*dir_ / name).string(); }

  // Sampled with a presence penalty so each reply is fresh text (random weights otherwise
  // repeat one token), a fixed length so replies are comparable.
  static CommandResult chat(const std::string& input,
                            const char* mmproj = "mmproj.gguf",
                            std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"chat",
                                     "-m",
                                     path("text.gguf"),
                                     "-c",
                                     "1024",
                                     "-n",
                                     "8",
                                     "--temp",
                                     "1",
                                     "--presence-penalty",
                                     "1000",
                                     "--repeat-last-n",
                                     "-1",
                                     "--seed",
                                     "7",
                                     "--ignore-eos"};
    if (mmproj != nullptr) {
      args.push_back("--mmproj");
      args.push_back(path(mmproj));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run_braid_with_input(args, input, 300);
  }

  static std::filesystem::path* dir_;
};
std::filesystem::path* ChatMedia::dir_ = nullptr;

// The positions a "(saved to …: N messages, P positions)" line reports.
long saved_positions(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("messages, ([0-9]+) positions"))) return -1;
  return std::stol(m[1]);
}

TEST_F(ChatMedia, AnImageAndARecordingJoinTheNextMessage) {
  BRAID_SHARED_FILE_OR_SKIP(image, kImage);
  BRAID_SHARED_FILE_OR_SKIP(audio, kAudio);
  const std::string with_file = path("with-media.kv");
  const std::string without_file = path("without-media.kv");
  const auto with = chat("/image " + image.string() + "\n/audio " + audio.string() +
                         "\nWhat is this?\n/save " + with_file + "\n");
  ASSERT_EQ(with.exit_code, 0) << with.err;
  // The tiny CLIP makes 16 rows per image (32 px, patches of 8); Ultravox encodes the 11 s
  // recording as it is (1100 frames, 550 positions, stacked by 8: 69 rows).
  EXPECT_NE(with.err.find("(image 1 attached: 16 positions"), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("(audio 1 attached: 69 positions"), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("2 messages"), std::string::npos) << with.err;
  const auto without = chat("What is this?\n/save " + without_file + "\n");
  ASSERT_EQ(without.exit_code, 0) << without.err;
  // The media's rows (and the family's wrapping tokens) are in the context.
  EXPECT_GE(saved_positions(with.err), saved_positions(without.err) + 16 + 69) << with.err;
}

TEST_F(ChatMedia, MediaStayInTheConversationAndSurviveSaveAndLoad) {
  BRAID_SHARED_FILE_OR_SKIP(image, kImage);
  const std::string file = path("chat-image.kv");
  const auto saved =
      chat("/image " + image.string() + "\nWhat is this?\n/save " + file + "\nAnd then?\n");
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  // A new process loads the conversation, encodes its image again from the file, keeps the
  // cache it loaded and answers the second question exactly as the first process did.
  const auto loaded = chat("/load " + file + "\nAnd then?\n");
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.err.find("loaded from"), std::string::npos) << loaded.err;
  ASSERT_GT(loaded.out.size(), 1u);
  ASSERT_LT(loaded.out.size(), saved.out.size());
  EXPECT_EQ(saved.out.substr(saved.out.size() - loaded.out.size()), loaded.out);
  // The image conditions the replies: the same questions without it are answered otherwise.
  const auto plain = chat("What is this?\nAnd then?\n");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out, saved.out);
  // --image attaches to the first message just as /image does.
  const auto flag = chat("What is this?\n/save " + file + "\nAnd then?\n", "mmproj.gguf",
                         {"--image", image.string()});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(flag.out, saved.out);
  // A conversation with media needs the encoders to be loaded.
  const auto no_encoders = chat("/load " + file + "\n", nullptr);
  EXPECT_EQ(no_encoders.exit_code, 0) << no_encoders.err;
  EXPECT_NE(no_encoders.err.find("--mmproj"), std::string::npos) << no_encoders.err;
}

TEST_F(ChatMedia, BadMediaGiveAnErrorAndTheChatGoesOn) {
  const std::filesystem::path fake_image = *dir_ / "not-an-image.jpg";
  std::ofstream(fake_image) << "this is text, not a JPEG\n";
  const auto r = chat("/image " + fake_image.string() + "\n/audio " + path("missing.mp3") +
                      "\n/image\n/audio -\nhello\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("not-an-image.jpg"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.mp3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: /image PATH"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("standard input holds the conversation"), std::string::npos) << r.err;
  EXPECT_GT(r.out.size(), 1u);  // "hello" was answered, with no media attached
  EXPECT_EQ(r.err.find("attached"), std::string::npos) << r.err;

  const auto vision_only = chat("/audio " + path("missing.mp3") + "\nhi\n", "vision.gguf");
  EXPECT_EQ(vision_only.exit_code, 0) << vision_only.err;
  EXPECT_NE(vision_only.err.find("has no audio encoder"), std::string::npos) << vision_only.err;

  const auto no_mmproj = chat("/image x.png\nhi\n", nullptr);
  EXPECT_EQ(no_mmproj.exit_code, 0) << no_mmproj.err;
  EXPECT_NE(no_mmproj.err.find("start with --mmproj"), std::string::npos) << no_mmproj.err;
  const auto flag_without_mmproj = chat("hi\n", nullptr, {"--image", "x.png"});
  EXPECT_EQ(flag_without_mmproj.exit_code, 2);
  EXPECT_NE(flag_without_mmproj.err.find("need --mmproj"), std::string::npos)
      << flag_without_mmproj.err;
}

}  // namespace
}  // namespace braid::test
