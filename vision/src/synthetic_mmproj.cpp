// Random-weight mmproj files (see synthetic_mmproj.h). Keys, tensor names and storage types are
// the converters': the legacy LLaVA one stores 4-D and 2-D tensors (position_embd included) as
// F16 and names fc1 "ffn_down"; convert_hf_to_gguf.py keeps embeddings F32 and Gemma 3's
// input_projection F16 as [vision, text].
#include "braid/vision/synthetic_mmproj.h"

#include <cmath>
#include <cstring>
#include <numbers>

#include "braid/core/quant.h"

namespace braid::vision {
namespace {

using core::DType;
using core::GgufValue;
using core::GgufWriter;
using core::Status;

// splitmix64, one stream per (seed, tensor name), so values do not depend on tensor order.
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

uint64_t stream_for(const std::string& name, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Values uniform around `mean` with standard deviation `stddev`, converted row by row.
GgufWriter::Filler random_filler(
    std::string name, DType type, int64_t row_length, float mean, float stddev, uint64_t seed) {
  return [=](std::span<std::byte> out) -> Status {
    SplitMix64 rng{stream_for(name, seed)};
    const float half_width = stddev * std::numbers::sqrt3_v<float>;
    const uint64_t row_bytes = *core::dtype_row_bytes(type, static_cast<uint64_t>(row_length));
    std::vector<float> row(static_cast<size_t>(row_length));
    for (uint64_t offset = 0; offset < out.size(); offset += row_bytes) {
      for (auto& x : row) x = mean + rng.symmetric() * half_width;
      BRAID_TRY(core::quantize_row(type, row.data(), out.data() + offset, row_length));
    }
    return Status::ok();
  };
}

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
    case DType::BF16:
      return 32;
    default:
      return 1;
  }
}

class Builder {
 public:
  Builder(GgufWriter& w, const VisionEncoderShape& s, const SyntheticVisionOptions& o)
      : w_(w), s_(s), o_(o) {}

  // A linear weight [rows, cols] in the weight type (F16 when a row is not whole blocks).
  Status linear(const std::string& name, int64_t rows, int64_t cols, bool bias = true) {
    DType t = o_.weight_type;
    if (cols % core::dtype_info(t).block_size != 0) t = DType::F16;
    BRAID_TRY(w_.add_tensor(name + ".weight", t, {rows, cols},
                            random_filler(name + ".weight", t, cols, 0.0f,
                                          1.0f / std::sqrt(static_cast<float>(cols)), o_.seed)));
    if (!bias) return Status::ok();
    return vec(name + ".bias", rows, 0.0f, 0.02f);
  }
  Status vec(const std::string& name, int64_t n, float mean, float stddev) {
    return w_.add_tensor(name, DType::F32, {n},
                         random_filler(name, DType::F32, n, mean, stddev, o_.seed));
  }
  Status norm(const std::string& name) {
    BRAID_TRY(vec(name + ".weight", s_.n_embd, 1.0f, 0.0f));
    return vec(name + ".bias", s_.n_embd, 0.0f, 0.0f);
  }
  Status tensor(const std::string& name, DType t, const core::Shape& shape, float stddev) {
    return w_.add_tensor(name, t, shape,
                         random_filler(name, t, shape.back(), 0.0f, stddev, o_.seed));
  }

 private:
  GgufWriter& w_;
  const VisionEncoderShape& s_;
  const SyntheticVisionOptions& o_;
};

Status check(const VisionEncoderShape& s, int64_t text_width, DType type) {
  if (s.image_size <= 0 || s.patch_size <= 0 || s.image_size % s.patch_size != 0 || s.n_embd <= 0 ||
      s.n_ff <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_embd % s.n_head != 0) {
    return core::invalid_argument("[make-model] ", s.name, ": inconsistent vision shape");
  }
  if (s.projector != ProjectorType::Mlp && s.class_token) {
    return core::invalid_argument("[make-model] ", s.name,
                                  ": a class token needs the mlp projector");
  }
  if (text_width <= 0 || text_width > (int64_t{1} << 20)) {
    return core::invalid_argument("[make-model] ", s.name, ": text width ", text_width,
                                  " must be positive");
  }
  if (!core::is_convertible(type)) {
    return core::not_supported("[make-model] cannot write weights as ", core::dtype_name(type));
  }
  return Status::ok();
}

}  // namespace

