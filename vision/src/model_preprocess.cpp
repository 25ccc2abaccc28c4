#include "braid/vision/model_preprocess.h"

#include <vector>

namespace braid::vision {

core::Result<PreprocessParams> preprocess_params_for(const VisionModel& model) {
  const VisionHparams& h = model.hparams();
  const RgbTriple mean = {h.image_mean[0], h.image_mean[1], h.image_mean[2]};
  const RgbTriple std = {h.image_std[0], h.image_std[1], h.image_std[2]};
  PreprocessParams params;
  switch (h.projector) {
    case ProjectorType::Mlp:
      if (!h.image_grid_pinpoints.empty()) {
        const std::vector<int64_t> flat(h.image_grid_pinpoints.begin(),
                                        h.image_grid_pinpoints.end());
        BRAID_ASSIGN_OR_RETURN(std::vector<GridPinpoint> pinpoints, grid_pinpoints_from_flat(flat));
        LlavaNextPreprocess next;
        next.image_size = h.image_size;
        next.image_mean = mean;
        next.image_std = std;
        next.grid_pinpoints = std::move(pinpoints);
        params = next;
      } else {
        ClipPreprocess clip;
        clip.image_size = h.image_size;
        clip.image_mean = mean;
        clip.image_std = std;
        clip.pad_to_square = true;  // LLaVA-1.5's expand2square
        params = clip;
      }
      break;
    case ProjectorType::Gemma3: {
      SiglipPreprocess siglip;
      siglip.image_size = h.image_size;
      siglip.image_mean = mean;
      siglip.image_std = std;
      siglip.resample = ResampleFilter::Bilinear;
      params = siglip;
      break;
    }
    case ProjectorType::Idefics3: {
      Idefics3Preprocess idefics;
      idefics.tile_size = h.image_size;
      idefics.longest_edge = 4 * h.image_size;
      idefics.image_mean = mean;
      idefics.image_std = std;
      params = idefics;
      break;
    }
  }
  BRAID_TRY(check_preprocess_params(params).with_context(model.file_name()));
  return params;
}

}  // namespace braid::vision
