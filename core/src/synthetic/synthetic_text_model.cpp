#include <cmath>
#include <cstring>
#include <map>
#include <numbers>
#include <vector>

#include "braid/core/gguf_file_type.h"
#include "braid/core/quant.h"
#include "braid/core/synthetic_model.h"
#include "synthetic_vocab.h"

namespace braid::core {
namespace {

// splitmix64: a fast, well-mixed generator; each tensor gets its own stream from (seed, name),
// so a tensor's values do not depend on which tensors came before it.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float symmetric() { return static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f; }
};

uint64_t hash_name(const std::string& name, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Which general.file_type a single weight type corresponds to.
uint32_t file_type_for(DType type) {
  switch (type) {
    case DType::F32:
      return 0;
    case DType::F16:
      return 1;
    case DType::Q4_0:
      return 2;
    case DType::Q4_1:
      return 3;
    case DType::Q8_0:
      return 7;
    case DType::Q5_0:
      return 8;
    case DType::Q5_1:
      return 9;
    case DType::Q4_K:
      return 14;  // "Q4_K_S": every weight Q4_K
    case DType::Q5_K:
      return 16;  // "Q5_K_S"
    case DType::Q6_K:
      return 18;
    case DType::BF16:
      return 32;
    default:
      return 0;
  }
}

// Random values with standard deviation `stddev` (uniform: std = half-width / sqrt(3)),
// converted to `type` row by row.
GgufWriter::Filler random_filler(
    std::string name, DType type, int64_t row_length, float stddev, uint64_t seed) {
  return [=](std::span<std::byte> out) -> Status {
    SplitMix64 rng{hash_name(name, seed)};
    const float half_width = stddev * std::numbers::sqrt3_v<float>;
    const uint64_t row_bytes = *dtype_row_bytes(type, static_cast<uint64_t>(row_length));
    std::vector<float> row(static_cast<size_t>(row_length));
    for (uint64_t offset = 0; offset < out.size(); offset += row_bytes) {
      for (auto& x : row) x = rng.symmetric() * half_width;
      BRAID_TRY(quantize_row(type, row.data(), out.data() + offset, row_length));
    }
    return Status::ok();
  };
}

GgufWriter::Filler constant_filler(float value) {
  return [=](std::span<std::byte> out) -> Status {
    std::vector<float> values(out.size() / sizeof(float), value);
    std::memcpy(out.data(), values.data(), out.size());
    return Status::ok();
  };
}

// Llama 3.1 rope scaling as per-dimension factors (the converter's rope_freqs tensor): long
// wavelengths are stretched by `factor`, short ones kept, and the band between blended.
std::vector<float> llama3_rope_factors(const TextModelShape& s) {
  const int64_t half = s.head_dim() / 2;
  std::vector<float> factors(static_cast<size_t>(half));
  const double low_wavelen = s.rope_original_ctx / s.rope_low_freq_factor;
  const double high_wavelen = s.rope_original_ctx / s.rope_high_freq_factor;
  for (int64_t i = 0; i < half; ++i) {
    const double freq = 1.0 / std::pow(s.rope_freq_base, 2.0 * i / s.head_dim());
    const double wavelen = 2.0 * std::numbers::pi / freq;
    double factor = 1.0;
    if (wavelen > low_wavelen) {
      factor = s.rope_scaling_factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (s.rope_original_ctx / wavelen - s.rope_low_freq_factor) /
                            (s.rope_high_freq_factor - s.rope_low_freq_factor);
      factor = 1.0 / ((1.0 - smooth) / s.rope_scaling_factor + smooth);
    }
    factors[static_cast<size_t>(i)] = static_cast<float>(factor);
  }
  return factors;
}

Status check_shape(const TextModelShape& s, DType type) {
  if (s.n_embd <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_ff <= 0 ||
      s.n_vocab <= 0) {
    return invalid_argument("[make-model] ", s.name, ": every dimension must be positive");
  }
  if (s.n_embd % s.n_head != 0 || s.n_head % s.n_head_kv != 0) {
    return invalid_argument("[make-model] ", s.name,
                            ": heads must divide the width and the KV heads");
  }
  if (!is_convertible(type)) {
    return not_supported("[make-model] cannot write weights as ", dtype_name(type));
  }
  const uint32_t block = dtype_info(type).block_size;
  for (int64_t row : {s.n_embd, s.n_ff, s.n_head * s.head_dim()}) {
    if (row % block != 0) {
      return invalid_argument("[make-model] ", s.name, ": rows of ", row, " values do not fill ",
                              dtype_name(type), " blocks of ", block,
                              "; choose a type with a smaller block");
    }
  }
  return Status::ok();
}

// The type each weight gets under `recipe`, planned over the model's full tensor list (the mix
// rules count layers and look for output.weight), which a dry run of the F32 model gives.
Result<std::map<std::string, DType>> recipe_types(const TextModelShape& s,
                                                  const SyntheticOptions& options) {
  SyntheticOptions plain = options;
  plain.recipe.reset();
  plain.weight_type = DType::F32;
  GgufWriter dry;
  BRAID_TRY(add_synthetic_text_model(dry, s, plain));
  std::vector<TensorDesc> descs;
  for (const auto& t : dry.tensor_infos()) descs.push_back({t.name, t.dtype, t.shape});
  ModelFacts facts{s.architecture, s.n_layer, s.n_head, s.n_head_kv, 0};
  std::map<std::string, DType> types;
  for (const auto& plan : plan_quantization(descs, facts, *options.recipe)) {
    types[plan.name] = plan.to;
  }
  return types;
}

}  // namespace

Status add_synthetic_text_model(GgufWriter& writer,
                                const TextModelShape& s,
                                const SyntheticOptions& options) {
  std::map<std::string, DType> planned;
  if (options.recipe) {
    BRAID_TRY(check_shape(s, DType::F32));
    BRAID_ASSIGN_OR_RETURN(planned, recipe_types(s, options));
  }
  const DType wt = options.recipe ? options.recipe->base : options.weight_type;
  if (!options.recipe) BRAID_TRY(check_shape(s, wt));
  const std::string& a = s.architecture;
  writer.set("general.architecture", GgufValue{a});
  writer.set("general.name", GgufValue{s.name + " (random weights)"});
  writer.set("general.file_type",
             GgufValue{options.recipe ? options.recipe->file_type : file_type_for(wt)});
  if (dtype_info(wt).quantized) writer.set("general.quantization_version", GgufValue{uint32_t{2}});
  writer.set(a + ".vocab_size", GgufValue{static_cast<uint32_t>(s.n_vocab)});
  writer.set(a + ".context_length", GgufValue{static_cast<uint32_t>(s.n_ctx_train)});
  writer.set(a + ".embedding_length", GgufValue{static_cast<uint32_t>(s.n_embd)});
  writer.set(a + ".block_count", GgufValue{static_cast<uint32_t>(s.n_layer)});
  writer.set(a + ".feed_forward_length", GgufValue{static_cast<uint32_t>(s.n_ff)});
  writer.set(a + ".attention.head_count", GgufValue{static_cast<uint32_t>(s.n_head)});
  writer.set(a + ".attention.head_count_kv", GgufValue{static_cast<uint32_t>(s.n_head_kv)});
  writer.set(a + ".attention.layer_norm_rms_epsilon", GgufValue{s.rms_norm_eps});
  writer.set(a + ".rope.freq_base", GgufValue{s.rope_freq_base});
  writer.set(a + ".rope.dimension_count", GgufValue{static_cast<uint32_t>(s.head_dim())});
  BRAID_TRY(add_synthetic_vocab(writer, s));

  const uint64_t seed = options.seed;
  auto type_of = [&](const std::string& name) {
    auto it = planned.find(name);
    return it == planned.end() ? wt : it->second;
  };
  auto weight = [&](const std::string& name, int64_t rows, int64_t cols) {
    // std 1/sqrt(fan_in) keeps each projection's output at the scale of its input.
    const float stddev = 1.0f / std::sqrt(static_cast<float>(cols));
    const DType t = type_of(name);
    return writer.add_tensor(name, t, {rows, cols}, random_filler(name, t, cols, stddev, seed));
  };
  auto vector_f32 = [&](const std::string& name, int64_t n, float value) {
    return writer.add_tensor(name, DType::F32, {n}, constant_filler(value));
  };
  auto bias_f32 = [&](const std::string& name, int64_t n) {
    return writer.add_tensor(name, DType::F32, {n},
                             random_filler(name, DType::F32, n, 0.02f, seed));
  };

  const int64_t q_width = s.n_head * s.head_dim();
  const int64_t kv_width = s.n_head_kv * s.head_dim();
  // Embedding rows are looked up, not multiplied: unit scale.
  const DType embd_type = type_of("token_embd.weight");
  BRAID_TRY(writer.add_tensor("token_embd.weight", embd_type, {s.n_vocab, s.n_embd},
                              random_filler("token_embd.weight", embd_type, s.n_embd, 1.0f, seed)));
  if (s.rope_scaling_factor > 0.0f) {
    const auto factors = llama3_rope_factors(s);
    BRAID_TRY(writer.add_tensor("rope_freqs.weight", DType::F32,
                                {static_cast<int64_t>(factors.size())},
                                std::as_bytes(std::span(factors))));
  }
  for (int64_t layer = 0; layer < s.n_layer; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    BRAID_TRY(vector_f32(p + "attn_norm.weight", s.n_embd, 1.0f));
    BRAID_TRY(weight(p + "attn_q.weight", q_width, s.n_embd));
    BRAID_TRY(weight(p + "attn_k.weight", kv_width, s.n_embd));
    BRAID_TRY(weight(p + "attn_v.weight", kv_width, s.n_embd));
    if (s.qkv_bias) {
      BRAID_TRY(bias_f32(p + "attn_q.bias", q_width));
      BRAID_TRY(bias_f32(p + "attn_k.bias", kv_width));
      BRAID_TRY(bias_f32(p + "attn_v.bias", kv_width));
    }
    BRAID_TRY(weight(p + "attn_output.weight", s.n_embd, q_width));
    BRAID_TRY(vector_f32(p + "ffn_norm.weight", s.n_embd, 1.0f));
    BRAID_TRY(weight(p + "ffn_gate.weight", s.n_ff, s.n_embd));
    BRAID_TRY(weight(p + "ffn_up.weight", s.n_ff, s.n_embd));
    BRAID_TRY(weight(p + "ffn_down.weight", s.n_embd, s.n_ff));
  }
  BRAID_TRY(vector_f32("output_norm.weight", s.n_embd, 1.0f));
  if (!s.tied_output) BRAID_TRY(weight("output.weight", s.n_vocab, s.n_embd));
  return Status::ok();
}

Status write_synthetic_text_model(const std::filesystem::path& path,
                                  const TextModelShape& shape,
                                  const SyntheticOptions& options) {
  GgufWriter writer;
  BRAID_TRY(add_synthetic_text_model(writer, shape, options));
  return writer.write(path);
}

}  // namespace braid::core
