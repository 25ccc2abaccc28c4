// Matrix products with block-quantized weights, straight from GGUF blocks: y[m, n] = x[m, k] ·
// W[n, k]ᵀ (+ bias[n]) for x in f32 and W in Q8_0, Q4_0, Q4_K, Q5_K or Q6_K.
//
// These are the decode kernels (one token, M = 1, up to a handful of rows): their speed is the
// speed at which the weights stream from memory. The activations are quantized on the fly to int8
// blocks of 32 values with an f32 scale each (quantize_activations), and the products are integer
// dot products (vpdpbusd on AVX-512 VNNI; vpmaddubsw + vpmaddwd on AVX2) with the weights' own
// scales applied per block. The weights are never dequantized to a temporary.
//
// Two weight layouts:
//  - GgufMatrix: the rows exactly as a GGUF file stores them (a memory-mapped tensor);
//  - RepackedMatrix: the same codes and scales rearranged once at load by repack_weights() into
//    tiles of 16 rows interleaved for vpdpbusd (each 64-byte load feeds 16 rows), with the scales
//    of each chunk in front of its quants. About twice as fast; costs one copy of the weights.
//
// Accuracy: the only rounding beyond the weights' own is the activations' int8 quantization, a
// relative error of at most 1/254 of each 32-value block's largest magnitude (tests bound the
// result against core::dequantize_row in double precision), plus f32 accumulation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::cpu {

/// True for the weight types these kernels take: Q8_0, Q4_0, Q4_K, Q5_K, Q6_K.
bool quant_matmul_supports(core::DType dtype);

/// k rounded up to the multiple of 64 the activation blocks and repacked tiles use.
inline int64_t quant_padded_k(int64_t k) { return (k + 63) / 64 * 64; }

// ---- activations -------------------------------------------------------------------------------

/// Rows of activations quantized for the integer kernels. Row r, block b (32 values) holds
/// q[r·k_padded + 32b + i] = round(x / d) with d = d[r·blocks + b] = max|x| / 127 over the block
/// (0 for an all-zero block); values past k are 0. sum32 / sum16 are the sums of the int8 codes of
/// each 32- and 16-value group (the kernels need them for the weights' offsets and minimums).
struct QuantizedActivations {
  int64_t rows = 0;
  int64_t k = 0;
  int64_t k_padded = 0;      ///< quant_padded_k(k)
  int8_t* q = nullptr;       ///< rows × k_padded; every row starts 64-byte aligned
  float* d = nullptr;        ///< rows × blocks, blocks = k_padded / 32
  int32_t* sum32 = nullptr;  ///< rows × blocks
  int32_t* sum16 = nullptr;  ///< rows × 2·blocks

  int64_t blocks() const { return k_padded / 32; }
};

/// Owns the memory of QuantizedActivations and reuses it: it only allocates when a call needs more
/// than any call before (reserve at load to keep the decode loop free of allocations).
/// Not thread-safe; one per concurrent caller.
class ActivationBuffer {
 public:
  ActivationBuffer() = default;
  ActivationBuffer(const ActivationBuffer&) = delete;
  ActivationBuffer& operator=(const ActivationBuffer&) = delete;

  /// Makes room for `rows` rows of `k` values. @return OutOfMemory when allocation fails.
  core::Status reserve(int64_t rows, int64_t k);

  /// Quantizes x [rows, k] (row r at x + r·ldx) and returns the view, valid until the next call.
  /// @return InvalidArgument for rows < 1, k < 1 or ldx < k.
  core::Result<QuantizedActivations> quantize(
      const float* x, int64_t rows, int64_t k, int64_t ldx, int n_threads = 0);

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<uint8_t, Free> memory_;
  size_t capacity_ = 0;
};

/// The scalar definition of the activation quantization (what the vector paths compute bit for
/// bit); for tests. Writes one row of k values into q[k_padded], d[blocks], sum32, sum16.
void quantize_activation_row_reference(
    const float* x, int64_t k, int8_t* q, float* d, int32_t* sum32, int32_t* sum16);

// ---- weights -----------------------------------------------------------------------------------

/// W[n, k] in GGUF's layout: row i is k / block_size blocks at data + i · row_stride bytes.
/// The memory is the caller's (typically a mapped file) and must outlive every call using it.
struct GgufMatrix {
  core::DType dtype = core::DType::Q8_0;
  int64_t n = 0;
  int64_t k = 0;
  const void* data = nullptr;
  int64_t row_stride = 0;  ///< bytes between rows; at least dtype_row_bytes(dtype, k)
};

/// Checks a GgufMatrix: supported type, n >= 1, k a whole number of blocks, stride large enough.
core::Status validate(const GgufMatrix& w);

/// Bytes repack_weights writes for an n × k matrix of `dtype` (n rounded up to 16 rows, k to 64).
core::Result<int64_t> repacked_bytes(core::DType dtype, int64_t n, int64_t k);

/// Rearranges `src` into the tiled layout at `dst` (64-byte aligned, repacked_bytes() long).
/// Lossless: the same codes and scales, reordered (Q6_K's fp16 scale is widened to f32).
/// @return the errors of validate(src); InvalidArgument when dst is misaligned.
core::Status repack_weights(const GgufMatrix& src, void* dst, int n_threads = 0);

/// A view of repacked weights (what the kernels read). Build one with RepackedMatrix::view(), or
/// over memory filled by repack_weights().
struct RepackedView {
  core::DType dtype = core::DType::Q8_0;
  int64_t n = 0;
  int64_t k = 0;
  const uint8_t* data = nullptr;  ///< 64-byte aligned
};

/// Repacked weights that own their memory. Move-only.
class RepackedMatrix {
 public:
  /// Repacks `src` into a new 64-byte aligned buffer.
  static core::Result<RepackedMatrix> create(const GgufMatrix& src, int n_threads = 0);

  RepackedView view() const { return {dtype_, n_, k_, data_.get()}; }
  int64_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  core::DType dtype_ = core::DType::Q8_0;
  int64_t n_ = 0, k_ = 0, bytes_ = 0;
  std::unique_ptr<uint8_t, Free> data_;
};

// ---- the products ------------------------------------------------------------------------------

/// y[m, j] = Σ_k a[m, k] · W[j, k] (+ bias[j]) for m < a.rows, j < w.n, with y's row m at
/// y + m · ldy. `a` must have been quantized with a.k == w.k. bias may be null.
/// Splits the rows of W over n_threads OpenMP threads (<= 0: default_threads()).
/// @return InvalidArgument for mismatched shapes or ldy < w.n, NotSupported for other types or
///         a CPU without AVX2; never reads outside the described memory.
core::Status quant_matmul(const GgufMatrix& w,
                          const QuantizedActivations& a,
                          const float* bias,
                          float* y,
                          int64_t ldy,
                          int n_threads = 0);
core::Status quant_matmul(const RepackedView& w,
                          const QuantizedActivations& a,
                          const float* bias,
                          float* y,
                          int64_t ldy,
                          int n_threads = 0);

}  // namespace braid::cpu
