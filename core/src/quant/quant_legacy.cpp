// The legacy 32-value block types: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1.
//
// Quantizers mirror llama.cpp's quantize_row_{q8_0,q4_0,q4_1,q5_0,q5_1}_ref: one scale per block
// from the block's extreme values, then one rounding per value. The rounding differs by type and
// is matched exactly: Q8_0 uses roundf (ties away from zero); the others add 0.5 (or 8.5 / 16.5 to
// shift the signed range) and truncate toward zero.
#include <cmath>
#include <cstring>
#include <limits>

#include "braid/core/half.h"
#include "quant_internal.h"

namespace braid::core::quant_detail {
namespace {

constexpr int kBlock = kQuantLegacyBlock;
constexpr int kHalf = kBlock / 2;

// The value with the largest magnitude (the first one on ties), sign kept: Q4_0 and Q5_0 map it
// to the most negative quant, which has one more level than the positive side.
float signed_absmax(const float* src) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kBlock; ++j) {
    if (amax < std::fabs(src[j])) {
      amax = std::fabs(src[j]);
      max = src[j];
    }
  }
  return max;
}

struct MinMax {
  float min;
  float max;
};

MinMax min_max(const float* src) {
  MinMax r{std::numeric_limits<float>::max(), -std::numeric_limits<float>::max()};
  for (int j = 0; j < kBlock; ++j) {
    if (src[j] < r.min) r.min = src[j];
    if (src[j] > r.max) r.max = src[j];
  }
  return r;
}

float inverse_or_zero(float d) { return d != 0.0f ? 1.0f / d : 0.0f; }

// Truncates toward zero like the reference's (int8_t) cast, then caps at `top`. The argument is
// never below -1 for finite input, so truncation and the cap are all that can happen.
uint8_t truncate_capped(float value, int top) {
  return static_cast<uint8_t>(std::min(top, static_cast<int>(value)));
}

uint32_t load_qh(const uint8_t (&qh)[4]) {
  return uint32_t{qh[0]} | (uint32_t{qh[1]} << 8) | (uint32_t{qh[2]} << 16) |
         (uint32_t{qh[3]} << 24);
}

void store_qh(uint32_t bits, uint8_t (&qh)[4]) {
  for (int i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(bits >> (8 * i));
}

// Packs 5-bit quants: low nibbles into qs as Q4_0 does, 5th bits into the u32 bit-plane.
template <typename Block>
void pack_5bit(const uint8_t* q, Block& block) {
  uint32_t qh = 0;
  for (int j = 0; j < kHalf; ++j) {
    block.qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + kHalf] & 0x0f) << 4));
    qh |= uint32_t{(q[j] >> 4) & 1u} << j;
    qh |= uint32_t{(q[j + kHalf] >> 4) & 1u} << (j + kHalf);
  }
  store_qh(qh, block.qh);
}

// Unpacks 5-bit quants (0..31) from qs and the bit-plane.
template <typename Block>
void unpack_5bit(const Block& block, int* q) {
  const uint32_t qh = load_qh(block.qh);
  for (int j = 0; j < kHalf; ++j) {
    q[j] = (block.qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    q[j + kHalf] = (block.qs[j] >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1u) << 4);
  }
}

}  // namespace

// ---- Q8_0 -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ8_0& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  for (int j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(block.qs[j]) * d;
}

void quantize_block(const float* src, BlockQ8_0& block) {
  float amax = 0.0f;
  for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(src[j]));
  const float d = amax / 127.0f;
  const float id = inverse_or_zero(d);
  block.d = f32_to_fp16(d);
  // roundf: ties away from zero (|src[j]·id| <= 127 by construction).
  for (int j = 0; j < kBlock; ++j) block.qs[j] = static_cast<int8_t>(std::round(src[j] * id));
}

// ---- Q4_0 -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ4_0& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  for (int j = 0; j < kHalf; ++j) {
    dst[j] = static_cast<float>((block.qs[j] & 0x0f) - 8) * d;
    dst[j + kHalf] = static_cast<float>((block.qs[j] >> 4) - 8) * d;
  }
}

void quantize_block(const float* src, BlockQ4_0& block) {
  const float d = signed_absmax(src) / -8.0f;  // the extreme value becomes quant 0, i.e. -8
  const float id = inverse_or_zero(d);
  block.d = f32_to_fp16(d);
  for (int j = 0; j < kHalf; ++j) {
    const uint8_t q0 = truncate_capped(src[j] * id + 8.5f, 15);
    const uint8_t q1 = truncate_capped(src[j + kHalf] * id + 8.5f, 15);
    block.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

// ---- Q4_1 -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ4_1& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  const float m = fp16_to_f32(block.m);
  for (int j = 0; j < kHalf; ++j) {
    dst[j] = static_cast<float>(block.qs[j] & 0x0f) * d + m;
    dst[j + kHalf] = static_cast<float>(block.qs[j] >> 4) * d + m;
  }
}

void quantize_block(const float* src, BlockQ4_1& block) {
  const MinMax range = min_max(src);
  const float d = (range.max - range.min) / 15.0f;
  const float id = inverse_or_zero(d);
  block.d = f32_to_fp16(d);
  block.m = f32_to_fp16(range.min);
  for (int j = 0; j < kHalf; ++j) {
    const uint8_t q0 = truncate_capped((src[j] - range.min) * id + 0.5f, 15);
    const uint8_t q1 = truncate_capped((src[j + kHalf] - range.min) * id + 0.5f, 15);
    block.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

// ---- Q5_0 -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ5_0& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  int q[kBlock];
  unpack_5bit(block, q);
  for (int j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(q[j] - 16) * d;
}

void quantize_block(const float* src, BlockQ5_0& block) {
  const float d = signed_absmax(src) / -16.0f;
  const float id = inverse_or_zero(d);
  block.d = f32_to_fp16(d);
  uint8_t q[kBlock];
  for (int j = 0; j < kBlock; ++j) q[j] = truncate_capped(src[j] * id + 16.5f, 31);
  pack_5bit(q, block);
}

// ---- Q5_1 -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ5_1& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  const float m = fp16_to_f32(block.m);
  int q[kBlock];
  unpack_5bit(block, q);
  for (int j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(q[j]) * d + m;
}

void quantize_block(const float* src, BlockQ5_1& block) {
  const MinMax range = min_max(src);
  const float d = (range.max - range.min) / 31.0f;
  const float id = inverse_or_zero(d);
  block.d = f32_to_fp16(d);
  block.m = f32_to_fp16(range.min);
  uint8_t q[kBlock];
  // The reference has no cap here (the maximum lands on 31.0 + rounding error, truncated to 31);
  // capping at 31 changes nothing and documents the range.
  for (int j = 0; j < kBlock; ++j) q[j] = truncate_capped((src[j] - range.min) * id + 0.5f, 31);
  pack_5bit(q, block);
}

}  // namespace braid::core::quant_detail
