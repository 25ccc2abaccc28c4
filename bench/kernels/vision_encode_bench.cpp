// Encoding one image with a random-weight vision encoder of a real shape (vision/
// synthetic_mmproj.h), end to end through the scheduler: CLIP ViT-L/14-336 + LLaVA-1.5 projector
// (577 positions, 23 blocks) and SigLIP so400m/14-896 + Gemma 3 projector (4096 positions, 27
// blocks), F16 weights as the converters write them, on the cpu backend (ops it lacks fall back
// to reference; K and V are cast to F16 so its attention kernel runs).
//
//   build/bin/braid_vision_encode_bench --benchmark_filter=clip
//
// Counters: flops/s over the encoder's multiply-adds (2 per MAC: patch embedding, Q/K/V/O,
// attention scores and mix, FFN, projector). The model is built in memory (about 0.6 GB for
// CLIP, 0.9 GB for SigLIP) before timing starts.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "braid/plugins/registry.h"
#include "braid/vision/synthetic_mmproj.h"
#include "braid/vision/vision_encoder.h"

namespace {

namespace vision = braid::vision;
namespace core = braid::core;

double encoder_flops(const vision::VisionEncoderShape& s, int64_t text_width) {
  const double d = static_cast<double>(s.n_embd), ff = static_cast<double>(s.n_ff);
  const double side = s.image_size / s.patch_size, patches = side * side;
  const double n = patches + (s.class_token ? 1 : 0);
  double f = 2.0 * patches * d * 3.0 * s.patch_size * s.patch_size;
  f += s.n_layer * 2.0 * (4.0 * n * d * d + 2.0 * n * d * ff + 2.0 * n * n * d);
  if (s.projector == vision::ProjectorType::Mlp) {
    f += 2.0 * patches * (d * text_width + static_cast<double>(text_width) * text_width);
  } else {
    f += 2.0 * (patches / 16.0) * d * text_width;
  }
  return f;
}

void BM_Encode(benchmark::State& state, std::string shape_name, int64_t text_width) {
  static const braid::plugins::Registry registry = braid::plugins::Registry::discover();
  auto cpu = registry.select("cpu");
  auto reference = registry.select("reference");
  if (!cpu.ok() || !reference.ok()) {
    state.SkipWithError("the cpu and reference plugins are needed (run from build/bin)");
    return;
  }
  const vision::VisionEncoderShape shape = *vision::find_vision_shape(shape_name);
  core::GgufWriter writer;
  if (!vision::add_synthetic_vision_encoder(writer, shape, text_width, {}).is_ok()) {
    state.SkipWithError("could not make the model");
    return;
  }
  auto bytes = writer.to_bytes();
  auto file = core::GgufFile::parse(*bytes, shape_name);
  auto model = vision::VisionModel::load(std::move(file).value());
  if (!model.ok()) {
    state.SkipWithError(model.status().message().c_str());
    return;
  }
  vision::VisionEncoderOptions options;
  options.attention_kv_type = core::DType::F16;
  auto encoder =
      vision::VisionEncoder::create(*model, {cpu->device.get(), reference->device.get()}, options);
  vision::PixelTensor pixels;
  pixels.height = pixels.width = shape.image_size;
  pixels.values.resize(static_cast<size_t>(3 * shape.image_size * shape.image_size));
  for (size_t i = 0; i < pixels.values.size(); ++i) pixels.values[i] = std::sin(0.001f * i);
  // One untimed run compiles the graph.
  if (auto warm = (*encoder)->encode(pixels, "warm-up"); !warm.ok()) {
    state.SkipWithError(warm.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto chunk = (*encoder)->encode(pixels, "image");
    benchmark::DoNotOptimize(chunk);
  }
  state.counters["flops"] = benchmark::Counter(encoder_flops(shape, text_width),
                                               benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(cpu->description);
}

BENCHMARK_CAPTURE(BM_Encode, clip_vit_l14_336_llava15, "clip-vit-l-14-336", 4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);
BENCHMARK_CAPTURE(BM_Encode, siglip_so400m_896_gemma3_4b, "siglip-so400m-896", 2560)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
