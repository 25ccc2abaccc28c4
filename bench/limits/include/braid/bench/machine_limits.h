// The limits a benchmark figure is quoted against: DRAM read bandwidth and peak f32 / int8
// compute throughput of this CPU, measured with hand-written loops (see machine_limits.cpp).
// Used by bench/tools/machine_limits.cpp (the full measurement) and `braid bench` (a short one).
#pragma once

#include <cstddef>
#include <string>

namespace braid::bench {

struct LimitsOptions {
  double dram_gib = 2.0;  ///< size of the array read from DRAM (well above the last-level cache)
  int reps = 7;           ///< passes per figure (the median is kept)
  /// Fraction of the full compute loop length each pass runs (1: ~50 ms per pass; the short
  /// measurement uses less).
  double peak_scale = 1.0;
  bool measure_l3 = true;  ///< also the 32 MiB working-set read rate
};

/// Figures at one thread count. Bandwidths in GB/s (1e9 bytes), peaks in GFLOP/s and GOP/s
/// (an FMA is 2 FLOP; an int8 multiply-add 2 ops).
struct LimitsAt {
  int threads = 0;
  double dram_read_gbps = 0;
  double read_32mib_gbps = 0;  ///< 0 when not measured
  double f32_gflops = 0;
  double int8_gops = 0;
};

/// "avx512" / "avx2"; empty when the CPU lacks AVX2+FMA (nothing can be measured then).
std::string limits_isa();
/// The int8 instruction sequence the peak is measured with.
std::string limits_int8_instruction();

/// Measures every figure at `threads` threads. Returns false (and leaves `out` alone) when the
/// CPU lacks AVX2+FMA or the DRAM array cannot be allocated.
bool measure_limits(int threads, const LimitsOptions& options, LimitsAt* out);

}  // namespace braid::bench
