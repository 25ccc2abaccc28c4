// model::perplexity against an independent float64 numpy forward pass over stories260K
// (tests/golden/perplexity, made by tests/scripts/make_stories_perplexity.py), on the reference
// backend and on cpu.
#include "braid/model/perplexity.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "decoder_test_support.h"
#include "test_paths.h"

namespace braid::model {
namespace {

class Perplexity : public ::testing::TestWithParam<std::string> {};

TEST_P(Perplexity, MatchesTheNumpyReference) {
  BRAID_SHARED_FILE_OR_SKIP(path, "tinyllama-stories260K/stories260K.gguf");
  BRAID_DEVICES_OR_SKIP(devices, GetParam());
  std::ifstream in(test::golden_dir() / "perplexity/stories260k_greedy_c64.json");
  const auto golden = nlohmann::json::parse(in);
  const auto tokens = golden["tokens"].get<std::vector<int32_t>>();
  const auto running = golden["running_ppl"].get<std::vector<double>>();
  auto decoder = Decoder::load(
      path, devices,
      {.n_ctx = golden["n_ctx"].get<int64_t>(), .kv_type = KvType::F32, .n_batch = 32});
  ASSERT_TRUE(decoder.ok()) << decoder.status().message();
  std::vector<double> got;
  auto result =
      perplexity(**decoder, tokens, 1, [&](const PerplexityProgress& p) { got.push_back(p.ppl); });
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(got.size(), running.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], running[i], 1e-5 * running[i]);
  EXPECT_EQ(result->n_scored, golden["n_scored"].get<int64_t>());
  EXPECT_NEAR(result->ppl, golden["ppl"].get<double>(), 1e-5 * result->ppl);
  EXPECT_GT(result->ppl_error, 0.0);

  // Too short for one window.
  EXPECT_FALSE(perplexity(**decoder, std::span(tokens).first(63), 1).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, Perplexity, ::testing::Values("reference", "cpu"));

}  // namespace
}  // namespace braid::model
