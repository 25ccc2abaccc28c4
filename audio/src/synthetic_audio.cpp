#include "braid/audio/synthetic_audio.h"

#include <cmath>
#include <cstring>
#include <numbers>

#include "braid/core/quant.h"

namespace braid::audio {

using core::DType;
using core::GgufValue;
using core::GgufWriter;
using core::Status;

namespace {

// splitmix64, one stream per tensor from (seed, name), so a tensor's values do not depend on
// the order tensors are written in.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  float symmetric() { return static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }
};

uint64_t hash_name(const std::string& name, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Uniform values of standard deviation `stddev` around `center`, converted to `type` row by row.
GgufWriter::Filler random_filler(
    std::string name, DType type, int64_t row_length, float center, float stddev, uint64_t seed) {
  return [=](std::span<std::byte> out) -> Status {
    SplitMix64 rng{hash_name(name, seed)};
    const float half_width = stddev * std::numbers::sqrt3_v<float>;
    const uint64_t row_bytes = *core::dtype_row_bytes(type, static_cast<uint64_t>(row_length));
    std::vector<float> row(static_cast<size_t>(row_length));
    for (uint64_t offset = 0; offset < out.size(); offset += row_bytes) {
      for (auto& x : row) x = center + rng.symmetric() * half_width;
      BRAID_TRY(core::quantize_row(type, row.data(), out.data() + offset, row_length));
    }
    return Status::ok();
  };
}

// Whisper's sinusoidal table: row t = [sin(t * f_i) for i < C/2, cos(t * f_i) for i < C/2],
// f_i = 10000^(-i / (C/2 - 1)).
GgufWriter::Filler sinusoid_filler(int64_t n_rows, int64_t n_embd) {
  return [=](std::span<std::byte> out) -> Status {
    const int64_t half = n_embd / 2;
    const double increment =
        std::log(10000.0) / static_cast<double>(std::max<int64_t>(half - 1, 1));
    std::vector<float> table(static_cast<size_t>(n_rows * n_embd), 0.0f);
    for (int64_t t = 0; t < n_rows; ++t) {
      for (int64_t i = 0; i < half; ++i) {
        const double angle = static_cast<double>(t) * std::exp(-increment * static_cast<double>(i));
        table[static_cast<size_t>(t * n_embd + i)] = static_cast<float>(std::sin(angle));
        table[static_cast<size_t>(t * n_embd + half + i)] = static_cast<float>(std::cos(angle));
      }
    }
    std::memcpy(out.data(), table.data(), out.size());
    return Status::ok();
  };
}

Status check_shape(const AudioEncoderShape& s, DType type) {
  if (s.n_mel <= 0 || s.n_embd <= 0 || s.n_ff <= 0 || s.n_layer <= 0 || s.n_head <= 0 ||
      s.n_positions <= 0 || s.text_n_embd <= 0) {
    return core::invalid_argument("[make-model] ", s.name, ": every dimension must be positive");
  }
  if (s.n_embd % s.n_head != 0) {
    return core::invalid_argument("[make-model] ", s.name, ": heads must divide the width");
  }
  if (s.projector == AudioProjectorType::Ultravox &&
      (s.stack_factor <= 0 || s.projector_hidden <= 0 || s.projector_hidden % 2 != 0)) {
    return core::invalid_argument("[make-model] ", s.name,
                                  ": Ultravox needs a stack factor and an even hidden width");
  }
  if (!core::is_convertible(type)) {
    return core::not_supported("[make-model] cannot write weights as ", core::dtype_name(type));
  }
  const uint32_t block = core::dtype_info(type).block_size;
  for (int64_t row : {s.n_embd, s.n_ff, s.n_embd * s.stack_factor, s.projector_hidden / 2}) {
    if (row % block != 0) {
      return core::invalid_argument("[make-model] ", s.name, ": rows of ", row,
                                    " values do not fill ", core::dtype_name(type), " blocks of ",
                                    block, "; choose a type with a smaller block");
    }
  }
  return Status::ok();
}

}  // namespace

const std::vector<AudioEncoderShape>& known_audio_shapes() {
  static const std::vector<AudioEncoderShape> shapes = {
      {.name = "whisper-large-v3",
       .description = "Whisper large-v3 encoder + Ultravox v0.5 projector (Llama 3.2 1B, 2048)",
       .projector = AudioProjectorType::Ultravox,
       .n_mel = 128,
       .n_embd = 1280,
       .n_ff = 5120,
       .n_layer = 32,
       .n_head = 20,
       .n_positions = 1500,
       .stack_factor = 8,
       .projector_hidden = 4096,
       .text_n_embd = 2048},
      {.name = "qwen2-audio-7b",
       .description = "Qwen2-Audio 7B's Whisper encoder + projector (4096)",
       .projector = AudioProjectorType::Qwen2Audio,
       .n_mel = 128,
       .n_embd = 1280,
       .n_ff = 5120,
       .n_layer = 32,
       .n_head = 20,
       .n_positions = 1500,
       .stack_factor = 0,
       .projector_hidden = 0,
       .text_n_embd = 4096},
  };
  return shapes;
}

core::Result<AudioEncoderShape> find_audio_shape(const std::string& name) {
  std::string known;
  for (const auto& shape : known_audio_shapes()) {
    if (shape.name == name) return shape;
    known += (known.empty() ? "" : ", ") + shape.name;
  }
  return core::not_found("[make-model] unknown audio encoder '", name, "' (known: ", known, ")");
}

AudioEncoderShape tiny_audio_variant(const AudioEncoderShape& shape) {
  AudioEncoderShape tiny = shape;
  tiny.name = shape.name + "-tiny";
  tiny.n_embd = 64;
  tiny.n_ff = 256;
  tiny.n_layer = 2;
  tiny.n_head = 4;
  tiny.text_n_embd = 256;
  if (tiny.projector == AudioProjectorType::Ultravox) tiny.projector_hidden = 512;
  return tiny;
}

Status add_synthetic_audio_encoder(GgufWriter& writer,
                                   const AudioEncoderShape& s,
                                   const SyntheticAudioOptions& options) {
  const DType wt = options.weight_type;
  BRAID_TRY(check_shape(s, wt));
  const uint64_t seed = options.seed;
  auto u32 = [](int64_t v) { return GgufValue{static_cast<uint32_t>(v)}; };
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("clip.has_audio_encoder", GgufValue{true});
  writer.set("clip.audio.projector_type",
             GgufValue{std::string(audio_projector_name(s.projector))});
  writer.set("clip.audio.num_mel_bins", u32(s.n_mel));
  writer.set("clip.audio.embedding_length", u32(s.n_embd));
  writer.set("clip.audio.feed_forward_length", u32(s.n_ff));
  writer.set("clip.audio.block_count", u32(s.n_layer));
  writer.set("clip.audio.attention.head_count", u32(s.n_head));
  writer.set("clip.audio.attention.layer_norm_epsilon", GgufValue{1e-5f});
  writer.set("clip.audio.projection_dim", u32(s.text_n_embd));
  if (s.projector == AudioProjectorType::Ultravox) {
    writer.set("clip.audio.projector.stack_factor", u32(s.stack_factor));
  }

  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) {
    const float stddev = 1.0f / std::sqrt(static_cast<float>(cols));
    return writer.add_tensor(name, wt, {rows, cols},
                             random_filler(name, wt, cols, 0.0f, stddev, seed));
  };
  auto vector = [&](const std::string& name, int64_t n, float center, float stddev) {
    return writer.add_tensor(name, DType::F32, {n},
                             random_filler(name, DType::F32, n, center, stddev, seed));
  };
  const int64_t e = s.n_embd;
  // Conv kernels are F16 whatever the weight type (the converter forces it: conv1d reads
  // F32/F16/BF16 only); biases [n, 1] as the converter stores them.
  for (auto [index, c_in] : {std::pair<int, int64_t>{1, s.n_mel}, {2, e}}) {
    const std::string p = "a.conv1d." + std::to_string(index);
    const float stddev = 1.0f / std::sqrt(static_cast<float>(c_in * 3));
    BRAID_TRY(writer.add_tensor(p + ".weight", DType::F16, {e, c_in, 3},
                                random_filler(p + ".weight", DType::F16, 3, 0.0f, stddev, seed)));
    BRAID_TRY(writer.add_tensor(p + ".bias", DType::F32, {e, 1},
                                random_filler(p + ".bias", DType::F32, 1, 0.0f, 0.02f, seed)));
  }
  BRAID_TRY(writer.add_tensor("a.position_embd.weight", DType::F32, {s.n_positions, e},
                              sinusoid_filler(s.n_positions, e)));
  for (int64_t i = 0; i < s.n_layer; ++i) {
    const std::string p = "a.blk." + std::to_string(i) + ".";
    BRAID_TRY(vector(p + "ln1.weight", e, 1.0f, 0.0f));
    BRAID_TRY(vector(p + "ln1.bias", e, 0.0f, 0.02f));
    BRAID_TRY(matrix(p + "attn_q.weight", e, e));
    BRAID_TRY(vector(p + "attn_q.bias", e, 0.0f, 0.02f));
    BRAID_TRY(matrix(p + "attn_k.weight", e, e));
    BRAID_TRY(matrix(p + "attn_v.weight", e, e));
    BRAID_TRY(vector(p + "attn_v.bias", e, 0.0f, 0.02f));
    BRAID_TRY(matrix(p + "attn_out.weight", e, e));
    BRAID_TRY(vector(p + "attn_out.bias", e, 0.0f, 0.02f));
    BRAID_TRY(vector(p + "ln2.weight", e, 1.0f, 0.0f));
    BRAID_TRY(vector(p + "ln2.bias", e, 0.0f, 0.02f));
    BRAID_TRY(matrix(p + "ffn_up.weight", s.n_ff, e));
    BRAID_TRY(vector(p + "ffn_up.bias", s.n_ff, 0.0f, 0.02f));
    BRAID_TRY(matrix(p + "ffn_down.weight", e, s.n_ff));
    BRAID_TRY(vector(p + "ffn_down.bias", e, 0.0f, 0.02f));
  }
  BRAID_TRY(vector("a.post_ln.weight", e, 1.0f, 0.0f));
  BRAID_TRY(vector("a.post_ln.bias", e, 0.0f, 0.02f));

