// Running a vision encoder and its projector: preprocessed pixels in, an embedding chunk for the
// decoder out.
//
//   BRAID_ASSIGN_OR_RETURN(auto model, vision::VisionModel::open("mmproj.gguf"));
//   BRAID_TRY(model->check_text_width(text_n_embd));
//   BRAID_ASSIGN_OR_RETURN(auto encoder, vision::VisionEncoder::create(model, {device}));
//   BRAID_ASSIGN_OR_RETURN(model::EmbeddingChunk chunk, encoder->encode(pixels, "image 1"));
//
// The graph (vision_graph.h) runs through a plugins::Scheduler on the devices given, so the
// encoder uses whatever backend the decoder uses (or its own). Graphs are compiled once per
// image size and reused.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/prompt_chunk.h"
#include "braid/plugins/device.h"
#include "braid/plugins/scheduler.h"
#include "braid/vision/image.h"
#include "braid/vision/mmproj.h"
#include "braid/vision/vision_graph.h"

namespace braid::vision {

struct VisionEncoderOptions {
  /// Hidden states the projector reads, overriding the file (see vision_graph.h); empty: the
  /// file's choice or the projector's default.
  std::vector<int32_t> feature_layers;
  /// See VisionGraphOptions::attention_kv_type (F16 lets the cpu backend run attention).
  core::DType attention_kv_type = core::DType::F32;
  /// Passed to the scheduler (debug log, per-device vetoes).
  plugins::SchedulerOptions scheduler;
};

/// Encodes images with one VisionModel on one list of devices. Not thread-safe (one encode at a
/// time); the devices must outlive it.
class VisionEncoder {
 public:
  /// `devices` in priority order (for example cuda:0, cpu, reference), at least one. Fails when
  /// the feature layers asked for do not fit the model.
  static core::Result<std::unique_ptr<VisionEncoder>> create(
      std::shared_ptr<const VisionModel> model,
      std::vector<plugins::Device*> devices,
      VisionEncoderOptions options = {});

  /// Encodes one image tensor (3 channels, height and width whole multiples of the patch size,
  /// normalized as the model's preprocessing does). The chunk has output_rows(height, width)
  /// rows of the projector's output width; `causal` is false for Gemma 3 (its image tokens
  /// attend to each other). `source` names the chunk in messages ("image 1").
  /// InvalidArgument for a malformed or unusable tensor; the backend's error if a run fails.
  core::Result<model::EmbeddingChunk> encode(const PixelTensor& pixels, std::string source);

  /// Encodes every tile of a preprocessed image, in order: one chunk per tile, named
  /// "<source>, tile <i>" when there is more than one. (How tiles and separator tokens are laid
  /// out in the prompt is the prompt builder's business.)
  core::Result<std::vector<model::EmbeddingChunk>> encode(const PreprocessedImage& image,
                                                          const std::string& source);

  const VisionModel& model() const { return *model_; }
  /// The scheduler, for placement and compile statistics.
  const plugins::Scheduler& scheduler() const { return *scheduler_; }

 private:
  VisionEncoder() = default;
  // The position embeddings for a grid: the model's table, or an interpolated copy kept here for
  // the encoder's lifetime (the scheduler may hold it as an uploaded weight).
  const WeightRef& position_embeddings(int64_t grid_h, int64_t grid_w);

  std::shared_ptr<const VisionModel> model_;
  std::unique_ptr<plugins::Scheduler> scheduler_;
  VisionEncoderOptions options_;
  std::map<std::pair<int64_t, int64_t>, std::pair<std::vector<float>, WeightRef>> resized_pos_;
};

}  // namespace braid::vision
