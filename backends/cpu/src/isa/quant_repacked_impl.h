// The activation quantizer and the repacked-weight kernels of quant_matmul.h, written once in the
// 16-lane vocabulary of simd_*.h and compiled per instruction-set path: the including translation
// unit includes its simd header and defines BRAID_CPU_ISA_NS first.
//
// A repacked tile holds 16 rows, so one F32 accumulator holds the 16 outputs of a tile and one
// 64-byte weight load feeds 16 rows (see repack_layout.h). Up to kMaxQuantRows activation rows
// share each weight load (small-M matmul); more rows take more passes over the tile, which then
// comes from cache.
//
// Nothing here may be an inline function or template visible outside this namespace (the linker
// would be free to keep the AVX-512 copy for everyone).
#pragma once

#include <omp.h>

#include <cstdint>

#include "braid/cpu/quant_matmul.h"
#include "repack_layout.h"

#ifndef BRAID_CPU_ISA_NS
#error "define BRAID_CPU_ISA_NS (avx512 or avx2) and include the matching simd header first"
#endif

namespace braid::cpu::BRAID_CPU_ISA_NS {
namespace {

// Software prefetch of the weights 2 KiB ahead of the ones being multiplied, into L2 (T1).
// Measured with two threads streaming a 17 MB Q8_0 matrix (rotating over 1 GiB): no prefetch
// 22.8 GB/s, T0 at 3 KiB 22.0, T0 at 1 KiB 25.9, T1 at 2 KiB 26.1 (medians of 3 × 3 runs): the
// hardware streamer does most of the work, and prefetching far ahead into L1 ties up its fill
// buffers.
constexpr int64_t kPrefetchBytes = 2048;

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

inline void prefetch_line(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1); }

template <int64_t kBytes>
inline void prefetch_range(const uint8_t* p) {
  for (int64_t i = 0; i < kBytes; i += 64) prefetch_line(p + i);
}

// One activation row as the kernels read it.
struct ActRow {
  const int8_t* q;
  const float* d;
  const int32_t* sum32;
  const int32_t* sum16;
};

ActRow act_row(const QuantizedActivations& a, int64_t row) {
  const int64_t blocks = a.k_padded / 32;
  return {a.q + row * a.k_padded, a.d + row * blocks, a.sum32 + row * blocks,
          a.sum16 + row * 2 * blocks};
}

// ---- activations --------------------------------------------------------------------------------

void quantize_one_row(
    const float* x, int64_t k, int8_t* q, float* d, int32_t* sum32, int32_t* sum16) {
  const int64_t blocks = (k + 63) / 64 * 2;
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t j = 32 * b;
    F32 v0, v1;
    if (j + 32 <= k) {
      v0 = load(x + j);
      v1 = load(x + j + 16);
    } else {
      v0 = load_n(x + j, static_cast<int>(imin(16, k - j > 0 ? k - j : 0)));
      v1 = load_n(x + j + 16, static_cast<int>(imin(16, k - j - 16 > 0 ? k - j - 16 : 0)));
    }
    const float amax = reduce_max(max(abs(v0), abs(v1)));
    // Same arithmetic as quantize_activation_row_reference, so the codes agree bit for bit.
    const float scale = amax / 127.0f;
    const float inverse = scale != 0 ? 1.0f / scale : 0.0f;
    const I32 q0 = to_i32(mul(v0, set1(inverse)));
    const I32 q1 = to_i32(mul(v1, set1(inverse)));
    store_s8(q + j, q0);
    store_s8(q + j + 16, q1);
    const int32_t s0 = reduce_add(q0), s1 = reduce_add(q1);
    d[b] = scale;
    sum16[2 * b] = s0;
    sum16[2 * b + 1] = s1;
    sum32[b] = s0 + s1;
  }
}

// ---- the per-type tile kernels ------------------------------------------------------------------
// Each computes, for MR activation rows, the 16 dot products of one tile over the whole of k.

struct KernelQ8_0 {
  static constexpr int64_t kChunkValues = 64;
  static constexpr int64_t kChunkBytes = layout::kQ8_0Chunk;

