// decode_audio_*: the shared recordings and videos, every container and codec we can make with the
// linked FFmpeg's encoders (in memory, from synthetic tones), downmixing and resampling, the
// duration and size limits, pipes, and hostile input that must fail cleanly.
#include "braid/audio/decode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <numbers>
#include <thread>

#include "audio_encoder.h"
#include "test_paths.h"

namespace braid::audio {
namespace {

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

void write_file(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

double rms(std::span<const float> x) {
  double sum = 0;
  for (float v : x) sum += double(v) * v;
  return x.empty() ? 0.0 : std::sqrt(sum / double(x.size()));
}

// Amplitude of the `hz` component (a single-bin DFT over the middle of the signal, away from
// codec start-up and padding), relative to the RMS of the same stretch times sqrt(2): 1 for a
// pure tone.
double tone_purity(const Waveform& wave, double hz) {
  const std::size_t n = wave.samples.size();
  const std::size_t begin = n / 4, end = n - n / 4;
  double re = 0, im = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const double phase = 2 * std::numbers::pi * hz * double(i) / wave.sample_rate;
    re += wave.samples[i] * std::cos(phase);
    im -= wave.samples[i] * std::sin(phase);
  }
  const double amplitude = 2 * std::hypot(re, im) / double(end - begin);
  const double r = rms(std::span<const float>(wave.samples).subspan(begin, end - begin));
  return r > 0 ? amplitude / (r * std::sqrt(2.0)) : 0.0;
}

void expect_sane(const Waveform& wave,
                 double seconds,
                 double tolerance_s,
                 const std::string& what,
                 bool audible = true) {
  EXPECT_EQ(wave.sample_rate, 16000) << what;
  EXPECT_NEAR(double(wave.samples.size()) / 16000.0, seconds, tolerance_s) << what;
  for (float v : wave.samples) {
    ASSERT_TRUE(std::isfinite(v)) << what;
    ASSERT_LE(std::abs(v), 2.0f) << what;
  }
  if (audible) {
    EXPECT_GT(rms(wave.samples), 1e-3) << what;
  }
}

struct SharedCase {
  const char* path;
  double seconds;
  bool audible = true;
};

TEST(DecodeAudio, SharedRecordingsAndVideos) {
  const SharedCase cases[] = {
      {"media-audio/jfk.wav", 11.0},
      {"media-audio/jfk.mp3", 11.0},
      {"media-audio/jfk.flac", 11.0},
      {"media-audio/stereo_diarization.wav", 5.0},
      {"media-audio/multilingual.mp3", 59.952},
      {"media-audio/hotwords.mp3", 4.049},
      {"media-audio/mtmd-test-2.mp3", 17.476},
      {"media-video/cockatoo.mp4", 14.0, false},  // H.264 + an mp3 track of digital silence
      {"media-video/realshort.mp4", 1.2},         // an aac track
  };
  for (const SharedCase& c : cases) {
    BRAID_SHARED_FILE_OR_SKIP(path, c.path);
    auto wave = decode_audio_file(path);
    ASSERT_TRUE(wave.ok()) << c.path << ": " << wave.status().to_string();
    expect_sane(*wave, c.seconds, 0.15, c.path, c.audible);
  }
}

// The same speech as 44.1 kHz stereo FLAC and 16 kHz mono MP3 against the 16 kHz WAV: resampling
// and downmixing (and, for the MP3, lossy coding) change it only a little.
TEST(DecodeAudio, JfkFlacAndMp3AgreeWithWav) {
  BRAID_SHARED_FILE_OR_SKIP(wav_path, "media-audio/jfk.wav");
  BRAID_SHARED_FILE_OR_SKIP(flac_path, "media-audio/jfk.flac");
  BRAID_SHARED_FILE_OR_SKIP(mp3_path, "media-audio/jfk.mp3");
  auto wav = decode_audio_file(wav_path);
  ASSERT_TRUE(wav.ok());
  for (const auto& [path, limit] : {std::pair{flac_path, 0.001}, std::pair{mp3_path, 0.25}}) {
    auto other = decode_audio_file(path);
    ASSERT_TRUE(other.ok()) << other.status().to_string();
    // Best alignment within +-40 ms (encoder delays), then the relative RMS difference.
    double best = 1e9;
    int best_lag = 0;
    const std::size_t n = std::min(wav->samples.size(), other->samples.size()) - 1000;
    for (int lag = -640; lag <= 640; ++lag) {
      double diff = 0, ref = 0;
      for (std::size_t i = 700; i < n; i += 7) {
        const double a = wav->samples[i], b = other->samples[std::size_t(int64_t(i) + lag)];
        diff += (a - b) * (a - b);
        ref += a * a;
      }
      if (std::sqrt(diff / ref) < best) best = std::sqrt(diff / ref), best_lag = lag;
    }
    double worst = 0;
    for (std::size_t i = 700; i < n; ++i) {
      worst = std::max(worst, double(std::abs(wav->samples[i] -
                                              other->samples[std::size_t(int64_t(i) + best_lag)])));
    }
    std::printf("%s vs jfk.wav: lag %d samples, relative RMS difference %.2g, max |diff| %.2g\n",
                path.filename().c_str(), best_lag, best, worst);
    EXPECT_LT(best, limit) << path;
  }
}

TEST(DecodeAudio, MemoryEqualsFile) {
  BRAID_SHARED_FILE_OR_SKIP(path, "media-audio/jfk.mp3");
  auto from_file = decode_audio_file(path);
  const auto bytes = read_file(path);
  auto from_memory = decode_audio_memory(bytes, "jfk.mp3");
  ASSERT_TRUE(from_file.ok() && from_memory.ok());
  EXPECT_EQ(from_file->samples, from_memory->samples);
}

TEST(DecodeAudio, Pipe) {
  BRAID_SHARED_FILE_OR_SKIP(path, "media-audio/jfk.mp3");
  const auto bytes = read_file(path);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n =
          write(fds[1], bytes.data() + done, std::min<std::size_t>(4096, bytes.size() - done));
      if (n <= 0) break;
      done += std::size_t(n);
    }
    close(fds[1]);
  });
  std::FILE* stream = fdopen(fds[0], "rb");
  auto wave = decode_audio_stream(stream, "<pipe>");
  writer.join();
  std::fclose(stream);
  ASSERT_TRUE(wave.ok()) << wave.status().to_string();
  auto direct = decode_audio_memory(bytes, "jfk.mp3");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(wave->samples, direct->samples);

  // "-" reads standard input: the pipe is put on fd 0 for the call, then the old stdin restored.
  ASSERT_EQ(pipe(fds), 0);
  const int saved_stdin = dup(0);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(dup2(fds[0], 0), 0);
  close(fds[0]);
  std::thread stdin_writer([&] {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += std::size_t(n);
    }
    close(fds[1]);
  });
  std::clearerr(stdin);
  auto from_stdin = decode_audio_file("-");
  stdin_writer.join();
  dup2(saved_stdin, 0);
  close(saved_stdin);
  std::clearerr(stdin);
  ASSERT_TRUE(from_stdin.ok()) << from_stdin.status().to_string();
  EXPECT_EQ(from_stdin->samples, direct->samples);

  // The size limit applies to what is read from a pipe.
  std::FILE* file = std::fopen(path.c_str(), "rb");
  DecodeOptions small;
  small.max_input_bytes = 1000;
  auto limited = decode_audio_stream(file, "<stdin>", small);
  std::fclose(file);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), core::StatusCode::OutOfRange);
  EXPECT_NE(limited.status().message().find("<stdin>"), std::string::npos);
}

