// What the cpu kernel benchmarks share: matrix-product shapes, normally distributed inputs, and
// the end of every main() (records the instruction-set path and CPU features in the JSON
// context, then runs what was registered).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "braid/cpu/cpu_features.h"

namespace braid::bench {

/// y[m, n] = x[m, k] · W[n, k]ᵀ at a real model's layer ("llama3.2_1b/prefill512/ffn_up").
struct GemmShape {
  const char* name;
  int64_t m, n, k;
};

/// n values from N(0, stddev²), the same for a given seed on every machine.
inline std::vector<float> normal_values(int64_t n, float stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

inline int run_cpu_benchmarks(int argc, char** argv) {
  benchmark::AddCustomContext("braid_cpu_isa",
                              std::string(braid::cpu::isa_name(braid::cpu::active_isa())));
  benchmark::AddCustomContext("braid_cpu_features", braid::cpu::cpu_feature_string());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace braid::bench
