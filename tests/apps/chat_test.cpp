// `braid chat` driven through a pipe: turns, /clear, /save and /load across processes, /help,
// errors that keep the session going, and a context that fills up.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

constexpr const char* kStories = "tinyllama-stories260K/stories260K.gguf";
constexpr const char* kGemmaTemplate = "chat-templates/google-gemma-2-2b-it.jinja";

// A random-weight Llama 3.2 shape with a byte-level vocabulary and a ChatML template, made once
// per process beside the tests' scratch folders (scratch_dir() empties the calling test's own)
// and removed when the process ends.
struct TinyModel {
  std::string path;
  ~TinyModel() { std::filesystem::remove(path); }
};

const std::string& tiny_llama() {
  static const TinyModel model = [] {
    const auto dir = scratch_dir().parent_path() / "chat-models";
    std::filesystem::create_directories(dir);
    // One file per process: ctest may run the tests of this file in parallel processes.
    const auto file = (dir / ("llama-3.2-1b-tiny-" + std::to_string(getpid()) + ".gguf")).string();
    const auto r = run_braid({"make-model", "llama-3.2-1b", "--tiny", "--force", "-o", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return TinyModel{file};
  }();
  return model.path;
}

CommandResult chat(const std::string& model,
                   const std::string& input,
                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"chat", "-m", model, "-c", "256", "--backend", "reference"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_braid_with_input(args, input);
}

// The tiny model's random weights mostly repeat the last token (here the newline that opens the
// reply); a presence penalty over the whole conversation makes each reply fresh random text.
// Sampled, not greedy, and a fixed length, so every reply is long enough to compare and fast.
const std::vector<std::string> kSampled = {
    "-n", "8",      "--temp", "1",           "--presence-penalty", "1000", "--repeat-last-n",
    "-1", "--seed", "5",      "--ignore-eos"};

TEST(ChatCommand, TwoTurnsThenEndOfInputExitsZero) {
  const std::string file = (scratch_dir() / "two-turns.kv").string();
  const auto r = chat(tiny_llama(), "hello there\nand then?\n/save " + file + "\n", kSampled);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Two replies, and the saved conversation holds both turns.
  EXPECT_NE(r.err.find("4 messages"), std::string::npos) << r.err;
  EXPECT_GT(r.out.size(), 2u);
  const auto empty = chat(tiny_llama(), "");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
}

TEST(ChatCommand, ClearForgetsTheConversation) {
  // Reply k samples with seed + k over the conversation's ids: after /clear the same question
  // gets the same answer, which it would not if anything of the first turn remained.
  const auto r = chat(tiny_llama(), "hello\n/clear\nhello\n", kSampled);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size() % 2, 0u) << r.out;
  const size_t half = r.out.size() / 2;
  EXPECT_EQ(r.out.substr(0, half), r.out.substr(half));
  EXPECT_NE(r.err.find("cleared"), std::string::npos) << r.err;
  // Without /clear the second reply continues the conversation, so it differs.
  const auto kept = chat(tiny_llama(), "hello\nhello\n", kSampled);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out, r.out);
}

TEST(ChatCommand, SaveThenLoadInANewProcessContinuesTheSame) {
  const std::string file = (scratch_dir() / "chat-save-load.kv").string();
  const auto saved = chat(tiny_llama(), "hi\n/save " + file + "\nwhat next\n", kSampled);
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const auto loaded = chat(tiny_llama(), "/load " + file + "\nwhat next\n", kSampled);
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.err.find("loaded from"), std::string::npos) << loaded.err;
  ASSERT_GT(loaded.out.size(), 1u);
  ASSERT_LT(loaded.out.size(), saved.out.size());
  EXPECT_EQ(saved.out.substr(saved.out.size() - loaded.out.size()), loaded.out);
  // Saving changes nothing: the same turns without /save give the same text.
  const auto unsaved = chat(tiny_llama(), "hi\nwhat next\n", kSampled);
  EXPECT_EQ(unsaved.out, saved.out);
}

