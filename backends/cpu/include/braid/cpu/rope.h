// Rotary position embedding, the two pairings the models we run use:
//  - Adjacent: rotate (x[2i], x[2i+1]) — GGUF Llama files, whose Q/K rows were permuted for it;
//  - HalfSplit: rotate (x[i], x[i + n_rot/2]) — Hugging Face Llama, GPT-NeoX, Qwen2.
// Pair i turns by θ = pos · freq_scale · freq_base^(−2i / n_rot) / freq_factors[i] (Llama 3.1's
// rope_freqs divide the frequency). Dimensions at or past n_rot pass through unchanged.
// The angles and their cos/sin are computed in double once per token and shared by its heads, so
// positions in the tens of thousands keep full f32 accuracy.
#pragma once

#include <cstdint>

#include "braid/core/status.h"

namespace braid::cpu {

enum class RopeMode { Adjacent = 0, HalfSplit = 1 };

struct RopeParams {
  RopeMode mode = RopeMode::Adjacent;
  int n_rot = 0;                        ///< rotated leading dims of each head; even, <= head_dim
  float freq_base = 10000.0f;           ///< θ base
  float freq_scale = 1.0f;              ///< linear position scaling (1 = none)
  const float* freq_factors = nullptr;  ///< n_rot / 2 divisors, or null
};

/// y = rope(x) for x [n_tokens, n_heads, head_dim] with token t at x + t·ld_token and head h at
/// + h·head_dim (likewise y, which may equal x). positions[t] is token t's position.
/// @return InvalidArgument for odd or oversized n_rot, non-positive sizes, or null pointers.
core::Status rope(const float* x,
                  float* y,
                  int64_t n_tokens,
                  int64_t n_heads,
                  int64_t head_dim,
                  int64_t ld_token,
                  const int32_t* positions,
                  const RopeParams& params,
                  int n_threads = 1);

}  // namespace braid::cpu
