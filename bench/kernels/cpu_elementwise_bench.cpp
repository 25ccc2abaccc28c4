// Norms, RoPE, softmax and element-wise ops (cpu::rms_norm … cpu::binary) at the activation
// shapes of real models, on 1 and 2 threads. These are memory-bound: bytes_per_second counts the
// f32 bytes read and written once each (inputs, weights, outputs); the activations of one layer
// fit in cache, so compare with braid_machine_limits' read_32mib_gbps rather than DRAM.
//
//   build/bin/braid_cpu_elementwise_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=elementwise.json
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "braid/cpu/cpu_features.h"
#include "braid/cpu/elementwise.h"
#include "braid/cpu/norm.h"
#include "braid/cpu/rope.h"
#include "braid/cpu/softmax.h"
#include "cpu_bench_support.h"

namespace {

namespace cpu = braid::cpu;

std::vector<float> random_values(int64_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = normal(rng);
  return v;
}

// Runs `op` (which returns a Status) and counts `bytes` per call.
void run(benchmark::State& state,
         int64_t bytes,
         const std::function<braid::core::Status(int)>& op) {
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto status = op(threads);
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}

struct Rows {
  const char* name;
  int64_t rows, n;
};

// Hidden-state shapes: Llama-3.2-1B decode (1 × 2048) and prefill (512 × 2048), Llama-3.1-8B
// decode (1 × 4096), CLIP ViT-L/14-336 (577 × 1024), Whisper-large-v3 encoder (1500 × 1280).
constexpr Rows kHidden[] = {
    {"llama3.2_1b/decode", 1, 2048},      {"llama3.2_1b/prefill512", 512, 2048},
    {"llama3.1_8b/decode", 1, 4096},      {"clip_vit_l14_336", 577, 1024},
    {"whisper_large_v3_enc", 1500, 1280},
};

void register_all() {
  for (const Rows& r : kHidden) {
    const int64_t values = r.rows * r.n;
    auto x = std::make_shared<std::vector<float>>(random_values(values));
    auto y = std::make_shared<std::vector<float>>(values);
    auto w = std::make_shared<std::vector<float>>(random_values(r.n));
    benchmark::RegisterBenchmark((std::string("rms_norm/") + r.name).c_str(),
                                 [=](benchmark::State& s) {
                                   run(s, (2 * values + r.n) * 4, [&](int t) {
                                     return cpu::rms_norm(x->data(), r.n, w->data(), y->data(), r.n,
                                                          r.rows, r.n, 1e-5f, t);
                                   });
                                 })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
    benchmark::RegisterBenchmark((std::string("layer_norm/") + r.name).c_str(),
                                 [=](benchmark::State& s) {
                                   run(s, (2 * values + 2 * r.n) * 4, [&](int t) {
                                     return cpu::layer_norm(x->data(), r.n, w->data(), w->data(),
                                                            y->data(), r.n, r.rows, r.n, 1e-5f, t);
                                   });
                                 })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
    benchmark::RegisterBenchmark((std::string("add/") + r.name).c_str(),
                                 [=](benchmark::State& s) {
                                   run(s, 3 * values * 4, [&](int t) {
                                     return cpu::binary(cpu::BinaryOp::Add, x->data(), r.n,
                                                        x->data(), r.n, y->data(), r.n, r.rows, r.n,
                                                        t);
                                   });
                                 })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }

  // FFN activations: Llama SwiGLU over the FFN width, GELU in CLIP (quick) and Whisper (exact).
  struct Act {
    const char* name;
    int64_t n;
    int kind;  // 0 swiglu, 1 silu, 2 gelu, 3 gelu_tanh, 4 quick_gelu
  };
  for (const Act& a : {Act{"swiglu/llama3.2_1b/decode", 8192, 0},
                       Act{"swiglu/llama3.2_1b/prefill512", 512 * 8192, 0},
                       Act{"silu/llama3.2_1b/prefill512", 512 * 8192, 1},
                       Act{"gelu/whisper_large_v3_enc", 1500 * 5120, 2},
                       Act{"gelu_tanh/whisper_large_v3_enc", 1500 * 5120, 3},
                       Act{"quick_gelu/clip_vit_l14_336", 577 * 4096, 4}}) {
    auto x = std::make_shared<std::vector<float>>(random_values(a.n));
    auto u = std::make_shared<std::vector<float>>(random_values(a.n));
    auto y = std::make_shared<std::vector<float>>(a.n);
    benchmark::RegisterBenchmark(
        a.name,
        [=](benchmark::State& s) {
          run(s, (a.kind == 0 ? 3 : 2) * a.n * 4, [&](int t) {
            switch (a.kind) {
              case 0:
                return cpu::swiglu(x->data(), u->data(), y->data(), a.n, t);
              case 1:
                return cpu::activation(cpu::Activation::Silu, x->data(), y->data(), a.n, t);
              case 2:
                return cpu::activation(cpu::Activation::Gelu, x->data(), y->data(), a.n, t);
              case 3:
                return cpu::activation(cpu::Activation::GeluTanh, x->data(), y->data(), a.n, t);
              default:
                return cpu::activation(cpu::Activation::QuickGelu, x->data(), y->data(), a.n, t);
            }
          });
        })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }

  // RoPE on Q (32 heads of 64 or 128), adjacent pairs as in GGUF Llama files.
  struct Rope {
    const char* name;
    int64_t tokens, heads, head_dim;
  };
  for (const Rope& r : {Rope{"rope/llama3.2_1b/decode_q", 1, 32, 64},
                        Rope{"rope/llama3.2_1b/prefill512_q", 512, 32, 64},
                        Rope{"rope/llama3.1_8b/prefill512_q", 512, 32, 128}}) {
    const int64_t values = r.tokens * r.heads * r.head_dim;
    auto x = std::make_shared<std::vector<float>>(random_values(values));
    auto pos = std::make_shared<std::vector<int32_t>>();
    for (int64_t t = 0; t < r.tokens; ++t) pos->push_back(static_cast<int32_t>(1000 + t));
    benchmark::RegisterBenchmark(
        r.name,
        [=](benchmark::State& s) {
          const cpu::RopeParams p{cpu::RopeMode::Adjacent, static_cast<int>(r.head_dim), 500000.0f,
                                  1.0f, nullptr};
          run(s, 2 * values * 4, [&](int t) {
            return cpu::rope(x->data(), x->data(), r.tokens, r.heads, r.head_dim,
                             r.heads * r.head_dim, pos->data(), p, t);
          });
        })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }

  // Softmax over attention scores: 32 heads × 512 queries × 512 keys with a causal mask row.
  {
    const int64_t rows = 32 * 512, n = 512;
    auto x = std::make_shared<std::vector<float>>(random_values(rows * n));
    auto y = std::make_shared<std::vector<float>>(rows * n);
    auto mask = std::make_shared<std::vector<float>>(n, 0.0f);
    for (int64_t i = n / 2; i < n; ++i) (*mask)[i] = -INFINITY;
    benchmark::RegisterBenchmark("softmax/llama3.2_1b/prefill512_scores",
                                 [=](benchmark::State& s) {
                                   run(s, 2 * rows * n * 4, [&](int t) {
                                     return cpu::softmax(x->data(), n, y->data(), n, rows, n,
                                                         0.125f, mask->data(), 0, t);
                                   });
                                 })
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  return braid::bench::run_cpu_benchmarks(argc, argv);
}
