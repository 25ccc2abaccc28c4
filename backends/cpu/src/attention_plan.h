// How one attention call is split up; computed by attention.cpp (generic code) and read by the
// kernels in isa/attention_impl.h. Plain data only, so the instruction-set translation units
// share no inline code with the rest of the library.
#pragma once

#include <cstdint>

namespace braid::cpu {

/// Keys per tile of the prefill kernel's converted K (the tile is stored [head_dim][64]).
inline constexpr int64_t kAttentionKeyTile = 64;
/// Keys per block of the decode kernel.
inline constexpr int64_t kAttentionKeyBlock = 16;
/// Query rows per prefill micro-tile, at most (the AVX2 path uses fewer).
inline constexpr int64_t kAttentionMaxQueryRows = 6;

struct AttentionPlan {
  bool decode = true;
  int64_t head_dim_pad = 0;    ///< head_dim rounded up to 16
  int64_t head_dim_v_pad = 0;  ///< head_dim_v rounded up to 16
  int64_t key_end = 0;         ///< keys at or past it are hidden from every query
  int threads = 1;

  // Decode: the keys [0, key_end) in n_chunks chunks of chunk_len (a multiple of 16); with more
  // than one chunk, each writes partial results (max, sum, n_head_kv-grouped accumulators) to
  // `partials`: [chunk][query][head][head_dim_v_pad + 2] floats.
  int64_t n_chunks = 1;
  int64_t heads_per_item = 1;  ///< KV heads one decode work item covers (divides n_head_kv)
  int64_t chunk_len = 0;
  float* partials = nullptr;

  // Prefill: the queries of each KV head split into q_splits ranges (for thread balance).
  int64_t q_splits = 1;

  float* scratch = nullptr;        ///< threads × scratch_per_thread floats, 64-byte aligned
  int64_t scratch_per_thread = 0;  ///< a multiple of 16
};

}  // namespace braid::cpu