TEST(ChatCommand, LoadRefusesAnotherModelsSnapshot) {
  BRAID_SHARED_FILE_OR_SKIP(stories, kStories);
  BRAID_SHARED_FILE_OR_SKIP(gemma, kGemmaTemplate);
  const std::string file = (scratch_dir() / "chat-other-model.kv").string();
  auto r = chat(tiny_llama(), "hi\n/save " + file + "\n", kSampled);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = chat(stories.string(), "/load " + file + "\n/load /nonexistent.kv\n/load\n",
           {"--chat-template", gemma.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("saved from another model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent.kv"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: /load FILE"), std::string::npos) << r.err;
}

TEST(ChatCommand, HelpAndUnknownCommands) {
  const auto r = chat(tiny_llama(), "/help\n/frobnicate\n/exit\nnever read\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("/save FILE"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("unknown command /frobnicate"), std::string::npos) << r.err;
  // /exit stops before the last line: nothing but the help was printed.
  EXPECT_EQ(r.out.rfind("commands:", 0), 0u) << r.out;
  const std::string last = "(so does end of input)\n";
  ASSERT_GT(r.out.size(), last.size());
  EXPECT_EQ(r.out.substr(r.out.size() - last.size()), last) << r.out;
}

TEST(ChatCommand, StoriesWithAChatTemplateFile) {
  BRAID_SHARED_FILE_OR_SKIP(stories, kStories);
  BRAID_SHARED_FILE_OR_SKIP(gemma, kGemmaTemplate);
  const std::string file = (scratch_dir() / "chat-stories.kv").string();
  auto r = chat(stories.string(), "Once upon a time\nThe end\n/save " + file + "\n",
                {"--chat-template", gemma.string(), "-n", "12", "--temp", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("4 messages"), std::string::npos) << r.err;
  // The template refuses a system message: the turn fails with its message, chat goes on.
  r = chat(stories.string(), "hi\n/help\n",
           {"--chat-template", gemma.string(), "--system", "be brief", "-n", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("System role not supported"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("/clear"), std::string::npos) << r.out;
}

TEST(ChatCommand, AFullContextStopsTheReplyNotTheProgram) {
  BRAID_SHARED_FILE_OR_SKIP(stories, kStories);
  BRAID_SHARED_FILE_OR_SKIP(gemma, kGemmaTemplate);
  const auto r = run_braid_with_input(
      {"chat", "-m", stories.string(), "-c", "64", "--chat-template", gemma.string(),
       "--ignore-eos", "--temp", "0", "--backend", "reference"},
      "Once upon a time\nand then\n/clear\nhi\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the context of 64 positions is full"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/clear to start over"), std::string::npos) << r.err;
}

TEST(ChatCommand, InterruptStopsTheReplyNotTheProgram) {
  BRAID_SHARED_FILE_OR_SKIP(stories, kStories);
  BRAID_SHARED_FILE_OR_SKIP(gemma, kGemmaTemplate);
  // Pipes for stdin and stdout, so the test sends SIGINT once the reply has begun streaming
  // (the handler is in place by then) and only then sends the next line.
  int in_pipe[2], out_pipe[2];
  ASSERT_EQ(pipe(in_pipe), 0);
  ASSERT_EQ(pipe(out_pipe), 0);
  char err_name[] = "/tmp/braid-chat-err-XXXXXX";
  const int err_fd = mkstemp(err_name);
  ASSERT_GE(err_fd, 0);
  const std::string program = (binary_dir() / "braid").string();
  std::vector<std::string> args = {
      program,        "chat",   "-m", stories.string(), "--chat-template", gemma.string(),
      "--ignore-eos", "--temp", "0",  "--backend",      "reference"};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_fd, 2);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  const std::string first = "Once upon a time\n";
  ASSERT_EQ(write(in_pipe[1], first.data(), first.size()), static_cast<ssize_t>(first.size()));
  char c = 0;
  ASSERT_EQ(read(out_pipe[0], &c, 1), 1);  // the reply is streaming
  kill(pid, SIGINT);
  const std::string next = "/help\n";
  ASSERT_EQ(write(in_pipe[1], next.data(), next.size()), static_cast<ssize_t>(next.size()));
  close(in_pipe[1]);
  std::string out(1, c);
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(out_pipe[0], buffer, sizeof(buffer))) > 0) out.append(buffer, n);
  close(out_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  lseek(err_fd, 0, SEEK_SET);
  std::string err;
  while ((n = read(err_fd, buffer, sizeof(buffer))) > 0) err.append(buffer, n);
  close(err_fd);
  unlink(err_name);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << err;
  EXPECT_NE(err.find("(reply stopped)"), std::string::npos) << err;
  EXPECT_NE(out.find("/save FILE"), std::string::npos) << out;
}

}  // namespace
}  // namespace braid::test
