// The decoding session: batching a prompt, filling the graph inputs, reading logits, and the
// KV snapshot. The graph itself is built in llama_graph.cpp.
#include "braid/model/decoder.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "llama_graph.h"

namespace braid::model {
namespace {

constexpr int64_t kDefaultMaxContext = 4096;

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v, size_t n) {
  return std::as_bytes(std::span<const T>(v.data(), n));
}

}  // namespace

Decoder::Decoder(std::shared_ptr<const Model> model, const DecoderOptions& options, KvLayout kv)
    : model_(std::move(model)), options_(options), kv_(kv) {}

Decoder::~Decoder() = default;

core::Result<std::unique_ptr<Decoder>> Decoder::create(std::shared_ptr<const Model> model,
                                                       std::vector<plugins::Device*> devices,
                                                       const DecoderOptions& options,
                                                       plugins::SchedulerOptions scheduler) {
  if (!model) return core::invalid_argument("[decoder] no model");
  const ModelConfig& c = model->config();
  DecoderOptions o = options;
  if (o.n_ctx == 0) o.n_ctx = std::min(c.n_ctx_train, kDefaultMaxContext);
  if (o.n_ctx < 1)
    return core::invalid_argument("[decoder] context size ", o.n_ctx, " must be >= 1");
  if (o.n_ctx > c.n_ctx_train) {
    return core::invalid_argument("[decoder] context size ", o.n_ctx,
                                  " is longer than the model's trained context ", c.n_ctx_train);
  }
  if (o.n_ctx >= INT32_MAX) return core::invalid_argument("[decoder] context size ", o.n_ctx);
  if (o.n_batch < 1)
    return core::invalid_argument("[decoder] batch size ", o.n_batch, " must be >= 1");
  o.n_batch = std::min(o.n_batch, o.n_ctx);
  const KvLayout kv{c.n_layer, o.n_ctx, c.n_head_kv, c.head_dim, o.kv_type};
  BRAID_TRY(kv.check());
  BRAID_ASSIGN_OR_RETURN(auto sched,
                         plugins::Scheduler::create(std::move(devices), std::move(scheduler)));
  std::unique_ptr<Decoder> d(new Decoder(std::move(model), o, kv));
  d->scheduler_ = std::move(sched);
  d->logits_.resize(static_cast<size_t>(c.n_vocab));
  // Compile the decode step now (and create the KV states), so load time carries the one-off
  // work and the first generated token is not slower than the rest.
  BRAID_TRY(d->graph_for(GraphShape{1, false, false}).status());
  return d;
}

core::Result<std::unique_ptr<Decoder>> Decoder::load(const std::filesystem::path& path,
                                                     std::vector<plugins::Device*> devices,
                                                     const DecoderOptions& options) {
  BRAID_ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::load(path));
  return create(std::move(model), std::move(devices), options);
}

int64_t Decoder::bucket(int64_t rows) const {
  if (rows <= 1) return 1;
  for (int64_t size : {16, 32, 64, 128, 256}) {
    if (rows <= size && size < options_.n_batch) return size;
  }
  return options_.n_batch;
}

core::Result<const core::Graph*> Decoder::graph_for(const GraphShape& shape) {
  const auto key = std::make_tuple(shape.rows, shape.embeddings, shape.all_logits);
  if (auto it = graphs_.find(key); it != graphs_.end()) return it->second.get();
  auto graph = std::make_unique<core::Graph>();
  build_llama_graph(*graph, *model_, kv_, shape);
  BRAID_TRY(graph->status().with_context("[decoder] building the graph"));
  BRAID_TRY(scheduler_->prepare(*graph));
  return graphs_.emplace(key, std::move(graph)).first->second.get();
}

