// Which nodes the CUDA backend runs: "" for a node it takes, else why not (the scheduler logs it
// and runs the node elsewhere). Shared by supports_op and compile, so both always agree.
#pragma once

#include <string>

#include "braid/backend.h"

namespace braid::cuda {

/// Limits of the kernels (kernels_attention.cu).
inline constexpr int64_t kMaxHeadDim = 256;

std::string why_declined(const braid_graph_desc& graph, uint32_t node_index);

/// True when the dims of `t` past the first are packed (each row of the outermost dim is one
/// contiguous run of values), whatever the outermost stride.
bool rows_packed(const braid_tensor_desc& t);

}  // namespace braid::cuda
