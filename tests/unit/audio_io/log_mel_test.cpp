// LogMelSpectrogram against references nobody here wrote: the filters against Whisper's own
// mel_filters.npz (../shared/data/whisper-assets), the features of jfk.wav against
// tests/golden/audio_mel (tests/scripts/make_mel_goldens.py: torch.stft following
// whisper/audio.py).
#include "braid/audio/log_mel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "braid/audio/decode.h"
#include "npy.h"
#include "test_paths.h"

namespace braid::audio {
namespace {

using test::NpyArray;

NpyArray golden(const std::string& name) {
  auto array = test::read_npy(test::golden_dir() / "audio_mel" / (name + ".npy"));
  EXPECT_TRUE(array.ok()) << array.status().to_string();
  return array.ok() ? std::move(array).value() : NpyArray{};
}

TEST(MelFilters, EqualWhisperAssets) {
  BRAID_SHARED_FILE_OR_SKIP(path, "whisper-assets/mel_filters.npz");
  auto bank = test::read_npz(path);
  ASSERT_TRUE(bank.ok()) << bank.status().to_string();
  for (int32_t n_mel : {80, 128}) {
    const NpyArray& expected = bank->at("mel_" + std::to_string(n_mel));
    ASSERT_EQ(expected.shape, (std::vector<int64_t>{n_mel, 201}));
    auto filters = slaney_mel_filters(16000, 400, n_mel);
    ASSERT_TRUE(filters.ok()) << filters.status().to_string();
    ASSERT_EQ(filters->size(), expected.values.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < filters->size(); ++i) {
      worst = std::max(worst, std::abs(double((*filters)[i]) - expected.values[i]));
    }
    EXPECT_LE(worst, 1e-6) << "mel_" << n_mel;
  }
}

TEST(MelFilters, RejectBadSizes) {
  EXPECT_FALSE(slaney_mel_filters(16000, 400, 0).ok());
  EXPECT_FALSE(slaney_mel_filters(0, 400, 80).ok());
  EXPECT_FALSE(slaney_mel_filters(16000, 1, 80).ok());
}

// The decoded jfk.wav against the samples the reference script read with Python's wave module
// (16 kHz mono s16: no resampling, so the match is exact).
TEST(LogMel, JfkWaveformMatchesReference) {
  BRAID_SHARED_FILE_OR_SKIP(path, "media-audio/jfk.wav");
  auto wave = decode_audio_file(path);
  ASSERT_TRUE(wave.ok()) << wave.status().to_string();
  const NpyArray stats = golden("waveform_stats");
  const NpyArray sampled = golden("waveform_sampled");
  ASSERT_EQ(stats.values.size(), 3u);
  ASSERT_EQ(double(wave->samples.size()), stats.values[0]);
  double sum = 0, squares = 0;
  for (float v : wave->samples) sum += v, squares += double(v) * v;
  EXPECT_NEAR(sum, stats.values[1], 1e-6);
  EXPECT_NEAR(squares, stats.values[2], 1e-6);
  for (std::size_t i = 0; i < sampled.values.size(); ++i) {
    ASSERT_EQ(wave->samples[i * 97], float(sampled.values[i])) << "sample " << i * 97;
  }
}

// Compares features with the golden's sampled frames and per-row means; returns the worst
// difference over the frames in [0, frame_limit).
double compare_with_golden(const MelFeatures& features,
                           int32_t n_mel,
                           int32_t frame_limit,
                           bool check_means) {
  const std::string prefix = "mel" + std::to_string(n_mel);
  const NpyArray frames = golden(prefix + "_frames");
  const NpyArray values = golden(prefix + "_values");
  const NpyArray means = golden(prefix + "_row_means");
  EXPECT_EQ(values.shape, (std::vector<int64_t>{n_mel, int64_t(frames.values.size())}));
  if (values.values.size() != std::size_t(n_mel) * frames.values.size()) return 1e9;
  double worst = 0.0;
  for (int32_t m = 0; m < n_mel; ++m) {
    for (std::size_t j = 0; j < frames.values.size(); ++j) {
      const int32_t t = int32_t(frames.values[j]);
      if (t >= frame_limit) continue;
      const double got = features.values[std::size_t(m) * features.n_frames + t];
      worst =
          std::max(worst, std::abs(got - values.values[std::size_t(m) * frames.values.size() + j]));
    }
    if (check_means) {
      double mean = 0;
      for (int32_t t = 0; t < features.n_frames; ++t) {
        mean += features.values[std::size_t(m) * features.n_frames + t];
      }
      EXPECT_NEAR(mean / features.n_frames, means.values[m], 2e-5) << "row " << m;
    }
  }
  return worst;
}

class LogMelJfk : public ::testing::TestWithParam<int32_t> {};

TEST_P(LogMelJfk, MatchesWhisperReference) {
  BRAID_SHARED_FILE_OR_SKIP(path, "media-audio/jfk.wav");
  const int32_t n_mel = GetParam();
  auto wave = decode_audio_file(path);
  ASSERT_TRUE(wave.ok()) << wave.status().to_string();
  MelOptions options;
  options.n_mel = n_mel;
  auto mel = LogMelSpectrogram::create(options);
  ASSERT_TRUE(mel.ok()) << mel.status().to_string();
  auto features = mel->compute(wave->samples);
  ASSERT_TRUE(features.ok()) << features.status().to_string();
  EXPECT_EQ(features->n_mel, n_mel);
  ASSERT_EQ(features->n_frames, 3000);
  ASSERT_TRUE(check_features(*features, "jfk").is_ok());
  const double worst = compare_with_golden(*features, n_mel, 3000, true);
  EXPECT_LE(worst, 1e-4);
  RecordProperty("max_abs_diff", std::to_string(worst));
  std::printf("mel_%d: max |diff| against the torch reference %.3g\n", n_mel, worst);

  // Unpadded (models that encode only the audio there): 176000 / 160 frames. The same maximum,
  // so the same values except where the right edge's reflection reaches (the last 2 frames).
  options.pad_to_window = false;
  auto unpadded_mel = LogMelSpectrogram::create(options);
  ASSERT_TRUE(unpadded_mel.ok());
  auto unpadded = unpadded_mel->compute(wave->samples);
  ASSERT_TRUE(unpadded.ok()) << unpadded.status().to_string();
  ASSERT_EQ(unpadded->n_frames, 1100);
  EXPECT_LE(compare_with_golden(*unpadded, n_mel, 1098, false), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Bins, LogMelJfk, ::testing::Values(80, 128));

TEST(LogMel, SineLandsInItsMelBin) {
  // A 1 kHz tone: the loudest row is the one whose filter weighs 1 kHz most.
  auto mel = LogMelSpectrogram::create();
  ASSERT_TRUE(mel.ok());
  std::vector<float> tone(16000);
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] = 0.5f * float(std::sin(2 * std::numbers::pi * 1000.0 * double(i) / 16000));
  }
  auto features = mel->compute(tone);
  ASSERT_TRUE(features.ok());
  const int32_t t = 50, bin = 1000 * 400 / 16000;  // FFT bin 25
  int32_t loudest = 0, heaviest = 0;
  for (int32_t m = 1; m < 80; ++m) {
    if (features->values[std::size_t(m) * 3000 + t] >
        features->values[std::size_t(loudest) * 3000 + t]) {
      loudest = m;
    }
    if (mel->filters()[std::size_t(m) * 201 + bin] >
        mel->filters()[std::size_t(heaviest) * 201 + bin]) {
      heaviest = m;
    }
  }
  EXPECT_EQ(loudest, heaviest);
  // Max - min never exceeds 2 (the clamp to max - 8, divided by 4).
  const auto [lo, hi] = std::minmax_element(features->values.begin(), features->values.end());
  EXPECT_LE(*hi - *lo, 2.0f + 1e-6f);
  EXPECT_NEAR(*hi - *lo, 2.0f, 1e-6f);  // the silent padding sits at the floor
}

TEST(LogMel, WindowsOfLongAudio) {
  // 70 s: windows of 30, 30 and 10 s, each padded to 3000 frames and equal to computing its slice.
  Waveform wave;
  wave.sample_rate = 16000;
  wave.samples.resize(70 * 16000);
  for (std::size_t i = 0; i < wave.samples.size(); ++i) {
    wave.samples[i] = 0.3f * float(std::sin(0.01 * double(i) * (1.0 + double(i) / 1e6)));
  }
  auto mel = LogMelSpectrogram::create();
  ASSERT_TRUE(mel.ok());
  auto windows = mel->compute_windows(wave);
  ASSERT_TRUE(windows.ok()) << windows.status().to_string();
  ASSERT_EQ(windows->size(), 3u);
  for (const MelFeatures& w : *windows) {
    EXPECT_EQ(w.n_mel, 80);
    EXPECT_EQ(w.n_frames, 3000);
  }
  auto last = mel->compute(std::span<const float>(wave.samples).subspan(60 * 16000));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->values, (*windows)[2].values);

