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
  const auto n_vocab = static_cast<int64_t>(candidates_.size());
  for (size_t i = 0; i < window_scratch_.size();) {
    size_t j = i;
    while (j < window_scratch_.size() && window_scratch_[j] == window_scratch_[i]) ++j;
    const int32_t id = window_scratch_[i];
    const auto count = static_cast<float>(j - i);
    i = j;
    if (id >= n_vocab) continue;  // accepted with another vocabulary: nothing to penalize
    float& logit = candidates_[static_cast<size_t>(id)].logit;
    if (repeat) {
      // llama.cpp's rule (from the CTRL paper): shrink positive logits, push negative ones down.
      logit = logit <= 0.0f ? logit * params_.repeat_penalty : logit / params_.repeat_penalty;
    }
    // OpenAI: mu[j] -= c[j] * frequency_penalty + (c[j] > 0) * presence_penalty.
    logit -= count * params_.frequency_penalty + params_.presence_penalty;
  }
}

size_t Sampler::prepare(std::span<const float> logits) {
  if (logits.empty()) return 0;
  const size_t n_vocab = logits.size();
  candidates_.resize(n_vocab);
  for (size_t i = 0; i < n_vocab; ++i) {
    const float x = logits[i];
    candidates_[i] = {std::isnan(x) ? kNegInf : x, static_cast<int32_t>(i)};
  }
  apply_penalties();
  for (auto& c : candidates_) {
    if (std::isnan(c.logit)) c.logit = kNegInf;  // inf / penalty stays inf; inf - inf is NaN
  }

  // Greedy: the best candidate, lowest id on ties. Truncation stages never drop the best one, so
  // they cannot change the result and are skipped.
  if (!(params_.temperature > 0.0f)) {
    const auto best =
        std::min_element(candidates_.begin(), candidates_.end(),
                         [](const Candidate& a, const Candidate& b) { return ranks_before(a, b); });
    if (best->logit == kNegInf) return 0;
    std::swap(candidates_.front(), *best);
    weights_.assign(1, 1.0);
    total_weight_ = 1.0;
    return 1;
  }

  // top-k: keep the k best, unsorted, in O(n_vocab).
  auto first = candidates_.begin();
  size_t size = n_vocab;
  const auto cmp = [](const Candidate& a, const Candidate& b) { return ranks_before(a, b); };
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n_vocab) {
    size = static_cast<size_t>(params_.top_k);
    std::nth_element(first, first + static_cast<std::ptrdiff_t>(size), candidates_.end(), cmp);
  }
  const auto max_it = std::min_element(first, first + static_cast<std::ptrdiff_t>(size), cmp);
  const float max_logit = max_it->logit;
  if (max_logit == kNegInf) return 0;
  if (max_logit == std::numeric_limits<float>::infinity()) {
    // The softmax puts all mass on the best one (ties at +inf go to the lowest id).
    std::swap(candidates_.front(), *max_it);
    weights_.assign(1, 1.0);
    total_weight_ = 1.0;
    return 1;
  }

  // top-p over the softmax of what top-k left. Sort only as far as the nucleus reaches: blocks of
  // growing size are partial-sorted until the running sum passes top_p.
  size_t sorted = 0;
  if (params_.top_p > 0.0f && params_.top_p < 1.0f) {
    double total = 0.0;
    for (size_t i = 0; i < size; ++i) total += std::exp(double(first[i].logit) - max_logit);
    const double target = double(params_.top_p) * total;
    double cumulative = 0.0;
    size_t kept = size;
    while (sorted < size && kept == size) {
      const size_t block_end = std::min(size, std::max<size_t>(64, 4 * sorted));
      std::partial_sort(first + static_cast<std::ptrdiff_t>(sorted),
                        first + static_cast<std::ptrdiff_t>(block_end),
                        first + static_cast<std::ptrdiff_t>(size), cmp);
      for (size_t i = sorted; i < block_end; ++i) {
        cumulative += std::exp(double(first[i].logit) - max_logit);
        if (cumulative >= target) {
          kept = i + 1;
          break;
        }
      }
      sorted = block_end;
    }
    size = kept;
    sorted = std::min(sorted, size);
  }

  // min-p: keep logits >= max + log(min_p), i.e. probability >= min_p * best probability. The
  // best candidate always stays.
  if (params_.min_p > 0.0f && params_.min_p <= 1.0f) {
    const float threshold = max_logit + std::log(params_.min_p);
    if (sorted == size) {
      // Already ranked: the survivors are a prefix.
      size_t keep = 0;
      while (keep < size && first[keep].logit >= threshold) ++keep;
      size = std::max<size_t>(keep, 1);
    } else {
      const auto end = std::partition(first, first + static_cast<std::ptrdiff_t>(size),
                                      [&](const Candidate& c) { return c.logit >= threshold; });
      size = std::max<size_t>(static_cast<size_t>(end - first), 1);
      sorted = 0;
    }
  }

  // The draw walks the candidates in rank order so the result does not depend on how the
  // earlier stages happened to leave them.
  if (sorted < size) std::sort(first, first + static_cast<std::ptrdiff_t>(size), cmp);

  // temperature, softmax, draw.
  const double inv_temperature = 1.0 / double(params_.temperature);
  weights_.resize(size);
  double total = 0.0;
  for (size_t i = 0; i < size; ++i) {
    weights_[i] = std::exp((double(first[i].logit) - max_logit) * inv_temperature);
    total += weights_[i];
  }
  total_weight_ = total;
  return size;
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
  for (size_t i = 0; i < size; ++i) {
    out[i] = {candidates_[i].id, weights_[i] / total_weight_};
  }
  return out;
}

}  // namespace braid::model
