#include "braid/model/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace braid::model {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Parameters with every stage off, so a test turns on only the stage it checks.
SamplingParams plain(float temperature = 1.0f) {
  SamplingParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

std::vector<float> log_of(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

// Checks the surviving (id, probability) pairs, in rank order.
void expect_distribution(const std::vector<TokenProbability>& got,
                         const std::vector<std::pair<int32_t, double>>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].first) << "rank " << i;
    EXPECT_NEAR(got[i].probability, want[i].second, 1e-6) << "rank " << i;
  }
}

int32_t greedy_after(const std::vector<float>& logits,
                     const std::vector<int32_t>& history,
                     SamplingParams p) {
  p.temperature = 0.0f;
  Sampler sampler(p);
  for (int32_t t : history) sampler.accept(t);
  return sampler.sample(logits);
}

TEST(SamplingParams, ValidateNamesTheBadField) {
  EXPECT_TRUE(validate(SamplingParams{}).is_ok());
  EXPECT_TRUE(validate(plain(0.0f)).is_ok());
  struct Case {
    SamplingParams params;
    const char* needle;
  };
  std::vector<Case> cases;
  auto add = [&](auto edit, const char* needle) {
    SamplingParams p;
    edit(p);
    cases.push_back({p, needle});
  };
  add([](SamplingParams& p) { p.temperature = -0.5f; }, "temperature = -0.5");
  add([](SamplingParams& p) { p.temperature = NAN; }, "temperature");
  add([](SamplingParams& p) { p.top_k = -1; }, "top_k = -1");
  add([](SamplingParams& p) { p.top_p = 0.0f; }, "top_p = 0");
  add([](SamplingParams& p) { p.top_p = 1.5f; }, "top_p = 1.5");
  add([](SamplingParams& p) { p.min_p = -0.1f; }, "min_p = -0.1");
  add([](SamplingParams& p) { p.min_p = 2.0f; }, "min_p = 2");
  add([](SamplingParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty = 0");
  add([](SamplingParams& p) { p.repeat_penalty = kInf; }, "repeat_penalty");
  add([](SamplingParams& p) { p.repeat_last_n = -2; }, "repeat_last_n = -2");
  add([](SamplingParams& p) { p.presence_penalty = NAN; }, "presence_penalty");
  add([](SamplingParams& p) { p.frequency_penalty = -kInf; }, "frequency_penalty");
  for (const Case& c : cases) {
    const core::Status status = validate(c.params);
    EXPECT_EQ(status.code(), core::StatusCode::InvalidArgument) << c.needle;
    EXPECT_NE(status.message().find(c.needle), std::string::npos) << status.message();
    EXPECT_EQ(status.message().rfind("[sampling]", 0), 0u) << status.message();
  }
}

TEST(SamplerGreedy, ArgmaxWithLowestIdOnTies) {
  Sampler sampler(plain(0.0f));
  EXPECT_EQ(sampler.sample(std::vector<float>{1.0f, 3.0f, 3.0f, 2.0f}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{-kInf, NAN, -5.0f}), 2);
  EXPECT_EQ(sampler.sample(std::vector<float>{}), -1);
  EXPECT_EQ(sampler.sample(std::vector<float>{-kInf, NAN}), -1);
  expect_distribution(sampler.probabilities(std::vector<float>{0.0f, 7.0f, 7.0f}), {{1, 1.0}});
  // Greedy ignores the truncation stages and draws nothing: the same answer every time.
  SamplingParams p = plain(0.0f);
  p.top_k = 1;
  p.seed = 12345;
  Sampler other(p);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(other.sample(std::vector<float>{0.5f, 0.25f, 0.5f}), 0);
}

TEST(SamplerPenalties, RepeatDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams p = plain();
  p.repeat_penalty = 2.0f;
  // 4 / 2 = 2 < 3.5: the repeated token loses its lead.
  EXPECT_EQ(greedy_after({4.0f, -1.0f, 3.5f}, {0}, p), 2);
  EXPECT_EQ(greedy_after({4.0f, -1.0f, 3.5f}, {}, p), 0);
  // -1 * 2 = -2 < -1.5: a negative logit is pushed further down, not up.
  EXPECT_EQ(greedy_after({-1.0f, -1.5f}, {0}, p), 1);
  // Once per distinct token, however often it occurs: 4 / 2 = 2 > 1.5 (per use: 0.5 < 1.5).
  EXPECT_EQ(greedy_after({4.0f, 1.5f}, {0, 0, 0}, p), 0);
}

TEST(SamplerPenalties, ExactPenalizedDistribution) {
  // Logits {2, 1, -1, 0.5}, history {0, 1, 1}: repeat 2, frequency 0.25, presence 0.5.
  //   id 0 (count 1): 2 / 2 - 0.25 - 0.5 = 0.25
  //   id 1 (count 2): 1 / 2 - 0.5  - 0.5 = -0.5
  //   id 2, 3 untouched: -1, 0.5
  SamplingParams p = plain(1.0f);
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.25f;
  p.presence_penalty = 0.5f;
  Sampler sampler(p);
  for (int32_t t : {0, 1, 1}) sampler.accept(t);
  const std::vector<double> penalized = {0.25, -0.5, -1.0, 0.5};
  double z = 0.0;
  for (double l : penalized) z += std::exp(l);
  expect_distribution(sampler.probabilities(std::vector<float>{2.0f, 1.0f, -1.0f, 0.5f}),
                      {{3, std::exp(0.5) / z},
                       {0, std::exp(0.25) / z},
                       {1, std::exp(-0.5) / z},
                       {2, std::exp(-1.0) / z}});
}

TEST(SamplerPenalties, FrequencyCountsOccurrencesPresenceDoesNot) {
  SamplingParams p = plain();
  p.frequency_penalty = 0.3f;  // 3 - 2 * 0.3 = 2.4 < 2.5
  EXPECT_EQ(greedy_after({3.0f, 2.5f}, {0, 0}, p), 1);
  p.frequency_penalty = 0.2f;  // 3 - 0.4 = 2.6 > 2.5
  EXPECT_EQ(greedy_after({3.0f, 2.5f}, {0, 0}, p), 0);
  p.frequency_penalty = 0.0f;
  p.presence_penalty = 0.4f;  // 3 - 0.4 = 2.6 however many times it occurred
  EXPECT_EQ(greedy_after({3.0f, 2.5f}, {0, 0, 0, 0}, p), 0);
  p.presence_penalty = 0.6f;  // 3 - 0.6 = 2.4
  EXPECT_EQ(greedy_after({3.0f, 2.5f}, {0}, p), 1);
}

TEST(SamplerPenalties, RepeatComesBeforeTheSubtractions) {
  // (3 / 2) - 0.25 = 1.25 < 1.3; subtracting first would give (3 - 0.25) / 2 = 1.375 > 1.3.
  SamplingParams p = plain();
  p.repeat_penalty = 2.0f;
  p.frequency_penalty = 0.25f;
  EXPECT_EQ(greedy_after({3.0f, 1.3f}, {0}, p), 1);
}

TEST(SamplerPenalties, OnlyTheLastRepeatLastNTokensCount) {
  SamplingParams p = plain();
  p.repeat_penalty = 2.0f;
  p.repeat_last_n = 2;
  EXPECT_EQ(greedy_after({4.0f, -3.0f, 3.5f}, {0, 1, 1}, p), 0);  // 0 left the window
  EXPECT_EQ(greedy_after({4.0f, -3.0f, 3.5f}, {1, 0, 1}, p), 2);
  p.repeat_last_n = 0;  // off
  EXPECT_EQ(greedy_after({4.0f, -3.0f, 3.5f}, {0}, p), 0);
  p.repeat_last_n = -1;  // everything since reset
  std::vector<int32_t> long_history(1000, 1);
  long_history.front() = 0;
  EXPECT_EQ(greedy_after({4.0f, -3.0f, 3.5f}, long_history, p), 2);
  // Ids outside the vocabulary and negative ids are ignored, not read out of bounds.
  EXPECT_EQ(greedy_after({4.0f, -3.0f, 3.5f}, {-7, 99}, p), 0);
}

TEST(SamplerTopK, KeepsTheKBestLowestIdOnTies) {
  SamplingParams p = plain();
  p.top_k = 2;
  Sampler sampler(p);
  expect_distribution(sampler.probabilities(std::vector<float>{1.0f, 2.0f, 2.0f, 2.0f, 0.0f}),
                      {{1, 0.5}, {2, 0.5}});
  p.top_k = 3;
  Sampler three(p);
  // probabilities 0.5, 0.2, 0.15 renormalised over 0.85.
  expect_distribution(three.probabilities(log_of({0.1, 0.5, 0.05, 0.2, 0.15})),
                      {{1, 0.5 / 0.85}, {3, 0.2 / 0.85}, {4, 0.15 / 0.85}});
  p.top_k = 10;  // larger than the vocabulary: keeps everything
  Sampler all(p);
  EXPECT_EQ(all.probabilities(log_of({0.25, 0.25, 0.5})).size(), 3u);
}

TEST(SamplerTopP, SmallestPrefixReachingP) {
  const std::vector<float> logits = log_of({0.5, 0.2, 0.15, 0.1, 0.05});
  SamplingParams p = plain();
  p.top_p = 0.8f;  // 0.5, 0.7, 0.85 >= 0.8: three survive
  Sampler sampler(p);
  expect_distribution(sampler.probabilities(logits),
                      {{0, 0.5 / 0.85}, {1, 0.2 / 0.85}, {2, 0.15 / 0.85}});
  p.top_p = 0.4f;  // the best alone already covers 0.4
  Sampler one(p);
  expect_distribution(one.probabilities(logits), {{0, 1.0}});
}

TEST(SamplerTopP, UsesTheSoftmaxOfWhatTopKLeft) {
  // After top-k 2 the probabilities are 0.5/0.7 = 0.714 and 0.286, so top-p 0.7 keeps one token;
  // over the whole vocabulary (0.5 < 0.7) it would keep two.
  SamplingParams p = plain();
  p.top_k = 2;
  p.top_p = 0.7f;
  Sampler sampler(p);
  expect_distribution(sampler.probabilities(log_of({0.5, 0.2, 0.15, 0.1, 0.05})), {{0, 1.0}});
}

TEST(SamplerMinP, KeepsProbabilitiesAtLeastMinPTimesTheBest) {
  const std::vector<float> logits = log_of({0.05, 0.5, 0.2, 0.15, 0.1});
  SamplingParams p = plain();
  p.min_p = 0.35f;  // threshold 0.175: 0.5 and 0.2
  Sampler sampler(p);
  expect_distribution(sampler.probabilities(logits), {{1, 0.5 / 0.7}, {2, 0.2 / 0.7}});
  p.min_p = 0.25f;  // threshold 0.125: 0.5, 0.2, 0.15
  Sampler looser(p);
  EXPECT_EQ(looser.probabilities(logits).size(), 3u);
  p.min_p = 1.0f;  // only the best
  Sampler strict(p);
  expect_distribution(strict.probabilities(logits), {{1, 1.0}});
}

TEST(SamplerMinP, AppliesAfterTopP) {
  SamplingParams p = plain();
  p.top_p = 0.8f;   // keeps 0.5, 0.2, 0.15
  p.min_p = 0.35f;  // then drops 0.15
  Sampler sampler(p);
  expect_distribution(sampler.probabilities(log_of({0.5, 0.2, 0.15, 0.1, 0.05})),
                      {{0, 0.5 / 0.7}, {1, 0.2 / 0.7}});
}

TEST(SamplerTemperature, ScalesLogitsAfterTruncation) {
  // Two tokens with probabilities 1/3, 2/3; temperature 0.5 squares the odds: 1/5, 4/5.
  Sampler sharp(plain(0.5f));
  expect_distribution(sharp.probabilities(log_of({1.0 / 3, 2.0 / 3})), {{1, 0.8}, {0, 0.2}});
  // Top-p 0.6 on the untempered distribution keeps {0.5, 0.2}; temperature 2 then takes square
  // roots. Tempering first would flatten the distribution and let top-p keep three tokens.
  SamplingParams p = plain(2.0f);
  p.top_p = 0.6f;
  Sampler sampler(p);
  const double a = std::sqrt(0.5), b = std::sqrt(0.2);
  expect_distribution(sampler.probabilities(log_of({0.5, 0.2, 0.15, 0.1, 0.05})),
                      {{0, a / (a + b)}, {1, b / (a + b)}});
}

TEST(SamplerLargeVocabulary, StagesMatchAFullSort) {
  // 128K logits from a fixed generator; the reference ranks the whole vocabulary by sorting.
  const int n = 128 * 1024;
  std::mt19937 gen(7);
  std::vector<float> logits(n);
  for (float& x : logits) {
    x = static_cast<float>(gen() % 100000) * 1e-4f;  // many ties, a wide nucleus
  }
  std::vector<int32_t> order(n);
  for (int i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });

  SamplingParams p = plain();
  p.top_k = 40;
  Sampler top_k(p);
  const auto k40 = top_k.probabilities(logits);
  ASSERT_EQ(k40.size(), 40u);
  for (size_t i = 0; i < k40.size(); ++i) EXPECT_EQ(k40[i].id, order[i]) << i;

  // top-p alone over the whole vocabulary: the nucleus spans many of the sorter's blocks.
  p.top_k = 0;
  p.top_p = 0.9f;
  Sampler top_p(p);
  const auto nucleus = top_p.probabilities(logits);
  const float max_logit = logits[order[0]];
  double total = 0.0;
  for (float x : logits) total += std::exp(double(x) - max_logit);
  double cumulative = 0.0;
  size_t want = 0;
  while (want < order.size()) {
    cumulative += std::exp(double(logits[order[want]]) - max_logit) / total;
    ++want;
    if (cumulative >= 0.9) break;
  }
  ASSERT_GT(want, 4096u);  // large enough for the pass over the vocabulary
  ASSERT_EQ(nucleus.size(), want);
  for (size_t i = 0; i < nucleus.size(); ++i) ASSERT_EQ(nucleus[i].id, order[i]) << i;

  // A large k takes the selection path instead of the heap.
  p.top_k = 5000;
  p.top_p = 1.0f;
  Sampler big_k(p);
  const auto k5000 = big_k.probabilities(logits);
  ASSERT_EQ(k5000.size(), 5000u);
  for (size_t i = 0; i < k5000.size(); ++i) ASSERT_EQ(k5000[i].id, order[i]) << i;

  // min-p alone keeping thousands: every logit >= max + log(min_p), ties included.
  p.top_k = 0;
  p.min_p = 0.5f;
  Sampler min_p(p);
  const auto above = min_p.probabilities(logits);
  const float threshold = max_logit + std::log(0.5f);
  size_t n_above = 0;
  while (n_above < order.size() && logits[order[n_above]] >= threshold) ++n_above;
  ASSERT_GT(n_above, 4096u);
  ASSERT_EQ(above.size(), n_above);
  for (size_t i = 0; i < above.size(); ++i) ASSERT_EQ(above[i].id, order[i]) << i;
}

TEST(SamplerDeterminism, EqualSeedsGiveEqualSequences) {
  const std::vector<float> logits = log_of({0.3, 0.25, 0.2, 0.15, 0.1});
  SamplingParams p = plain();
  p.seed = 42;
  Sampler a(p), b(p);
  std::vector<int32_t> first;
  for (int i = 0; i < 64; ++i) {
    const int32_t x = a.sample(logits);
    EXPECT_EQ(x, b.sample(logits)) << i;
    first.push_back(x);
  }
  a.reset();
  for (int i = 0; i < 64; ++i) EXPECT_EQ(a.sample(logits), first[i]) << i;
  p.seed = 43;
  Sampler c(p);
  int differ = 0;
  for (int i = 0; i < 64; ++i) differ += c.sample(logits) != first[i];
  EXPECT_GT(differ, 10);
}

TEST(SamplerDeterminism, PinnedDraws) {
  // With n equal logits and every stage off, the draw picks floor(u * n). The ids come from an
  // independent Python mt19937_64: tests/scripts/make_sampler_golden.py.
  Sampler sampler(plain());
  ASSERT_EQ(sampler.params().seed, 0xB4A1Du);
  const std::vector<float> flat(1000, 0.25f);
  const std::vector<int32_t> want = {214, 642, 224, 94,  262, 365, 247, 164,
                                     256, 290, 134, 117, 805, 727, 13,  104};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(sampler.sample(flat), want[i]) << i;
}

TEST(SamplerDistribution, DrawFrequenciesFollowTheProbabilities) {
  // Chi-square goodness of fit, fixed seed: 4 degrees of freedom, 20000 draws. The 99.9th
  // percentile of chi2(4) is 18.5; the bound is generous but a wrong draw (an off-by-one bucket,
  // tempered twice, unnormalised) lands in the hundreds.
  SamplingParams p = plain(0.7f);
  p.seed = 2024;
  Sampler sampler(p);
  const std::vector<float> logits = log_of({0.4, 0.25, 0.15, 0.12, 0.08});
  const auto probs = sampler.probabilities(logits);
  ASSERT_EQ(probs.size(), 5u);
  std::vector<int> counts(5, 0);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const int32_t id = sampler.sample(logits);
    ASSERT_GE(id, 0);
    ASSERT_LT(id, 5);
    ++counts[id];
  }
  double chi2 = 0.0;
  for (const TokenProbability& tp : probs) {
    const double expected = tp.probability * draws;
    chi2 += (counts[tp.id] - expected) * (counts[tp.id] - expected) / expected;
  }
  EXPECT_LT(chi2, 25.0) << "counts " << counts[0] << " " << counts[1] << " " << counts[2] << " "
                        << counts[3] << " " << counts[4];
}

TEST(SamplerEdges, InfinitiesAndNans) {
  Sampler sampler(plain());
  EXPECT_EQ(sampler.sample(std::vector<float>{0.0f, kInf, 1.0f}), 1);
  EXPECT_EQ(sampler.sample(std::vector<float>{-kInf, -kInf}), -1);
  EXPECT_TRUE(sampler.probabilities(std::vector<float>{-kInf}).empty());
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(sampler.sample(std::vector<float>{NAN, -kInf, 3.0f, NAN}), 2);
  }
}

}  // namespace
}  // namespace braid::model
