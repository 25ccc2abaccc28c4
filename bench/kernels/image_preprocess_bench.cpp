// Image decode and per-family preprocessing on one core: decoding a typical photo (the shared
// 1280x1280 JPEG and a 512x512 PNG), and preprocessing a 12-megapixel image (that photo
// resized to 4000x3000 in setup) for each family. The target: preprocessing a 12 MP
// image in at most 50 ms.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "braid/vision/image_decode.h"
#include "braid/vision/preprocess.h"

namespace {

using namespace braid::vision;

const std::filesystem::path kImages = std::filesystem::path(BRAID_SHARED_DATA_DIR) / "media-images";

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void decode(benchmark::State& state, const char* name) {
  const auto bytes = read_bytes(kImages / name);
  if (bytes.empty()) {
    state.SkipWithError("shared image missing");
    return;
  }
  for (auto _ : state) {
    auto image = decode_image(bytes, name);
    if (!image.ok()) {
      state.SkipWithError(image.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(image->pixels.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes.size()));
}
BENCHMARK_CAPTURE(decode, jpeg_1280x1280, "llama-models-pasta.jpeg")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(decode, png_512x512, "astronaut.png")->Unit(benchmark::kMillisecond);

const RgbImage& twelve_megapixels() {
  static const RgbImage image = [] {
    auto photo = decode_image_file(kImages / "llama-models-pasta.jpeg");
    if (!photo.ok()) return RgbImage{};
    return resize_like_pil(*photo, 4000, 3000, ResampleFilter::Bicubic).value();
  }();
  return image;
}

void preprocess(benchmark::State& state, PreprocessParams params) {
  const RgbImage& image = twelve_megapixels();
  if (image.pixels.empty()) {
    state.SkipWithError("shared image missing");
    return;
  }
  size_t tiles = 0;
  for (auto _ : state) {
    auto out = preprocess_image(image, params);
    if (!out.ok()) {
      state.SkipWithError(out.status().message().c_str());
      return;
    }
    tiles = out->tiles.size();
    benchmark::DoNotOptimize(out->tiles.data());
  }
  state.counters["tiles"] = double(tiles);
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(image.width) * image.height);
}

SiglipPreprocess siglip(int32_t size, ResampleFilter filter) {
  SiglipPreprocess p;
  p.image_size = size;
  p.resample = filter;
  return p;
}

BENCHMARK_CAPTURE(preprocess, clip_llava15_336_12mp, ClipPreprocess{})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(preprocess, siglip_384_12mp, siglip(384, ResampleFilter::Bicubic))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(preprocess, gemma3_896_12mp, siglip(896, ResampleFilter::Bilinear))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(preprocess, idefics3_12mp, Idefics3Preprocess{})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(preprocess, llava_next_12mp, LlavaNextPreprocess{})
    ->Unit(benchmark::kMillisecond);

// The whole path for a typical photo: decode the JPEG, then LLaVA-1.5's preprocessing.
void decode_and_preprocess(benchmark::State& state) {
  const auto bytes = read_bytes(kImages / "llama-models-pasta.jpeg");
  if (bytes.empty()) {
    state.SkipWithError("shared image missing");
    return;
  }
  for (auto _ : state) {
    auto image = decode_image(bytes, "photo");
    auto out = preprocess_image(image.value(), ClipPreprocess{});
    benchmark::DoNotOptimize(out->tiles.data());
  }
}
BENCHMARK(decode_and_preprocess)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
