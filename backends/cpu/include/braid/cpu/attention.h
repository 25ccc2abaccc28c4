// Scaled dot-product attention over an F16 KV cache, with grouped-query heads, causal positions,
// an optional additive mask and a count of valid cache rows (ABI op BRAID_OP_ATTENTION):
//   out[i, h] = Σ_j softmax_j(q[i, h] · k[j, g] · scale + mask[i, j]) · v[j, g],  g = h / (n_head /
//   n_head_kv), over keys j < n_kv_valid and, when causal, j <= positions[i].
//
// Two kernels behind one call, both with an online softmax (no score matrix in memory):
//  - decode (n_q <= 4): the cache is read once for all the queries and query heads that share
//    each KV head, 16 rows at a time: the block's keys are converted to f32 and scored, then the
//    values are accumulated straight from F16. With the usual [row][head][dim] cache a work item
//    is a chunk of rows across all heads, the chunks split over the threads and their partial
//    softmaxes merged (flash-decoding); a head-major cache is split by head. Bound by how fast
//    the cache streams.
//  - prefill (larger n_q): each KV head's keys and values are converted to f32 once, then query
//    tiles multiply against key tiles in registers (S = QKᵀ, then O += PV). Bound by FMA
//    throughput.
// A query that sees no key at all gets an all-zero output.
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

/// The tensors and shape of one attention call. Strides are in elements of each tensor's type.
struct AttentionArgs {
  int64_t n_q = 0;         ///< queries
  int64_t n_kv = 0;        ///< cache rows described (the cache may be allocated larger)
  int64_t n_head = 0;      ///< query heads
  int64_t n_head_kv = 0;   ///< key/value heads; divides n_head
  int64_t head_dim = 0;    ///< of q and k
  int64_t head_dim_v = 0;  ///< of v and out

  const float* q =
      nullptr;  ///< [n_q, n_head, head_dim], query i head h at q + i·q_stride + h·head_dim
  int64_t q_stride = 0;
  const uint16_t* k = nullptr;  ///< F16 bits; row j head g at k + j·k_stride + g·k_head_stride
  int64_t k_stride = 0;
  int64_t k_head_stride = 0;
  const uint16_t* v = nullptr;  ///< F16 bits; as k
  int64_t v_stride = 0;
  int64_t v_head_stride = 0;
  /// An F32 cache instead (encoders' keys and values are activations): when both are set, k
  /// and v are unused, the strides above count floats, and the prefill kernel runs for any n_q
  /// (it widens each head's rows once; for f32 rows that is a plain copy).
  const float* k_f32 = nullptr;
  const float* v_f32 = nullptr;
  float* out =
      nullptr;  ///< [n_q, n_head, head_dim_v], query i head h at out + i·out_stride + h·head_dim_v
  int64_t out_stride = 0;

  float scale = 1.0f;
  bool causal = false;                 ///< needs positions
  const int32_t* positions = nullptr;  ///< [n_q]: query i sees keys j <= positions[i]
  const float* mask =
      nullptr;  ///< optional [n_q, n_kv] additive mask, row i at mask + i·mask_stride
  int64_t mask_stride = 0;
  int64_t n_kv_valid = -1;  ///< keys at or past it are hidden; < 0: all n_kv
};

/// Runs attention on n_threads OpenMP threads (<= 0: default_threads()).
/// @return InvalidArgument for inconsistent shapes or strides, a null tensor, causal without
///         positions; NotSupported on a CPU without AVX2. Thread-safe for distinct outputs.
core::Status attention(const AttentionArgs& args, int n_threads = 0);

/// The largest n_q that takes the decode kernel.
inline constexpr int64_t kAttentionDecodeMaxQueries = 4;

}  // namespace braid::cpu
