// Prepared calls for the data-movement ops: GET_ROWS (every table dtype), PERMUTE, CONCAT,
// COPY. Each reads and writes its tensors in whatever layout the graph gives (no gathering).
#pragma once

#include <functional>

#include "cpu_ops.h"

namespace braid::cpu_plugin {

std::function<void()> prepare_get_rows(const NodeView& node, const OpTensors& io, int threads);
std::function<void()> prepare_permute(const NodeView& node, const OpTensors& io, int threads);
std::function<void()> prepare_concat(const NodeView& node, const OpTensors& io, int threads);
std::function<void()> prepare_copy(const NodeView& node, const OpTensors& io, int threads);

}  // namespace braid::cpu_plugin