struct CodecCase {
  const char* codec;
  const char* container;
  int rate;
  int channels;
  double min_purity;
};

// Every codec and container: a 2 s 440 Hz tone comes back as a 2 s 440 Hz tone at 16 kHz mono.
TEST(DecodeAudio, EveryCodecAndContainer) {
  const CodecCase cases[] = {
      {"pcm_u8", "wav", 16000, 1, 0.99},     {"pcm_s16le", "wav", 16000, 1, 0.999},
      {"pcm_s24le", "wav", 22050, 2, 0.999}, {"pcm_s32le", "wav", 48000, 1, 0.999},
      {"pcm_f32le", "wav", 44100, 2, 0.999}, {"pcm_f64le", "wav", 8000, 1, 0.999},
      {"pcm_mulaw", "wav", 8000, 1, 0.99},   {"pcm_alaw", "wav", 8000, 1, 0.99},
      {"pcm_s16le", "wav", 8000, 6, 0.999},  // 8 kHz 6-channel (5.1)
      {"libmp3lame", "mp3", 44100, 2, 0.98}, {"flac", "flac", 44100, 2, 0.999},
      {"libvorbis", "ogg", 44100, 2, 0.98},  {"libopus", "ogg", 48000, 2, 0.98},
      {"libopus", "webm", 48000, 1, 0.98},   {"aac", "ipod", 44100, 2, 0.98},  // .m4a
      {"aac", "adts", 32000, 1, 0.98},       {"flac", "matroska", 96000, 1, 0.999},
  };
  for (const CodecCase& c : cases) {
    const std::string what = std::string(c.codec) + " in " + c.container + " at " +
                             std::to_string(c.rate) + " Hz, " + std::to_string(c.channels) + " ch";
    test::EncodeRequest request{c.codec, c.container, c.rate, c.channels,
                                test::sine(440.0, 2.0, c.rate, c.channels, 0.5f)};
    auto bytes = test::encode_audio(request);
    ASSERT_TRUE(bytes.ok()) << what << ": " << bytes.status().to_string();
    auto wave = decode_audio_memory(*bytes, what);
    ASSERT_TRUE(wave.ok()) << what << ": " << wave.status().to_string();
    expect_sane(*wave, 2.0, 0.08, what);
    EXPECT_GT(tone_purity(*wave, 440.0), c.min_purity) << what;
  }
}