core::Status Decoder::run_batch(const Batch& batch, std::vector<float>* all) {
  namespace io = graph_io;
  const ModelConfig& c = model_->config();
  const int64_t rows = batch.rows;
  const bool embeddings = !batch.embeddings.empty();
  const int64_t size = bucket(rows);
  const GraphShape shape{size, embeddings, all != nullptr};
  BRAID_ASSIGN_OR_RETURN(const core::Graph* graph, graph_for(shape));

  const size_t n = static_cast<size_t>(size);
  // Padding rows: position 0, written to the scratch row n_ctx, seeing key 0 only.
  positions_.assign(n, 0);
  kv_rows_.assign(n, static_cast<int32_t>(kv_.n_ctx));
  visible_.assign(n, 0);
  const int32_t last = static_cast<int32_t>(n_past_ + rows - 1);
  for (int64_t i = 0; i < rows; ++i) {
    const int32_t p = static_cast<int32_t>(n_past_ + i);
    positions_[static_cast<size_t>(i)] = p;
    kv_rows_[static_cast<size_t>(i)] = p;
    // A non-causal chunk's rows all see the whole chunk.
    visible_[static_cast<size_t>(i)] = batch.causal ? p : last;
  }
  const std::array<int32_t, 1> n_valid{last + 1};
  const std::array<int32_t, 1> out_row{static_cast<int32_t>(rows - 1)};

  if (c.sliding_window > 0) {
    // transformers' rule: query q sees key k when 0 <= q - k < window. The causal half is the
    // attention op's own (kVisible); the mask hides keys at or past the window behind a query.
    // Cache row r holds position r, so the mask is indexed by position.
    const size_t n_kv = static_cast<size_t>(kv_.n_rows());
    constexpr float kHidden = -std::numeric_limits<float>::infinity();
    window_mask_.assign(n * n_kv, 0.0f);
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t first = positions_[static_cast<size_t>(i)] - c.sliding_window + 1;
      float* row = window_mask_.data() + static_cast<size_t>(i) * n_kv;
      std::fill(row, row + std::clamp<int64_t>(first, 0, static_cast<int64_t>(n_kv)), kHidden);
    }
  }

  std::array<plugins::HostInput, 8> inputs;
  size_t n_inputs = 0;
  if (embeddings) {
    embeddings_.assign(n * static_cast<size_t>(c.n_embd), 0.0f);
    std::copy(batch.embeddings.begin(), batch.embeddings.end(), embeddings_.begin());
    inputs[n_inputs++] = {io::kEmbeddings, bytes_of(embeddings_, embeddings_.size())};
  } else {
    tokens_.assign(n, 0);
    std::copy(batch.tokens.begin(), batch.tokens.end(), tokens_.begin());
    inputs[n_inputs++] = {io::kTokens, bytes_of(tokens_, n)};
  }
  inputs[n_inputs++] = {io::kPositions, bytes_of(positions_, n)};
  inputs[n_inputs++] = {io::kKvRows, bytes_of(kv_rows_, n)};
  inputs[n_inputs++] = {io::kVisible, bytes_of(visible_, n)};
  inputs[n_inputs++] = {io::kNValid, std::as_bytes(std::span<const int32_t>(n_valid))};
  if (all == nullptr && size > 1) {
    inputs[n_inputs++] = {io::kOutRow, std::as_bytes(std::span<const int32_t>(out_row))};
  }
  if (c.sliding_window > 0) {
    inputs[n_inputs++] = {io::kWindowMask, bytes_of(window_mask_, window_mask_.size())};
  }
  BRAID_TRY(scheduler_->run(*graph, std::span(inputs.data(), n_inputs)));

  const size_t n_vocab = static_cast<size_t>(c.n_vocab);
  if (all != nullptr) {
    rows_logits_.resize(n * n_vocab);
    BRAID_TRY(scheduler_->read(io::kLogits, std::as_writable_bytes(std::span(rows_logits_))));
    const size_t real = static_cast<size_t>(rows) * n_vocab;
    all->insert(all->end(), rows_logits_.begin(), rows_logits_.begin() + real);
    std::copy(rows_logits_.begin() + (real - n_vocab), rows_logits_.begin() + real,
              logits_.begin());
  } else {
    BRAID_TRY(scheduler_->read(io::kLogits, std::as_writable_bytes(std::span(logits_))));
  }
  n_past_ += rows;
  return core::Status::ok();
}

core::Status Decoder::run_chunks(std::span<const PromptChunk> chunks, std::vector<float>* all) {
  const ModelConfig& c = model_->config();
  int64_t total = 0;
  for (const PromptChunk& chunk : chunks) {
    BRAID_TRY(validate_chunk(chunk, c.n_embd, c.n_vocab));
    const auto* e = std::get_if<EmbeddingChunk>(&chunk);
    if (e != nullptr && !e->causal && e->n_rows > options_.n_batch) {
      return core::invalid_argument("[decoder] embedding chunk '", e->source, "' of ", e->n_rows,
                                    " rows attends within itself and must fit one batch of ",
                                    options_.n_batch, " rows");
    }
    total += chunk_rows(chunk);
  }
  if (total == 0) return core::invalid_argument("[decoder] the prompt is empty");
  if (n_past_ + total > kv_.n_ctx) {
    return core::out_of_range("[decoder] ", total,
                              " more positions do not fit the context: ", n_past_, " of ",
                              kv_.n_ctx, " are used");
  }
  const int64_t n_batch = options_.n_batch;
  for (const PromptChunk& chunk : chunks) {
    if (const auto* t = std::get_if<TokenChunk>(&chunk)) {
      const std::span<const int32_t> ids(t->tokens);
      for (size_t at = 0; at < ids.size(); at += static_cast<size_t>(n_batch)) {
        const size_t take = std::min(ids.size() - at, static_cast<size_t>(n_batch));
        BRAID_TRY(
            run_batch(Batch{ids.subspan(at, take), {}, static_cast<int64_t>(take), true}, all));
      }
    } else {
      const auto& e = std::get<EmbeddingChunk>(chunk);
      const std::span<const float> data(e.data);
      const size_t width = static_cast<size_t>(c.n_embd);
      for (int64_t at = 0; at < e.n_rows; at += n_batch) {
        const int64_t take = std::min(e.n_rows - at, n_batch);
        BRAID_TRY(run_batch(
            Batch{{},
                  data.subspan(static_cast<size_t>(at) * width, static_cast<size_t>(take) * width),
                  take,
                  e.causal},
            all));
      }
    }
  }
  return core::Status::ok();
}

