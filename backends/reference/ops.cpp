#include "ops.h"

namespace braid::reference {

int64_t broadcast_index(const View& a, const View& b, int64_t flat_a) {
  int64_t flat_b = 0;
  int64_t step_b = 1;
  for (uint32_t j = 0; j < a.rank; ++j) {
    const int64_t dim_a = a.shape[a.rank - 1 - j];
    const int64_t index = flat_a % dim_a;
    flat_a /= dim_a;
    if (j >= b.rank) continue;
    const int64_t dim_b = b.shape[b.rank - 1 - j];
    flat_b += (dim_b == 1 ? 0 : index) * step_b;
    step_b *= dim_b;
  }
  return flat_b;
}

void run_op(const OpArgs& args) {
  switch (args.node->op) {
    case BRAID_OP_MATMUL:
      return run_matmul(args);
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
      return run_binary(args);
    case BRAID_OP_SCALE:
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU:
      return run_unary(args);
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM:
      return run_norm(args);
    case BRAID_OP_ROPE:
      return run_rope(args);
    case BRAID_OP_SOFTMAX:
      return run_softmax(args);
    case BRAID_OP_ATTENTION:
      return run_attention(args);
    case BRAID_OP_SWIGLU:
      return run_swiglu(args);
    case BRAID_OP_GET_ROWS:
      return run_get_rows(args);
    case BRAID_OP_CONV1D:
      return run_conv1d(args);
    case BRAID_OP_CONV2D:
      return run_conv2d(args);
    case BRAID_OP_AVG_POOL2D:
      return run_avg_pool2d(args);
    case BRAID_OP_CONCAT:
      return run_concat(args);
    case BRAID_OP_PERMUTE:
      return run_permute(args);
    case BRAID_OP_COPY:
      return run_copy(args);
    case BRAID_OP_SET_ROWS:
      return run_set_rows(args);
    case BRAID_OP_RESHAPE:
      return run_reshape(args);
    default:
      plugin::fail(BRAID_STATUS_INTERNAL, "[reference] node ", args.node_index, ": op ",
                   args.node->op, " has no kernel");
  }
}

}  // namespace braid::reference