  // Threads split the frames; the result is the same bit for bit.
  MelOptions threaded;
  threaded.threads = 3;
  auto mel3 = LogMelSpectrogram::create(threaded);
  ASSERT_TRUE(mel3.ok());
  auto first = mel3->compute(std::span<const float>(wave.samples).first(30 * 16000));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->values, (*windows)[0].values);

  MelOptions unpadded;
  unpadded.pad_to_window = false;
  auto mel2 = LogMelSpectrogram::create(unpadded);
  ASSERT_TRUE(mel2.ok());
  auto windows2 = mel2->compute_windows(wave);
  ASSERT_TRUE(windows2.ok());
  ASSERT_EQ(windows2->size(), 3u);
  EXPECT_EQ((*windows2)[0].n_frames, 3000);
  EXPECT_EQ((*windows2)[2].n_frames, 1000);
}

TEST(LogMel, RejectsBadInput) {
  MelOptions bad;
  bad.hop_length = 0;
  EXPECT_FALSE(LogMelSpectrogram::create(bad).ok());
  bad = {};
  bad.window_samples = 1000;  // not a multiple of the hop
  EXPECT_FALSE(LogMelSpectrogram::create(bad).ok());
  bad = {};
  bad.n_fft = 401;
  EXPECT_FALSE(LogMelSpectrogram::create(bad).ok());
  bad = {};
  bad.threads = 0;
  EXPECT_FALSE(LogMelSpectrogram::create(bad).ok());

  auto mel = LogMelSpectrogram::create();
  ASSERT_TRUE(mel.ok());
  std::vector<float> too_long(480001);
  auto result = mel->compute(too_long);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("480000"), std::string::npos);

  Waveform wrong_rate{8000, std::vector<float>(8000)};
  EXPECT_FALSE(mel->compute_windows(wrong_rate).ok());
  Waveform empty{16000, {}};
  EXPECT_FALSE(mel->compute_windows(empty).ok());

  // Silence: every value at the floor, no NaN.
  auto silent = mel->compute(std::vector<float>(1000));
  ASSERT_TRUE(silent.ok());
  for (float v : silent->values) ASSERT_NEAR(v, -1.5f, 1e-6f);
}

}  // namespace
}  // namespace braid::audio
