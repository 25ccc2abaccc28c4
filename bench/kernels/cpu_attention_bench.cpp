// cpu::attention at the shapes of real models, on 1 and 2 threads:
//  - decode: one query (and 4: speculative decoding) over an F16 KV cache of 512 … 16384 rows,
//    Llama-3.2-1B (32 heads, 8 KV heads of 64) and Llama-3.1-8B (32 / 8 of 128). The benchmark
//    rotates over copies of the cache filling >= 1 GiB, as a model's layers would, so the cache
//    streams from DRAM. bytes_per_second counts the K and V bytes read: compare with
//    braid_machine_limits' dram_read_gbps.
//  - prefill: n_q = n_kv = 512 causal (Llama-3.2-1B), CLIP ViT-L/14-336 (577 tokens, 16 heads of
//    64, not causal) and Whisper-large-v3's encoder (1500 frames, 20 heads of 64). flops/s counts
//    the 4·head_dim multiply-adds per (query, visible key, head) pair: compare with f32_fma_gflops.
//
//   build/bin/braid_cpu_attention_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=attention.json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "braid/core/half.h"
#include "braid/cpu/attention.h"
#include "braid/cpu/cpu_features.h"
#include "cpu_bench_support.h"

namespace {

namespace cpu = braid::cpu;

// Bytes of weights (or caches) a benchmark rotates over: 1 GiB, or BRAID_BENCH_WORKING_SET_MB
// (set it small to see the same kernel fed from cache).
int64_t working_set_bytes() {
  const char* env = std::getenv("BRAID_BENCH_WORKING_SET_MB");
  const int64_t mb = env != nullptr ? std::max<int64_t>(1, std::atoll(env)) : 1024;
  return mb << 20;
}

struct Model {
  const char* name;
  int64_t n_head, n_head_kv, head_dim;
};

constexpr Model kLlama1B{"llama3.2_1b", 32, 8, 64};
constexpr Model kLlama8B{"llama3.1_8b", 32, 8, 128};

std::vector<uint16_t> random_halves(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<uint16_t> v(static_cast<size_t>(n));
  for (auto& x : v) x = braid::core::f32_to_fp16(normal(rng));
  return v;
}

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

void decode_bench(benchmark::State& state, Model model) {
  const int64_t n_kv = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const int64_t n_q = state.range(2);
  const int64_t row = model.n_head_kv * model.head_dim;  // halves per cache row
  const int64_t cache = n_kv * row;
  // One buffer holding K then V for every copy; kept while consecutive benchmarks share the size.
  static std::vector<uint16_t> caches;
  static int64_t cached_size = 0;
  const int64_t copies = std::max<int64_t>(1, working_set_bytes() / (2 * cache * 2));
  if (cached_size != cache) {
    const auto one = random_halves(2 * cache, 1);
    caches.assign(static_cast<size_t>(copies * 2 * cache), 0);
    for (int64_t c = 0; c < copies; ++c) {
      std::copy(one.begin(), one.end(), caches.begin() + c * 2 * cache);
    }
    cached_size = cache;
  }
  const auto q = random_floats(n_q * model.n_head * model.head_dim, 2);
  std::vector<float> out(q.size());
  std::vector<int32_t> positions;
  for (int64_t i = 0; i < n_q; ++i) positions.push_back(static_cast<int32_t>(n_kv - n_q + i));
  cpu::AttentionArgs a;
  a.n_q = n_q;
  a.n_kv = n_kv;
  a.n_head = model.n_head;
  a.n_head_kv = model.n_head_kv;
  a.head_dim = a.head_dim_v = model.head_dim;
  a.q = q.data();
  a.q_stride = model.n_head * model.head_dim;
  a.k_stride = a.v_stride = row;
  a.k_head_stride = a.v_head_stride = model.head_dim;
  a.out = out.data();
  a.out_stride = a.q_stride;
  a.scale = 1.0f / std::sqrt(static_cast<float>(model.head_dim));
  a.causal = true;
  a.positions = positions.data();
  int64_t next = 0;
  for (auto _ : state) {
    a.k = caches.data() + next * 2 * cache;
    a.v = a.k + cache;
    next = (next + 1) % copies;
    const auto status = cpu::attention(a, threads);
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * cache * 2);
}

struct Prefill {
  const char* name;
  int64_t n, n_head, n_head_kv, head_dim;
  bool causal;
};

constexpr Prefill kPrefills[] = {
    {"llama3.2_1b/prefill512", 512, 32, 8, 64, true},
    {"clip_vit_l14_336", 577, 16, 16, 64, false},
    {"whisper_large_v3_enc", 1500, 20, 20, 64, false},
};

void prefill_bench(benchmark::State& state, Prefill p) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t row = p.n_head_kv * p.head_dim;
  const auto k = random_halves(p.n * row, 3);
  const auto v = random_halves(p.n * row, 4);
  const auto q = random_floats(p.n * p.n_head * p.head_dim, 5);
  std::vector<float> out(q.size());
  std::vector<int32_t> positions;
  for (int64_t i = 0; i < p.n; ++i) positions.push_back(static_cast<int32_t>(i));
  cpu::AttentionArgs a;
  a.n_q = a.n_kv = p.n;
  a.n_head = p.n_head;
  a.n_head_kv = p.n_head_kv;
  a.head_dim = a.head_dim_v = p.head_dim;
  a.q = q.data();
  a.q_stride = a.out_stride = p.n_head * p.head_dim;
  a.k = k.data();
  a.v = v.data();
  a.k_stride = a.v_stride = row;
  a.k_head_stride = a.v_head_stride = p.head_dim;
  a.out = out.data();
  a.scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim));
  a.causal = p.causal;
  a.positions = positions.data();
  for (auto _ : state) {
    const auto status = cpu::attention(a, threads);
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double pairs = p.causal ? p.n * (p.n + 1) / 2.0 : static_cast<double>(p.n) * p.n;
  state.counters["flops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * pairs *
                             static_cast<double>(p.n_head) * 4.0 * static_cast<double>(p.head_dim),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

}  // namespace

int main(int argc, char** argv) {
  for (const Model& model : {kLlama1B, kLlama8B}) {
    benchmark::RegisterBenchmark((std::string("attention_decode/") + model.name).c_str(),
                                 decode_bench, model)
        ->ArgNames({"n_kv", "threads", "n_q"})
        ->ArgsProduct({{512, 4096, 16384}, {1, 2}, {1, 4}})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  for (const Prefill& p : kPrefills) {
    benchmark::RegisterBenchmark((std::string("attention_prefill/") + p.name).c_str(),
                                 prefill_bench, p)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  return braid::bench::run_cpu_benchmarks(argc, argv);
}
