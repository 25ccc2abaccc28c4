#include "bench_encoders.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "bench_text.h"
#include "braid/audio/audio_encoder.h"
#include "braid/audio/audio_mmproj.h"
#include "braid/core/gguf.h"
#include "braid/model/prompt_chunk.h"
#include "braid/plugins/scheduler.h"
#include "braid/vision/mmproj.h"
#include "braid/vision/vision_encoder.h"

namespace braid::app {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <typename W>
double elements(const W& w) {
  if (!w.present()) return 0;
  double n = 1;
  for (int64_t d : w.shape) n *= static_cast<double>(d);
  return n;
}

template <typename W>
bool is_quantized(const W& w) {
  return w.present() && core::dtype_info(w.dtype).quantized;
}

// Vision: patch embedding, every stored block's matrices and attention, the projector.
double vision_flops(const vision::VisionModel& m, int64_t out_rows) {
  const auto& h = m.hparams();
  const auto& w = m.weights();
  const double patches = static_cast<double>(h.patches_per_side()) * h.patches_per_side();
  const double pos = patches + (w.class_embd.present() ? 1 : 0);
  double flops = 2 * elements(w.patch_w) * patches;
  for (const auto& b : w.blocks) {
    flops += 2 * pos * (elements(b.q_w) + elements(b.k_w) + elements(b.v_w) + elements(b.out_w));
    flops += 2 * pos * (elements(b.up_w) + elements(b.down_w));
    flops += 4 * pos * pos * static_cast<double>(h.n_embd);
  }
  if (h.projector == vision::ProjectorType::Mlp) {
    flops += 2 * patches * (elements(w.mm0_w) + elements(w.mm2_w));
  } else {
    const double rows = static_cast<double>(out_rows);
    flops += 2 * rows * (elements(w.input_projection) + elements(w.fc));
  }
  return flops;
}

// Audio: the two convolutions, every block's matrices and attention, the projector.
double audio_flops(const audio::AudioMmproj& m, int64_t n_frames) {
  const auto& h = m.hparams();
  const double frames = static_cast<double>(n_frames);
  const double rows = static_cast<double>(audio::encoder_rows(h, n_frames));
  const double out_rows = static_cast<double>(audio::projected_rows(h, n_frames));
  double flops = 2 * elements(m.conv1_w()) * frames + 2 * elements(m.conv2_w()) * frames / 2;
  for (const auto& l : m.layers()) {
    flops += 2 * rows *
             (elements(l.q_w) + elements(l.k_w) + elements(l.v_w) + elements(l.out_w) +
              elements(l.up_w) + elements(l.down_w));
    flops += 4 * rows * rows * static_cast<double>(h.n_embd);
  }
  flops += 2 * out_rows * (elements(m.mlp1_w()) + elements(m.mlp2_w()) + elements(m.fc_w()));
  return flops;
}

// A synthetic image of the encoder's own size: normalized pixel values of the usual range,
// fixed seed.
vision::PixelTensor synthetic_pixels(int32_t side) {
  vision::PixelTensor pixels{.channels = 3, .height = side, .width = side, .values = {}};
  pixels.values.resize(static_cast<size_t>(3) * side * side);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-1.5f, 1.5f);
  for (auto& v : pixels.values) v = value(rng);
  return pixels;
}

// The encoder of the mmproj at `path` on `devices`.
core::Result<std::unique_ptr<vision::VisionEncoder>> open_vision_encoder(
    const std::shared_ptr<const vision::VisionModel>& model,
    const std::vector<plugins::Device*>& devices) {
  // F16 K/V let the cpu backend run attention itself (F32 attention falls to the reference).
  vision::VisionEncoderOptions options;
  if (!devices.empty() && devices[0]->plugin().name() != "reference") {
    options.attention_kv_type = core::DType::F16;
  }
  return vision::VisionEncoder::create(model, devices, options);
}

}  // namespace

core::Result<MmprojParts> mmproj_parts(const std::string& path) {
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(path));
  MmprojParts parts;
  for (const auto& t : file.tensors()) {
    if (t.name.rfind("v.", 0) == 0) parts.vision = true;
    if (t.name.rfind("a.", 0) == 0) parts.audio = true;
  }
  return parts;
}

core::Result<EncoderTiming> bench_image_encode(const std::string& path,
                                               const std::vector<plugins::Device*>& devices,
                                               int reps) {
  BRAID_ASSIGN_OR_RETURN(auto model, vision::VisionModel::open(path));
  BRAID_ASSIGN_OR_RETURN(auto encoder, open_vision_encoder(model, devices));
  const int32_t side = model->hparams().image_size;
  BRAID_ASSIGN_OR_RETURN(const int64_t out_rows, model->output_rows(side, side));
  const vision::PixelTensor pixels = synthetic_pixels(side);

  EncoderTiming timing;
  timing.test = "image " + std::to_string(side) + "x" + std::to_string(side);
  timing.flops = vision_flops(*model, out_rows);
  for (const auto& b : model->weights().blocks) timing.quantized |= is_quantized(b.q_w);
  BRAID_ASSIGN_OR_RETURN(auto warm, encoder->encode(pixels, "bench"));  // compiles the graph
  (void)warm;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    BRAID_ASSIGN_OR_RETURN(auto chunk, encoder->encode(pixels, "bench"));
    timing.seconds.push_back(seconds_since(start));
    (void)chunk;
  }
  return timing;
}

