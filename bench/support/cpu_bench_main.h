// The end of every cpu kernel benchmark's main(): records which instruction-set path and CPU
// features the run used (in the JSON context), then runs what was registered.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

#include "braid/cpu/cpu_features.h"

namespace braid::bench {

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