const std::vector<VisionEncoderShape>& known_vision_shapes() {
  static const std::vector<VisionEncoderShape> shapes = [] {
    VisionEncoderShape clip;
    clip.name = "clip-vit-l-14-336";
    clip.description = "CLIP ViT-L/14 336 px + LLaVA-1.5 mlp projector (mmproj)";
    clip.projector = ProjectorType::Mlp;
    clip.image_size = 336;
    clip.patch_size = 14;
    clip.n_embd = 1024;
    clip.n_ff = 4096;
    clip.n_layer = 23;  // of 24: the legacy converter keeps the blocks up to the penultimate
    clip.n_head = 16;
    clip.eps = 1e-5f;
    clip.activation = VitActivation::QuickGelu;
    clip.class_token = true;
    clip.pre_ln = true;
    clip.legacy_llava = true;
    clip.image_mean = {0.48145466f, 0.4578275f, 0.40821073f};
    clip.image_std = {0.26862954f, 0.26130258f, 0.27577711f};

    VisionEncoderShape siglip;
    siglip.name = "siglip-so400m-896";
    siglip.description = "SigLIP so400m/14 896 px + Gemma 3 projector (mmproj)";
    siglip.projector = ProjectorType::Gemma3;
    siglip.image_size = 896;
    siglip.patch_size = 14;
    siglip.n_embd = 1152;
    siglip.n_ff = 4304;
    siglip.n_layer = 27;
    siglip.n_head = 16;
    siglip.eps = 1e-6f;
    siglip.activation = VitActivation::GeluTanh;
    siglip.patch_bias = true;
    siglip.post_ln = true;
    siglip.scale_factor = 4;
    return std::vector<VisionEncoderShape>{clip, siglip};
  }();
  return shapes;
}