core::Result<std::span<const float>> Decoder::eval(std::span<const PromptChunk> chunks) {
  BRAID_TRY(run_chunks(chunks, nullptr));
  return std::span<const float>(logits_);
}

core::Result<std::span<const float>> Decoder::eval_token(int32_t token) {
  // One PromptChunk per step would allocate; check and run the single row directly.
  if (token < 0 || token >= n_vocab()) {
    return core::out_of_range("[decoder] token ", token, " is outside the vocabulary of ",
                              n_vocab());
  }
  if (n_past_ + 1 > kv_.n_ctx) {
    return core::out_of_range("[decoder] the context of ", kv_.n_ctx, " positions is full");
  }
  BRAID_TRY(run_batch(Batch{std::span<const int32_t>(&token, 1), {}, 1, true}, nullptr));
  return std::span<const float>(logits_);
}

core::Result<std::vector<float>> Decoder::eval_all(std::span<const PromptChunk> chunks) {
  std::vector<float> all;
  BRAID_TRY(run_chunks(chunks, &all));
  return all;
}

core::Result<KvSnapshot> Decoder::save_state() const {
  KvSnapshot s;
  s.n_past = n_past_;
  s.type = kv_.type;
  s.n_layer = kv_.n_layer;
  s.row_bytes = kv_.row_bytes();
  if (n_past_ == 0) return s;
  const size_t used = static_cast<size_t>(n_past_) * s.row_bytes;
  std::vector<std::byte> full(static_cast<size_t>(kv_.n_rows()) * s.row_bytes);
  s.data.reserve(2 * static_cast<size_t>(kv_.n_layer) * used);
  for (int64_t l = 0; l < kv_.n_layer; ++l) {
    for (const std::string& name : {KvLayout::k_name(l), KvLayout::v_name(l)}) {
      BRAID_TRY(scheduler_->read_state(name, full));
      s.data.insert(s.data.end(), full.begin(), full.begin() + static_cast<ptrdiff_t>(used));
    }
  }
  return s;
}

core::Status Decoder::load_state(const KvSnapshot& s) {
  const uint64_t used = static_cast<uint64_t>(s.n_past) * s.row_bytes;
  if (s.type != kv_.type || s.n_layer != kv_.n_layer || s.row_bytes != kv_.row_bytes() ||
      s.n_past < 0 || s.n_past > kv_.n_ctx ||
      s.data.size() != 2 * static_cast<uint64_t>(s.n_layer) * used) {
    return core::invalid_argument("[decoder] the saved state (", s.n_past, " positions, ",
                                  kv_type_name(s.type), ", ", s.n_layer,
                                  " layers) does not fit this decoder (", kv_.n_ctx, " positions, ",
                                  kv_type_name(kv_.type), ", ", kv_.n_layer, " layers)");
  }
  // The states exist once a graph that declares them is prepared.
  BRAID_TRY(graph_for(GraphShape{1, false, false}).status());
  std::vector<std::byte> full(static_cast<size_t>(kv_.n_rows()) * kv_.row_bytes());
  const std::byte* src = s.data.data();
  for (int64_t l = 0; l < kv_.n_layer; ++l) {
    for (const std::string& name : {KvLayout::k_name(l), KvLayout::v_name(l)}) {
      BRAID_TRY(scheduler_->read_state(name, full));
      std::memcpy(full.data(), src, used);
      src += used;
      BRAID_TRY(scheduler_->write_state(name, full));
    }
  }
  n_past_ = s.n_past;
  return core::Status::ok();
}

}  // namespace braid::model
