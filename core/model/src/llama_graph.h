// The forward graph of a Llama-family decoder for one batch shape. Everything that changes from
// step to step (token ids, positions, cache slots, the valid length, which row gives logits) is
// an input, so a shape's graph is built once and its compiled form reused for every step.
#pragma once

#include <cstdint>

#include "braid/core/graph.h"
#include "braid/model/kv_cache.h"
#include "braid/model/model_weights.h"

namespace braid::model {

/// Input and output names of the decoder graph.
namespace graph_io {
inline constexpr const char* kTokens = "tokens";     ///< I32 [rows] (token batches)
inline constexpr const char* kEmbeddings = "embd";   ///< F32 [rows, n_embd] (embedding batches)
inline constexpr const char* kPositions = "pos";     ///< I32 [rows]: rope positions
inline constexpr const char* kKvRows = "kv_rows";    ///< I32 [rows]: cache rows written
inline constexpr const char* kVisible = "attn_pos";  ///< I32 [rows]: last key row each sees
inline constexpr const char* kNValid = "n_valid";    ///< I32 [1]: cache rows filled
inline constexpr const char* kOutRow = "out_row";    ///< I32 [1]: the row whose logits are wanted
/// F32 [rows, n_kv]: 0 or -inf per (query, cache row); only in graphs of models with a sliding
/// window, where it hides keys the window has left behind (the causal limit stays kVisible).
inline constexpr const char* kWindowMask = "window_mask";
inline constexpr const char* kLogits = "logits";  ///< F32 [1 or rows, n_vocab]
}  // namespace graph_io

/// What distinguishes one decoder graph from another.
struct GraphShape {
  int64_t rows = 1;         ///< batch rows (real rows plus padding)
  bool embeddings = false;  ///< rows come from the kEmbeddings input instead of token ids
  bool all_logits = false;  ///< logits for every row, else for the kOutRow row only
  friend auto operator<=>(const GraphShape&, const GraphShape&) = default;
};

/// Builds the graph; check graph.status() afterwards.
void build_llama_graph(core::Graph& graph,
                       const Model& model,
                       const KvLayout& kv,
                       const GraphShape& shape);

}  // namespace braid::model
