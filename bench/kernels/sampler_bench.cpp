// Sampling one token from a Llama 3 sized vocabulary (128256 logits): the per-token cost the
// sampler adds to generation, for the stage settings users actually pick.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "braid/model/sampler.h"

namespace {

constexpr int kVocab = 128256;

// Logits shaped like a language model's: a few strong candidates over a broad low tail.
std::vector<float> make_logits() {
  std::mt19937 gen(11);
  std::normal_distribution<float> tail(0.0f, 2.0f);
  std::vector<float> logits(kVocab);
  for (float& x : logits) x = tail(gen);
  for (int i = 0; i < 20; ++i) logits[(i * 7919) % kVocab] = 12.0f - 0.3f * i;
  return logits;
}

void run(benchmark::State& state, braid::model::SamplingParams params) {
  const std::vector<float> logits = make_logits();
  params.repeat_penalty = 1.1f;  // with 64 accepted tokens, as llama.cpp users often set
  braid::model::Sampler sampler(params);
  for (int i = 0; i < 64; ++i) sampler.accept((i * 131) % kVocab);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample(logits));
  state.SetItemsProcessed(state.iterations());  // tokens
  state.SetBytesProcessed(state.iterations() * int64_t{kVocab} * 4);
}

void BM_Greedy(benchmark::State& state) {
  braid::model::SamplingParams p;
  p.temperature = 0.0f;
  run(state, p);
}
void BM_DefaultChain(benchmark::State& state) { run(state, {}); }  // top-k 40, top-p, min-p
void BM_TopPOnly(benchmark::State& state) {
  braid::model::SamplingParams p;
  p.top_k = 0;
  p.min_p = 0.0f;
  run(state, p);
}
void BM_MinPOnly(benchmark::State& state) {
  braid::model::SamplingParams p;
  p.top_k = 0;
  p.top_p = 1.0f;
  run(state, p);
}

BENCHMARK(BM_Greedy)->Name("/llama3_vocab/greedy");
BENCHMARK(BM_DefaultChain)->Name("/llama3_vocab/default_chain");
BENCHMARK(BM_TopPOnly)->Name("/llama3_vocab/top_p_only");
BENCHMARK(BM_MinPOnly)->Name("/llama3_vocab/min_p_only");

}  // namespace

BENCHMARK_MAIN();
