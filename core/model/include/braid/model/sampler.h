// Token sampling: turns the logits of one position into the next token id.
//
// The chain and its semantics follow llama.cpp's default sampler chain, so the flags users know
// (`--temp`, `--top-k`, `--top-p`, `--min-p`, `--repeat-penalty`, ...) mean the same here:
//
//   penalties -> top-k -> top-p -> min-p -> temperature -> draw from the softmax
//
// Determinism: the pseudo-random numbers come from std::mt19937_64, whose output sequence the C++
// standard fixes bit for bit, and the uniform draw is computed here (the top 53 bits of one 64-bit
// output, times 2^-53) rather than by a std distribution, whose results the standard leaves to the
// implementation. So equal seeds give equal uniform draws on every machine and every compiler.
// Candidates are ranked by a strict total order (higher logit first, then lower id), so the set
// each stage keeps does not depend on the standard library's selection algorithms, and the draw
// walks the survivors in ascending id order. Probabilities are computed in double with std::exp;
// a libm whose exp differs by an ulp, or a top-p mass summed in another order, could in principle
// move a decision that lands within ~1e-15 of an edge, which in practice never happens. Given the
// same logits, the same parameters and the same accepted tokens, the same token comes out.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "braid/core/status.h"

namespace braid::model {

/// Sampling parameters. The defaults are llama.cpp's, except the seed, which is fixed (llama.cpp
/// draws a random one by default); pick a new seed to get a different continuation.
struct SamplingParams {
  /// Divides the logits before the final draw. <= 0 means greedy: the argmax of the penalized
  /// logits (lowest id on ties), with no randomness and no truncation stage.
  float temperature = 0.8f;
  /// Keep the k highest logits. 0 disables the stage.
  int32_t top_k = 40;
  /// Keep the smallest set of best candidates whose probabilities (softmax over what top-k left)
  /// sum to at least top_p. 1 disables the stage. Range (0, 1].
  float top_p = 0.95f;
  /// Keep candidates whose probability is at least min_p times the best one's. 0 disables it.
  /// Range [0, 1].
  float min_p = 0.05f;
  /// For every token among the last repeat_last_n accepted: a positive logit is divided by
  /// repeat_penalty, a negative one multiplied by it. 1 disables it. Must be > 0.
  float repeat_penalty = 1.0f;
  /// How many of the most recently accepted tokens the penalties look at. 0 disables all three
  /// penalties; -1 means every token accepted since the last reset().
  int32_t repeat_last_n = 64;
  /// OpenAI's presence penalty: subtracted once from the logit of every token that occurs in the
  /// window. 0 disables it.
  float presence_penalty = 0.0f;
  /// OpenAI's frequency penalty: subtracted from a token's logit once per occurrence in the
  /// window. 0 disables it.
  float frequency_penalty = 0.0f;
  /// Seed of the std::mt19937_64 that drives the draws.
  uint64_t seed = 0xB4A1D;
};

/// Ok when every field is in its documented range and finite. The message names the field, the
/// value and the accepted range: "[sampling] top_p = 1.5: expected 0 < top_p <= 1 (1 disables
/// top-p)".
core::Status validate(const SamplingParams& params);

/// One candidate that survived the truncation stages, with the probability the draw gives it.
struct TokenProbability {
  int32_t id = 0;
  double probability = 0.0;
};

/// Samples token ids, one position at a time, and remembers the accepted tokens the penalties
/// need. Not thread-safe: use one Sampler per sequence. Holds scratch space the size of the
/// vocabulary so repeated calls do not allocate.
class Sampler {
 public:
  /// Takes parameters that passed validate(). Out-of-range values are not rejected here; each
  /// stage then treats them as "disabled" (top_k < 0, top_p outside (0, 1), min_p <= 0,
  /// repeat_penalty <= 0, repeat_last_n < -1 all disable their stage; a NaN temperature is
  /// greedy).
  explicit Sampler(SamplingParams params);

  /// Picks the next token from the logits of one position (one value per vocabulary id).
  /// Does not record the token: call accept() with the token actually used, so penalties see it.
  /// NaN logits count as -infinity. Returns -1 when `logits` is empty or every logit is
  /// -infinity (or NaN); otherwise a valid index into `logits`.
  /// Cost: a few passes over the vocabulary; nothing is sorted beyond small sets (top-k uses a
  /// heap or selection, top-p a weighted selection), so a 128K vocabulary costs well under a
  /// millisecond (bench/kernels/sampler_bench.cpp).
  int32_t sample(std::span<const float> logits);

  /// The distribution sample() draws from for these logits: the surviving candidates in rank
  /// order (higher penalized logit first, lower id on ties) with their probabilities after
  /// temperature, summing to 1. Greedy gives the one best token with probability 1. Empty when
  /// sample() would return -1. Uses no randomness and does not change the Sampler's state beyond
  /// its scratch space. For tests, and for callers that report probabilities.
  std::vector<TokenProbability> probabilities(std::span<const float> logits);

  /// Records a token that became part of the sequence (a prompt token or a sampled one), for the
  /// penalties. Negative ids are ignored.
  void accept(int32_t token);

  /// Forgets the accepted tokens and restarts the random sequence from the seed, so the Sampler
  /// behaves exactly as a newly constructed one.
  void reset();

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    float logit;
    int32_t id;
    float mass;  // exp(logit - max logit), filled by top-p
  };

  // Runs every stage up to the draw: candidates_[0, n) hold the survivors in id order and
  // weights_[0, n) their unnormalized probabilities (sum in total_weight_). Returns n, 0 if none.
  size_t prepare(std::span<const float> logits);
  void apply_penalties();
  double next_uniform();  // in [0, 1), 53 random bits

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;  // accepted tokens, oldest first, at most repeat_last_n
  std::vector<Candidate> candidates_;
  std::vector<int32_t> window_scratch_;
  std::vector<float> penalized_;  // the logits after penalties, by id
  std::vector<double> weights_;
  double total_weight_ = 0.0;
};

}  // namespace braid::model
