// The reference kernels: one function per op, each written over dense double arrays read with
// tensor_io.h. Plain loops, accumulation in double, no tricks: the oracle other backends are
// measured against.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "braid/plugin_adapter.h"
#include "tensor_io.h"

namespace braid::reference {

/// One node's operands, resolved to memory.
struct OpArgs {
  const plugin::Node* node = nullptr;
  uint32_t node_index = 0;
  std::array<View, BRAID_MAX_OP_INPUTS> in{};
  std::array<bool, BRAID_MAX_OP_INPUTS> present{};
  View out;

  const View& src(uint32_t slot) const { return in[slot]; }
  bool has(uint32_t slot) const { return present[slot]; }
  const braid_op_params& params() const { return node->params; }
};

/// Fails the run with INVALID_ARGUMENT, naming the node: "[reference] node 3 (get_rows): …".
template <typename... Parts>
[[noreturn]] void fail_node(const OpArgs& args, const Parts&... parts) {
  plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[reference] node ", args.node_index, " (",
               abi::op_name(args.node->op), "): ", parts...);
}

/// Runs one node of a validated graph.
void run_op(const OpArgs& args);

/// Flat index into `b` of the element that broadcasts onto flat index `flat_a` of `a` (b's dims
/// are 1 or equal to a's, aligned at the innermost).
int64_t broadcast_index(const View& a, const View& b, int64_t flat_a);

void run_matmul(const OpArgs& args);
void run_get_rows(const OpArgs& args);
void run_conv1d(const OpArgs& args);
void run_conv2d(const OpArgs& args);
void run_avg_pool2d(const OpArgs& args);

void run_binary(const OpArgs& args);  // add, mul
void run_unary(const OpArgs& args);   // scale, silu, gelu, gelu_tanh, quick_gelu
void run_swiglu(const OpArgs& args);
void run_norm(const OpArgs& args);  // rms_norm, layer_norm
void run_rope(const OpArgs& args);
void run_softmax(const OpArgs& args);

void run_attention(const OpArgs& args);

void run_concat(const OpArgs& args);
void run_permute(const OpArgs& args);
void run_copy(const OpArgs& args);
void run_set_rows(const OpArgs& args);
void run_reshape(const OpArgs& args);

}  // namespace braid::reference