TEST(DecodeAudio, StereoIsAveraged) {
  // Left 300 Hz, right 1000 Hz, 16 kHz (no resampling): mono = (left + right) / 2.
  std::vector<float> interleaved(16000 * 2);
  for (std::size_t i = 0; i < 16000; ++i) {
    interleaved[2 * i] = 0.6f * float(std::sin(2 * std::numbers::pi * 300.0 * double(i) / 16000));
    interleaved[2 * i + 1] =
        0.4f * float(std::sin(2 * std::numbers::pi * 1000.0 * double(i) / 16000));
  }
  auto bytes = test::encode_audio({"pcm_f32le", "wav", 16000, 2, interleaved});
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto wave = decode_audio_memory(*bytes, "stereo.wav");
  ASSERT_TRUE(wave.ok()) << wave.status().to_string();
  ASSERT_EQ(wave->samples.size(), 16000u);
  for (std::size_t i = 0; i < 16000; ++i) {
    ASSERT_NEAR(wave->samples[i], 0.5f * (interleaved[2 * i] + interleaved[2 * i + 1]), 1e-6f) << i;
  }
}

TEST(DecodeAudio, NonFiniteSamplesBecomeZero) {
  std::vector<float> samples = test::sine(440, 0.1, 16000, 1, 0.5f);
  samples[10] = std::numeric_limits<float>::quiet_NaN();
  samples[20] = std::numeric_limits<float>::infinity();
  samples[30] = -std::numeric_limits<float>::infinity();
  auto bytes = test::encode_audio({"pcm_f32le", "wav", 16000, 1, samples});
  ASSERT_TRUE(bytes.ok());
  auto wave = decode_audio_memory(*bytes, "nan.wav");
  ASSERT_TRUE(wave.ok()) << wave.status().to_string();
  ASSERT_EQ(wave->samples.size(), samples.size());
  EXPECT_EQ(wave->samples[10], 0.0f);
  EXPECT_EQ(wave->samples[20], 0.0f);
  EXPECT_EQ(wave->samples[30], 0.0f);
  EXPECT_EQ(wave->samples[11], samples[11]);
}