  template <int MR>
  static void run(const uint8_t* tile, int64_t chunks, const ActRow* a, F32* out) {
    F32 acc[MR];
    for (int m = 0; m < MR; ++m) acc[m] = zero();
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = tile + c * kChunkBytes;
      prefetch_range<kChunkBytes>(p + kPrefetchBytes);
      for (int bb = 0; bb < 2; ++bb) {
        const F32 dw = load_f16(reinterpret_cast<const uint16_t*>(p) + 16 * bb);
        const uint8_t* qv = p + 64 + 512 * bb;
        const int64_t blk = 2 * c + bb;
        I32 even[MR], odd[MR];  // two chains: vpdpbusd has 5 cycles of latency
        for (int m = 0; m < MR; ++m) even[m] = odd[m] = zero_i32();
        for (int g = 0; g < 8; g += 2) {
          const U8 w0 = load_u8(qv + 64 * g);
          const U8 w1 = load_u8(qv + 64 * (g + 1));
          for (int m = 0; m < MR; ++m) {
            const int8_t* aq = a[m].q + 64 * c + 32 * bb + 4 * g;
            even[m] = dot_q8(even[m], w0, bcast4(aq));
            odd[m] = dot_q8(odd[m], w1, bcast4(aq + 4));
          }
        }
        for (int m = 0; m < MR; ++m) {
          I32 t = add(even[m], odd[m]);
          if constexpr (kQ8DotOffset != 0) t = sub(t, set1_i32(kQ8DotOffset * a[m].sum32[blk]));
          acc[m] = fmadd(mul(to_f32(t), set1(a[m].d[blk])), dw, acc[m]);
        }
      }
    }
    for (int m = 0; m < MR; ++m) out[m] = acc[m];
  }
};

struct KernelQ4_0 {
  static constexpr int64_t kChunkValues = 64;
  static constexpr int64_t kChunkBytes = layout::kQ4_0Chunk;

  template <int MR>
  static void run(const uint8_t* tile, int64_t chunks, const ActRow* a, F32* out) {
    const U8 low = set1_u8(0x0f);
    F32 acc[MR];
    for (int m = 0; m < MR; ++m) acc[m] = zero();
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = tile + c * kChunkBytes;
      prefetch_range<kChunkBytes>(p + kPrefetchBytes);
      for (int bb = 0; bb < 2; ++bb) {
        const F32 dw = load_f16(reinterpret_cast<const uint16_t*>(p) + 16 * bb);
        const uint8_t* qv = p + 64 + 256 * bb;
        const int64_t blk = 2 * c + bb;
        I32 even[MR], odd[MR];
        for (int m = 0; m < MR; ++m) even[m] = odd[m] = zero_i32();
        for (int v = 0; v < 4; ++v) {
          const U8 raw = load_u8(qv + 64 * v);
          const U8 lo = and_(raw, low);
          const U8 hi = and_(srli16<4>(raw), low);
          for (int m = 0; m < MR; ++m) {
            const int8_t* aq = a[m].q + 64 * c + 32 * bb + 8 * v;
            even[m] = dot(even[m], lo, bcast4(aq));
            odd[m] = dot(odd[m], hi, bcast4(aq + 4));
          }
        }
        for (int m = 0; m < MR; ++m) {
          // Codes are q + 8: subtract 8 · Σa.
          const I32 t = sub(add(even[m], odd[m]), set1_i32(8 * a[m].sum32[blk]));
          acc[m] = fmadd(mul(to_f32(t), set1(a[m].d[blk])), dw, acc[m]);
        }
      }
    }
    for (int m = 0; m < MR; ++m) out[m] = acc[m];
  }
};

// Bit kFrom of every byte moved to bit kTo (16-bit shifts: the bits that cross into the
// neighbouring byte never land on bit kTo, and the caller masks the rest).
template <int kFrom, int kTo>
inline U8 move_bit(U8 x) {
  if constexpr (kFrom < kTo) {
    return slli16<kTo - kFrom>(x);
  } else if constexpr (kFrom > kTo) {
    return srli16<kFrom - kTo>(x);
  } else {
    return x;
  }
}

// Q4_K and Q5_K: x = d·sc·q − dmin·m per 32-value sub-block, codes q unsigned.
template <bool kFiveBit>
struct KernelAffineK {
  static constexpr int64_t kChunkValues = 256;
  static constexpr int64_t kChunkBytes = kFiveBit ? layout::kQ5_KChunk : layout::kQ4_KChunk;
  static constexpr int64_t kSubBytes = kFiveBit ? 320 : 256;

  // Vector v of a sub-block: the codes for k = 8v..8v+3 (lo) and 8v+4..8v+7 (hi).
  template <int V>
  static void codes(const uint8_t* sub, U8 bits, U8* lo, U8* hi) {
    const U8 low = set1_u8(0x0f);
    const U8 raw = load_u8(sub + 64 * V);
    *lo = and_(raw, low);
    *hi = and_(srli16<4>(raw), low);
    if constexpr (kFiveBit) {
      const U8 fifth = set1_u8(0x10);
      *lo = or_and(*lo, move_bit<2 * V, 4>(bits), fifth);
      *hi = or_and(*hi, move_bit<2 * V + 1, 4>(bits), fifth);
    }
  }

