// repack_weights(): GGUF blocks into the tiled layout of repack_layout.h. Runs once at load, so it
// is plain scalar code: decode each block's integer codes and scales exactly (no float round
// trip), then scatter them into the tile.
#include <omp.h>

#include <cstring>

#include "braid/core/half.h"
#include "braid/core/quant_blocks.h"
#include "braid/cpu/cpu_features.h"
#include "braid/cpu/quant_matmul.h"
#include "repack_layout.h"

namespace braid::cpu {
namespace {

using core::BlockQ4_0;
using core::BlockQ4_K;
using core::BlockQ5_K;
using core::BlockQ6_K;
using core::BlockQ8_0;
using core::DType;
constexpr int kRows = layout::kTileRows;

// The 6-bit scale and min of sub-block j of a Q4_K / Q5_K block (GGUF's 12-byte packing).
void scale_min(const uint8_t* packed, int j, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = packed[j] & 63;
    *min = packed[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// The codes of 32 values (0..15) as the 4 nibble vectors of row r.
void put_nibbles(uint8_t* vectors, int r, const uint8_t* codes) {
  for (int v = 0; v < 4; ++v) {
    for (int i = 0; i < 4; ++i) {
      vectors[64 * v + 4 * r + i] =
          static_cast<uint8_t>((codes[8 * v + i] & 15) | ((codes[8 * v + 4 + i] & 15) << 4));
    }
  }
}

template <typename Block>
const Block* block_at(const GgufMatrix& w, int64_t row, int64_t index) {
  return reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w.data) + row * w.row_stride) +
         index;
}

void store_u16(uint8_t* p, uint16_t value) { std::memcpy(p, &value, sizeof(value)); }

// ---- one 16-row tile per type
// --------------------------------------------------------------------

void tile_q8_0(const GgufMatrix& w, int64_t row0, uint8_t* dst) {
  const int64_t blocks = w.k / 32;
  const int64_t chunks = (blocks + 1) / 2;
  for (int64_t c = 0; c < chunks; ++c) {
    uint8_t* chunk = dst + c * layout::kQ8_0Chunk;
    std::memset(chunk, 0, 64);
    std::memset(chunk + 64, 0x80, 1024);  // code 0 (stored as w + 128)
    for (int bb = 0; bb < 2; ++bb) {
      const int64_t b = 2 * c + bb;
      if (b >= blocks) break;
      for (int r = 0; r < kRows && row0 + r < w.n; ++r) {
        const auto* block = block_at<BlockQ8_0>(w, row0 + r, b);
        store_u16(chunk + 2 * (16 * bb + r), block->d);
        uint8_t* quants = chunk + 64 + 512 * bb;
        for (int g = 0; g < 8; ++g) {
          for (int i = 0; i < 4; ++i) {
            quants[64 * g + 4 * r + i] = static_cast<uint8_t>(block->qs[4 * g + i]) ^ 0x80;
          }
        }
      }
    }
  }
}

void tile_q4_0(const GgufMatrix& w, int64_t row0, uint8_t* dst) {
  const int64_t blocks = w.k / 32;
  const int64_t chunks = (blocks + 1) / 2;
  for (int64_t c = 0; c < chunks; ++c) {
    uint8_t* chunk = dst + c * layout::kQ4_0Chunk;
    std::memset(chunk, 0, layout::kQ4_0Chunk);
    for (int bb = 0; bb < 2; ++bb) {
      const int64_t b = 2 * c + bb;
      if (b >= blocks) break;
      for (int r = 0; r < kRows && row0 + r < w.n; ++r) {
        const auto* block = block_at<BlockQ4_0>(w, row0 + r, b);
        store_u16(chunk + 2 * (16 * bb + r), block->d);
        uint8_t codes[32];
        for (int j = 0; j < 16; ++j) {
          codes[j] = block->qs[j] & 15;
          codes[j + 16] = block->qs[j] >> 4;
        }
        put_nibbles(chunk + 64 + 256 * bb, r, codes);
      }
    }
  }
}

// Q4_K and Q5_K share the header and nibble layout; Q5_K adds a plane of 5th bits per sub-block.
template <typename Block, bool kFiveBit>
void tile_affine_k(const GgufMatrix& w, int64_t row0, uint8_t* dst) {
  constexpr int64_t kChunk = kFiveBit ? layout::kQ5_KChunk : layout::kQ4_KChunk;
  constexpr int64_t kSub = kFiveBit ? 320 : 256;  // bytes per sub-block
  const int64_t blocks = w.k / 256;
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* chunk = dst + b * kChunk;
    std::memset(chunk, 0, kChunk);
    for (int r = 0; r < kRows && row0 + r < w.n; ++r) {
      const auto* block = block_at<Block>(w, row0 + r, b);
      store_u16(chunk + 2 * r, block->d);
      store_u16(chunk + 32 + 2 * r, block->dmin);
      uint8_t codes[256];
      for (int g = 0; g < 4; ++g) {
        for (int l = 0; l < 32; ++l) {
          const uint8_t byte = block->qs[32 * g + l];
          codes[64 * g + l] = byte & 15;
          codes[64 * g + 32 + l] = byte >> 4;
        }
      }
      if constexpr (kFiveBit) {
        for (int j = 0; j < 8; ++j) {
          for (int l = 0; l < 32; ++l) {
            codes[32 * j + l] |= static_cast<uint8_t>(((block->qh[l] >> j) & 1) << 4);
          }
        }
      }
      for (int j = 0; j < 8; ++j) {
        scale_min(block->scales, j, chunk + 64 + 16 * j + r, chunk + 192 + 16 * j + r);
        uint8_t* sub = chunk + layout::kKHeader + kSub * j;
        const uint8_t* c = codes + 32 * j;
        put_nibbles(sub, r, c);
        if constexpr (kFiveBit) {
          for (int i = 0; i < 4; ++i) {
            uint8_t bits = 0;
            for (int v = 0; v < 4; ++v) {
              bits |= static_cast<uint8_t>(((c[8 * v + i] >> 4) & 1) << (2 * v));
              bits |= static_cast<uint8_t>(((c[8 * v + 4 + i] >> 4) & 1) << (2 * v + 1));
            }
            sub[256 + 4 * r + i] = bits;
          }
        }
      }
    }
  }
}

void tile_q6_k(const GgufMatrix& w, int64_t row0, uint8_t* dst) {
  const int64_t blocks = w.k / 256;
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* chunk = dst + b * layout::kQ6_KChunk;
    std::memset(chunk, 0, layout::kQ6_KChunk);
    for (int r = 0; r < kRows && row0 + r < w.n; ++r) {
      const auto* block = block_at<BlockQ6_K>(w, row0 + r, b);
      const float d = core::fp16_to_f32(block->d);
      std::memcpy(chunk + 4 * r, &d, sizeof(d));
      uint8_t codes[256];  // q + 32
      for (int h = 0; h < 2; ++h) {
        const uint8_t* ql = block->ql + 64 * h;
        const uint8_t* qh = block->qh + 32 * h;
        uint8_t* c = codes + 128 * h;
        for (int l = 0; l < 32; ++l) {
          c[l] = static_cast<uint8_t>((ql[l] & 15) | ((qh[l] & 3) << 4));
          c[l + 32] = static_cast<uint8_t>((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4));
          c[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
          c[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
        }
      }
      for (int s = 0; s < 16; ++s) {
        chunk[64 + 16 * s + r] = static_cast<uint8_t>(block->scales[s]);
        uint8_t* sub = chunk + layout::kQ6Header + 192 * s;
        const uint8_t* c = codes + 16 * s;
        for (int v = 0; v < 2; ++v) {
          for (int i = 0; i < 4; ++i) {
            sub[64 * v + 4 * r + i] =
                static_cast<uint8_t>((c[8 * v + i] & 15) | ((c[8 * v + 4 + i] & 15) << 4));
          }
        }
        for (int i = 0; i < 4; ++i) {
          uint8_t bits = 0;
          for (int j = 0; j < 4; ++j) bits |= static_cast<uint8_t>((c[4 * j + i] >> 4) << (2 * j));
          sub[128 + 4 * r + i] = bits;
        }
      }
    }
  }
}

}  // namespace

core::Result<int64_t> repacked_bytes(core::DType dtype, int64_t n, int64_t k) {
  if (!quant_matmul_supports(dtype)) {
    return core::not_supported("[cpu::repack] weights of type ", core::dtype_name(dtype),
                               " (supported: Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
  }
  const auto block = static_cast<int64_t>(core::dtype_info(dtype).block_size);
  if (n < 1 || k < 1 || k % block != 0 || n > (int64_t{1} << 31) || k > (int64_t{1} << 31)) {
    return core::invalid_argument("[cpu::repack] ", core::dtype_name(dtype), " weights [", n, ", ",
                                  k, "]: need 1 <= n, k <= 2^31 and k a multiple of ", block);
  }
  const int64_t tiles = (n + layout::kTileRows - 1) / layout::kTileRows;
  return tiles * layout::tile_bytes(dtype, k);
}

core::Status repack_weights(const GgufMatrix& src, void* dst, int n_threads) {
  BRAID_TRY(validate(src));
  BRAID_ASSIGN_OR_RETURN(const int64_t total, repacked_bytes(src.dtype, src.n, src.k));
  (void)total;
  if (dst == nullptr || reinterpret_cast<uintptr_t>(dst) % 64 != 0) {
    return core::invalid_argument("[cpu::repack] the destination must be 64-byte aligned");
  }
  const int64_t tiles = (src.n + layout::kTileRows - 1) / layout::kTileRows;
  const int64_t tile_bytes = layout::tile_bytes(src.dtype, src.k);
  auto* out = static_cast<uint8_t*>(dst);
#pragma omp parallel for num_threads(resolve_threads(n_threads)) schedule(static)
  for (int64_t t = 0; t < tiles; ++t) {
    uint8_t* tile = out + t * tile_bytes;
    const int64_t row0 = t * layout::kTileRows;
    switch (src.dtype) {
      case DType::Q8_0:
        tile_q8_0(src, row0, tile);
        break;
      case DType::Q4_0:
        tile_q4_0(src, row0, tile);
        break;
      case DType::Q4_K:
        tile_affine_k<BlockQ4_K, false>(src, row0, tile);
        break;
      case DType::Q5_K:
        tile_affine_k<BlockQ5_K, true>(src, row0, tile);
        break;
      case DType::Q6_K:
        tile_q6_k(src, row0, tile);
        break;
      default:
        break;
    }
  }
  return core::Status::ok();
}

}  // namespace braid::cpu
