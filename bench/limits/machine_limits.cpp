// The measuring loops behind braid::bench::measure_limits, moved here from the
// braid_machine_limits tool so that `braid bench` measures exactly as the tool does:
//   - read bandwidth from DRAM (a large array, read once per pass) and from a 32 MiB working set;
//   - peak f32 FMA throughput (zmm on AVX-512, ymm on AVX2) and peak int8 dot throughput
//     (vpdpbusd zmm with VNNI; vpmaddubsw + vpmaddwd ymm on AVX2).
// Every figure is the median of several passes.
// Counting: an FMA is 2 FLOP; a vpdpbusd zmm is 64 multiplies + 64 adds = 128 int8 ops.
// GCC 12 warns "(may be) used uninitialized" inside its own AVX-512 intrinsics (the deliberately
// undefined pass-through operand, GCC bug 105593); silence it for the intrinsic headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "braid/bench/machine_limits.h"
#include "braid/cpu/cpu_features.h"

namespace braid::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- bandwidth ---------------------------------------------------------------------------------

__attribute__((target("avx512f"))) uint64_t read_avx512(const uint8_t* p, size_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 256 <= bytes; i += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 192));
  }
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3))));
}

__attribute__((target("avx2"))) uint64_t read_avx2(const uint8_t* p, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 128 <= bytes; i += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

volatile uint64_t g_sink = 0;

// GB/s reading `bytes` at p with `threads` threads (each a contiguous share), median of reps.
double read_bandwidth(const uint8_t* p, size_t bytes, int threads, int reps, bool avx512) {
  std::vector<double> rates;
  for (int r = 0; r < reps + 1; ++r) {
    const auto start = Clock::now();
    uint64_t total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      const size_t nt = static_cast<size_t>(omp_get_num_threads());
      const size_t t = static_cast<size_t>(omp_get_thread_num());
      const size_t share = bytes / nt / 4096 * 4096;
      const uint8_t* begin = p + t * share;
      total += avx512 ? read_avx512(begin, share) : read_avx2(begin, share);
    }
    const double s = seconds_since(start);
    g_sink = g_sink + total;
    if (r > 0) rates.push_back(static_cast<double>(bytes / 4096 * 4096) / s / 1e9);  // r = 0 warms
  }
  return median(rates);
}

// ---- compute peaks ------------------------------------------------------------------------------

// About 50 ms per pass at peak; the first two passes are discarded (clock ramp-up after idle).
constexpr int64_t kPeakIterations = 80'000'000;

// 16 independent accumulators cover 4 cycles of latency on 2 FMA ports twice over.
__attribute__((target("avx512f"))) double fma_avx512(int64_t iterations) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  g_sink = g_sink + static_cast<uint64_t>(_mm512_reduce_add_ps(s));
  return static_cast<double>(iterations) * 16 * 16 * 2;
}

__attribute__((target("avx2,fma"))) double fma_avx2(int64_t iterations) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  g_sink = g_sink + static_cast<uint64_t>(lanes[0]);
  return static_cast<double>(iterations) * 12 * 8 * 2;
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) double vnni_avx512(int64_t iterations) {
  __m512i acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  }
  __m512i s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_epi32(s, acc[i]);
  g_sink = g_sink + static_cast<uint64_t>(_mm512_reduce_add_epi32(s));
  return static_cast<double>(iterations) * 16 * 64 * 2;
}

// The AVX2 int8 dot as the kernels do it: vpmaddubsw + vpmaddwd + vpaddd per 32 products.
__attribute__((target("avx2"))) double int8_avx2(int64_t iterations) {
  __m256i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm256_set1_epi32(i);
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 8; ++i) {
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
    }
  }
  __m256i s = acc[0];
  for (int i = 1; i < 8; ++i) s = _mm256_add_epi32(s, acc[i]);
  g_sink = g_sink + static_cast<uint64_t>(_mm256_extract_epi32(s, 0));
  return static_cast<double>(iterations) * 8 * 32 * 2;
}

// Giga-operations per second of `kernel` on `threads` threads, median of reps.
double peak(double (*kernel)(int64_t), int threads, int reps, double scale) {
  std::vector<double> rates;
  for (int r = 0; r < reps + 2; ++r) {
    double ops = 0;
    const auto start = Clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : ops)
    ops += kernel(std::max<int64_t>(1000, static_cast<int64_t>(kPeakIterations / 4 * scale)));
    const double s = seconds_since(start);
    if (r > 1) rates.push_back(ops / s / 1e9);
  }
  return median(rates);
}

}  // namespace

std::string limits_isa() {
  const cpu::Isa isa = cpu::best_supported_isa();
  if (isa == cpu::Isa::None) return "";
  return isa == cpu::Isa::Avx512 ? "avx512" : "avx2";
}

std::string limits_int8_instruction() {
  return cpu::best_supported_isa() == cpu::Isa::Avx512 ? "vpdpbusd zmm" : "vpmaddubsw+vpmaddwd ymm";
}

bool measure_limits(int threads, const LimitsOptions& options, LimitsAt* out) {
  const cpu::Isa isa = cpu::best_supported_isa();
  if (isa == cpu::Isa::None || threads < 1) return false;
  const bool avx512 = isa == cpu::Isa::Avx512;
  const int reps = std::max(1, options.reps);
  const auto dram_bytes = static_cast<size_t>(options.dram_gib * (1u << 30)) / 4096 * 4096;
  const size_t l3_bytes = size_t{32} << 20;
  const size_t alloc_bytes = std::max(dram_bytes, l3_bytes);
  auto* dram = static_cast<uint8_t*>(std::aligned_alloc(4096, alloc_bytes));
  if (dram == nullptr) return false;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t i = 0; i < alloc_bytes; i += 4096)
    std::memset(dram + i, static_cast<int>(i >> 12), 4096);
  LimitsAt limits;
  limits.threads = threads;
  limits.dram_read_gbps = read_bandwidth(dram, dram_bytes, threads, reps, avx512);
  if (options.measure_l3) {
    limits.read_32mib_gbps = read_bandwidth(dram, l3_bytes, threads, reps * 4, avx512);
  }
  std::free(dram);
  limits.f32_gflops = peak(avx512 ? fma_avx512 : fma_avx2, threads, reps, options.peak_scale);
  limits.int8_gops = peak(avx512 ? vnni_avx512 : int8_avx2, threads, reps, options.peak_scale);
  *out = limits;
  return true;
}

}  // namespace braid::bench
