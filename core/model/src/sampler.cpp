#include "braid/model/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace braid::model {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Candidates are ranked by a strict total order, so nth_element/partial_sort/sort all produce the
// same sequence on every standard library (llama.cpp leaves ties to std::sort; we break them by
// the lower id, the same rule greedy uses).
template <typename C>
bool ranks_before(const C& a, const C& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

bool is_finite_number(float x) { return std::isfinite(x); }

}  // namespace

core::Status validate(const SamplingParams& p) {
  if (!is_finite_number(p.temperature) || p.temperature < 0.0f) {
    return core::invalid_argument("[sampling] temperature = ", p.temperature,
                                  ": expected a finite value >= 0 (0 means greedy)");
  }
  if (p.top_k < 0) {
    return core::invalid_argument("[sampling] top_k = ", p.top_k,
                                  ": expected top_k >= 0 (0 disables top-k)");
  }
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    return core::invalid_argument("[sampling] top_p = ", p.top_p,
                                  ": expected 0 < top_p <= 1 (1 disables top-p)");
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return core::invalid_argument("[sampling] min_p = ", p.min_p,
                                  ": expected 0 <= min_p <= 1 (0 disables min-p)");
  }
  if (!is_finite_number(p.repeat_penalty) || p.repeat_penalty <= 0.0f) {
    return core::invalid_argument("[sampling] repeat_penalty = ", p.repeat_penalty,
                                  ": expected a finite value > 0 (1 disables it)");
  }
  if (p.repeat_last_n < -1) {
    return core::invalid_argument(
        "[sampling] repeat_last_n = ", p.repeat_last_n,
        ": expected -1 (every accepted token), 0 (no penalties) or a positive window");
  }
  if (!is_finite_number(p.presence_penalty)) {
    return core::invalid_argument("[sampling] presence_penalty = ", p.presence_penalty,
                                  ": expected a finite value (0 disables it)");
  }
  if (!is_finite_number(p.frequency_penalty)) {
    return core::invalid_argument("[sampling] frequency_penalty = ", p.frequency_penalty,
                                  ": expected a finite value (0 disables it)");
  }
  return core::Status::ok();
}

Sampler::Sampler(SamplingParams params) : params_(params), rng_(params.seed) {}

void Sampler::reset() {
  history_.clear();
  rng_.seed(params_.seed);
}

void Sampler::accept(int32_t token) {
  if (token < 0 || params_.repeat_last_n == 0 || params_.repeat_last_n < -1) return;
  history_.push_back(token);
  if (params_.repeat_last_n > 0 && history_.size() > static_cast<size_t>(params_.repeat_last_n)) {
    // The window is small (64 by default), so shifting is cheaper than a ring's bookkeeping.
    history_.erase(history_.begin());
  }
}

