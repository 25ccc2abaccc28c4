// The decoder against an outside reference: stories260K (a tiny trained Llama, GGUF as llama.cpp
// writes it) decoded greedily for 200 tokens from BOS must give exactly the text karpathy/llama2.c
// prints (expected_greedy_200steps.txt, from its test_all.py) and the token ids an independent
// fp64 forward pass produced (derived_greedy_200_token_ids.txt); see the folder's REFERENCE.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "braid/model/decoder.h"
#include "braid/text/streaming_detokenizer.h"
#include "braid/text/tokenizer_loader.h"
#include "decoder_test_support.h"
#include "test_paths.h"

namespace braid::model {
namespace {

constexpr const char* kStories = "tinyllama-stories260K/stories260K.gguf";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<int32_t> read_ids(const std::filesystem::path& path) {
  std::istringstream in(read_text(path));
  std::vector<int32_t> ids;
  for (int32_t id; in >> id;) ids.push_back(id);
  return ids;
}

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

class Stories : public ::testing::TestWithParam<std::string> {};

TEST_P(Stories, Greedy200TokensMatchLlama2c) {
  BRAID_SHARED_FILE_OR_SKIP(path, kStories);
  BRAID_DEVICES_OR_SKIP(devices, GetParam());
  auto decoder = Decoder::load(path, devices, DecoderOptions{.n_ctx = 256});
  ASSERT_TRUE(decoder.ok()) << decoder.status().message();
  auto tokenizer = text::load_tokenizer(path);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  Decoder& d = **decoder;

  std::vector<int32_t> ids;
  const PromptChunk bos = TokenChunk{{tokenizer->bos_id()}};
  auto logits = d.eval(std::span(&bos, 1));
  ASSERT_TRUE(logits.ok()) << logits.status().message();
  text::StreamingDetokenizer detok(*tokenizer);
  std::string out;
  size_t compiles_after_first_step = 0;
  for (int step = 0; step < 200; ++step) {
    const int32_t next = argmax(*logits);
    ids.push_back(next);
    out += detok.push(next).value();
    if (step == 1) compiles_after_first_step = d.scheduler().compile_count();
    logits = d.eval_token(next);
    ASSERT_TRUE(logits.ok()) << logits.status().message();
  }
  out += detok.flush();
  EXPECT_EQ(d.n_past(), 201);
  // Every decode step after the first reuses the compiled graph.
  EXPECT_EQ(d.scheduler().compile_count(), compiles_after_first_step);

  const auto want_ids =
      read_ids(test::shared_data_dir() / "tinyllama-stories260K/derived_greedy_200_token_ids.txt");
  EXPECT_EQ(ids, want_ids);
  const std::string want =
      read_text(test::shared_data_dir() / "tinyllama-stories260K/expected_greedy_200steps.txt");
  EXPECT_EQ(out, want);
}

INSTANTIATE_TEST_SUITE_P(Backends, Stories, ::testing::Values("reference", "cpu"));

}  // namespace
}  // namespace braid::model
