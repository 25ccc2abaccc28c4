// `braid run` as a user runs it: stories260K greedy from BOS prints llama2.c's expected text,
// --json reports tokens and the stop reason, and bad input gives a message and a non-zero exit.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

constexpr const char* kStories = "tinyllama-stories260K/stories260K.gguf";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(RunCommand, StoriesGreedyFromBosPrintsTheExpectedText) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  const std::string want =
      read_file(shared_data_dir() / "tinyllama-stories260K/expected_greedy_200steps.txt");
  for (const char* backend : {"reference", "cpu"}) {
    SCOPED_TRACE(backend);
    const auto r = run_braid({"run", "-m", model.string(), "-p", "", "-n", "200", "--temp", "0",
                              "--backend", backend, "--threads", "1", "--timings"});
    if (r.exit_code != 0 && r.err.find("not available") != std::string::npos) continue;
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, want + "\n");
    EXPECT_NE(r.err.find("timings: load"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ms/token)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("KV cache"), std::string::npos) << r.err;
  }
}

TEST(RunCommand, JsonReportsTokensAndStopReason) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  const auto r = run_braid({"run", "-m", model.string(), "-p", "Once upon a time", "-n", "8",
                            "--temp", "0", "--json", "--backend", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens"].size(), 8u);
  EXPECT_EQ(j["stop"], "length");
  EXPECT_EQ(j["prompt_tokens"], 5);  // BOS + 4 pieces
  EXPECT_EQ(j["text"].get<std::string>().rfind(", there was a little girl", 0), 0u) << j["text"];
  EXPECT_TRUE(j["timings"].contains("decode_tokens_per_s"));
  // 7 decode steps ran, so the process spent CPU time on them.
  EXPECT_GT(j["timings"]["decode_cpu_ms"].get<double>(), 0.0);
  EXPECT_GE(j["timings"]["prompt_cpu_ms"].get<double>(), 0.0);
}

TEST(RunCommand, ContextFillsAndStops) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  const auto r =
      run_braid({"run", "-m", model.string(), "-p", "Once", "-c", "10", "--backend", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("context of 10 positions is full"), std::string::npos) << r.err;
}

TEST(RunCommand, BadInputGivesAMessage) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  auto r = run_braid({"run", "-p", "hi"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-m MODEL"), std::string::npos) << r.err;
  r = run_braid({"run", "-m", model.string()});
  EXPECT_EQ(r.exit_code, 2);
  r = run_braid(
      {"run", "-m", model.string(), "-p", "hi", "-c", "100000", "--backend", "reference"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("longer than the model's trained context 2048"), std::string::npos) << r.err;
  r = run_braid({"run", "-m", model.string(), "-p", "Once upon a time there was", "-c", "3",
                 "--backend", "reference"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the context holds 3"), std::string::npos) << r.err;
  r = run_braid({"run", "-m", model.string(), "-p", "hi", "--kv-type", "q4"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--kv-type 'q4'"), std::string::npos) << r.err;
  r = run_braid({"run", "-m", model.string(), "-p", "hi", "--top-p", "2"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_braid({"run", "-m", "/nonexistent/model.gguf", "-p", "hi", "--backend", "reference"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
}

TEST(RunCommand, SeededSamplingRepeatsAndDependsOnTheSeed) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  auto tokens = [&](const char* seed) {
    const auto r =
        run_braid({"run", "-m", model.string(), "-p", "Once upon a time", "-n", "24", "--temp",
                   "0.8", "--seed", seed, "--ignore-eos", "--json", "--backend", "reference"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["tokens"];
  };
  const auto first = tokens("1");
  ASSERT_EQ(first.size(), 24u);
  EXPECT_EQ(tokens("1"), first);
  EXPECT_NE(tokens("2"), first);
}

TEST(RunCommand, StopStringsCutTheOutput) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  // Greedy, the text goes on ", there was a little girl" (JsonReportsTokensAndStopReason).
  auto r = run_braid({"run", "-m", model.string(), "-p", "Once upon a time", "-n", "32", "--temp",
                      "0", "--stop", "little", "--json", "--backend", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["text"], ", there was a ");
  EXPECT_EQ(j["stop"], "stop");
  // The earliest stop string wins; streamed output stops the same way; -r is llama.cpp's name.
  r = run_braid({"run", "-m", model.string(), "-p", "Once upon a time", "-n", "32", "--temp", "0",
                 "--stop", "girl", "-r", "was", "--backend", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ", there \n");
}

TEST(RunCommand, BadSamplingValuesGiveClearErrors) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--top-p", "2"}, "top_p = 2"},
      {{"--temp", "-1"}, "temperature = -1"},
      {{"--repeat-penalty", "0"}, "repeat_penalty = 0"},
      {{"--top-k", "many"}, "--top-k 'many': expected an integer"},
      {{"--min-p", "nan"}, "--min-p 'nan'"},
  };
  for (const auto& [flags, want] : cases) {
    std::vector<std::string> args = {"run", "-m", model.string(), "-p", "hi"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto r = run_braid(args);
    EXPECT_EQ(r.exit_code, 2) << want;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
  }
}

TEST(RunCommand, RandomWeightModelsFromMakeModelRun) {
  const auto dir = scratch_dir();
  for (const char* arch : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    SCOPED_TRACE(arch);
    const auto path = (dir / (std::string(arch) + ".gguf")).string();
    auto r = run_braid({"make-model", arch, "--tiny", "--type", "Q8_0", "-o", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_braid({"run", "-m", path, "-p", "hello world", "-n", "6", "--ignore-eos", "--json",
                   "-c", "64", "--backend", "reference"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["tokens"].size(), 6u);
    EXPECT_EQ(j["stop"], "length");
  }
}

TEST(PerplexityCommand, PrintsRunningValuesLikeLlamaCpp) {
  BRAID_SHARED_FILE_OR_SKIP(model, kStories);
  const auto text = shared_data_dir() / "tinyllama-stories260K/expected_greedy_200steps.txt";
  const auto r = run_braid({"perplexity", "-m", model.string(), "-f", text.string(), "-c", "64",
                            "--backend", "reference"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // tests/golden/perplexity/stories260k_greedy_c64.json (numpy, float64): 1.89197, 1.96647,
  // 1.84526; the text tokenizes to the same 201 ids.
  // (F16 cache here: the printed values may differ in the last digit.)
  double ppl[3] = {0, 0, 0}, final_ppl = 0, error = 0;
  ASSERT_EQ(std::sscanf(r.out.c_str(), "[1]%lf,[2]%lf,[3]%lf\nFinal estimate: PPL = %lf +/- %lf",
                        &ppl[0], &ppl[1], &ppl[2], &final_ppl, &error),
            5)
      << r.out;
  const double want[3] = {1.89197, 1.96647, 1.84526};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(ppl[i], want[i], 2e-4) << i;
  EXPECT_NEAR(final_ppl, want[2], 2e-4);
  EXPECT_GT(error, 0.0);
  const auto missing = run_braid({"perplexity", "-m", model.string()});
  EXPECT_EQ(missing.exit_code, 2);
  const auto short_text = run_braid({"perplexity", "-m", model.string(), "-f", text.string(), "-c",
                                     "1024", "--backend", "reference"});
  EXPECT_EQ(short_text.exit_code, 1);
  EXPECT_NE(short_text.err.find("do not fill one window"), std::string::npos) << short_text.err;
}

}  // namespace
}  // namespace braid::test