double Sampler::next_uniform() {
  // The top 53 bits of one output: exactly representable in a double, uniform on [0, 1).
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void Sampler::apply_penalties() {
  const bool repeat = params_.repeat_penalty > 0.0f && params_.repeat_penalty != 1.0f;
  const bool presence = params_.presence_penalty != 0.0f;
  const bool frequency = params_.frequency_penalty != 0.0f;
  if (history_.empty() || !(repeat || presence || frequency)) return;

  // Count occurrences by sorting a copy of the window: runs of equal ids.
  window_scratch_.assign(history_.begin(), history_.end());
  std::sort(window_scratch_.begin(), window_scratch_.end());
  const auto n_vocab = static_cast<int64_t>(penalized_.size());
  for (size_t i = 0; i < window_scratch_.size();) {
    size_t j = i;
    while (j < window_scratch_.size() && window_scratch_[j] == window_scratch_[i]) ++j;
    const int32_t id = window_scratch_[i];
    const auto count = static_cast<float>(j - i);
    i = j;
    if (id >= n_vocab) continue;  // accepted with another vocabulary: nothing to penalize
    float& logit = penalized_[static_cast<size_t>(id)];
    if (repeat) {
      // llama.cpp's rule (from the CTRL paper): shrink positive logits, push negative ones down.
      logit = logit <= 0.0f ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
    }
    // OpenAI: mu[j] -= c[j] * frequency_penalty + (c[j] > 0) * presence_penalty.
    logit -= count * params_.frequency_penalty + params_.presence_penalty;
    if (std::isnan(logit)) logit = kNegInf;  // inf / penalty stays inf; inf - inf is NaN
  }
}

// Every stage keeps a prefix of the candidates in rank order (the k best; the best ones up to a
// probability mass; those above a logit), so the survivors are exactly the candidates ranked at
// or before the worst survivor. prepare() finds that worst survivor with selection algorithms,
// never sorting the vocabulary, and lists the survivors in ascending id order, which the draw
// walks. Which candidates survive depends only on the total order, not on how a selection
// algorithm arranged its output (top-p's running masses are summed in that arrangement, which can
// only matter when a mass lands within rounding of top_p).
size_t Sampler::prepare(std::span<const float> logits) {
  if (logits.empty()) return 0;
  const size_t n_vocab = logits.size();
  penalized_.resize(n_vocab);
  for (size_t i = 0; i < n_vocab; ++i) {
    penalized_[i] = std::isnan(logits[i]) ? kNegInf : logits[i];
  }
  apply_penalties();

  // The best candidate (lowest id on ties): greedy's answer, and the reference of the softmax.
  size_t best = 0;
  for (size_t i = 1; i < n_vocab; ++i) {
    if (penalized_[i] > penalized_[best]) best = i;
  }
  const float max_logit = penalized_[best];
  const Candidate best_candidate{max_logit, static_cast<int32_t>(best), 1.0f};
  const auto single = [&] {
    candidates_.assign(1, best_candidate);
    weights_.assign(1, 1.0);
    total_weight_ = 1.0;
    return size_t{1};
  };
  if (max_logit == kNegInf) return 0;
  // Greedy draws nothing; truncation never drops the best candidate, so it is skipped. An
  // infinite logit takes all of the softmax's mass.
  if (!(params_.temperature > 0.0f) || max_logit == std::numeric_limits<float>::infinity()) {
    return single();
  }

  Candidate worst_kept{kNegInf, static_cast<int32_t>(n_vocab), 0.0f};  // ranks after everything
  const auto cmp = [](const Candidate& a, const Candidate& b) { return ranks_before(a, b); };

  // top-k: the k best, unordered, in candidates_.
  const bool top_k = params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_vocab;
  if (top_k && params_.top_k <= 1024) {
    // A heap of the k best seen so far, worst on top: one comparison per logit for most of a
    // large vocabulary, cheaper than selecting among a copy of it.
    const auto k = static_cast<size_t>(params_.top_k);
    candidates_.clear();
    for (size_t i = 0; i < k; ++i)
      candidates_.push_back({penalized_[i], static_cast<int32_t>(i), 0.0f});
    std::make_heap(candidates_.begin(), candidates_.end(), cmp);
    for (size_t i = k; i < n_vocab; ++i) {
      const float x = penalized_[i];
      if (x <= candidates_.front().logit) continue;  // ties go to the lower id, already held
      std::pop_heap(candidates_.begin(), candidates_.end(), cmp);
      candidates_.back() = {x, static_cast<int32_t>(i), 0.0f};
      std::push_heap(candidates_.begin(), candidates_.end(), cmp);
    }
    worst_kept = candidates_.front();
  } else {
    candidates_.resize(n_vocab);
    for (size_t i = 0; i < n_vocab; ++i)
      candidates_[i] = {penalized_[i], static_cast<int32_t>(i), 0.0f};
    if (top_k) {
      const auto kth = candidates_.begin() + (params_.top_k - 1);
      std::nth_element(candidates_.begin(), kth, candidates_.end(), cmp);
      candidates_.resize(static_cast<size_t>(params_.top_k));
      worst_kept = *std::max_element(candidates_.begin(), candidates_.end(), cmp);
    }
  }

  // top-p over the softmax of what top-k kept: find the smallest rank prefix whose mass reaches
  // top_p by weighted selection (nth_element halves the range each round), in O(n) expected.
  if (params_.top_p > 0.0f && params_.top_p < 1.0f && candidates_.size() > 1) {
    // Each candidate's unnormalised probability, computed once and carried through the
    // selection rounds (float, as llama.cpp's softmax; the sums are in double).
    double total = 0.0;
    for (Candidate& c : candidates_) {
      c.mass = std::exp(c.logit - max_logit);
      total += c.mass;
    }
    const auto mass = [&](size_t from, size_t to) {
      double sum = 0.0;
      for (size_t i = from; i < to; ++i) sum += candidates_[i].mass;
      return sum;
    };
    const double target = double(params_.top_p) * total;
    size_t lo = 0, hi = candidates_.size();  // the cutoff is in [lo, hi); [0, lo) is kept
    double kept_mass = 0.0;                  // mass of [0, lo)
    while (hi - lo > 32) {
      const size_t mid = lo + (hi - lo) / 2;
      const auto mid_it = candidates_.begin() + static_cast<std::ptrdiff_t>(mid);
      std::nth_element(candidates_.begin() + static_cast<std::ptrdiff_t>(lo), mid_it,
                       candidates_.begin() + static_cast<std::ptrdiff_t>(hi), cmp);
      const double upto_mid = mass(lo, mid + 1);
      if (kept_mass + upto_mid >= target) {
        hi = mid + 1;
      } else {
        kept_mass += upto_mid;
        lo = mid + 1;
      }
    }
    std::sort(candidates_.begin() + static_cast<std::ptrdiff_t>(lo),
              candidates_.begin() + static_cast<std::ptrdiff_t>(hi), cmp);
    size_t cut = hi - 1;
    for (size_t i = lo; i < hi; ++i) {
      kept_mass += candidates_[i].mass;
      if (kept_mass >= target) {
        cut = i;
        break;
      }
    }
    candidates_.resize(cut + 1);
    worst_kept = candidates_[cut];
  }

  // min-p: logits >= max + log(min_p), i.e. probability >= min_p * the best one's.
  if (params_.min_p > 0.0f && params_.min_p <= 1.0f) {
    const float threshold = max_logit + std::log(params_.min_p);
    if (worst_kept.logit < threshold) {
      // The last candidate at or above the threshold: the highest id among the lowest logit
      // that passes. Tracked while filtering so no pass needs an order.
      Candidate last{kNegInf, -1, 0.0f};
      size_t n_kept = 0;
      for (const Candidate& c : candidates_) {
        if (c.logit < threshold) continue;
        candidates_[n_kept++] = c;
        if (last.id < 0 || ranks_before(last, c)) last = c;
      }
      candidates_.resize(n_kept);  // never empty: the best candidate passes
      worst_kept = last;
    }
  }

  // The survivors in ascending id order. For a large set, one pass over the vocabulary with the
  // rank test is cheaper than sorting the set.
  const size_t n_kept = candidates_.size();
  if (n_kept <= 4096 || worst_kept.id == static_cast<int32_t>(n_vocab)) {
    if (worst_kept.id == static_cast<int32_t>(n_vocab) && n_kept == n_vocab) {
      // Nothing truncated: candidates_ is already in id order.
    } else {
      std::sort(candidates_.begin(), candidates_.end(),
                [](const Candidate& a, const Candidate& b) { return a.id < b.id; });
    }
  } else {
    candidates_.clear();
    for (size_t i = 0; i < n_vocab; ++i) {
      const Candidate c{penalized_[i], static_cast<int32_t>(i), 0.0f};
      if (!ranks_before(worst_kept, c)) candidates_.push_back(c);
    }
  }

  // temperature, then the softmax's unnormalised weights.
  const double inv_temperature = 1.0 / double(params_.temperature);
  weights_.resize(candidates_.size());
  double total = 0.0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    weights_[i] = std::exp((double(candidates_[i].logit) - max_logit) * inv_temperature);
    total += weights_[i];
  }
  total_weight_ = total;
  return candidates_.size();
}

int32_t Sampler::sample(std::span<const float> logits) {
  const size_t size = prepare(logits);
  if (size == 0) return -1;
  if (size == 1) return candidates_[0].id;  // no draw: greedy stays free of randomness
  const double u = next_uniform() * total_weight_;
  double cumulative = 0.0;
  for (size_t i = 0; i < size; ++i) {
    cumulative += weights_[i];
    if (u < cumulative) return candidates_[i].id;
  }
  // Rounding left u at the very top: the last candidate with any weight.
  for (size_t i = size; i-- > 0;) {
    if (weights_[i] > 0.0) return candidates_[i].id;
  }
  return candidates_[0].id;
}

std::vector<TokenProbability> Sampler::probabilities(std::span<const float> logits) {
  const size_t size = prepare(logits);
  std::vector<TokenProbability> out(size);
  std::vector<size_t> order(size);
  for (size_t i = 0; i < size; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return ranks_before(candidates_[a], candidates_[b]); });
  for (size_t i = 0; i < size; ++i) {
    out[i] = {candidates_[order[i]].id, weights_[order[i]] / total_weight_};
  }
  return out;
}

}  // namespace braid::model