  template <int V, int MR>
  static void step(const uint8_t* sub, U8 bits, const int8_t* const* aq, I32* even, I32* odd) {
    U8 lo, hi;
    codes<V>(sub, bits, &lo, &hi);
    for (int m = 0; m < MR; ++m) {
      even[m] = dot(even[m], lo, bcast4(aq[m] + 8 * V));
      odd[m] = dot(odd[m], hi, bcast4(aq[m] + 8 * V + 4));
    }
  }

  template <int MR>
  static void run(const uint8_t* tile, int64_t chunks, const ActRow* a, F32* out) {
    F32 acc[MR];
    for (int m = 0; m < MR; ++m) acc[m] = zero();
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = tile + c * kChunkBytes;
      prefetch_range<kChunkBytes>(p + kPrefetchBytes);
      const F32 d = load_f16(reinterpret_cast<const uint16_t*>(p));
      const F32 dmin = load_f16(reinterpret_cast<const uint16_t*>(p + 32));
      F32 scaled[MR], mins[MR];
      for (int m = 0; m < MR; ++m) scaled[m] = mins[m] = zero();
      for (int j = 0; j < 8; ++j) {
        const uint8_t* sub = p + layout::kKHeader + kSubBytes * j;
        const U8 bits = kFiveBit ? load_u8(sub + 256) : U8{};
        const int64_t blk = 8 * c + j;
        const int8_t* aq[MR];
        I32 even[MR], odd[MR];
        for (int m = 0; m < MR; ++m) {
          aq[m] = a[m].q + 256 * c + 32 * j;
          even[m] = odd[m] = zero_i32();
        }
        step<0, MR>(sub, bits, aq, even, odd);
        step<1, MR>(sub, bits, aq, even, odd);
        step<2, MR>(sub, bits, aq, even, odd);
        step<3, MR>(sub, bits, aq, even, odd);
        const I32 sc = load_u8_i32(p + 64 + 16 * j);
        const F32 mn = to_f32(load_u8_i32(p + 192 + 16 * j));
        for (int m = 0; m < MR; ++m) {
          // |dot| <= 32 · 31 · 127, times sc <= 63: well inside int32.
          const I32 t = mullo(add(even[m], odd[m]), sc);
          const float da = a[m].d[blk];
          scaled[m] = fmadd(to_f32(t), set1(da), scaled[m]);
          mins[m] = fmadd(mn, set1(da * static_cast<float>(a[m].sum32[blk])), mins[m]);
        }
      }
      for (int m = 0; m < MR; ++m) acc[m] = fnmadd(mins[m], dmin, fmadd(scaled[m], d, acc[m]));
    }
    for (int m = 0; m < MR; ++m) out[m] = acc[m];
  }
};

// Q6_K: x = d · sc · (q − 32) per 16-value sub-block.
struct KernelQ6_K {
  static constexpr int64_t kChunkValues = 256;
  static constexpr int64_t kChunkBytes = layout::kQ6_KChunk;

  template <int MR>
  static void run(const uint8_t* tile, int64_t chunks, const ActRow* a, F32* out) {
    const U8 low = set1_u8(0x0f);
    const U8 top = set1_u8(0x30);
    F32 acc[MR];
    for (int m = 0; m < MR; ++m) acc[m] = zero();
    for (int64_t c = 0; c < chunks; ++c) {
      const uint8_t* p = tile + c * kChunkBytes;
      prefetch_range<kChunkBytes>(p + kPrefetchBytes);
      const F32 d = load(reinterpret_cast<const float*>(p));
      const auto* scales = reinterpret_cast<const int8_t*>(p + 64);
      F32 block_acc[MR];
      for (int m = 0; m < MR; ++m) block_acc[m] = zero();
      for (int pair = 0; pair < 8; ++pair) {  // one 32-value activation block = 2 sub-blocks
        const int64_t blk = 8 * c + pair;
        I32 ints[MR];
        for (int m = 0; m < MR; ++m) ints[m] = zero_i32();
        for (int t = 0; t < 2; ++t) {
          const int s = 2 * pair + t;
          const uint8_t* quants = p + layout::kQ6Header + 192 * s;
          const U8 raw0 = load_u8(quants);
          const U8 raw1 = load_u8(quants + 64);
          const U8 high = load_u8(quants + 128);
          const U8 q0 = or_and(and_(raw0, low), slli16<4>(high), top);
          const U8 q1 = or_and(and_(srli16<4>(raw0), low), slli16<2>(high), top);
          const U8 q2 = or_and(and_(raw1, low), high, top);
          const U8 q3 = or_and(and_(srli16<4>(raw1), low), srli16<2>(high), top);
          const I32 sc = load_s8_i32(scales + 16 * s);
          for (int m = 0; m < MR; ++m) {
            const int8_t* aq = a[m].q + 256 * c + 16 * s;
            I32 x = dot(zero_i32(), q0, bcast4(aq));
            I32 y = dot(zero_i32(), q1, bcast4(aq + 4));
            x = dot(x, q2, bcast4(aq + 8));
            y = dot(y, q3, bcast4(aq + 12));
            // Codes are q + 32: subtract 32 · Σa of this sub-block, then weigh by its scale.
            const I32 centred = sub(add(x, y), set1_i32(32 * a[m].sum16[16 * c + s]));
            ints[m] = add(ints[m], mullo(centred, sc));
          }
        }
        for (int m = 0; m < MR; ++m) {
          block_acc[m] = fmadd(to_f32(ints[m]), set1(a[m].d[blk]), block_acc[m]);
        }
      }
      for (int m = 0; m < MR; ++m) acc[m] = fmadd(block_acc[m], d, acc[m]);
    }
    for (int m = 0; m < MR; ++m) out[m] = acc[m];
  }
};

