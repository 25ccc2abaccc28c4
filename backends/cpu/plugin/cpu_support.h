// Which nodes the cpu backend runs: the shapes, dtypes and layouts its kernels take. Everything
// else is declined (the scheduler gives it to another backend, in the end the reference).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "braid/backend.h"

namespace braid::cpu_plugin {

/// The inputs of one node (nullptr where absent) and its output, as ABI descriptions.
struct NodeView {
  uint32_t op = BRAID_OP_NONE;
  braid_op_params params{};
  std::array<const braid_tensor_desc*, BRAID_MAX_OP_INPUTS> in{};
  const braid_tensor_desc* out = nullptr;
};

/// The output's slot number in Gathered::slots (inputs are 0..BRAID_MAX_OP_INPUTS-1).
inline constexpr uint32_t kOutputSlot = BRAID_MAX_OP_INPUTS;

/// A node whose strided F32/I32 tensors are replaced by contiguous copies: the backend gathers
/// such an input into scratch memory before the kernel (and scatters such an output after it),
/// so the kernels only ever see row-major memory. A broadcast operand of ADD/MUL/SOFTMAX that
/// the kernels' row broadcast does not cover is expanded to src0's full shape the same way.
struct Gathered {
  Gathered() = default;
  Gathered(const Gathered&) = delete;  // view points into contiguous
  Gathered& operator=(const Gathered&) = delete;

  NodeView view;
  std::array<braid_tensor_desc, BRAID_MAX_OP_INPUTS + 1> contiguous{};
  std::array<bool, BRAID_MAX_OP_INPUTS + 1> slots{};  ///< which slots were replaced
  /// Where a replaced slot's values are read from (inputs) or written to (the output): the
  /// tensor itself, or for a broadcast operand expanded to src0's shape, src0's shape with the
  /// operand's strides and 0 along its broadcast dims.
  std::array<braid_tensor_desc, BRAID_MAX_OP_INPUTS + 1> source{};
};

/// Fills `out` with `node`, its strided tensors that the backend gathers replaced (see Gathered).
void gather_strided(const NodeView& node, Gathered& out);

/// `t` with the stride of every dim of size 1 replaced by its contiguous stride (such a stride
/// is never stepped, but kernels check it against the others).
braid_tensor_desc unit_dims_packed(const braid_tensor_desc& t);

/// "" when the cpu backend runs the node (already accepted by abi::check_node), else why not.
std::string why_declined(const NodeView& node);

/// How a broadcast operand (src1 of ADD/MUL, the SOFTMAX mask) repeats over `a`: b is one block
/// of `block` contiguous values, aligned at the innermost end of a and repeated a / block times.
/// Returns 0 when b does not have that form (a dim of 1 between dims that are not).
int64_t broadcast_block(const braid_tensor_desc& a, const braid_tensor_desc& b);

}  // namespace braid::cpu_plugin
