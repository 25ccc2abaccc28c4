// `braid tokenize` as a user runs it, checked against llama.cpp's test vectors in
// ../shared/data/llamacpp-vocab (the library itself is tested exhaustively in tests/unit/text).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos;
       start = at + separator.size()) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(TokenizeCli, IdsMatchLlamaCppVectors) {
  BRAID_SHARED_FILE_OR_SKIP(vocab, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  const auto inputs = split(slurp(vocab.string() + ".inp"), "\n__ggml_vocab_test__\n");
  const auto outputs = split(slurp(vocab.string() + ".out"), "\n");
  ASSERT_GE(outputs.size(), 10u);
  const auto dir = scratch_dir();
  for (size_t i = 0; i < 10; ++i) {
    if (inputs[i].empty()) continue;  // an empty argument would be read as "no text"
    std::string expected = outputs[i];
    while (!expected.empty() && expected.front() == ' ') expected.erase(0, 1);
    // From a file: arguments cannot carry every string (a leading '-', a NUL), files can.
    const auto file = dir / ("input" + std::to_string(i) + ".txt");
    std::ofstream(file, std::ios::binary) << inputs[i];
    auto r =
        run_braid({"tokenize", "-m", vocab.string(), "--ids", "--no-bos", "-f", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string got = r.out.substr(1, r.out.size() - 3);  // "[a, b]\n" -> "a, b"
    std::string want;
    for (const auto& id : split(expected, " ")) want += (want.empty() ? "" : ", ") + id;
    EXPECT_EQ(got, want) << "input " << i << ": '" << inputs[i] << "'";
  }
}

TEST(TokenizeCli, PiecesAndSpecialTokens) {
  BRAID_SHARED_FILE_OR_SKIP(vocab, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  auto r = run_braid({"tokenize", "-m", vocab.string(), "Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "       1 -> '<s>'\n   15043 -> ' Hello'\n    3186 -> ' world'\n");
  auto special =
      run_braid({"tokenize", "-m", vocab.string(), "--ids", "--no-bos", "--parse-special", "</s>"});
  EXPECT_EQ(special.out, "[2]\n");
  auto plain = run_braid({"tokenize", "-m", vocab.string(), "--ids", "--no-bos", "</s>"});
  EXPECT_NE(plain.out, "[2]\n");
}

TEST(TokenizeCli, Errors) {
  BRAID_SHARED_FILE_OR_SKIP(vocab, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  EXPECT_EQ(run_braid({"tokenize", "hello"}).exit_code, 2);               // no -m
  EXPECT_EQ(run_braid({"tokenize", "-m", vocab.string()}).exit_code, 2);  // no text
  auto bad = run_braid({"tokenize", "-m", vocab.string(), "bad \xff byte"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not valid UTF-8"), std::string::npos) << bad.err;
  auto replaced =
      run_braid({"tokenize", "-m", vocab.string(), "--replace-invalid", "bad \xff byte"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  const auto dir = scratch_dir();
  std::ofstream(dir / "config.json") << "{}";
  auto no_tokenizer = run_braid({"tokenize", "-m", dir.string(), "hi"});
  EXPECT_EQ(no_tokenizer.exit_code, 1);
  EXPECT_NE(no_tokenizer.err.find("no tokenizer.json"), std::string::npos) << no_tokenizer.err;
}

}  // namespace
}  // namespace braid::test
