#include "braid/core/tensor.h"

#include <limits>

namespace braid::core {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Multiplies non-negative a and b; false on overflow of int64.
bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  if (a != 0 && b > kInt64Max / a) return false;
  *out = a * b;
  return true;
}

Status check_shape(DType dtype, const std::vector<int64_t>& shape) {
  if (shape.empty() || shape.size() > kMaxDims) {
    return invalid_argument("[tensor] rank must be 1..", kMaxDims, ", got ", shape.size());
  }
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return invalid_argument("[tensor] dim ", i, " is negative (", shape[i], ")");
    if (!checked_mul(count, shape[i], &count)) {
      return out_of_range("[tensor] element count overflows int64");
    }
  }
  const auto& info = dtype_info(dtype);
  if (shape.back() % info.block_size != 0) {
    return invalid_argument("[tensor] innermost dim ", shape.back(), " is not a multiple of the ",
                            info.name, " block size ", info.block_size);
  }
  return Status::ok();
}

}  // namespace

Result<TensorView> TensorView::contiguous(DType dtype,
                                          const std::vector<int64_t>& shape,
                                          BufferRef buffer,
                                          uint64_t offset) {
  BRAID_TRY(check_shape(dtype, shape));
  const auto& info = dtype_info(dtype);
  std::vector<int64_t> strides(shape.size());
  int64_t stride = info.block_bytes;  // innermost: bytes per block / values per block, see below
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    if (i == static_cast<int>(shape.size()) - 1) {
      // Per-element stride of the innermost dim; meaningful only for plain types.
      strides[i] = info.block_size == 1 ? info.block_bytes : 0;
      stride = static_cast<int64_t>(shape[i] / info.block_size) * info.block_bytes;
    } else {
      strides[i] = stride;
      if (!checked_mul(stride, shape[i], &stride)) {
        return out_of_range("[tensor] byte size overflows int64");
      }
    }
  }
  return strided(dtype, shape, strides, buffer, offset);
}

Result<TensorView> TensorView::strided(DType dtype,
                                       const std::vector<int64_t>& shape,
                                       const std::vector<int64_t>& byte_strides,
                                       BufferRef buffer,
                                       uint64_t offset) {
  BRAID_TRY(check_shape(dtype, shape));
  if (byte_strides.size() != shape.size()) {
    return invalid_argument("[tensor] ", shape.size(), " dims but ", byte_strides.size(),
                            " strides");
  }
  const auto& info = dtype_info(dtype);
  TensorView view;
  view.dtype_ = dtype;
  view.rank_ = static_cast<int>(shape.size());
  view.offset_ = offset;
  view.buffer_ = buffer;
  for (size_t i = 0; i < shape.size(); ++i) {
    view.shape_[i] = shape[i];
    view.strides_[i] = byte_strides[i];
  }
  if (view.n_elements() == 0) {
    if (offset > buffer.size) return out_of_range("[tensor] offset ", offset, " past the buffer");
    return view;
  }
  // The last byte reachable: the innermost row occupies row_bytes; outer dims add
  // (dim - 1) * stride each. Strides must be non-negative so the first byte is data().
  const int last = view.rank_ - 1;
  int64_t reach = static_cast<int64_t>(shape[last] / info.block_size) * info.block_bytes;
  if (info.block_size == 1 && byte_strides[last] != info.block_bytes) {
    if (byte_strides[last] < 0) return invalid_argument("[tensor] negative stride");
    int64_t extra = 0;
    if (!checked_mul(shape[last] - 1, byte_strides[last], &extra)) {
      return out_of_range("[tensor] byte extent overflows int64");
    }
    reach = extra + info.block_bytes;
  }
  for (int i = 0; i < last; ++i) {
    if (byte_strides[i] < 0) return invalid_argument("[tensor] negative stride in dim ", i);
    int64_t extra = 0;
    if (!checked_mul(shape[i] - 1, byte_strides[i], &extra) || reach > kInt64Max - extra) {
      return out_of_range("[tensor] byte extent overflows int64");
    }
    reach += extra;
  }
  if (offset > buffer.size || static_cast<uint64_t>(reach) > buffer.size - offset) {
    return out_of_range("[tensor] view of ", reach, " bytes at offset ", offset,
                        " runs past the buffer of ", buffer.size, " bytes");
  }
  return view;
}

int64_t TensorView::n_elements() const {
  int64_t count = 1;
  for (int i = 0; i < rank_; ++i) count *= shape_[i];
  return count;
}

uint64_t TensorView::packed_bytes() const {
  const auto& info = dtype_info(dtype_);
  return static_cast<uint64_t>(n_elements() / info.block_size) * info.block_bytes;
}

bool TensorView::is_contiguous() const {
  const auto& info = dtype_info(dtype_);
  const int last = rank_ - 1;
  if (info.block_size == 1 && strides_[last] != info.block_bytes) return false;
  int64_t expected = static_cast<int64_t>(shape_[last] / info.block_size) * info.block_bytes;
  for (int i = last - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

Result<TensorView> TensorView::select(int64_t i) const {
  if (i < 0 || i >= shape_[0]) {
    return out_of_range("[tensor] index ", i, " outside dim 0 of size ", shape_[0]);
  }
  TensorView sub = *this;
  if (rank_ == 1) {
    const auto& info = dtype_info(dtype_);
    if (info.block_size != 1) return invalid_argument("[tensor] cannot select inside a block");
    sub.shape_[0] = 1;
    sub.offset_ += static_cast<uint64_t>(i * strides_[0]);
    return sub;
  }
  sub.offset_ += static_cast<uint64_t>(i * strides_[0]);
  for (int d = 1; d < rank_; ++d) {
    sub.shape_[d - 1] = shape_[d];
    sub.strides_[d - 1] = strides_[d];
  }
  sub.shape_[rank_ - 1] = 0;
  sub.strides_[rank_ - 1] = 0;
  sub.rank_ = rank_ - 1;
  return sub;
}

std::string TensorView::describe() const {
  std::string out = std::string(dtype_name(dtype_)) + " [";
  for (int i = 0; i < rank_; ++i) {
    if (i) out += ", ";
    out += std::to_string(shape_[i]);
  }
  return out + "]";
}

}  // namespace braid::core
