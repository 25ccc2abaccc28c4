#include "braid/vision/vision_encoder.h"

#include <span>

namespace braid::vision {

core::Result<std::unique_ptr<VisionEncoder>> VisionEncoder::create(
    std::shared_ptr<const VisionModel> model,
    std::vector<plugins::Device*> devices,
    VisionEncoderOptions options) {
  if (!model) return core::invalid_argument("[vision] VisionEncoder::create: no model");
  // Check the feature layers now rather than at the first image.
  BRAID_TRY(plan_features(*model, options.feature_layers));
  const core::DType kv = options.attention_kv_type;
  if (kv != core::DType::F32 && kv != core::DType::F16 && kv != core::DType::Q8_0) {
    return core::invalid_argument("[vision] attention K/V type ", core::dtype_name(kv),
                                  ": expected F32, F16 or Q8_0");
  }
  std::unique_ptr<VisionEncoder> encoder(new VisionEncoder());
  BRAID_ASSIGN_OR_RETURN(encoder->scheduler_,
                         plugins::Scheduler::create(std::move(devices), options.scheduler));
  encoder->model_ = std::move(model);
  encoder->options_ = std::move(options);
  return encoder;
}

const WeightRef& VisionEncoder::position_embeddings(int64_t grid_h, int64_t grid_w) {
  const VisionHparams& h = model_->hparams();
  const int64_t side = h.patches_per_side();
  if (grid_h == side && grid_w == side) return model_->weights().pos_embd;
  auto key = std::make_pair(grid_h, grid_w);
  auto it = resized_pos_.find(key);
  if (it == resized_pos_.end()) {
    std::vector<float> table = interpolate_position_embeddings(*model_, grid_h, grid_w);
    it = resized_pos_.emplace(key, std::make_pair(std::move(table), WeightRef{})).first;
    const int64_t n_pos = static_cast<int64_t>(it->second.first.size()) / h.n_embd;
    // A name of its own per size: the scheduler keys uploaded weights by name and address.
    it->second.second =
        WeightRef{core::str_cat("v.position_embd.", grid_h, "x", grid_w), core::DType::F32,
                  core::Shape{n_pos, h.n_embd}, std::as_bytes(std::span(it->second.first))};
  }
  return it->second.second;
}

core::Result<model::EmbeddingChunk> VisionEncoder::encode(const PixelTensor& pixels,
                                                          std::string source) {
  BRAID_TRY(check_pixels(pixels, source));
  if (pixels.channels != 3) {
    return core::invalid_argument("[vision] ", source, ": ", pixels.channels,
                                  " channels, expected 3 (RGB)");
  }
  const VisionHparams& h = model_->hparams();
  BRAID_TRY(model_->output_rows(pixels.height, pixels.width));
  const WeightRef& pos =
      position_embeddings(pixels.height / h.patch_size, pixels.width / h.patch_size);
  VisionGraphOptions graph_options{options_.feature_layers, options_.attention_kv_type};
  BRAID_ASSIGN_OR_RETURN(
      VisionGraph vg, build_vision_graph(*model_, pixels.height, pixels.width, pos, graph_options));

  std::vector<plugins::HostInput> inputs{{vg.pixels, std::as_bytes(std::span(pixels.values))}};
  if (!vg.patch_rows.empty()) {
    inputs.push_back({vg.patch_rows, std::as_bytes(std::span(vg.patch_rows_data))});
  }
  core::Status run = scheduler_->run(vg.graph, inputs);
  if (!run.is_ok()) return run.with_context(core::str_cat("[vision] encoding ", source));
  BRAID_ASSIGN_OR_RETURN(std::vector<float> rows, scheduler_->read(vg.output));

  model::EmbeddingChunk chunk;
  chunk.n_rows = vg.n_rows;
  chunk.n_embd = vg.n_embd;
  chunk.data = std::move(rows);
  chunk.causal = h.projector != ProjectorType::Gemma3;
  chunk.source = std::move(source);
  return chunk;
}

core::Result<std::vector<model::EmbeddingChunk>> VisionEncoder::encode(
    const PreprocessedImage& image, const std::string& source) {
  if (image.tiles.empty()) {
    return core::invalid_argument("[vision] ", source, ": the preprocessed image has no tiles");
  }
  std::vector<model::EmbeddingChunk> chunks;
  chunks.reserve(image.tiles.size());
  for (size_t i = 0; i < image.tiles.size(); ++i) {
    std::string name = image.tiles.size() == 1 ? source : core::str_cat(source, ", tile ", i + 1);
    BRAID_ASSIGN_OR_RETURN(model::EmbeddingChunk chunk, encode(image.tiles[i], std::move(name)));
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

}  // namespace braid::vision
