// Baseline throughput of the reference conversions in quant.h (scalar, untuned): what optimized
// CPU/GPU dequantization kernels will be compared against.
//
//   build/bin/braid_quant_bench --benchmark_out=quant.json
//
// bytes_per_second counts the packed bytes read plus the f32 bytes written (memory traffic);
// values/s allows comparing types of different density.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/quant.h"

namespace {

using braid::core::DType;

// 2^20 values: 4 MiB of f32, 0.5–4 MiB packed, about the size of one Llama-3-8B weight row group
// (ffn_down of a 4096-wide model is 4096 × 14336 ≈ 56 such chunks).
constexpr int64_t kValues = int64_t{1} << 20;

constexpr DType kTypes[] = {DType::F16,  DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1,
                            DType::Q5_0, DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};

std::vector<float> gaussian(int64_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);  // weight-like magnitudes
  std::vector<float> values(static_cast<size_t>(n));
  for (auto& v : values) v = normal(rng);
  return values;
}

void set_counters(benchmark::State& state, int64_t packed_bytes, int64_t n_values) {
  state.SetBytesProcessed(state.iterations() * (packed_bytes + n_values * int64_t{sizeof(float)}));
  state.counters["values/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * n_values), benchmark::Counter::kIsRate);
}

void dequantize_bench(benchmark::State& state, DType dtype, int64_t n_values) {
  const auto packed_bytes = static_cast<int64_t>(*braid::core::dtype_row_bytes(dtype, n_values));
  std::vector<uint8_t> packed(static_cast<size_t>(packed_bytes));
  const auto src = gaussian(n_values);
  if (!braid::core::quantize_row(dtype, src.data(), packed.data(), n_values).is_ok()) {
    state.SkipWithError("quantize_row failed");
    return;
  }
  std::vector<float> dst(static_cast<size_t>(n_values));
  for (auto _ : state) {
    auto status = braid::core::dequantize_row(dtype, packed.data(), dst.data(), n_values);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, packed_bytes, n_values);
}

// Quantization (the K-quants' scale search especially) is far slower, so it runs on 1/16th.
void quantize_bench(benchmark::State& state, DType dtype, int64_t n_values) {
  const auto packed_bytes = static_cast<int64_t>(*braid::core::dtype_row_bytes(dtype, n_values));
  std::vector<uint8_t> packed(static_cast<size_t>(packed_bytes));
  const auto src = gaussian(n_values);
  for (auto _ : state) {
    auto status = braid::core::quantize_row(dtype, src.data(), packed.data(), n_values);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(packed.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, packed_bytes, n_values);
}

}  // namespace

int main(int argc, char** argv) {
  for (DType dtype : kTypes) {
    const std::string name(braid::core::dtype_name(dtype));
    benchmark::RegisterBenchmark(("dequantize_row/" + name).c_str(), dequantize_bench, dtype,
                                 kValues)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("quantize_row/" + name).c_str(), quantize_bench, dtype,
                                 kValues / 16)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
