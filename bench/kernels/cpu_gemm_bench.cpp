// Prefill-sized matrix products (cpu::GemmF32, cpu::GemmInt8 on oneDNN) at the shapes of real
// models: Llama-3.2-1B and Llama-3.1-8B layers over a 512-token prompt, CLIP ViT-L/14-336 (577
// tokens) and the Whisper-large-v3 encoder (1500 frames), on 1 and 2 threads.
//
//   build/bin/braid_cpu_gemm_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=gemm.json
//
// Compute-bound (each weight is used M times per call), so one weight matrix per benchmark is
// fine. Counters: flops/s = 2·M·N·K per second (int8: multiply-adds counted the same way, to
// compare with braid_machine_limits' int8_dot_gops); the label names oneDNN's implementation.
// The int8 timing includes quantizing x and the f32 epilogue.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "braid/cpu/cpu_features.h"
#include "braid/cpu/gemm.h"
#include "cpu_bench_support.h"

namespace {

namespace cpu = braid::cpu;

using Shape = braid::bench::GemmShape;

constexpr Shape kShapes[] = {
    {"llama3.2_1b/prefill512/attn_q", 512, 2048, 2048},
    {"llama3.2_1b/prefill512/ffn_up", 512, 8192, 2048},
    {"llama3.2_1b/prefill512/ffn_down", 512, 2048, 8192},
    {"llama3.1_8b/prefill512/attn_q", 512, 4096, 4096},
    {"llama3.1_8b/prefill512/ffn_up", 512, 14336, 4096},
    {"clip_vit_l14_336/attn_qkv", 577, 3072, 1024},
    {"clip_vit_l14_336/mlp_fc1", 577, 4096, 1024},
    {"clip_vit_l14_336/mlp_fc2", 577, 1024, 4096},
    {"whisper_large_v3_enc/attn_q", 1500, 1280, 1280},
    {"whisper_large_v3_enc/mlp_fc1", 1500, 5120, 1280},
    {"whisper_large_v3_enc/mlp_fc2", 1500, 1280, 5120},
};

template <typename Gemm>
void gemm_bench(benchmark::State& state, Shape shape) {
  const int threads = static_cast<int>(state.range(0));
  const auto w = braid::bench::normal_values(shape.n * shape.k, 0.02f, 1);
  auto gemm = Gemm::create(w.data(), shape.n, shape.k, shape.k, nullptr);
  if (!gemm.ok()) {
    state.SkipWithError(gemm.status().to_string().c_str());
    return;
  }
  const auto x = braid::bench::normal_values(shape.m * shape.k, 1.0f, 1);
  std::vector<float> y(static_cast<size_t>(shape.m * shape.n));
  (void)(*gemm)->run(x.data(), shape.m, y.data(), threads);  // warm: page in scratch and outputs
  for (auto _ : state) {
    const auto status = (*gemm)->run(x.data(), shape.m, y.data(), threads);
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["flops/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(shape.m) *
          static_cast<double>(shape.n) * static_cast<double>(shape.k),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.SetLabel((*gemm)->implementation());
}

}  // namespace

int main(int argc, char** argv) {
  for (const Shape& shape : kShapes) {
    benchmark::RegisterBenchmark((std::string("gemm_f32/") + shape.name).c_str(),
                                 gemm_bench<cpu::GemmF32>, shape)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("gemm_int8/") + shape.name).c_str(),
                                 gemm_bench<cpu::GemmInt8>, shape)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  return braid::bench::run_cpu_benchmarks(argc, argv);
}
