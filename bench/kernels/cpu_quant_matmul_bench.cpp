// Decode-time quantized matmul (cpu::quant_matmul) at the weight shapes of real models, for each
// weight type, both layouts (GGUF rows and repacked tiles), 1 and 2 threads, M = 1 (one token)
// and M = 4 (a few tokens: speculative decoding, small batches); and the same for F16 and BF16
// weights read in place (cpu::half_gemv, "half_gemv/..." benchmarks).
//
//   build/bin/braid_cpu_quant_matmul_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=quant_matmul.json
//
// Each benchmark rotates over copies of its weight matrix filling >= 1 GiB, so the weights stream
// from DRAM as in a real model (one cached matrix would measure the cache). A timed call includes
// quantizing the activations. Counters:
//   bytes_per_second  weight bytes read (the layout's own size) per second: compare with
//                     braid_machine_limits' dram_read_gbps;
//   gguf_bytes/s      the same in GGUF bytes (what a model file's size predicts);
//   flops/s           2·M·N·K per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/half.h"
#include "braid/cpu/cpu_features.h"
#include "braid/cpu/half_gemv.h"
#include "braid/cpu/quant_matmul.h"
#include "cpu_bench_support.h"

namespace {

using braid::core::DType;
namespace cpu = braid::cpu;

// Bytes of weights (or caches) a benchmark rotates over: 1 GiB, or BRAID_BENCH_WORKING_SET_MB
// (set it small to see the same kernel fed from cache).
int64_t working_set_bytes() {
  const char* env = std::getenv("BRAID_BENCH_WORKING_SET_MB");
  const int64_t mb = env != nullptr ? std::max<int64_t>(1, std::atoll(env)) : 1024;
  return mb << 20;
}

struct Shape {
  const char* name;
  int64_t n, k;
};

// Llama-3.2-1B (hidden 2048, FFN 8192, 8 KV heads of 64) and Llama-3.1-8B (4096, 14336, 8 × 128).
constexpr Shape kShapes[] = {
    {"llama3.2_1b/attn_q", 2048, 2048},  {"llama3.2_1b/attn_kv", 512, 2048},
    {"llama3.2_1b/ffn_up", 8192, 2048},  {"llama3.2_1b/ffn_down", 2048, 8192},
    {"llama3.1_8b/attn_q", 4096, 4096},  {"llama3.1_8b/attn_kv", 1024, 4096},
    {"llama3.1_8b/ffn_up", 14336, 4096}, {"llama3.1_8b/ffn_down", 4096, 14336},
};

constexpr DType kTypes[] = {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q5_K, DType::Q6_K};

struct AlignedFree {
  void operator()(uint8_t* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<uint8_t, AlignedFree>;

Buffer aligned_buffer(int64_t bytes) {
  return Buffer(
      static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>((bytes + 63) / 64 * 64))));
}

// Random blocks with finite scales: the speed does not depend on the values.
std::vector<uint8_t> random_gguf(DType dtype, int64_t n, int64_t k) {
  const auto& info = braid::core::dtype_info(dtype);
  const int64_t bytes = static_cast<int64_t>(*braid::core::dtype_row_bytes(dtype, k)) * n;
  std::vector<uint8_t> data(static_cast<size_t>(bytes));
  std::mt19937 rng(1);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const uint16_t scale = braid::core::f32_to_fp16(0.001f);
  for (int64_t off = 0; off < bytes; off += info.block_bytes) {
    if (dtype == DType::Q6_K) {
      std::memcpy(&data[off + info.block_bytes - 2], &scale, 2);
    } else {
      std::memcpy(&data[off], &scale, 2);
      if (dtype == DType::Q4_K || dtype == DType::Q5_K) std::memcpy(&data[off + 2], &scale, 2);
    }
  }
  return data;
}

// The copies one benchmark rotates over; kept while consecutive benchmarks share the key.
struct WorkingSet {
  std::string key;
  std::vector<Buffer> copies;
  int64_t copy_bytes = 0;
  int64_t gguf_bytes = 0;
};

WorkingSet& working_set(DType dtype, const Shape& shape, bool repacked) {
  static WorkingSet set;
  const std::string key =
      std::string(braid::core::dtype_name(dtype)) + shape.name + (repacked ? "/repacked" : "/gguf");
  if (set.key == key) return set;
  set = WorkingSet{};
  const auto gguf = random_gguf(dtype, shape.n, shape.k);
  set.gguf_bytes = static_cast<int64_t>(gguf.size());
  Buffer first;
  if (repacked) {
    set.copy_bytes = *cpu::repacked_bytes(dtype, shape.n, shape.k);
    first = aligned_buffer(set.copy_bytes);
    const cpu::GgufMatrix src{dtype, shape.n, shape.k, gguf.data(), set.gguf_bytes / shape.n};
    if (!cpu::repack_weights(src, first.get()).is_ok()) std::abort();
  } else {
    set.copy_bytes = set.gguf_bytes;
    first = aligned_buffer(set.copy_bytes);
    std::memcpy(first.get(), gguf.data(), gguf.size());
  }
  const int64_t count = (working_set_bytes() + set.copy_bytes - 1) / set.copy_bytes;
  set.copies.push_back(std::move(first));
  for (int64_t i = 1; i < count; ++i) {
    set.copies.push_back(aligned_buffer(set.copy_bytes));
    std::memcpy(set.copies.back().get(), set.copies.front().get(),
                static_cast<size_t>(set.copy_bytes));
  }
  set.key = key;
  return set;
}

void quant_matmul_bench(benchmark::State& state, DType dtype, Shape shape, bool repacked) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t m = state.range(1);
  WorkingSet& set = working_set(dtype, shape, repacked);
  std::vector<float> x(static_cast<size_t>(m * shape.k));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (auto& v : x) v = normal(rng);
  std::vector<float> y(static_cast<size_t>(m * shape.n));
  cpu::ActivationBuffer buffer;
  (void)buffer.reserve(m, shape.k);
  size_t next = 0;
  for (auto _ : state) {
    const uint8_t* data = set.copies[next].get();
    next = (next + 1) % set.copies.size();
    auto a = buffer.quantize(x.data(), m, shape.k, shape.k, threads);
    braid::core::Status status;
    if (repacked) {
      status = cpu::quant_matmul(cpu::RepackedView{dtype, shape.n, shape.k, data}, *a, nullptr,
                                 y.data(), shape.n, threads);
    } else {
      status = cpu::quant_matmul(
          cpu::GgufMatrix{dtype, shape.n, shape.k, data, set.gguf_bytes / shape.n}, *a, nullptr,
          y.data(), shape.n, threads);
    }
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * set.copy_bytes);
  state.counters["gguf_bytes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * set.gguf_bytes),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.counters["flops/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(m * shape.n * shape.k),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// F16/BF16 weights read in place; the values (every weight 0.001 after random_gguf's "scale"
// writes, as each half is its own block) do not change the speed.
void half_gemv_bench(benchmark::State& state, DType dtype, Shape shape) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t m = state.range(1);
  WorkingSet& set = working_set(dtype, shape, /*repacked=*/false);
  std::vector<float> x(static_cast<size_t>(m * shape.k), 0.5f);
  std::vector<float> y(static_cast<size_t>(m * shape.n));
  const cpu::HalfType type = dtype == DType::BF16 ? cpu::HalfType::BF16 : cpu::HalfType::F16;
  size_t next = 0;
  for (auto _ : state) {
    const auto* w = reinterpret_cast<const uint16_t*>(set.copies[next].get());
    next = (next + 1) % set.copies.size();
    const auto status =
        cpu::half_gemv(type, w, shape.n, shape.k, shape.k, x.data(), m, nullptr, y.data(), threads);
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * set.copy_bytes);
  state.counters["flops/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(m * shape.n * shape.k),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

}  // namespace

int main(int argc, char** argv) {
  for (DType dtype : kTypes) {
    for (const Shape& shape : kShapes) {
      for (bool repacked : {true, false}) {
        const std::string name = std::string("quant_matmul/") + shape.name + "/" +
                                 std::string(braid::core::dtype_name(dtype)) +
                                 (repacked ? "/repacked" : "/gguf");
        benchmark::RegisterBenchmark(name.c_str(), quant_matmul_bench, dtype, shape, repacked)
            ->ArgNames({"threads", "m"})
            ->ArgsProduct({{1, 2}, {1, 4}})
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  for (DType dtype : {DType::F16, DType::BF16}) {
    for (const Shape& shape : kShapes) {
      const std::string name = std::string("half_gemv/") + shape.name + "/" +
                               std::string(braid::core::dtype_name(dtype));
      benchmark::RegisterBenchmark(name.c_str(), half_gemv_bench, dtype, shape)
          ->ArgNames({"threads", "m"})
          ->ArgsProduct({{1, 2}, {1, 4}})
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return braid::bench::run_cpu_benchmarks(argc, argv);
}
