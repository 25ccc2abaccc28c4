#include "bench_text.h"

#include <chrono>
#include <random>

namespace braid::app {
namespace {

using Clock = std::chrono::steady_clock;

int64_t elements(const model::WeightRef& w) {
  if (!w.present()) return 0;
  int64_t n = 1;
  for (int64_t d : w.shape) n *= d;
  return n;
}

// Elements of the matrices one row goes through in the layers (norms and biases are noise).
int64_t layer_matrix_elements(const model::Model& model) {
  int64_t n = 0;
  for (const auto& l : model.layers()) {
    n += elements(l.wq) + elements(l.wk) + elements(l.wv) + elements(l.wo);
    n += elements(l.w_gate) + elements(l.w_up) + elements(l.w_down);
  }
  return n;
}

std::vector<int32_t> random_tokens(std::mt19937& rng, int64_t n_vocab, int64_t n) {
  std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(n_vocab - 1));
  std::vector<int32_t> tokens(static_cast<size_t>(n));
  for (auto& t : tokens) t = pick(rng);
  return tokens;
}

core::Status eval_tokens(model::Decoder& decoder, const std::vector<int32_t>& tokens) {
  if (tokens.empty()) return core::Status();
  const model::PromptChunk chunk = model::TokenChunk{tokens};
  BRAID_ASSIGN_OR_RETURN(auto logits, decoder.eval({&chunk, 1}));
  (void)logits;
  return core::Status();
}

// One run of the test from the saved depth; returns its seconds (depth filling excluded).
core::Result<double> run_once(model::Decoder& decoder,
                              const model::KvSnapshot* depth,
                              const TextTest& test,
                              std::mt19937& rng) {
  decoder.clear();
  if (depth != nullptr) BRAID_TRY(decoder.load_state(*depth));
  const auto prompt = random_tokens(rng, decoder.n_vocab(), test.n_prompt);
  const auto gen = random_tokens(rng, decoder.n_vocab(), test.n_gen);
  const auto start = Clock::now();
  BRAID_TRY(eval_tokens(decoder, prompt));
  for (int32_t token : gen) {
    BRAID_ASSIGN_OR_RETURN(auto logits, decoder.eval_token(token));
    (void)logits;
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::string TextTest::name() const {
  std::string s;
  if (n_prompt > 0) s = "pp" + std::to_string(n_prompt);
  if (n_gen > 0) s += (s.empty() ? "tg" : "+tg") + std::to_string(n_gen);
  if (n_depth > 0) s += " @ d" + std::to_string(n_depth);
  return s;
}

core::Result<Timing> run_text_test(model::Decoder& decoder,
                                   const TextTest& test,
                                   int reps,
                                   uint32_t seed) {
  std::mt19937 rng(seed);
  std::optional<model::KvSnapshot> depth;
  if (test.n_depth > 0) {
    decoder.clear();
    BRAID_TRY(eval_tokens(decoder, random_tokens(rng, decoder.n_vocab(), test.n_depth)));
    BRAID_ASSIGN_OR_RETURN(depth, decoder.save_state());
  }
  const model::KvSnapshot* snapshot = depth ? &*depth : nullptr;
  // Warm-up as llama-bench does it: the full prompt batch (compiles its graph), one decode step.
  TextTest warm = test;
  warm.n_gen = test.n_gen > 0 ? 1 : 0;
  BRAID_ASSIGN_OR_RETURN(double warm_seconds, run_once(decoder, snapshot, warm, rng));
  (void)warm_seconds;
  Timing timing;
  for (int r = 0; r < reps; ++r) {
    BRAID_ASSIGN_OR_RETURN(double s, run_once(decoder, snapshot, test, rng));
    timing.seconds.push_back(s);
  }
  decoder.clear();
  return timing;
}

uint64_t text_bytes_per_token(const model::Model& model) {
  uint64_t bytes = model.weight_bytes();
  if (!model.tied()) {
    // An untied token_embd is only looked up: one row per token, not the whole matrix.
    const auto& e = model.token_embd();
    if (!e.shape.empty() && e.shape[0] > 0) bytes -= e.data.size() - e.data.size() / e.shape[0];
  }
  return bytes;
}

uint64_t text_kv_bytes_read(const model::Decoder& decoder, int64_t pos) {
  const auto& kv = decoder.kv_layout();
  return 2 * static_cast<uint64_t>(kv.n_layer) * kv.row_bytes() * static_cast<uint64_t>(pos);
}

double text_prefill_flops(const model::Model& model, int64_t start, int64_t n) {
  const auto& c = model.config();
  const double rows = static_cast<double>(n);
  double flops = 2.0 * static_cast<double>(layer_matrix_elements(model)) * rows;
  // Scores and weighted sums: row i (at position start + i) sees start + i + 1 positions.
  const double seen = rows * static_cast<double>(start) + rows * (rows + 1) / 2;
  flops += 4.0 * static_cast<double>(c.n_layer * c.n_head * c.head_dim) * seen;
  flops += 2.0 * static_cast<double>(elements(model.output()));  // the last row's logits
  return flops;
}

}  // namespace braid::app
