// Audio front end: decoding + resampling a 10-minute MP3 to 16 kHz mono, and Whisper log-mel
// features of one 30 s window (80 and 128 bins) on one and two threads.
//
// The 10-minute MP3 is made at setup, in memory, with the linked FFmpeg's libmp3lame encoder
// (tests/unit/audio_io/audio_encoder.cpp): real speech (../shared/data/media-audio/jfk.flac,
// decoded at 44.1 kHz) repeated to 10 minutes, as 44.1 kHz stereo at 128 kbit/s, the common
// MP3 shape. Without the shared data, a swept tone with noise stands in. The mel input is the
// first 30 s of the same speech at 16 kHz.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "audio_encoder.h"
#include "braid/audio/decode.h"
#include "braid/audio/log_mel.h"

namespace {

using namespace braid;

const std::filesystem::path kDataDir = BRAID_SHARED_DATA_DIR;

// `seconds` of mono audio at `rate`: jfk.flac looped, or a stand-in.
std::vector<float> speech(int rate, double seconds) {
  audio::DecodeOptions options;
  options.sample_rate = rate;
  auto jfk = audio::decode_audio_file(kDataDir / "media-audio" / "jfk.flac", options);
  const std::size_t n = std::size_t(seconds * rate);
  std::vector<float> out(n);
  if (jfk.ok()) {
    for (std::size_t i = 0; i < n; ++i) out[i] = jfk->samples[i % jfk->samples.size()];
    return out;
  }
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = double(i) / rate;
    out[i] = 0.3f * float(std::sin(2 * M_PI * (200 + 50 * std::sin(t)) * t)) + noise(rng);
  }
  return out;
}

const std::vector<std::byte>& ten_minute_mp3() {
  static const std::vector<std::byte> bytes = [] {
    const std::vector<float> mono = speech(44100, 600.0);
    std::vector<float> stereo(mono.size() * 2);
    for (std::size_t i = 0; i < mono.size(); ++i) stereo[2 * i] = stereo[2 * i + 1] = mono[i];
    auto encoded = test::encode_audio({"libmp3lame", "mp3", 44100, 2, stereo, 128000});
    if (!encoded.ok()) {
      std::fprintf(stderr, "cannot make the test MP3: %s\n", encoded.status().to_string().c_str());
      std::exit(1);
    }
    return std::move(encoded).value();
  }();
  return bytes;
}

void BM_DecodeMp3TenMinutes(benchmark::State& state) {
  const auto& mp3 = ten_minute_mp3();
  std::size_t samples = 0;
  for (auto _ : state) {
    auto wave = audio::decode_audio_memory(mp3, "ten_minutes.mp3");
    if (!wave.ok()) {
      state.SkipWithError(wave.status().to_string().c_str());
      return;
    }
    samples = wave->samples.size();
    benchmark::DoNotOptimize(wave->samples.data());
  }
  state.counters["audio_s"] = double(samples) / 16000.0;
  state.counters["mp3_bytes"] = double(mp3.size());
}
BENCHMARK(BM_DecodeMp3TenMinutes)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LogMel30s(benchmark::State& state) {
  static const std::vector<float> window = speech(16000, 30.0);
  audio::MelOptions options;
  options.n_mel = int32_t(state.range(0));
  options.threads = int32_t(state.range(1));
  auto mel = audio::LogMelSpectrogram::create(options);
  if (!mel.ok()) {
    state.SkipWithError(mel.status().to_string().c_str());
    return;
  }
  for (auto _ : state) {
    auto features = mel->compute(window);
    benchmark::DoNotOptimize(features->values.data());
  }
}
BENCHMARK(BM_LogMel30s)
    ->ArgNames({"n_mel", "threads"})
    ->Args({80, 1})
    ->Args({128, 1})
    ->Args({80, 2})
    ->Args({128, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
