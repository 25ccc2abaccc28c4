#include "cuda_support.h"

#include "braid/abi_layout.h"
#include "braid/graph_check.h"

namespace braid::cuda {
namespace {

using abi::detail::cat;

bool innermost_contiguous(const braid_tensor_desc& t) {
  if (abi::is_block_type(t.dtype)) return true;  // block rows are contiguous by the ABI's rule
  return t.shape[t.rank - 1] == 1 ||
         t.strides[t.rank - 1] == abi::dtype_facts(t.dtype)->block_bytes;
}

bool is_matmul_weight_type(uint32_t dtype) {
  switch (dtype) {
    case abi::kF32:
    case abi::kF16:
    case abi::kBF16:
    case abi::kQ8_0:
    case abi::kQ4_0:
    case abi::kQ4_1:
    case abi::kQ5_0:
    case abi::kQ5_1:
    case abi::kQ4_K:
    case abi::kQ5_K:
    case abi::kQ6_K:
      return true;
    default:
      return false;
  }
}

bool is_kv_type(uint32_t dtype) { return abi::is_float_type(dtype) || dtype == abi::kQ8_0; }

}  // namespace

bool rows_packed(const braid_tensor_desc& t) {
  if (t.rank == 1) return true;
  braid_tensor_desc inner = t;
  inner.rank = t.rank - 1;
  for (uint32_t i = 0; i + 1 < t.rank; ++i) {
    inner.shape[i] = t.shape[i + 1];
    inner.strides[i] = t.strides[i + 1];
  }
  return abi::is_contiguous(inner);
}

std::string why_declined(const braid_graph_desc& graph, uint32_t node_index) {
  const braid_node_desc& node = graph.nodes[node_index];
  auto in = [&](uint32_t slot) -> const braid_tensor_desc* {
    const int32_t index = abi::node_input(node, slot);
    return index < 0 ? nullptr : &graph.tensors[index];
  };
  const braid_tensor_desc& out = graph.tensors[node.output];
  switch (node.op) {
    case BRAID_OP_MATMUL: {
      const braid_tensor_desc& w = *in(1);
      if (!is_matmul_weight_type(w.dtype)) {
        return cat("matmul weights of type ", abi::dtype_name(w.dtype), " are not supported");
      }
      if (!innermost_contiguous(w)) return "matmul weights with strided rows are not supported";
      return "";
    }
    case BRAID_OP_ATTENTION: {
      const braid_tensor_desc& q = *in(0);
      const braid_tensor_desc& k = *in(1);
      const braid_tensor_desc& v = *in(2);
      if (q.shape[2] > kMaxHeadDim || v.shape[2] > kMaxHeadDim) {
        return cat("attention head size ", q.shape[2], "/", v.shape[2], " is over ", kMaxHeadDim);
      }
      if (!is_kv_type(k.dtype) || !is_kv_type(v.dtype)) {
        return cat("attention over K/V of type ", abi::dtype_name(k.dtype), "/",
                   abi::dtype_name(v.dtype), " is not supported");
      }
      if (!innermost_contiguous(k) || !innermost_contiguous(v)) {
        return "attention K/V with strided head dims is not supported";
      }
      return "";
    }
    case BRAID_OP_GET_ROWS:
      if (in(0)->dtype == abi::kI32) return "get_rows from an I32 table is not supported";
      if (in(0)->rank != 2 || !innermost_contiguous(*in(0))) {
        return "get_rows needs a rank-2 table with contiguous rows";
      }
      return "";
    case BRAID_OP_SET_ROWS:
      if (!is_kv_type(out.dtype)) {
        return cat("set_rows into ", abi::dtype_name(out.dtype), " is not supported");
      }
      if (!rows_packed(out)) return "set_rows into rows that are not packed is not supported";
      return "";
    case BRAID_OP_COPY:
      if (out.dtype == abi::kQ8_0) {
        if (in(0)->dtype != abi::kF32) return "copy into Q8_0 needs F32 values";
        if (out.rank > 2 && !abi::is_contiguous(out)) {
          return "copy into a strided Q8_0 tensor of rank > 2 is not supported";
        }
        return "";
      }
      if (abi::is_block_type(in(0)->dtype)) {
        return cat("copy from ", abi::dtype_name(in(0)->dtype), " is not supported");
      }
      return "";
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D:
      if (!abi::is_float_type(in(1)->dtype) || !abi::is_contiguous(*in(1))) {
        return "convolution weights must be contiguous F32, F16 or BF16";
      }
      return "";
    case BRAID_OP_CONCAT:
    case BRAID_OP_PERMUTE:
      if (in(0)->dtype == abi::kI32 && out.dtype != abi::kI32) return "I32 converts to nothing";
      return "";
    default:
      return "";  // every other op takes the F32 the ABI allows, any layout (gathered)
  }
}

}  // namespace braid::cuda
