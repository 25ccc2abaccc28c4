// The tiled layout repack_weights() writes and the repacked kernels read (see quant_matmul.h).
//
// Rows come in tiles of 16 (the last tile padded with zero-scale rows); a tile is a run of chunks
// along k, each chunk its scales followed by its quants, so one thread streams a tile front to
// back. Quants are "4-k groups": a 64-byte vector holds 4 consecutive k of each of the 16 rows
// (row r in bytes 4r..4r+3), which is what vpdpbusd multiplies against 4 broadcast activation
// bytes. Sub-byte types pack two groups per vector: a 32-value block is 4 vectors, vector v holding
// k = 8v..8v+3 in the low nibbles and k = 8v+4..8v+7 in the high nibbles.
//
//  Q8_0, chunk of 64 k (2 blocks), 1088 B: fp16 d[2][16] | block 0: 8 groups of (w + 128) | block 1
//  Q4_0, chunk of 64 k, 576 B:  fp16 d[2][16] | block 0: 4 nibble vectors | block 1
//  Q4_K, chunk of 256 k, 2368 B: fp16 d[16] | fp16 dmin[16] | u8 sc[8][16] | u8 m[8][16] |
//        8 sub-blocks × 4 nibble vectors
//  Q5_K, chunk of 256 k, 2880 B: as Q4_K, but each sub-block's 4 nibble vectors are followed by a
//        64-byte plane of 5th bits: byte (r, i), bit 2v = k 8v+i, bit 2v+1 = k 8v+4+i
//  Q6_K, chunk of 256 k, 3392 B: f32 d[16] | s8 sc[16][16] | 16 sub-blocks × (2 nibble vectors of
//        the low 4 bits | a 64-byte plane of the high 2 bits: byte (r, i), bits 2j..2j+1 = k 4j+i)
//        Codes are q + 32 (0..63).
#pragma once

#include <cstdint>

#include "braid/core/dtype.h"

namespace braid::cpu::layout {

inline constexpr int kTileRows = 16;

inline constexpr int64_t kQ8_0Chunk = 1088;
inline constexpr int64_t kQ4_0Chunk = 576;
inline constexpr int64_t kQ4_KChunk = 2368;
inline constexpr int64_t kQ5_KChunk = 2880;
inline constexpr int64_t kQ6_KChunk = 3392;

// Offsets inside a K-quant chunk.
inline constexpr int64_t kKHeader = 320;   // Q4_K / Q5_K: d, dmin, sc, m
inline constexpr int64_t kQ6Header = 320;  // Q6_K: d (f32), sc

/// Values of k per chunk (64 for the legacy types, 256 for K-quants); 0 for other types.
inline constexpr int64_t chunk_values(core::DType dtype) {
  switch (dtype) {
    case core::DType::Q8_0:
    case core::DType::Q4_0:
      return 64;
    case core::DType::Q4_K:
    case core::DType::Q5_K:
    case core::DType::Q6_K:
      return 256;
    default:
      return 0;
  }
}

/// Bytes per chunk of one tile; 0 for other types.
inline constexpr int64_t chunk_bytes(core::DType dtype) {
  switch (dtype) {
    case core::DType::Q8_0:
      return kQ8_0Chunk;
    case core::DType::Q4_0:
      return kQ4_0Chunk;
    case core::DType::Q4_K:
      return kQ4_KChunk;
    case core::DType::Q5_K:
      return kQ5_KChunk;
    case core::DType::Q6_K:
      return kQ6_KChunk;
    default:
      return 0;
  }
}

/// Bytes of one 16-row tile covering k (padded to whole chunks).
inline constexpr int64_t tile_bytes(core::DType dtype, int64_t k) {
  const int64_t values = chunk_values(dtype);
  return values == 0 ? 0 : (k + values - 1) / values * chunk_bytes(dtype);
}

}  // namespace braid::cpu::layout
