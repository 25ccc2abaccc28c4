#include "cpu_layout_ops.h"

#include <omp.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/core/dtype.h"
#include "braid/core/quant.h"
#include "braid/plugin_types.h"
#include "cpu_copy.h"

namespace braid::cpu_plugin {
namespace {

int32_t read_index(const std::byte* base, int64_t stride, int64_t i) {
  int32_t r;
  std::memcpy(&r, base + i * stride, 4);
  return r;
}

}  // namespace

// dst[i, :] = f32(table[rows[i], :]). Block rows are dequantized with core's reference routine
// (so the values are bit-identical to the reference backend's), straight into dst when its rows
// are contiguous; rows are spread over the threads.
std::function<void()> prepare_get_rows(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc table = *node.in[0], index = *node.in[1], to = *node.out;
  const std::byte* data = io.in[0];
  const std::byte* rows = io.in[1];
  std::byte* dst = io.out;
  return [=] {
    const int64_t m = index.shape[0], n = table.shape[1], n_rows = table.shape[0];
    for (int64_t i = 0; i < m; ++i) {  // every index checked before any row is written
      const int32_t r = read_index(rows, index.strides[0], i);
      if (r < 0 || r >= n_rows) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cpu] get_rows: index ", r, " (entry ", i,
                     ") is outside [0, ", n_rows, ")");
      }
    }
    if (!abi::is_block_type(table.dtype)) {
      // One 2-D strided copy per row: the table's row r to the output's row i.
      const int nt = m * n >= (int64_t{1} << 15) ? threads : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
      for (int64_t i = 0; i < m; ++i) {
        const int32_t r = read_index(rows, index.strides[0], i);
        convert_copy(data + r * table.strides[0], table.dtype, table.strides + 1,
                     dst + i * to.strides[0], abi::kF32, to.strides + 1, &n, 1);
      }
      return;
    }
    const auto dtype = static_cast<core::DType>(table.dtype);
    const bool packed = to.strides[1] == 4;
    const int nt = m * n >= (int64_t{1} << 14) ? threads : 1;
    std::atomic<bool> ok{true};
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
      std::vector<float> scratch(packed ? 0 : static_cast<size_t>(n));
#pragma omp for schedule(static)
      for (int64_t i = 0; i < m; ++i) {
        const int32_t r = read_index(rows, index.strides[0], i);
        std::byte* out = dst + i * to.strides[0];
        float* values = packed ? reinterpret_cast<float*>(out) : scratch.data();
        if (!core::dequantize_row(dtype, data + r * table.strides[0], values, n).is_ok()) {
          ok = false;
          continue;
        }
        if (!packed) {
          for (int64_t j = 0; j < n; ++j) std::memcpy(out + j * to.strides[1], &values[j], 4);
        }
      }
    }
    if (!ok) {
      plugin::fail(BRAID_STATUS_INTERNAL, "[cpu] get_rows: core cannot dequantize ",
                   abi::dtype_name(table.dtype));
    }
  };
}

// dst dim i = src dim axes[i]: a strided copy that reads src with its strides permuted.
std::function<void()> prepare_permute(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc from = *node.in[0], to = *node.out;
  int64_t strides[BRAID_MAX_DIMS] = {};
  for (uint32_t i = 0; i < from.rank; ++i) strides[i] = from.strides[node.params.permute.axes[i]];
  const std::byte* src = io.in[0];
  std::byte* dst = io.out;
  return [=] {
    convert_copy(src, from.dtype, strides, dst, to.dtype, to.strides, to.shape, to.rank, threads);
  };
}

// src0 then src1 along the axis: two strided copies into the two parts of dst.
std::function<void()> prepare_concat(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc a = *node.in[0], b = *node.in[1], to = *node.out;
  const int32_t axis = node.params.concat.axis;
  const std::byte* src_a = io.in[0];
  const std::byte* src_b = io.in[1];
  std::byte* dst = io.out;
  std::byte* dst_b = dst + a.shape[axis] * to.strides[axis];
  return [=] {
    convert_copy(src_a, a.dtype, a.strides, dst, to.dtype, to.strides, a.shape, a.rank, threads);
    convert_copy(src_b, b.dtype, b.strides, dst_b, to.dtype, to.strides, b.shape, b.rank, threads);
  };
}

std::function<void()> prepare_copy(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc from = *node.in[0], to = *node.out;
  const std::byte* src = io.in[0];
  std::byte* dst = io.out;
  return [=] {
    if (!convert_copy(src, from.dtype, from.strides, dst, to.dtype, to.strides, from.shape,
                      from.rank, threads)) {
      plugin::fail(BRAID_STATUS_INVALID_ARGUMENT,
                   "[cpu] copy: a non-finite value cannot be "
                   "stored as ",
                   abi::dtype_name(to.dtype));
    }
  };
}

}  // namespace braid::cpu_plugin
