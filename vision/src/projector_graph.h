// The projector part of the vision graph (internal to braid_vision; see vision_graph.h).
#pragma once

#include <cstdint>

#include "braid/core/graph.h"
#include "braid/vision/mmproj.h"

namespace braid::vision {

/// Appends `model`'s projector to `g`: `features` [grid_h * grid_w, input width] (patch rows in
/// row-major grid order) become [rows, model.output_width()]. Errors stay in g.status().
core::TensorId build_projector(core::Graph& g,
                               const VisionModel& model,
                               core::TensorId features,
                               int64_t grid_h,
                               int64_t grid_w);

}  // namespace braid::vision
