// Prepared calls for the convolutions (CONV1D, CONV2D) and AVG_POOL2D.
#pragma once

#include <functional>

#include "cpu_ops.h"

namespace braid::cpu_plugin {

/// conv1d / conv2d as im2col + the f32 GEMM (gemm.h): the input's patches become the rows of a
/// [positions, c_in · kernel] matrix, multiplied by the weights [c_out, c_in · kernel] (widened
/// to f32 and packed once at compile when they live in a weights buffer), then written to the
/// output [c_out, positions...] in its layout.
std::function<void()> prepare_conv(const NodeView& node, const OpTensors& io, int threads);

std::function<void()> prepare_avg_pool2d(const NodeView& node, const OpTensors& io, int threads);

}  // namespace braid::cpu_plugin
