// Tensor views: dtype, shape, byte strides and an offset over a buffer the view does not own.
//
// Shapes are written outermost first, as PyTorch writes them: a Linear weight [out, in] has
// shape {n_out, n_in}. (GGUF lists dims innermost first; the GGUF reader converts.) Strides are
// in bytes, because the innermost dimension of a quantized type has no per-element stride: it
// must be contiguous, and strides of the outer dimensions step over whole rows of blocks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::core {

inline constexpr int kMaxDims = 4;

/// Bytes a view may touch: a base pointer and its size. Non-owning.
struct BufferRef {
  std::byte* data = nullptr;
  uint64_t size = 0;
};

class TensorView {
 public:
  TensorView() = default;

  /// A contiguous, row-major view of `shape` (outermost first) at `offset` bytes into `buffer`.
  /// Fails when the shape is invalid (rank 0 or > kMaxDims, negative dims, a partial block in the
  /// innermost dim, a byte count that overflows) or the bytes run past the buffer.
  static Result<TensorView> contiguous(DType dtype,
                                       const std::vector<int64_t>& shape,
                                       BufferRef buffer,
                                       uint64_t offset = 0);

  /// A view with explicit byte strides; checked like contiguous(), and every reachable byte must
  /// lie inside the buffer.
  static Result<TensorView> strided(DType dtype,
                                    const std::vector<int64_t>& shape,
                                    const std::vector<int64_t>& byte_strides,
                                    BufferRef buffer,
                                    uint64_t offset = 0);

  DType dtype() const { return dtype_; }
  int rank() const { return rank_; }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t byte_stride(int i) const { return strides_[i]; }
  uint64_t offset() const { return offset_; }
  BufferRef buffer() const { return buffer_; }

  int64_t n_elements() const;
  /// Bytes the elements occupy when packed (what a contiguous copy needs).
  uint64_t packed_bytes() const;
  bool is_contiguous() const;

  /// Pointer to the first byte of the view.
  std::byte* data() const { return buffer_.data + offset_; }

  /// The sub-view of index `i` along the outermost dim (rank drops by one; rank 1 stays rank 1
  /// with one element). OutOfRange for a bad index.
  Result<TensorView> select(int64_t i) const;

  /// "Q4_K [4096, 2048]"
  std::string describe() const;

 private:
  DType dtype_ = DType::F32;
  int rank_ = 0;
  std::array<int64_t, kMaxDims> shape_{};
  std::array<int64_t, kMaxDims> strides_{};
  uint64_t offset_ = 0;
  BufferRef buffer_;
};

}  // namespace braid::core
