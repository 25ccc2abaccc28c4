// Audio mmproj loading: the synthetic generator's files load and run; mixed vision+audio files
// load their audio part; hostile files (every tensor missing or misshapen in turn, bad keys,
// wrong types, swapped FFN tensors, truncation) give clear errors, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

#include "audio_test_support.h"
#include "braid/audio/audio_encoder.h"
#include "braid/audio/audio_mmproj.h"
#include "braid/audio/synthetic_audio.h"
#include "braid/core/gguf_writer.h"
#include "braid/core/half.h"
#include "test_paths.h"

namespace braid::audio {
namespace {

using core::DType;
using core::GgufFile;
using core::GgufValue;
using core::GgufWriter;

/// A parsed file together with the bytes it points into.
struct Loaded {
  std::shared_ptr<std::vector<std::byte>> bytes;
  std::shared_ptr<const GgufFile> file;
};

Loaded parse(std::vector<std::byte> bytes) {
  Loaded out;
  out.bytes = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  auto file = GgufFile::parse(*out.bytes, "test.gguf");
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (file.ok()) out.file = std::make_shared<const GgufFile>(std::move(file.value()));
  return out;
}

std::vector<std::byte> tiny_bytes(const std::string& arch, GgufWriter writer = GgufWriter()) {
  const auto shape = tiny_audio_variant(*find_audio_shape(arch));
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("clip.projector_type", GgufValue{std::string(audio_projector_name(shape.projector))});
  EXPECT_TRUE(add_synthetic_audio_encoder(writer, shape, {}).is_ok());
  auto bytes = writer.to_bytes();
  EXPECT_TRUE(bytes.ok());
  return std::move(bytes.value());
}

/// A copy of `src` with its keys and tensors edited: `key` may change a value (false drops the
/// key); `tensor` may change the name, type, shape and bytes (false drops the tensor).
using KeyEdit = std::function<bool(const std::string& key, GgufValue& value)>;
using TensorEdit = std::function<bool(
    std::string& name, DType& dtype, std::vector<int64_t>& shape, std::vector<std::byte>& data)>;
std::vector<std::byte> rewrite(const GgufFile& src, KeyEdit key, TensorEdit tensor = {}) {
  GgufWriter writer;
  for (const auto& kv : src.metadata()) {
    GgufValue value = kv.value;
    if (!key || key(kv.key, value)) writer.set(kv.key, value);
  }
  for (const auto& info : src.tensors()) {
    std::string name = info.name;
    DType dtype = info.dtype;
    std::vector<int64_t> shape = info.shape;
    const auto span = src.tensor_data(info);
    std::vector<std::byte> data(span.begin(), span.end());
    if (tensor && !tensor(name, dtype, shape, data)) continue;
    EXPECT_TRUE(writer.add_tensor(name, dtype, shape, data).is_ok()) << name;
  }
  auto bytes = writer.to_bytes();
  EXPECT_TRUE(bytes.ok());
  return std::move(bytes.value());
}

core::Status load_status(std::vector<std::byte> bytes, int64_t text_n_embd = 0) {
  Loaded l = parse(std::move(bytes));
  if (!l.file) return core::internal_error("unparsable");
  auto m = AudioMmproj::load(l.file, text_n_embd);
  return m.ok() ? core::Status::ok() : m.status();
}

std::vector<float> encode_on_reference(std::vector<std::byte> bytes, int32_t n_frames) {
  Loaded l = parse(std::move(bytes));
  auto m = AudioMmproj::load(l.file);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok()) return {};
  std::string why;
  auto scheduler = test::scheduler_on("reference", &why);
  if (!scheduler) return {};
  AudioEncoder encoder(**m, *scheduler);
  auto chunk = encoder.encode(
      test::splitmix_features(3, static_cast<int32_t>((*m)->hparams().n_mel), n_frames));
  EXPECT_TRUE(chunk.ok()) << chunk.status().to_string();
  return chunk.ok() ? chunk->data : std::vector<float>{};
}

TEST(AudioMmproj, SyntheticUltravoxLoadsWithItsShapesAndRuns) {
  Loaded l = parse(tiny_bytes("whisper-large-v3"));
  auto m = AudioMmproj::load(l.file, 256);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const AudioHparams& h = (*m)->hparams();
  EXPECT_EQ(h.projector, AudioProjectorType::Ultravox);
  EXPECT_EQ(h.n_mel, 128);
  EXPECT_EQ(h.n_embd, 64);
  EXPECT_EQ(h.n_layer, 2);
  EXPECT_EQ(h.n_positions, 1500);
  EXPECT_EQ(h.stack_factor, 8);
  EXPECT_EQ(h.projector_hidden, 512);
  EXPECT_EQ(h.n_embd_out, 256);
  EXPECT_EQ(projected_rows(h, 3000), 188);
  EXPECT_EQ((*m)->conv1_b().shape, (std::vector<int64_t>{64}));  // stored [64, 1]
  const auto out = encode_on_reference(tiny_bytes("whisper-large-v3"), 200);
  EXPECT_EQ(out.size(), 13u * 256u);  // 100 positions → ceil(100 / 8) rows
  for (float v : out) ASSERT_TRUE(std::isfinite(v));
}

TEST(AudioMmproj, SyntheticQwen2AudioLoadsAndRuns) {
  Loaded l = parse(tiny_bytes("qwen2-audio-7b"));
  auto m = AudioMmproj::load(l.file, 256);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ((*m)->hparams().projector, AudioProjectorType::Qwen2Audio);
  EXPECT_EQ(projected_rows((*m)->hparams(), 3000), 750);
  EXPECT_EQ(encode_on_reference(tiny_bytes("qwen2-audio-7b"), 200).size(), 50u * 256u);
}

TEST(AudioMmproj, WholeFileWriterRoundTripsThroughDisk) {
  const auto path = test::scratch_dir() / "audio-mmproj.gguf";
  const auto shape = tiny_audio_variant(*find_audio_shape("whisper-large-v3"));
  ASSERT_TRUE(write_synthetic_audio_mmproj(path, shape, {.weight_type = DType::Q8_0}).is_ok());
  auto m = AudioMmproj::open(path, 256);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ((*m)->layers()[0].q_w.dtype, DType::Q8_0);
  EXPECT_EQ((*m)->conv1_w().dtype, DType::F16);
  EXPECT_FALSE(find_audio_shape("whisper-huge").ok());
  // Rows of 64 values do not fill Q4_K's blocks of 256: refused before writing anything.
  EXPECT_FALSE(write_synthetic_audio_mmproj(test::scratch_dir() / "q4k.gguf", shape,
                                            {.weight_type = DType::Q4_K})
                   .is_ok());
}

TEST(AudioMmproj, QuantizedWeightsRunCloseToF32) {
  // Q8_0 matrices, the SwiGLU halves of mm.a.mlp.1 included (split by whole block rows).
  const auto shape = tiny_audio_variant(*find_audio_shape("whisper-large-v3"));
  auto bytes_of = [&](DType type) {
    GgufWriter writer;
    EXPECT_TRUE(add_synthetic_audio_encoder(writer, shape, {.weight_type = type}).is_ok());
    return std::move(writer.to_bytes().value());
  };
  const auto f32 = encode_on_reference(bytes_of(DType::F32), 160);
  const auto q8 = encode_on_reference(bytes_of(DType::Q8_0), 160);
  ASSERT_EQ(f32.size(), 10u * 256u);
  EXPECT_LT(test::relative_max_error(q8, f32), 0.05);
  EXPECT_GT(test::relative_max_error(q8, f32), 0.0);  // it did read the quantized weights
}

TEST(AudioMmproj, VisionAndAudioFileLoadsItsAudioPart) {
  GgufWriter writer;
  writer.set("clip.has_vision_encoder", GgufValue{true});
  writer.set("clip.vision.projector_type", GgufValue{std::string("gemma3")});
  writer.set("clip.vision.embedding_length", GgufValue{uint32_t{32}});
  std::vector<float> patch(32 * 3 * 4 * 4, 0.5f);
  ASSERT_TRUE(writer
                  .add_tensor("v.patch_embd.weight", DType::F32, {32, 3, 4, 4},
                              std::as_bytes(std::span<const float>(patch)))
                  .is_ok());
  auto bytes = tiny_bytes("whisper-large-v3", std::move(writer));
  // tiny_bytes also set clip.projector_type to the audio one; a mixed file names the vision
  // projector there: make it so.
  Loaded l = parse(std::move(bytes));
  auto mixed = rewrite(*l.file, [](const std::string& key, GgufValue& value) {
    if (key == "clip.projector_type") value = GgufValue{std::string("gemma3")};
    return true;
  });
  EXPECT_TRUE(load_status(mixed, 256).is_ok()) << load_status(mixed, 256).to_string();
}

TEST(AudioMmproj, EveryMissingTensorIsNamed) {
  Loaded l = parse(tiny_bytes("whisper-large-v3"));
  for (const auto& info : l.file->tensors()) {
    auto bytes = rewrite(*l.file, {},
                         [&](std::string& name, auto&, auto&, auto&) { return name != info.name; });
    const auto status = load_status(std::move(bytes));
    EXPECT_FALSE(status.is_ok()) << info.name;
    EXPECT_NE(status.message().find(info.name), std::string::npos) << status.message();
  }
}

TEST(AudioMmproj, EveryMisshapenTensorIsNamed) {
  for (const char* arch : {"whisper-large-v3", "qwen2-audio-7b"}) {
    Loaded l = parse(tiny_bytes(arch));
    for (const auto& info : l.file->tensors()) {
      // One more row in the outermost dim (F32 zeros: shape errors come before type errors).
      auto bytes =
          rewrite(*l.file, {},
                  [&](std::string& name, DType& dtype, auto& shape, std::vector<std::byte>& data) {
                    if (name != info.name) return true;
                    // (The position table may have any number of rows: widen it instead.)
                    shape[name == "a.position_embd.weight" ? 1 : 0] += 1;
                    int64_t n = 1;
                    for (int64_t d : shape) n *= d;
                    dtype = DType::F32;
                    data.assign(static_cast<size_t>(n) * sizeof(float), std::byte{0});
                    return true;
                  });
      const auto status = load_status(std::move(bytes), 256);
      // The projector's output rows decide n_embd_out, so growing them is caught as a width
      // mismatch with the text model instead.
      EXPECT_FALSE(status.is_ok()) << arch << " " << info.name;
    }
  }
}

TEST(AudioMmproj, BadKeysGiveClearErrors) {
  Loaded l = parse(tiny_bytes("whisper-large-v3"));
  auto with_key = [&](const std::string& which, std::optional<GgufValue> replacement) {
    return load_status(rewrite(*l.file, [&](const std::string& key, GgufValue& value) {
      if (key != which) return true;
      if (!replacement) return false;
      value = *replacement;
      return true;
    }));
  };
  auto expect_error = [](const core::Status& s, const std::string& needle) {
    EXPECT_FALSE(s.is_ok());
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  expect_error(with_key("general.architecture", GgufValue{std::string("llama")}), "'clip'");
  expect_error(with_key("clip.has_audio_encoder", GgufValue{false}), "no audio encoder");
  expect_error(with_key("clip.has_audio_encoder", std::nullopt), "no audio encoder");
  expect_error(with_key("clip.audio.projector_type", GgufValue{std::string("mlp")}), "'mlp'");
  expect_error(with_key("clip.audio.attention.head_count", GgufValue{uint32_t{3}}),
               "does not divide");
  expect_error(with_key("clip.audio.attention.head_count", GgufValue{std::string("x")}),
               "head_count");
  expect_error(with_key("clip.audio.block_count", GgufValue{uint32_t{1000}}), "a.blk.2.");
  expect_error(with_key("clip.audio.block_count", GgufValue{uint32_t{0}}), "block_count");
  expect_error(with_key("clip.audio.embedding_length", GgufValue{uint32_t{4000000000u}}),
               "embedding_length");
  expect_error(with_key("clip.audio.num_mel_bins", GgufValue{uint32_t{80}}), "a.conv1d.1.weight");
  expect_error(with_key("clip.audio.projector.stack_factor", std::nullopt), "stack_factor");
  expect_error(with_key("clip.audio.projection_dim", GgufValue{uint32_t{4096}}), "projection_dim");
  expect_error(with_key("clip.audio.attention.layer_norm_epsilon", GgufValue{-1.0f}), "epsilon");
  // Without clip.audio.projector_type, clip.projector_type is read (audio-only files).
  EXPECT_TRUE(with_key("clip.audio.projector_type", std::nullopt).is_ok());
  const auto status = load_status(tiny_bytes("whisper-large-v3"), 2048);
  expect_error(status, "embedding_length is 2048");
}

TEST(AudioMmproj, UnsupportedTensorTypesAreRefused) {
  Loaded l = parse(tiny_bytes("whisper-large-v3"));
  auto retype = [&](const std::string& which, DType to) {
    return load_status(rewrite(*l.file, {}, [&](std::string& name, DType& dtype, auto&, auto&) {
      if (name == which) dtype = to;  // I32 has F32's size: only the type changes
      return true;
    }));
  };
  const auto vector = retype("a.blk.0.ln1.weight", DType::I32);
  EXPECT_FALSE(vector.is_ok());
  EXPECT_NE(vector.message().find("a.blk.0.ln1.weight"), std::string::npos);
  EXPECT_FALSE(retype("a.position_embd.weight", DType::I32).is_ok());
}

TEST(AudioMmproj, HalfPrecisionVectorsAndSwappedFeedForwardTensorsGiveTheSameOutput) {
  Loaded l = parse(tiny_bytes("whisper-large-v3"));
  const auto original = rewrite(*l.file, {});
  // Norm weights that are exactly representable in F16 (all 1.0) stored as F16.
  const auto half = rewrite(
      *l.file, {}, [](std::string& name, DType& dtype, auto&, std::vector<std::byte>& data) {
        if (name != "a.post_ln.weight") return true;
        std::vector<uint16_t> values(data.size() / sizeof(float));
        for (size_t i = 0; i < values.size(); ++i) {
          float f;
          std::memcpy(&f, data.data() + i * sizeof(float), sizeof(float));
          values[i] = core::f32_to_fp16(f);
        }
        dtype = DType::F16;
        data.resize(values.size() * sizeof(uint16_t));
        std::memcpy(data.data(), values.data(), data.size());
        return true;
      });
  // Older converters wrote fc1 as ffn_down and fc2 as ffn_up: detected by shape.
  const auto swapped = rewrite(*l.file, {}, [](std::string& name, auto&, auto&, auto&) {
    if (name.find("ffn_up") != std::string::npos) {
      name.replace(name.find("ffn_up"), 6, "ffn_down");
    } else if (name.find("ffn_down") != std::string::npos) {
      name.replace(name.find("ffn_down"), 8, "ffn_up");
    }
    return true;
  });
  const auto want = encode_on_reference(original, 64);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(encode_on_reference(half, 64), want);
  EXPECT_EQ(encode_on_reference(swapped, 64), want);
}

TEST(AudioMmproj, TruncatedAndMissingFilesGiveErrors) {
  auto bytes = tiny_bytes("qwen2-audio-7b");
  const auto path = test::scratch_dir() / "truncated.gguf";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size() / 2));
  }
  auto truncated = AudioMmproj::open(path);
  EXPECT_FALSE(truncated.ok());
  auto missing = AudioMmproj::open(test::scratch_dir() / "absent.gguf");
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(AudioMmproj::load(nullptr).ok());
}

}  // namespace
}  // namespace braid::audio
