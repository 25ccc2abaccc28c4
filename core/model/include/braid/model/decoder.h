// A decoding session over a Llama-family model: prompts of chunks go in, logits come out, and
// the KV cache keeps the sequence between calls.
//
//   auto model = Model::load("stories260K.gguf");
//   auto dec = Decoder::create(*model, {cpu, reference}, {.n_ctx = 512});
//   auto logits = (*dec)->eval(prompt);        // the last row's logits
//   while (...) logits = (*dec)->eval_token(next);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include "braid/core/graph.h"
#include "braid/core/status.h"
#include "braid/model/kv_cache.h"
#include "braid/model/model_weights.h"
#include "braid/model/prompt_chunk.h"
#include "braid/plugins/device.h"
#include "braid/plugins/scheduler.h"

namespace braid::model {

struct DecoderOptions {
  /// Positions the KV cache holds. 0: the model's trained context, at most 4096. Larger than
  /// the trained context is refused.
  int64_t n_ctx = 0;
  KvType kv_type = KvType::F16;
  /// Most rows one prefill run takes (longer prompts run in several batches).
  int64_t n_batch = 512;
};

/// The saved sequence state (for /save and /load): the first n_past rows of every K and V.
struct KvSnapshot {
  int64_t n_past = 0;
  KvType type = KvType::F16;
  int64_t n_layer = 0;
  uint64_t row_bytes = 0;       ///< bytes of one position of one K (or V) state
  std::vector<std::byte> data;  ///< per layer: K rows then V rows
};

struct GraphShape;

/// One sequence on one model. Not thread-safe. The model and devices must outlive it.
///
/// Each distinct batch shape is built and compiled once: a decode step (one token) reuses the
/// compiled graph, since positions, cache slots and the valid length are inputs. A prompt is run
/// in batches of at most n_batch rows, each padded to a bucket size (1, 16, 32, 64, 128, 256,
/// n_batch: at most twice the rows): padding rows write their K/V into a scratch cache row that
/// attention never reads.
class Decoder {
 public:
  /// `devices` in priority order (for example cpu then reference); each node runs on the first
  /// that supports it. InvalidArgument for a bad context or batch size; the KV type's own
  /// limits (Q8_0 needs heads of a multiple of 32) as KvLayout::check says.
  static core::Result<std::unique_ptr<Decoder>> create(std::shared_ptr<const Model> model,
                                                       std::vector<plugins::Device*> devices,
                                                       const DecoderOptions& options = {},
                                                       plugins::SchedulerOptions scheduler = {});
  /// Model::load then create().
  static core::Result<std::unique_ptr<Decoder>> load(const std::filesystem::path& path,
                                                     std::vector<plugins::Device*> devices,
                                                     const DecoderOptions& options = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  /// Appends `chunks` to the sequence and returns the logits [n_vocab] of the last row. The span
  /// stays valid until the next call. Errors: an empty prompt, a chunk that fails
  /// validate_chunk, more rows than the context has left (OutOfRange; nothing is appended), a
  /// non-causal embedding chunk longer than n_batch; device failures.
  core::Result<std::span<const float>> eval(std::span<const PromptChunk> chunks);
  /// eval() of one token.
  core::Result<std::span<const float>> eval_token(int32_t token);
  /// Like eval(), but returns the logits of every row, [rows, n_vocab] row-major (perplexity).
  core::Result<std::vector<float>> eval_all(std::span<const PromptChunk> chunks);

  /// Positions filled so far.
  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return kv_.n_ctx; }
  int64_t n_vocab() const { return model_->config().n_vocab; }
  /// Forgets the sequence (the cache rows are simply no longer valid).
  void clear() { n_past_ = 0; }
  /// Keeps the first `n` positions and forgets the rest (no-op when n >= n_past()); the next
  /// eval() continues at position n. For chat, which keeps the part of the cache a new prompt
  /// shares with the old one.
  void truncate(int64_t n) { n_past_ = n < 0 ? 0 : (n < n_past_ ? n : n_past_); }

  /// The first n_past() rows of the cache.
  core::Result<KvSnapshot> save_state() const;
  /// Restores a snapshot taken from a decoder of the same model, KV type and a context at least
  /// as long; InvalidArgument otherwise.
  core::Status load_state(const KvSnapshot& snapshot);

  const Model& model() const { return *model_; }
  const KvLayout& kv_layout() const { return kv_; }
  uint64_t kv_bytes() const { return kv_.total_bytes(); }
  uint64_t weight_bytes() const { return model_->weight_bytes(); }
  const plugins::Scheduler& scheduler() const { return *scheduler_; }

 private:
  // The real rows of one run: token ids or embedding rows.
  struct Batch {
    std::span<const int32_t> tokens;
    std::span<const float> embeddings;
    int64_t rows = 0;
    bool causal = true;
  };
  Decoder(std::shared_ptr<const Model> model, const DecoderOptions& options, KvLayout kv);
  core::Result<const core::Graph*> graph_for(const GraphShape& shape);
  // Runs chunks in batches; with `all`, appends every row's logits to `all`.
  core::Status run_chunks(std::span<const PromptChunk> chunks, std::vector<float>* all);
  core::Status run_batch(const Batch& batch, std::vector<float>* all);
  int64_t bucket(int64_t rows) const;

  std::shared_ptr<const Model> model_;
  DecoderOptions options_;
  KvLayout kv_;
  std::unique_ptr<plugins::Scheduler> scheduler_;
  // Built graphs by (rows, embeddings, all_logits).
  std::map<std::tuple<int64_t, bool, bool>, std::unique_ptr<core::Graph>> graphs_;
  int64_t n_past_ = 0;
  // Host buffers reused by every run, so a decode step allocates nothing here.
  std::vector<int32_t> tokens_, positions_, kv_rows_, visible_;
  std::vector<float> embeddings_;
  std::vector<float> window_mask_;  // [rows, n_kv], models with a sliding window only
  std::vector<float> logits_;
  std::vector<float> rows_logits_;
};

}  // namespace braid::model
