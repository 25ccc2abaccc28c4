// The packed GGUF block formats braid converts to and from f32, byte for byte as ggml stores them
// (ggml-common.h block_* structs). Every scale field is IEEE binary16 bits (`uint16_t`, see
// half.h); the structs hold only bytes and uint16s, so they have no padding and alignment 2.
//
// Conventions in the comments: a block holds `block_size` values x[0..n); "nibble" = 4 bits; a
// value's "5th bit" (Q5_*) or "high bits" (Q6_K) live in a separate bit-plane.
#pragma once

#include <cstdint>

namespace braid::core {

/// Values per legacy block (Q4_0 … Q8_0).
inline constexpr int kQuantLegacyBlock = 32;
/// Values per K-quant super-block (Q4_K, Q5_K, Q6_K).
inline constexpr int kQuantSuperBlock = 256;
/// Bytes of the packed 6-bit scales and mins of Q4_K / Q5_K.
inline constexpr int kQuantKScaleBytes = 12;

/// Q8_0: x[j] = qs[j] · d.
struct BlockQ8_0 {
  uint16_t d;                    ///< fp16 scale
  int8_t qs[kQuantLegacyBlock];  ///< signed quants
};

/// Q4_0: q[j] = low nibble of qs[j], q[j+16] = high nibble of qs[j]; x = (q − 8) · d.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQuantLegacyBlock / 2];
};

/// Q4_1: nibbles as Q4_0; x = q · d + m.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;  ///< fp16 offset (the block minimum)
  uint8_t qs[kQuantLegacyBlock / 2];
};

/// Q5_0: the low 4 bits as Q4_0; bit j of the little-endian u32 in qh is the 5th bit of value j.
/// x = (q − 16) · d.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQuantLegacyBlock / 2];
};

/// Q5_1: bits as Q5_0; x = q · d + m.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQuantLegacyBlock / 2];
};

/// Q4_K: 8 sub-blocks of 32 values, each with a 6-bit scale sc and 6-bit min m packed in `scales`
/// (layout in quant_k.cpp, get_scale_min). Each 64-value group g uses qs[32g .. 32g+32): low
/// nibbles are sub-block 2g, high nibbles sub-block 2g+1. x = d·sc·q − dmin·m.
struct BlockQ4_K {
  uint16_t d;     ///< fp16 scale of the sub-block scales
  uint16_t dmin;  ///< fp16 scale of the sub-block mins
  uint8_t scales[kQuantKScaleBytes];
  uint8_t qs[kQuantSuperBlock / 2];
};

/// Q5_K: scales and nibbles as Q4_K; bit s of qh[l] is the 5th bit of value l of sub-block s.
/// x = d·sc·q − dmin·m with q in 0..31.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kQuantKScaleBytes];
  uint8_t qh[kQuantSuperBlock / 8];
  uint8_t qs[kQuantSuperBlock / 2];
};

/// Q6_K: 16 sub-blocks of 16 values with signed 8-bit scales. Per 128-value half h (ql[64h..],
/// qh[32h..], scales[8h..]), for l in 0..31: value l = low nibble of ql[l] | (qh[l] bits 0–1) << 4,
/// l+32 = low nibble of ql[l+32] | bits 2–3, l+64 = high nibble of ql[l] | bits 4–5,
/// l+96 = high nibble of ql[l+32] | bits 6–7. x = d · scales[sub-block] · (q − 32).
struct BlockQ6_K {
  uint8_t ql[kQuantSuperBlock / 2];  ///< low 4 bits
  uint8_t qh[kQuantSuperBlock / 4];  ///< high 2 bits
  int8_t scales[kQuantSuperBlock / 16];
  uint16_t d;  ///< fp16 super-block scale (last, unlike the other types)
};

// Sizes as GGUF stores them; must agree with block_bytes in dtype.cpp (checked by
// quant_blocks_test).
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);

}  // namespace braid::core
