#include "tensor_io.h"

#include <cstring>
#include <string>

#include "braid/core/dtype.h"
#include "braid/core/half.h"
#include "braid/core/quant.h"
#include "braid/graph_check.h"
#include "braid/plugin_adapter.h"

namespace braid::reference {
namespace {

// Byte offset of the first element of logical row `row`.
int64_t row_offset(const View& v, int64_t row) {
  int64_t offset = 0;
  for (int d = static_cast<int>(v.rank) - 2; d >= 0; --d) {
    offset += (row % v.shape[d]) * v.strides[d];
    row /= v.shape[d];
  }
  return offset;
}

core::DType core_dtype(uint32_t dtype) { return static_cast<core::DType>(dtype); }

}  // namespace

int64_t View::n_elements() const {
  int64_t n = 1;
  for (uint32_t i = 0; i < rank; ++i) n *= shape[i];
  return n;
}

View View::slice(int64_t i) const {
  View sub;
  sub.dtype = dtype;
  sub.rank = rank - 1;
  for (uint32_t d = 1; d < rank; ++d) {
    sub.shape[d - 1] = shape[d];
    sub.strides[d - 1] = strides[d];
  }
  sub.data = data + i * strides[0];
  return sub;
}

void read_row(const View& v, int64_t row, double* out) {
  const std::byte* base = v.data + row_offset(v, row);
  const int64_t n = v.row_length();
  const int64_t step = v.strides[v.rank - 1];
  switch (v.dtype) {
    case abi::kF32:
      for (int64_t i = 0; i < n; ++i) {
        float x;
        std::memcpy(&x, base + i * step, sizeof x);
        out[i] = x;
      }
      return;
    case abi::kF16:
    case abi::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, base + i * step, sizeof bits);
        out[i] = v.dtype == abi::kF16 ? core::fp16_to_f32(bits) : core::bf16_to_f32(bits);
      }
      return;
    case abi::kI32:
      for (int64_t i = 0; i < n; ++i) {
        int32_t x;
        std::memcpy(&x, base + i * step, sizeof x);
        out[i] = x;
      }
      return;
    default: {
      // A block type: the row is contiguous whole blocks.
      std::vector<float> values(n);
      const core::Status status = core::dequantize_row(core_dtype(v.dtype), base, values.data(), n);
      if (!status.is_ok()) plugin::fail(BRAID_STATUS_INTERNAL, status.message());
      for (int64_t i = 0; i < n; ++i) out[i] = values[i];
    }
  }
}

std::vector<double> read_all(const View& v) {
  std::vector<double> out(v.n_elements());
  const int64_t n = v.row_length();
  for (int64_t r = 0; r < v.n_rows(); ++r) read_row(v, r, out.data() + r * n);
  return out;
}

std::vector<int32_t> read_i32(const View& v) {
  std::vector<int32_t> out(v.n_elements());
  const int64_t n = v.row_length();
  const int64_t step = v.strides[v.rank - 1];
  for (int64_t r = 0; r < v.n_rows(); ++r) {
    const std::byte* base = v.data + row_offset(v, r);
    for (int64_t i = 0; i < n; ++i) std::memcpy(&out[r * n + i], base + i * step, sizeof(int32_t));
  }
  return out;
}

void write_row(const View& v, int64_t row, const double* values) {
  std::byte* base = v.data + row_offset(v, row);
  const int64_t n = v.row_length();
  const int64_t step = v.strides[v.rank - 1];
  switch (v.dtype) {
    case abi::kF32:
      for (int64_t i = 0; i < n; ++i) {
        const float x = static_cast<float>(values[i]);
        std::memcpy(base + i * step, &x, sizeof x);
      }
      return;
    case abi::kF16:
    case abi::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const float x = static_cast<float>(values[i]);
        const uint16_t bits = v.dtype == abi::kF16 ? core::f32_to_fp16(x) : core::f32_to_bf16(x);
        std::memcpy(base + i * step, &bits, sizeof bits);
      }
      return;
    case abi::kI32:
      for (int64_t i = 0; i < n; ++i) {
        const int32_t x = static_cast<int32_t>(values[i]);
        std::memcpy(base + i * step, &x, sizeof x);
      }
      return;
    default: {
      std::vector<float> floats(values, values + n);
      const core::Status status = core::quantize_row(core_dtype(v.dtype), floats.data(), base, n);
      if (!status.is_ok()) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "cannot store a row as ",
                     abi::dtype_name(v.dtype), ": ", status.message());
      }
    }
  }
}

void write_all(const View& v, const std::vector<double>& values) {
  const int64_t n = v.row_length();
  for (int64_t r = 0; r < v.n_rows(); ++r) write_row(v, r, values.data() + r * n);
}

void copy_raw(const View& src, const View& dst) {
  const abi::DtypeFacts* facts = abi::dtype_facts(src.dtype);
  const int64_t n = src.row_length();
  if (facts->block_size > 1) {
    const auto bytes = static_cast<size_t>(abi::row_bytes(src.dtype, n));
    for (int64_t r = 0; r < src.n_rows(); ++r) {
      std::memmove(dst.data + row_offset(dst, r), src.data + row_offset(src, r), bytes);
    }
    return;
  }
  const int64_t src_step = src.strides[src.rank - 1], dst_step = dst.strides[dst.rank - 1];
  for (int64_t r = 0; r < src.n_rows(); ++r) {
    const std::byte* from = src.data + row_offset(src, r);
    std::byte* to = dst.data + row_offset(dst, r);
    for (int64_t i = 0; i < n; ++i) {
      std::memmove(to + i * dst_step, from + i * src_step, facts->block_bytes);
    }
  }
}

}  // namespace braid::reference
