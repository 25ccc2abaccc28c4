// Helpers shared by the audio encoder tests: deterministic features, a scheduler on one backend,
// and the relative error used against the golden files.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "braid/audio/features.h"
#include "braid/plugins/scheduler.h"
#include "op_runner.h"

namespace braid::test {

/// Features from splitmix64, exactly as tests/scripts/make_audio_encoder_goldens.py makes them:
/// value = (next() >> 40) * 2^-24 * 2 - 1, row-major [n_mel, n_frames].
inline audio::MelFeatures splitmix_features(uint64_t seed, int32_t n_mel, int32_t n_frames) {
  audio::MelFeatures f;
  f.n_mel = n_mel;
  f.n_frames = n_frames;
  f.values.resize(static_cast<size_t>(n_mel) * static_cast<size_t>(n_frames));
  uint64_t state = seed;
  for (float& v : f.values) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    v = static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
  return f;
}

/// max |got - want| / max |want|: the error relative to the output's scale (the metric the
/// golden tests bound by 1e-4). Infinity when the sizes differ or a value is not finite.
inline double relative_max_error(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size() || want.empty()) return INFINITY;
  double max_diff = 0.0, max_want = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    max_diff = std::max(max_diff, std::abs(double(got[i]) - double(want[i])));
    max_want = std::max(max_want, std::abs(double(want[i])));
  }
  return max_want > 0.0 ? max_diff / max_want : max_diff;
}

/// A scheduler on backend `name` first, then the reference backend for the ops `name` declines
/// (as braid runs models), or nullptr (and a skip reason) when either is not built.
inline std::unique_ptr<plugins::Scheduler> scheduler_on(const std::string& name, std::string* why) {
  plugins::Device* device = backend_device(name, why);
  plugins::Device* reference = backend_device("reference", why);
  if (!device || !reference) return nullptr;
  std::vector<plugins::Device*> devices{device};
  if (device != reference) devices.push_back(reference);
  auto scheduler = plugins::Scheduler::create(devices);
  if (!scheduler.ok()) {
    *why = scheduler.status().to_string();
    return nullptr;
  }
  return std::move(scheduler.value());
}

}  // namespace braid::test