core::Result<EncoderTiming> bench_audio_encode(const std::string& path,
                                               const std::vector<plugins::Device*>& devices,
                                               int reps,
                                               double seconds) {
  BRAID_ASSIGN_OR_RETURN(auto mmproj, audio::AudioMmproj::open(path));
  BRAID_ASSIGN_OR_RETURN(auto scheduler, plugins::Scheduler::create(devices));
  audio::AudioEncoder encoder(*mmproj, *scheduler);
  const auto& h = mmproj->hparams();
  // 30 s is 3000 frames at Whisper's 10 ms hop; a smaller file takes its longest window.
  int64_t n_frames = std::min<int64_t>(static_cast<int64_t>(seconds * 100), h.max_frames());
  if (h.projector == audio::AudioProjectorType::Qwen2Audio) n_frames -= n_frames % 4;
  BRAID_TRY(audio::check_frame_count(h, n_frames));
  audio::MelFeatures mel{.n_mel = static_cast<int32_t>(h.n_mel),
                         .n_frames = static_cast<int32_t>(n_frames),
                         .values = {}};
  mel.values.resize(static_cast<size_t>(h.n_mel * n_frames));
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (auto& v : mel.values) v = value(rng);

  EncoderTiming timing;
  char name[64];
  std::snprintf(name, sizeof name, "audio %gs (%lld frames)", static_cast<double>(n_frames) / 100,
                static_cast<long long>(n_frames));
  timing.test = name;
  timing.flops = audio_flops(*mmproj, n_frames);
  for (const auto& l : mmproj->layers()) timing.quantized |= is_quantized(l.q_w);
  BRAID_ASSIGN_OR_RETURN(auto warm, encoder.encode(mel, "bench"));
  (void)warm;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    BRAID_ASSIGN_OR_RETURN(auto chunk, encoder.encode(mel, "bench"));
    timing.seconds.push_back(seconds_since(start));
    (void)chunk;
  }
  return timing;
}

core::Result<EncoderTiming> bench_image_ttft(model::Decoder& decoder,
                                             const std::string& mmproj,
                                             const std::vector<plugins::Device*>& devices,
                                             int reps,
                                             int64_t n_text) {
  BRAID_ASSIGN_OR_RETURN(auto model, vision::VisionModel::open(mmproj));
  BRAID_TRY(model->check_text_width(decoder.model().config().n_embd));
  BRAID_ASSIGN_OR_RETURN(auto encoder, open_vision_encoder(model, devices));
  const int32_t side = model->hparams().image_size;
  BRAID_ASSIGN_OR_RETURN(const int64_t out_rows, model->output_rows(side, side));
  if (out_rows + n_text > decoder.n_ctx()) {
    return core::invalid_argument("[bench] an image question takes ", out_rows + n_text,
                                  " positions; the decoder's context holds ", decoder.n_ctx());
  }
  const vision::PixelTensor pixels = synthetic_pixels(side);
  // The question's tokens: random ids, half before the image (the template's opening) and half
  // after it (the question itself).
  std::mt19937 rng(13);
  std::uniform_int_distribution<int32_t> id(0, static_cast<int32_t>(decoder.n_vocab() - 1));
  model::TokenChunk before, after;
  for (int64_t i = 0; i < n_text; ++i) (i < n_text / 2 ? before : after).tokens.push_back(id(rng));

  EncoderTiming timing;
  timing.test = "ttft image " + std::to_string(side) + "x" + std::to_string(side) + " + " +
                std::to_string(n_text) + " tokens";
  timing.flops = vision_flops(*model, out_rows);
  timing.prefill_flops = text_prefill_flops(decoder.model(), 0, out_rows + n_text);
  for (const auto& b : model->weights().blocks) timing.quantized |= is_quantized(b.q_w);
  // One untimed run compiles the encoder's graph and the decoder's batch shapes.
  for (int r = -1; r < reps; ++r) {
    decoder.clear();
    const auto start = Clock::now();
    BRAID_ASSIGN_OR_RETURN(model::EmbeddingChunk image, encoder->encode(pixels, "image 1"));
    std::vector<model::PromptChunk> prompt;
    if (!before.tokens.empty()) prompt.emplace_back(before);
    prompt.emplace_back(std::move(image));
    if (!after.tokens.empty()) prompt.emplace_back(after);
    BRAID_ASSIGN_OR_RETURN(std::span<const float> logits, decoder.eval(prompt));
    // The first token, greedily: what a user waits for.
    const auto first = std::max_element(logits.begin(), logits.end()) - logits.begin();
    if (r >= 0) timing.seconds.push_back(seconds_since(start));
    (void)first;
  }
  decoder.clear();
  return timing;
}

}  // namespace braid::app
