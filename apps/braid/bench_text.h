// The text tests of `braid bench`, with llama-bench's meanings: ppN runs one batch of N random
// tokens, tgN runs N single-token decode steps, ppN+tgM both; each after filling the KV cache to
// depth D (restored from a snapshot before every repetition, untimed). Tokenization and sampling
// are not part of any test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/decoder.h"

namespace braid::app {

struct TextTest {
  int64_t n_prompt = 0;
  int64_t n_gen = 0;
  int64_t n_depth = 0;
  /// "pp512", "tg128", "pp512+tg128", with " @ d1024" when n_depth > 0.
  std::string name() const;
};

/// Seconds of each timed repetition (after one untimed warm-up run, as llama-bench does).
struct Timing {
  std::vector<double> seconds;
};

/// Runs `test` `reps` times on `decoder` (whose context must hold depth + prompt + gen rows).
core::Result<Timing> run_text_test(model::Decoder& decoder,
                                   const TextTest& test,
                                   int reps,
                                   uint32_t seed);

/// Weight bytes one decode step reads (every matrix; of an untied token_embd only one row).
uint64_t text_bytes_per_token(const model::Model& model);
/// KV cache bytes one decode step reads at position `pos` (every layer's K and V rows < pos).
uint64_t text_kv_bytes_read(const model::Decoder& decoder, int64_t pos);
/// Multiply-add FLOPs of a prefill of `n` rows starting at position `start` (matrices of every
/// layer, attention scores and weighted sums, the output projection of the last row).
double text_prefill_flops(const model::Model& model, int64_t start, int64_t n);

}  // namespace braid::app
