// Matrix products for many rows (M >= ~128: prompt prefill, ViT and Whisper encoders) through
// oneDNN's matmul: y[m, n] = x[m, k] · W[n, k]ᵀ (+ bias[n]), x and y f32 and contiguous.
//
// Both classes pack W once, at creation, into the blocked layout oneDNN picks for this CPU
// (format_tag::any; a plain layout is 1.3–2.6× slower), and create their primitives up front for a
// small set of M buckets (16, 32, … 512): a call splits its M rows into bucket-sized pieces (the
// last one padded), so no primitive is created, and no "runtime M" slow path taken, per call.
//
//  - GemmF32: f32 weights and arithmetic (oneDNN's brgemm f32 kernel).
//  - GemmInt8: u8 activations × s8 weights with s32 accumulation (oneDNN's brgemm int8 kernel:
//    AMX where the CPU and OS expose it, else AVX-512 VNNI), for weights that are quantized anyway.
//    The scales stay outside oneDNN (runtime scales would switch it to a 3× slower kernel) and
//    work per K block of 256 values (128, 64 or 32 when 256 does not divide k; all of k when none
//    does): weight row n, block b gets sw[n, b] = max|W[n, b]| / 127, activation row m, block b
//    gets sx[m, b] = max|x[m, b]| / 127, codes offset by 128 to make them unsigned. One oneDNN
//    call per block gives s32 sums, and an epilogue adds sx[m, b] · sw[n, b] · (acc − 128 ·
//    Σ w8[n, b]) into y (plus bias[n] once). Per-block scales keep a few large activation
//    channels (transformers have them) from coarsening a whole row. Error: |y − x·Wᵀ| <= Σ_k
//    (|x_k| · sw/2 + |W_nk| · sx/2 + sx·sw/4) per output with each k's own block scales, plus f32
//    rounding; for GGUF weights W is their dequantized value (a second rounding on top of the
//    file's own, 1/254 of the block's largest weight).
//
// oneDNN runs on OpenMP: run() sets the calling thread's OpenMP thread count (omp_set_num_threads)
// to n_threads. Objects are immutable after creation; run() is thread-safe for distinct outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::cpu {

/// True when braid_cpu_kernels was built with oneDNN (BRAID_ENABLE_ONEDNN). Without it GemmF32
/// runs PanelGemmF32 and GemmInt8::create returns NotSupported.
bool gemm_uses_onednn();

/// y = x · Wᵀ (+ bias) in f32: oneDNN's brgemm, or PanelGemmF32 in a build without oneDNN.
class GemmF32 {
 public:
  /// Packs W [n, k] (row i at w + i·ldw) and copies bias [n] (may be null).
  /// @return InvalidArgument for bad sizes, BackendError when oneDNN fails.
  static core::Result<std::unique_ptr<GemmF32>> create(
      const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias);

  /// y [m, n] = x [m, k] · Wᵀ (+ bias), both contiguous. m = 0 does nothing.
  core::Status run(const float* x, int64_t m, float* y, int n_threads = 0) const;

  int64_t n() const;
  int64_t k() const;
  /// oneDNN's implementation name for the largest bucket ("brg:avx512_core").
  std::string implementation() const;

  ~GemmF32();
  GemmF32(const GemmF32&) = delete;
  GemmF32& operator=(const GemmF32&) = delete;

  struct State;

 private:
  explicit GemmF32(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// y = x · Wᵀ (+ bias) in f32 with our own kernel (AVX-512 or AVX2, chosen at run time): W packed
/// once into 16-column panels, register tiles of 6 × 64 (AVX-512) or 3 × 32 (AVX2) outputs, k in
/// blocks of 256. Built in every configuration (so it is tested everywhere); GemmF32 uses it when
/// oneDNN is absent. Immutable after creation; run() is thread-safe for distinct outputs.
class PanelGemmF32 {
 public:
  /// Packs W [n, k] (row i at w + i·ldw) and copies bias [n] (may be null).
  /// @return InvalidArgument for bad sizes, NotSupported on a CPU without AVX2.
  static core::Result<std::unique_ptr<PanelGemmF32>> create(
      const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias);

  /// y [m, n] = x [m, k] · Wᵀ (+ bias), both contiguous. m = 0 does nothing.
  core::Status run(const float* x, int64_t m, float* y, int n_threads = 0) const;

  int64_t n() const { return n_; }
  int64_t k() const { return k_; }

 private:
  PanelGemmF32() = default;
  struct Free {
    void operator()(float* p) const;
  };
  int64_t n_ = 0, k_ = 0;
  std::unique_ptr<float, Free> panels_;
  std::vector<float> bias_;  // empty: none
};

/// y = x · Wᵀ (+ bias) with int8 arithmetic (see the header comment for the scales and the error).
class GemmInt8 {
 public:
  /// From f32 weights W [n, k] (row i at w + i·ldw); bias may be null.
  static core::Result<std::unique_ptr<GemmInt8>> create(
      const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias);
  /// From GGUF rows of any type core::dequantize_row converts (row i at data + i·row_stride).
  static core::Result<std::unique_ptr<GemmInt8>> create_from_gguf(core::DType dtype,
                                                                  const void* data,
                                                                  int64_t n,
                                                                  int64_t k,
                                                                  int64_t row_stride,
                                                                  const float* bias);

  /// y [m, n] = x [m, k] · Wᵀ (+ bias), both contiguous.
  core::Status run(const float* x, int64_t m, float* y, int n_threads = 0) const;

  int64_t n() const;
  int64_t k() const;
  std::string implementation() const;

  ~GemmInt8();
  GemmInt8(const GemmInt8&) = delete;
  GemmInt8& operator=(const GemmInt8&) = delete;

  struct State;

 private:
  explicit GemmInt8(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace braid::cpu
