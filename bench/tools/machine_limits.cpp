// braid_machine_limits: measures the limits the CPU kernels are judged against and prints them as
// JSON, so every benchmark figure can be quoted as a fraction of what this machine can do:
//   - read bandwidth from DRAM (a 2 GiB array, read once per pass) with 1 and 2 threads, and from
//     a 32 MiB working set (what a cache-resident benchmark would see);
//   - peak f32 FMA throughput and peak int8 dot throughput, 1 and 2 threads.
// The loops live in bench/limits (braid_limits), shared with `braid bench`. Every figure is the
// median of several passes. Run it on an otherwise idle machine:
//   build/bin/braid_machine_limits [--dram-gib 2] [--reps 7] > limits.json
#include "braid/bench/machine_limits.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "braid/cpu/cpu_features.h"

int main(int argc, char** argv) {
  braid::bench::LimitsOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dram-gib") == 0) options.dram_gib = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--reps") == 0) options.reps = std::max(1, std::atoi(argv[i + 1]));
  }
  const std::string isa = braid::bench::limits_isa();
  if (isa.empty()) {
    std::fprintf(stderr, "braid_machine_limits: this CPU lacks AVX2/FMA\n");
    return 1;
  }
  const int cores = braid::cpu::cpu_features().physical_cores;
  const int two = std::min(2, cores);
  braid::bench::LimitsAt one_thread, two_threads;
  if (!braid::bench::measure_limits(1, options, &one_thread) ||
      !braid::bench::measure_limits(two, options, &two_threads)) {
    std::fprintf(stderr, "braid_machine_limits: cannot allocate the %.1f GiB array\n",
                 options.dram_gib);
    return 1;
  }
  const auto dram_bytes = static_cast<size_t>(options.dram_gib * (1u << 30)) / 4096 * 4096;
  std::printf("{\n");
  std::printf("  \"isa\": \"%s\",\n",
              std::string(braid::cpu::isa_name(braid::cpu::best_supported_isa())).c_str());
  std::printf("  \"features\": \"%s\",\n", braid::cpu::cpu_feature_string().c_str());
  std::printf("  \"physical_cores\": %d,\n", cores);
  std::printf("  \"threads_measured\": [1, %d],\n", two);
  std::printf("  \"dram_array_bytes\": %zu,\n", dram_bytes);
  std::printf("  \"dram_read_gbps\": {\"1\": %.2f, \"%d\": %.2f},\n", one_thread.dram_read_gbps,
              two, two_threads.dram_read_gbps);
  std::printf("  \"read_32mib_gbps\": {\"1\": %.2f, \"%d\": %.2f},\n", one_thread.read_32mib_gbps,
              two, two_threads.read_32mib_gbps);
  std::printf("  \"f32_fma_gflops\": {\"1\": %.1f, \"%d\": %.1f},\n", one_thread.f32_gflops, two,
              two_threads.f32_gflops);
  std::printf("  \"int8_dot_gops\": {\"1\": %.1f, \"%d\": %.1f},\n", one_thread.int8_gops, two,
              two_threads.int8_gops);
  std::printf("  \"int8_instruction\": \"%s\"\n", braid::bench::limits_int8_instruction().c_str());
  std::printf("}\n");
  return 0;
}