// ---- the driver ---------------------------------------------------------------------------------

template <typename Kernel>
void run_repacked(const RepackedView& w,
                  const QuantizedActivations& a,
                  const float* bias,
                  float* y,
                  int64_t ldy,
                  int n_threads) {
  const int64_t tiles = (w.n + layout::kTileRows - 1) / layout::kTileRows;
  const int64_t chunks = (w.k + Kernel::kChunkValues - 1) / Kernel::kChunkValues;
  const int64_t tile_bytes = chunks * Kernel::kChunkBytes;
  const int threads = static_cast<int>(imin(n_threads, tiles));
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t t_begin = tiles * tid / nt, t_end = tiles * (tid + 1) / nt;
    for (int64_t t = t_begin; t < t_end; ++t) {
      const uint8_t* tile = w.data + t * tile_bytes;
      const int64_t n0 = t * layout::kTileRows;
      const int valid = static_cast<int>(imin(layout::kTileRows, w.n - n0));
      const F32 b = bias != nullptr ? load_n(bias + n0, valid) : zero();
      for (int64_t m0 = 0; m0 < a.rows; m0 += kMaxQuantRows) {
        const int mr = static_cast<int>(imin(kMaxQuantRows, a.rows - m0));
        ActRow rows[kMaxQuantRows];
        for (int m = 0; m < mr; ++m) rows[m] = act_row(a, m0 + m);
        F32 out[kMaxQuantRows] = {};
        switch (mr) {
          case 1:
            Kernel::template run<1>(tile, chunks, rows, out);
            break;
          case 2:
            Kernel::template run<2>(tile, chunks, rows, out);
            break;
          default:
            if constexpr (kMaxQuantRows >= 4) {
              if (mr == 3) {
                Kernel::template run<3>(tile, chunks, rows, out);
              } else {
                Kernel::template run<4>(tile, chunks, rows, out);
              }
            }
            break;
        }
        for (int m = 0; m < mr; ++m) store_n(y + (m0 + m) * ldy + n0, add(out[m], b), valid);
      }
    }
  }
}

}  // namespace

void quantize_activations(const float* x,
                          int64_t ldx,
                          const QuantizedActivations& out,
                          int n_threads) {
  const int threads = static_cast<int>(imin(n_threads, out.rows));
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t r = 0; r < out.rows; ++r) {
    const int64_t blocks = out.k_padded / 32;
    quantize_one_row(x + r * ldx, out.k, out.q + r * out.k_padded, out.d + r * blocks,
                     out.sum32 + r * blocks, out.sum16 + r * 2 * blocks);
  }
}

void quant_matmul_repacked(const RepackedView& w,
                           const QuantizedActivations& a,
                           const float* bias,
                           float* y,
                           int64_t ldy,
                           int n_threads) {
  switch (w.dtype) {
    case core::DType::Q8_0:
      return run_repacked<KernelQ8_0>(w, a, bias, y, ldy, n_threads);
    case core::DType::Q4_0:
      return run_repacked<KernelQ4_0>(w, a, bias, y, ldy, n_threads);
    case core::DType::Q4_K:
      return run_repacked<KernelAffineK<false>>(w, a, bias, y, ldy, n_threads);
    case core::DType::Q5_K:
      return run_repacked<KernelAffineK<true>>(w, a, bias, y, ldy, n_threads);
    case core::DType::Q6_K:
      return run_repacked<KernelQ6_K>(w, a, bias, y, ldy, n_threads);
    default:
      return;
  }
}

}  // namespace braid::cpu::BRAID_CPU_ISA_NS