core::Result<VisionEncoderShape> find_vision_shape(const std::string& name) {
  std::string known;
  for (const auto& s : known_vision_shapes()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  return core::not_found("[make-model] unknown vision encoder '", name, "' (known: ", known, ")");
}

VisionEncoderShape tiny_vision_variant(const VisionEncoderShape& shape) {
  VisionEncoderShape t = shape;
  t.name = shape.name + "-tiny";
  t.n_embd = 64;
  t.n_ff = 128;
  t.n_layer = 2;
  t.n_head = 4;
  t.patch_size = 8;
  // CLIP: a 4x4 grid; SigLIP: 8x8, which Gemma 3's default 4x4 pooling turns into 2x2 rows.
  t.image_size = shape.class_token ? 32 : 64;
  return t;
}

Status add_synthetic_vision_encoder(GgufWriter& writer,
                                    const VisionEncoderShape& s,
                                    int64_t text_width,
                                    const SyntheticVisionOptions& options) {
  BRAID_TRY(check(s, text_width, options.weight_type));
  Builder b(writer, s, options);
  const auto u32 = [](int64_t v) { return GgufValue{static_cast<uint32_t>(v)}; };
  const std::string type(projector_type_name(s.projector));
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("clip.has_vision_encoder", GgufValue{true});
  if (s.legacy_llava) {
    writer.set("clip.has_text_encoder", GgufValue{false});
    writer.set("clip.has_llava_projector", GgufValue{true});
  }
  writer.set("clip.projector_type", GgufValue{type});
  writer.set("clip.vision.projector_type", GgufValue{type});
  writer.set("clip.vision.image_size", u32(s.image_size));
  writer.set("clip.vision.patch_size", u32(s.patch_size));
  writer.set("clip.vision.embedding_length", u32(s.n_embd));
  writer.set("clip.vision.feed_forward_length", u32(s.n_ff));
  writer.set("clip.vision.projection_dim", u32(text_width));
  writer.set("clip.vision.block_count", u32(s.n_layer));
  writer.set("clip.vision.attention.head_count", u32(s.n_head));
  writer.set("clip.vision.attention.layer_norm_epsilon", GgufValue{s.eps});
  writer.set("clip.vision.image_mean",
             core::gguf_array(std::vector<float>(s.image_mean.begin(), s.image_mean.end())));
  writer.set("clip.vision.image_std",
             core::gguf_array(std::vector<float>(s.image_std.begin(), s.image_std.end())));
  writer.set("clip.use_gelu", GgufValue{s.activation == VitActivation::GeluTanh});
  if (s.activation == VitActivation::Silu) writer.set("clip.use_silu", GgufValue{true});
  const int32_t default_scale = s.projector == ProjectorType::Gemma3 ? 4 : 2;
  if (s.projector != ProjectorType::Mlp && s.scale_factor != 0 && s.scale_factor != default_scale) {
    writer.set("clip.vision.projector.scale_factor", u32(s.scale_factor));
  }

  const int64_t d = s.n_embd, p = s.patch_size;
  const int64_t side = s.image_size / s.patch_size;
  const int64_t n_pos = side * side + (s.class_token ? 1 : 0);
  const bool f32 = options.weight_type == DType::F32;
  // Legacy LLaVA files hold 2-D/4-D tensors as F16, position_embd included; newer converters
  // keep embeddings F32.
  const DType embd_type = s.legacy_llava && !f32 ? DType::F16 : DType::F32;
  BRAID_TRY(b.tensor("v.patch_embd.weight", embd_type, {d, 3, p, p},
                     1.0f / std::sqrt(static_cast<float>(3 * p * p))));
  if (s.patch_bias) BRAID_TRY(b.vec("v.patch_embd.bias", d, 0.0f, 0.02f));
  if (s.class_token) BRAID_TRY(b.vec("v.class_embd", d, 0.0f, 0.1f));
  BRAID_TRY(b.tensor("v.position_embd.weight", embd_type, {n_pos, d}, 0.1f));
  if (s.pre_ln) BRAID_TRY(b.norm("v.pre_ln"));
  for (int64_t i = 0; i < s.n_layer; ++i) {
    const std::string pre = core::str_cat("v.blk.", i, ".");
    BRAID_TRY(b.norm(pre + "ln1"));
    for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
      BRAID_TRY(b.linear(pre + name, d, d));
    }
    BRAID_TRY(b.norm(pre + "ln2"));
    // fc1 [n_ff, d] and fc2 [d, n_ff], under the names the layout uses.
    BRAID_TRY(b.linear(pre + (s.legacy_llava ? "ffn_down" : "ffn_up"), s.n_ff, d));
    BRAID_TRY(b.linear(pre + (s.legacy_llava ? "ffn_up" : "ffn_down"), d, s.n_ff));
  }
  if (s.post_ln) BRAID_TRY(b.norm("v.post_ln"));

  switch (s.projector) {
    case ProjectorType::Mlp:
      BRAID_TRY(b.linear("mm.0", text_width, d));
      BRAID_TRY(b.linear("mm.2", text_width, text_width));
      break;
    case ProjectorType::Gemma3:
      // Stored as 1 + w (w = 0 here) and [vision, text] in F16, as convert_hf_to_gguf does.
      BRAID_TRY(b.vec("mm.soft_emb_norm.weight", d, 1.0f, 0.0f));
      BRAID_TRY(b.tensor("mm.input_projection.weight", f32 ? DType::F32 : DType::F16,
                         {d, text_width}, 1.0f / std::sqrt(static_cast<float>(d))));
      break;
    case ProjectorType::Idefics3: {
      const int64_t sf = s.scale_factor != 0 ? s.scale_factor : 2;
      BRAID_TRY(b.linear("mm.model.fc", text_width, d * sf * sf, /*bias=*/false));
      break;
    }
  }
  return Status::ok();
}

Status write_synthetic_mmproj(const std::filesystem::path& path,
                              const VisionEncoderShape& shape,
                              int64_t text_width,
                              const SyntheticVisionOptions& options) {
  GgufWriter writer;
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("general.name", GgufValue{shape.name + " (random weights)"});
  writer.set(
      "general.description",
      GgufValue{core::str_cat(shape.description, ", random weights, projecting to ", text_width)});
  writer.set("general.file_type", GgufValue{file_type_for(options.weight_type)});
  if (core::dtype_info(options.weight_type).quantized) {
    writer.set("general.quantization_version", GgufValue{uint32_t{2}});
  }
  BRAID_TRY(add_synthetic_vision_encoder(writer, shape, text_width, options));
  return writer.write(path);
}

}  // namespace braid::vision