  if (s.projector == AudioProjectorType::Ultravox) {
    const int64_t in = e * s.stack_factor;
    BRAID_TRY(vector("mm.a.norm_pre.weight", in, 1.0f, 0.0f));
    BRAID_TRY(matrix("mm.a.mlp.1.weight", s.projector_hidden, in));
    BRAID_TRY(vector("mm.a.norm_mid.weight", s.projector_hidden / 2, 1.0f, 0.0f));
    BRAID_TRY(matrix("mm.a.mlp.2.weight", s.text_n_embd, s.projector_hidden / 2));
  } else {
    BRAID_TRY(matrix("mm.a.fc.weight", s.text_n_embd, e));
    BRAID_TRY(vector("mm.a.fc.bias", s.text_n_embd, 0.0f, 0.02f));
  }
  return Status::ok();
}

Status write_synthetic_audio_mmproj(const std::filesystem::path& path,
                                    const AudioEncoderShape& shape,
                                    const SyntheticAudioOptions& options) {
  GgufWriter writer;
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("general.name", GgufValue{shape.name + " audio mmproj (random weights)"});
  writer.set("clip.has_vision_encoder", GgufValue{false});
  writer.set("clip.projector_type", GgufValue{std::string(audio_projector_name(shape.projector))});
  BRAID_TRY(add_synthetic_audio_encoder(writer, shape, options));
  return writer.write(path);
}

}  // namespace braid::audio
