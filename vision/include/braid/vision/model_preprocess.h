// Which preprocessing an mmproj's vision encoder expects: the family's steps (preprocess.h)
// with the sizes, mean and std its file records.
#pragma once

#include "braid/core/status.h"
#include "braid/vision/mmproj.h"
#include "braid/vision/preprocess.h"

namespace braid::vision {

/// The preprocessing for `model`'s projector: LLaVA `mlp` → CLIP pad-to-square (or LLaVA-1.6
/// anyres when the file has image_grid_pinpoints), Gemma 3 → SigLIP resize (bilinear, as
/// Gemma3ImageProcessor), Idefics3 → longest-edge tiling at the encoder's size. Sizes, mean and
/// std come from the file. InvalidArgument when the file's values make no sense.
core::Result<PreprocessParams> preprocess_params_for(const VisionModel& model);

}  // namespace braid::vision