TEST(DecodeAudio, DurationLimitStopsDecodingEarly) {
  // 120 s of tone; a 10 s limit fails, and progress shows decoding stopped near 10 s.
  auto bytes =
      test::encode_audio({"pcm_s16le", "wav", 16000, 1, test::sine(200, 120, 16000, 1, 0.3f)});
  ASSERT_TRUE(bytes.ok());
  DecodeOptions options;
  options.max_seconds = 10;
  double seen = 0;
  options.progress = [&](double decoded, double total) {
    seen = std::max(seen, decoded);
    EXPECT_NEAR(total, 120.0, 0.01);
  };
  options.progress_every_seconds = 1;
  auto wave = decode_audio_memory(*bytes, "long.wav", options);
  ASSERT_FALSE(wave.ok());
  EXPECT_EQ(wave.status().code(), core::StatusCode::OutOfRange);
  EXPECT_NE(wave.status().message().find("long.wav"), std::string::npos);
  EXPECT_NE(wave.status().message().find("limit of 10 s"), std::string::npos)
      << wave.status().message();
  EXPECT_GT(seen, 8.0);
  EXPECT_LT(seen, 12.0);

  options.max_seconds = 200;
  auto ok = decode_audio_memory(*bytes, "long.wav", options);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->samples.size(), 120u * 16000u);
  EXPECT_EQ(seen, 120.0);  // the final progress call
}

TEST(DecodeAudio, OtherOutputRate) {
  auto bytes =
      test::encode_audio({"pcm_s16le", "wav", 44100, 1, test::sine(1000, 1, 44100, 1, 0.5f)});
  ASSERT_TRUE(bytes.ok());
  DecodeOptions options;
  options.sample_rate = 24000;
  auto wave = decode_audio_memory(*bytes, "tone.wav", options);
  ASSERT_TRUE(wave.ok());
  EXPECT_EQ(wave->sample_rate, 24000);
  EXPECT_NEAR(double(wave->samples.size()), 24000.0, 30.0);
  EXPECT_GT(tone_purity(*wave, 1000.0), 0.999);
  options.sample_rate = 0;
  EXPECT_FALSE(decode_audio_memory(*bytes, "tone.wav", options).ok());
}

// ---- hostile input ------------------------------------------------------------------------------

void expect_error_naming(const core::Result<Waveform>& result, const std::string& name) {
  ASSERT_FALSE(result.ok()) << name << " decoded to " << result->samples.size() << " samples";
  EXPECT_NE(result.status().message().find(name), std::string::npos) << result.status().to_string();
}

TEST(DecodeAudio, BadFilesFailCleanly) {
  const auto dir = test::scratch_dir();
  auto write_text = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
  };
  // An MP3 that is really text.
  const auto text_mp3 = write_text("notes.mp3",
                                   "These are not the droids you are looking for.\n"
                                   "Just some text in a file named like an MP3.\n");
  expect_error_naming(decode_audio_file(text_mp3), "notes.mp3");
  // Empty file, missing file, a directory.
  expect_error_naming(decode_audio_file(write_text("empty.wav", "")), "empty.wav");
  auto missing = decode_audio_file(dir / "missing.flac");
  expect_error_naming(missing, "missing.flac");
  EXPECT_EQ(missing.status().code(), core::StatusCode::NotFound);
  expect_error_naming(decode_audio_file(dir), dir.string());

  // A zero-length WAV: a valid header with no samples.
  auto zero = test::encode_audio({"pcm_s16le", "wav", 16000, 1, {}});
  ASSERT_TRUE(zero.ok());
  write_file(dir / "zero.wav", *zero);
  expect_error_naming(decode_audio_file(dir / "zero.wav"), "zero.wav");

  // A video without an audio track (a tiny YUV4MPEG2 stream: two 2x2 frames).
  std::string y4m = "YUV4MPEG2 W2 H2 F25:1 Ip A1:1 C420jpeg\n";
  for (int f = 0; f < 2; ++f) y4m += "FRAME\n" + std::string(6, char(100 + f));
  auto no_audio = decode_audio_file(write_text("silent_film.y4m", y4m));
  expect_error_naming(no_audio, "silent_film.y4m");
  EXPECT_NE(no_audio.status().message().find("no audio stream"), std::string::npos)
      << no_audio.status().message();

  // Random bytes.
  std::vector<std::byte> noise(5000);
  uint32_t state = 12345;
  for (auto& b : noise) state = state * 1664525u + 1013904223u, b = std::byte(state >> 24);
  expect_error_naming(decode_audio_memory(noise, "noise.ogg"), "noise.ogg");
}

