// Per-block codecs behind quant.h, shared by the quant/*.cpp files. Each function converts exactly
// one block; quant_dispatch.cpp checks sizes and inputs and loops over the blocks of a row.
//
// Quantizers follow llama.cpp's reference (non-imatrix) routines, quantize_row_*_ref in
// ggml/src/ggml-quants.c, step for step in f32 arithmetic with the same operation order, so the
// bytes match what `llama-quantize` writes without an importance matrix. Our sources must be built
// without floating-point contraction (see core/CMakeLists.txt): an FMA changes the rounding.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

#include "braid/core/quant_blocks.h"

namespace braid::core::quant_detail {

/// Round to nearest, ties to even, as ggml's nearest_int (which adds 1.5·2^23 and reads the low
/// mantissa bits). ggml asserts |x| <= 4194303; we clamp to that range first, which changes
/// nothing inside it and keeps the trick well defined (and NaN-free) outside.
inline int nearest_int(float x) {
  constexpr float kLimit = 4194303.0f;
  const float clamped = std::clamp(x, -kLimit, kLimit);
  const float shifted = clamped + 12582912.0f;  // 1.5 · 2^23: the unit bit lands on bit 0
  return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

// Legacy 32-value blocks (quant_legacy.cpp).
void dequantize_block(const BlockQ8_0& block, float* dst);
void dequantize_block(const BlockQ4_0& block, float* dst);
void dequantize_block(const BlockQ4_1& block, float* dst);
void dequantize_block(const BlockQ5_0& block, float* dst);
void dequantize_block(const BlockQ5_1& block, float* dst);
void quantize_block(const float* src, BlockQ8_0& block);
void quantize_block(const float* src, BlockQ4_0& block);
void quantize_block(const float* src, BlockQ4_1& block);
void quantize_block(const float* src, BlockQ5_0& block);
void quantize_block(const float* src, BlockQ5_1& block);

// K-quant 256-value super-blocks (quant_k.cpp).
void dequantize_block(const BlockQ4_K& block, float* dst);
void dequantize_block(const BlockQ5_K& block, float* dst);
void dequantize_block(const BlockQ6_K& block, float* dst);
void quantize_block(const float* src, BlockQ4_K& block);
void quantize_block(const float* src, BlockQ5_K& block);
void quantize_block(const float* src, BlockQ6_K& block);

/// The 6-bit scale and min of sub-block j (0..7) from the packed 12 bytes of Q4_K / Q5_K.
struct ScaleMin {
  uint8_t scale;
  uint8_t min;
};
ScaleMin get_scale_min(const uint8_t* packed, int j);

}  // namespace braid::core::quant_detail
