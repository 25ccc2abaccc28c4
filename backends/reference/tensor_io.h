// Reading and writing tensors of any layout the ABI allows, as doubles in logical row-major
// order: the one place the reference backend deals with dtypes and strides, so every op can be
// written over plain dense arrays.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "braid/backend.h"

namespace braid::reference {

/// A tensor resolved to memory: dtype, shape, byte strides (ABI rules) and its first byte.
struct View {
  uint32_t dtype = 0;
  uint32_t rank = 0;
  std::array<int64_t, BRAID_MAX_DIMS> shape{};
  std::array<int64_t, BRAID_MAX_DIMS> strides{};
  std::byte* data = nullptr;

  int64_t n_elements() const;
  /// Elements per innermost row, and how many rows the outer dims hold.
  int64_t row_length() const { return shape[rank - 1]; }
  int64_t n_rows() const { return n_elements() / row_length(); }
  /// The sub-tensor at index `i` of the outermost dim (rank drops by one; rank 1 is refused).
  View slice(int64_t i) const;
};

/// Row `row` (logical order over the outer dims) converted to doubles; `out` holds
/// row_length() values. Block types are dequantized with core::dequantize_row.
void read_row(const View& v, int64_t row, double* out);
/// Every element, converted to double, in logical row-major order.
std::vector<double> read_all(const View& v);
/// Every element of an I32 tensor.
std::vector<int32_t> read_i32(const View& v);

/// Writes row `row` from doubles, converting to the dtype (round to nearest even; block types
/// through core::quantize_row, which refuses non-finite values: that throws INVALID_ARGUMENT).
void write_row(const View& v, int64_t row, const double* values);
/// Writes every element from `values` (logical row-major order, n_elements() of them).
void write_all(const View& v, const std::vector<double>& values);

/// Copies every element (plain types) or row (block types) of `src` into `dst` bit for bit:
/// same dtype and shape, any layouts.
void copy_raw(const View& src, const View& dst);

}  // namespace braid::reference