TEST(DecodeAudio, TruncatedFilesNeverCrash) {
  // Every prefix (in steps) of small files in several formats: either the audio that is there,
  // or an error naming the input.
  const CodecCase cases[] = {{"libmp3lame", "mp3", 44100, 1, 0},
                             {"aac", "ipod", 44100, 1, 0},
                             {"libvorbis", "ogg", 16000, 1, 0},
                             {"pcm_s16le", "wav", 16000, 2, 0},
                             {"flac", "flac", 16000, 1, 0}};
  for (const CodecCase& c : cases) {
    auto bytes = test::encode_audio(
        {c.codec, c.container, c.rate, c.channels, test::sine(500, 0.5, c.rate, c.channels, 0.5f)});
    ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
    const std::size_t step = std::max<std::size_t>(1, bytes->size() / 60);
    for (std::size_t length = 0; length < bytes->size(); length += step) {
      const std::string name = std::string("cut_") + c.container + "_" + std::to_string(length);
      auto wave = decode_audio_memory(std::span(*bytes).first(length), name);
      if (wave.ok()) {
        EXPECT_LE(wave->samples.size(), 16000u) << name;
        for (float v : wave->samples) ASSERT_TRUE(std::isfinite(v)) << name;
      } else {
        EXPECT_NE(wave.status().message().find(name), std::string::npos)
            << wave.status().to_string();
      }
    }
  }
  // A truncated shared MP3 keeps the audio before the cut.
  BRAID_SHARED_FILE_OR_SKIP(path, "media-audio/jfk.mp3");
  const auto jfk = read_file(path);
  auto half = decode_audio_memory(std::span(jfk).first(jfk.size() / 2), "jfk_half.mp3");
  ASSERT_TRUE(half.ok()) << half.status().to_string();
  EXPECT_NEAR(double(half->samples.size()) / 16000.0, 5.5, 0.3);
}

TEST(DecodeAudio, CorruptedBytesNeverCrash) {
  // Small files with a few percent of their bytes overwritten (headers included): the audio
  // that survives, or an error naming the input.
  const CodecCase cases[] = {{"libmp3lame", "mp3", 44100, 2, 0}, {"aac", "ipod", 44100, 1, 0},
                             {"libopus", "webm", 48000, 1, 0},   {"libvorbis", "ogg", 16000, 1, 0},
                             {"pcm_s24le", "wav", 16000, 6, 0},  {"flac", "flac", 16000, 1, 0}};
  uint32_t state = 99;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (const CodecCase& c : cases) {
    auto bytes = test::encode_audio(
        {c.codec, c.container, c.rate, c.channels, test::sine(700, 0.5, c.rate, c.channels, 0.5f)});
    ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
    for (int variant = 0; variant < 12; ++variant) {
      std::vector<std::byte> damaged = *bytes;
      const std::size_t flips = 1 + damaged.size() * std::size_t(1 + variant % 4) / 100;
      for (std::size_t f = 0; f < flips; ++f) {
        damaged[(next() >> 8) % damaged.size()] = std::byte(next() >> 24);
      }
      const std::string name =
          std::string("damaged_") + c.container + "_" + std::to_string(variant);
      auto wave = decode_audio_memory(damaged, name);
      if (wave.ok()) {
        for (float v : wave->samples) ASSERT_TRUE(std::isfinite(v)) << name;
      } else {
        EXPECT_NE(wave.status().message().find(name), std::string::npos)
            << wave.status().to_string();
      }
    }
  }
}

}  // namespace
}  // namespace braid::audio
