// Reading the vision encoder and projector of an mmproj GGUF (see mmproj.h). Key names, tensor
// names and layouts are those of llama.cpp's converters (convert_hf_to_gguf.py and the legacy
// convert_image_encoder_to_gguf.py); the facts are collected in ../shared/design/FORMATS.md.
#include <cmath>
#include <cstring>
#include <optional>

#include "braid/core/quant.h"
#include "braid/vision/mmproj.h"

namespace braid::vision {

std::string_view projector_type_name(ProjectorType type) {
  switch (type) {
    case ProjectorType::Mlp:
      return "mlp";
    case ProjectorType::Gemma3:
      return "gemma3";
    case ProjectorType::Idefics3:
      return "idefics3";
  }
  return "?";
}

core::TensorId WeightRef::add_to(core::Graph& graph) const {
  if (!present()) return {};
  return graph.weight(name, dtype, shape, data);
}

namespace {

using core::DType;
using core::GgufFile;
using core::GgufTensorInfo;
using core::Result;
using core::Shape;
using core::Status;

std::string shape_text(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// How the graph uses a tensor decides which stored types it can take as they are.
enum class Use {
  Matmul,  // a matmul's weights: F32, F16, BF16 and the GGUF block types the ABI lists
  Conv,    // conv2d weights: F32, F16, BF16
  F32,     // everything the element-wise ops read: converted to F32 at load
};

bool matmul_type(DType t) {
  switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q8_0:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
      return true;
    default:
      return false;
  }
}

}  // namespace

class VisionModelLoader {
 public:
  explicit VisionModelLoader(VisionModel& model) : m_(model), f_(model.file_) {}

  Status load() {
    BRAID_TRY(read_hparams());
    BRAID_TRY(read_encoder());
    return read_projector();
  }

 private:
  std::string where() const { return core::str_cat("[mmproj] ", f_.name()); }

  template <typename T>
  Result<T> required(const std::string& key) {
    if (!f_.contains(key)) return core::not_found(where(), ": key '", key, "' is missing");
    return f_.get<T>(key);
  }

  Result<int64_t> positive(const std::string& key) {
    BRAID_ASSIGN_OR_RETURN(int64_t v, required<int64_t>(key));
    if (v <= 0 || v > (int64_t{1} << 24)) {
      return core::invalid_argument(where(), ": key '", key, "' is ", v,
                                    ", expected a positive size");
    }
    return v;
  }

  Status read_hparams() {
    VisionHparams& h = m_.hparams_;
    BRAID_ASSIGN_OR_RETURN(auto arch, f_.get_optional<std::string>("general.architecture"));
    if (!arch || *arch != "clip") {
      return core::invalid_argument(where(), ": general.architecture is '",
                                    arch ? *arch : std::string("(absent)"),
                                    "', expected 'clip': not an mmproj file (pass the text model "
                                    "with -m and its mmproj with --mmproj)");
    }
    BRAID_ASSIGN_OR_RETURN(auto name, f_.get_optional<std::string>("general.name"));
    m_.model_name_ = name.value_or("");
    BRAID_ASSIGN_OR_RETURN(auto has_vision, f_.get_optional<bool>("clip.has_vision_encoder"));
    if (has_vision ? !*has_vision : f_.find_tensor("v.patch_embd.weight") == nullptr) {
      return core::not_supported(where(), ": has no vision encoder (clip.has_vision_encoder is ",
                                 has_vision ? "false" : "absent and there is no v.patch_embd)");
    }
    BRAID_ASSIGN_OR_RETURN(auto legacy, f_.get_optional<bool>("clip.has_llava_projector"));
    h.legacy_llava = legacy.value_or(false);

    // The projector type: per modality in newer files, shared in older ones.
    std::optional<std::string> type;
    for (const char* key : {"clip.vision.projector_type", "clip.projector_type"}) {
      BRAID_ASSIGN_OR_RETURN(type, f_.get_optional<std::string>(key));
      if (type) break;
    }
    if (!type && h.legacy_llava) type = "mlp";
    if (!type) {
      return core::not_found(where(),
                             ": key 'clip.vision.projector_type' (or "
                             "'clip.projector_type') is missing");
    }
    if (*type == "mlp") {
      h.projector = ProjectorType::Mlp;
    } else if (*type == "gemma3") {
      h.projector = ProjectorType::Gemma3;
    } else if (*type == "idefics3") {
      h.projector = ProjectorType::Idefics3;
    } else {
      return core::not_supported(where(), ": projector type '", *type,
                                 "' is not supported (supported: mlp, gemma3, idefics3)");
    }

    BRAID_ASSIGN_OR_RETURN(int64_t image_size, positive("clip.vision.image_size"));
    BRAID_ASSIGN_OR_RETURN(int64_t patch_size, positive("clip.vision.patch_size"));
    h.image_size = static_cast<int32_t>(image_size);
    h.patch_size = static_cast<int32_t>(patch_size);
    if (image_size % patch_size != 0) {
      return core::invalid_argument(where(), ": clip.vision.image_size ", image_size,
                                    " is not a multiple of clip.vision.patch_size ", patch_size);
    }
    BRAID_ASSIGN_OR_RETURN(h.n_embd, positive("clip.vision.embedding_length"));
    BRAID_ASSIGN_OR_RETURN(h.n_ff, positive("clip.vision.feed_forward_length"));
    BRAID_ASSIGN_OR_RETURN(h.n_layer, positive("clip.vision.block_count"));
    BRAID_ASSIGN_OR_RETURN(h.n_head, positive("clip.vision.attention.head_count"));
    if (h.n_embd % h.n_head != 0) {
      return core::invalid_argument(where(), ": clip.vision.embedding_length ", h.n_embd,
                                    " is not a multiple of clip.vision.attention.head_count ",
                                    h.n_head);
    }
    BRAID_ASSIGN_OR_RETURN(h.eps, required<float>("clip.vision.attention.layer_norm_epsilon"));
    if (!(h.eps > 0.0f) || !std::isfinite(h.eps)) {
      return core::invalid_argument(where(), ": clip.vision.attention.layer_norm_epsilon is ",
                                    h.eps, ", expected a positive number");
    }
    BRAID_ASSIGN_OR_RETURN(auto proj_dim, f_.get_optional<int64_t>("clip.vision.projection_dim"));
    h.projection_dim = proj_dim.value_or(0);

    for (auto [key, dst] : {std::pair{"clip.vision.image_mean", &h.image_mean},
                            std::pair{"clip.vision.image_std", &h.image_std}}) {
      BRAID_ASSIGN_OR_RETURN(auto values, f_.get_optional<std::vector<float>>(key));
      if (!values) continue;
      if (values->size() != 3) {
        return core::invalid_argument(where(), ": key '", key, "' has ", values->size(),
                                      " values, expected 3 (R, G, B)");
      }
      for (size_t c = 0; c < 3; ++c) {
        const float v = (*values)[c];
        if (!std::isfinite(v) || (dst == &h.image_std && !(v > 0.0f))) {
          return core::invalid_argument(where(), ": key '", key, "'[", c, "] is ", v);
        }
        (*dst)[c] = v;
      }
    }

    BRAID_ASSIGN_OR_RETURN(auto gelu, f_.get_optional<bool>("clip.use_gelu"));
    BRAID_ASSIGN_OR_RETURN(auto silu, f_.get_optional<bool>("clip.use_silu"));
    h.activation = silu.value_or(false)   ? VitActivation::Silu
                   : gelu.value_or(false) ? VitActivation::GeluTanh
                                          : VitActivation::QuickGelu;

    BRAID_ASSIGN_OR_RETURN(auto layers,
                           f_.get_optional<std::vector<int32_t>>("clip.vision.feature_layer"));
    if (layers) {
      for (int32_t l : *layers) {
        if (l < 0 || l > h.n_layer) {
          return core::invalid_argument(where(), ": clip.vision.feature_layer holds ", l,
                                        ", expected a hidden-state index in 0..", h.n_layer,
                                        " (clip.vision.block_count)");
        }
      }
      h.feature_layers = *layers;
    }
    BRAID_ASSIGN_OR_RETURN(
        auto pinpoints, f_.get_optional<std::vector<int32_t>>("clip.vision.image_grid_pinpoints"));
    if (pinpoints) {
      if (pinpoints->size() % 2 != 0) {
        return core::invalid_argument(where(), ": clip.vision.image_grid_pinpoints has ",
                                      pinpoints->size(), " values, expected (width, height) pairs");
      }
      for (int32_t v : *pinpoints) {
        if (v <= 0) {
          return core::invalid_argument(where(), ": clip.vision.image_grid_pinpoints holds ", v);
        }
      }
      h.image_grid_pinpoints = *pinpoints;
    }
    BRAID_ASSIGN_OR_RETURN(auto scale,
                           f_.get_optional<int64_t>("clip.vision.projector.scale_factor"));
    if (h.projector != ProjectorType::Mlp) {
      // llama.cpp's defaults: Gemma 3 pools 64x64 patches by 4; SmolVLM shuffles by 2.
      const int64_t s = scale.value_or(h.projector == ProjectorType::Gemma3 ? 4 : 2);
      const int64_t side = h.patches_per_side();
      if (s < 1 || s > side || side % s != 0) {
        return core::invalid_argument(where(), ": clip.vision.projector.scale_factor ", s,
                                      " does not divide the ", side, "x", side,
                                      " patch grid (image_size / patch_size)");
      }
      h.scale_factor = static_cast<int32_t>(s);
    }
    return Status::ok();
  }

  // The tensor `name` checked against `shape`, as the graph will read it.
  Result<WeightRef> tensor(
      const std::string& name, const Shape& shape, Use use, bool required, const std::string& why) {
    const GgufTensorInfo* info = f_.find_tensor(name);
    if (!info) {
      if (!required) return WeightRef{};
      return core::not_found(where(), ": tensor '", name, "' is missing (", why, ")");
    }
    if (info->shape != shape) {
      return core::invalid_argument(where(), ": tensor '", name, "' has shape ",
                                    shape_text(info->shape), ", expected ", shape_text(shape), " (",
                                    why, ")");
    }
    WeightRef ref{name, info->dtype, shape, f_.tensor_data(*info)};
    const bool keep = use == Use::Matmul ? matmul_type(info->dtype)
                      : use == Use::Conv ? (info->dtype == DType::F32 ||
                                            info->dtype == DType::F16 || info->dtype == DType::BF16)
                                         : info->dtype == DType::F32;
    if (keep) return ref;
    BRAID_ASSIGN_OR_RETURN(std::vector<float> values, to_f32(*info));
    ref.dtype = DType::F32;
    ref.data = own(values);
    return ref;
  }

  Result<std::vector<float>> to_f32(const GgufTensorInfo& info) {
    if (!core::is_convertible(info.dtype)) {
      return core::not_supported(where(), ": tensor '", info.name, "' is stored as ",
                                 core::dtype_name(info.dtype),
                                 ", which braid cannot convert to F32");
    }
    const int64_t inner = info.shape.empty() ? 1 : info.shape.back();
    const int64_t rows = inner > 0 ? info.n_elements / inner : 0;
    const uint64_t row_bytes = core::dtype_row_bytes(info.dtype, inner).value_or(0);
    std::vector<float> out(static_cast<size_t>(info.n_elements));
    const std::span<const std::byte> src = f_.tensor_data(info);
    for (int64_t r = 0; r < rows; ++r) {
      BRAID_TRY(core::dequantize_row(info.dtype, src.data() + r * row_bytes, out.data() + r * inner,
                                     inner));
    }
    return out;
  }

  std::span<const std::byte> own(const std::vector<float>& values) {
    auto& bytes = m_.owned_.emplace_back(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }

  Status read_encoder() {
    const VisionHparams& h = m_.hparams_;
    VisionWeights& w = m_.weights_;
    const int64_t d = h.n_embd, p = h.patch_size;
    BRAID_ASSIGN_OR_RETURN(w.patch_w, tensor("v.patch_embd.weight", {d, 3, p, p}, Use::Conv, true,
                                             "clip.vision.embedding_length x 3 x patch_size^2"));
    BRAID_ASSIGN_OR_RETURN(w.patch_b,
                           tensor("v.patch_embd.bias", {d}, Use::F32, false, "embedding_length"));
    BRAID_ASSIGN_OR_RETURN(w.class_embd,
                           tensor("v.class_embd", {d}, Use::F32, false, "embedding_length"));
    if (w.class_embd.present()) {
      if (h.projector != ProjectorType::Mlp) {
        return core::invalid_argument(where(), ": has a class token (v.class_embd), which the ",
                                      projector_type_name(h.projector),
                                      " projector's patch grid cannot hold");
      }
      w.class_embd.shape = {1, d};  // a row to concatenate before the patches
    }
    const int64_t side = h.patches_per_side();
    const int64_t n_pos = side * side + (w.class_embd.present() ? 1 : 0);
    BRAID_ASSIGN_OR_RETURN(w.pos_embd,
                           tensor("v.position_embd.weight", {n_pos, d}, Use::F32, true,
                                  core::str_cat("(image_size / patch_size)^2",
                                                w.class_embd.present() ? " + 1 class token" : "",
                                                " positions of embedding_length")));
    BRAID_TRY(norm_pair("v.pre_ln", &w.pre_ln_w, &w.pre_ln_b));
    BRAID_TRY(norm_pair("v.post_ln", &w.post_ln_w, &w.post_ln_b));

    // Old LLaVA files carry fc1 as "ffn_down" and fc2 as "ffn_up"; the shapes tell.
    const GgufTensorInfo* up0 = f_.find_tensor("v.blk.0.ffn_up.weight");
    const GgufTensorInfo* down0 = f_.find_tensor("v.blk.0.ffn_down.weight");
    m_.hparams_.ffn_swapped = h.n_ff != d && up0 && down0 && up0->shape == Shape{d, h.n_ff} &&
                              down0->shape == Shape{h.n_ff, d};
    const char* up_name = h.ffn_swapped ? "ffn_down" : "ffn_up";
    const char* down_name = h.ffn_swapped ? "ffn_up" : "ffn_down";

    w.blocks.resize(static_cast<size_t>(h.n_layer));
    for (int64_t i = 0; i < h.n_layer; ++i) {
      VitBlockWeights& b = w.blocks[static_cast<size_t>(i)];
      const std::string pre = core::str_cat("v.blk.", i, ".");
      const std::string why =
          core::str_cat("block ", i, " of clip.vision.block_count = ", h.n_layer);
      BRAID_TRY(norm_pair(pre + "ln1", &b.ln1_w, &b.ln1_b, true, why));
      BRAID_TRY(norm_pair(pre + "ln2", &b.ln2_w, &b.ln2_b, true, why));
      for (auto [name, wt, bias] :
           {std::tuple{"attn_q", &b.q_w, &b.q_b}, std::tuple{"attn_k", &b.k_w, &b.k_b},
            std::tuple{"attn_v", &b.v_w, &b.v_b}, std::tuple{"attn_out", &b.out_w, &b.out_b}}) {
        BRAID_TRY(linear(pre + name, d, d, wt, bias, why));
      }
      BRAID_TRY(linear(pre + up_name, h.n_ff, d, &b.up_w, &b.up_b, why + " (fc1)"));
      BRAID_TRY(linear(pre + down_name, d, h.n_ff, &b.down_w, &b.down_b, why + " (fc2)"));
    }
    return Status::ok();
  }

  // A LayerNorm's weight and bias (F32 [n_embd]); both optional unless `required`.
  Status norm_pair(const std::string& prefix,
                   WeightRef* weight,
                   WeightRef* bias,
                   bool required = false,
                   const std::string& why = "embedding_length") {
    const int64_t d = m_.hparams_.n_embd;
    BRAID_ASSIGN_OR_RETURN(*weight, tensor(prefix + ".weight", {d}, Use::F32, required, why));
    BRAID_ASSIGN_OR_RETURN(*bias, tensor(prefix + ".bias", {d}, Use::F32, false, why));
    if (bias->present() && !weight->present()) {
      return core::not_found(where(), ": tensor '", prefix, ".weight' is missing (", prefix,
                             ".bias is present)");
    }
    return Status::ok();
  }

  // A linear layer [n_out, n_in] with an optional bias [n_out].
  Status linear(const std::string& prefix,
                int64_t n_out,
                int64_t n_in,
                WeightRef* weight,
                WeightRef* bias,
                const std::string& why) {
    BRAID_ASSIGN_OR_RETURN(*weight,
                           tensor(prefix + ".weight", {n_out, n_in}, Use::Matmul, true, why));
    BRAID_ASSIGN_OR_RETURN(*bias, tensor(prefix + ".bias", {n_out}, Use::F32, false, why));
    return Status::ok();
  }

  // The leading dim of a required 2-D tensor whose inner dim must be `n_in` (a projector's
  // output width is whatever the file says; the text model is checked against it later).
  Result<int64_t> rows_of(const std::string& name, int64_t n_in, const std::string& why) {
    const GgufTensorInfo* info = f_.find_tensor(name);
    if (!info) return core::not_found(where(), ": tensor '", name, "' is missing (", why, ")");
    if (info->shape.size() != 2 || info->shape[1] != n_in || info->shape[0] <= 0) {
      return core::invalid_argument(where(), ": tensor '", name, "' has shape ",
                                    shape_text(info->shape), ", expected [n_out, ", n_in, "] (",
                                    why, ")");
    }
    return info->shape[0];
  }

  Status read_projector() {
    const VisionHparams& h = m_.hparams_;
    VisionWeights& w = m_.weights_;
    const int64_t d = h.n_embd;
    switch (h.projector) {
      case ProjectorType::Mlp: {
        const int64_t n_in = d * static_cast<int64_t>(std::max<size_t>(1, h.feature_layers.size()));
        const std::string why = core::str_cat("mlp projector over ", n_in, " feature values");
        BRAID_ASSIGN_OR_RETURN(int64_t hidden, rows_of("mm.0.weight", n_in, why));
        BRAID_TRY(linear("mm.0", hidden, n_in, &w.mm0_w, &w.mm0_b, why));
        m_.output_width_ = hidden;
        m_.output_width_source_ = core::str_cat("mm.0.weight ", shape_text(w.mm0_w.shape));
        if (f_.find_tensor("mm.2.weight")) {
          BRAID_ASSIGN_OR_RETURN(int64_t out, rows_of("mm.2.weight", hidden, "mlp projector"));
          BRAID_TRY(linear("mm.2", out, hidden, &w.mm2_w, &w.mm2_b, "mlp projector"));
          m_.output_width_ = out;
          m_.output_width_source_ = core::str_cat("mm.2.weight ", shape_text(w.mm2_w.shape));
        }
        m_.projector_input_width_ = n_in;
        BRAID_ASSIGN_OR_RETURN(w.image_newline,
                               tensor("model.image_newline", {m_.output_width_}, Use::F32, false,
                                      "LLaVA-1.6 row separator of the projector's width"));
        return Status::ok();
      }
      case ProjectorType::Gemma3: {
        BRAID_ASSIGN_OR_RETURN(w.soft_emb_norm, tensor("mm.soft_emb_norm.weight", {d}, Use::F32,
                                                       true, "gemma3 projector norm"));
        // Stored as Hugging Face keeps it, [n_embd, text width] (used as x @ W); the matmul op
        // wants [out, in], so it is transposed once here.
        const GgufTensorInfo* info = f_.find_tensor("mm.input_projection.weight");
        if (!info) {
          return core::not_found(where(),
                                 ": tensor 'mm.input_projection.weight' is missing "
                                 "(gemma3 projector)");
        }
        if (info->shape.size() != 2 || info->shape[0] != d || info->shape[1] <= 0) {
          return core::invalid_argument(where(), ": tensor 'mm.input_projection.weight' has shape ",
                                        shape_text(info->shape), ", expected [", d,
                                        ", text width] (gemma3 projector)");
        }
        const int64_t out = info->shape[1];
        BRAID_ASSIGN_OR_RETURN(w.input_projection, transposed(*info));
        m_.output_width_ = out;
        m_.output_width_source_ =
            core::str_cat("mm.input_projection.weight ", shape_text(info->shape));
        m_.projector_input_width_ = d;
        return Status::ok();
      }
      case ProjectorType::Idefics3: {
        const int64_t n_in = d * h.scale_factor * h.scale_factor;
        const std::string why = core::str_cat("idefics3 projector over ", n_in,
                                              " values (embedding_length x scale_factor^2)");
        BRAID_ASSIGN_OR_RETURN(int64_t out, rows_of("mm.model.fc.weight", n_in, why));
        BRAID_ASSIGN_OR_RETURN(w.fc,
                               tensor("mm.model.fc.weight", {out, n_in}, Use::Matmul, true, why));
        m_.output_width_ = out;
        m_.output_width_source_ = core::str_cat("mm.model.fc.weight ", shape_text(w.fc.shape));
        m_.projector_input_width_ = n_in;
        return Status::ok();
      }
    }
    return core::internal_error(where(), ": unknown projector");
  }

  // [rows, cols] -> [cols, rows]; plain types keep their type, block types become F32.
  Result<WeightRef> transposed(const GgufTensorInfo& info) {
    const int64_t rows = info.shape[0], cols = info.shape[1];
    WeightRef ref{info.name, info.dtype, {cols, rows}, {}};
    const std::span<const std::byte> src = f_.tensor_data(info);
    if (info.dtype == DType::F32 || info.dtype == DType::F16 || info.dtype == DType::BF16) {
      const size_t elem = info.dtype == DType::F32 ? 4 : 2;
      auto& bytes = m_.owned_.emplace_back(src.size());
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
          std::memcpy(bytes.data() + (c * rows + r) * elem, src.data() + (r * cols + c) * elem,
                      elem);
        }
      }
      ref.data = bytes;
      return ref;
    }
    BRAID_ASSIGN_OR_RETURN(std::vector<float> values, to_f32(info));
    std::vector<float> t(values.size());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) t[c * rows + r] = values[r * cols + c];
    }
    ref.dtype = DType::F32;
    ref.data = own(t);
    return ref;
  }

  VisionModel& m_;
  const GgufFile& f_;
};

core::Result<std::shared_ptr<const VisionModel>> VisionModel::load(core::GgufFile file) {
  std::shared_ptr<VisionModel> model(new VisionModel());
  model->file_ = std::move(file);
  VisionModelLoader loader(*model);
  BRAID_TRY(loader.load());
  return std::shared_ptr<const VisionModel>(std::move(model));
}

core::Result<std::shared_ptr<const VisionModel>> VisionModel::open(
    const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(path));
  return load(std::move(file));
}

core::Status VisionModel::check_text_width(int64_t text_n_embd) const {
  if (text_n_embd == output_width_) return core::Status::ok();
  return core::invalid_argument("[mmproj] ", file_.name(), ": the ",
                                projector_type_name(hparams_.projector),
                                " projector makes rows of ", output_width_, " values (",
                                output_width_source_, ") but the text model's n_embd is ",
                                text_n_embd, ": this mmproj belongs to another text model");
}

core::Result<int64_t> VisionModel::output_rows(int32_t height, int32_t width) const {
  const VisionHparams& h = hparams_;
  const int32_t p = h.patch_size;
  if (height < p || width < p || height % p != 0 || width % p != 0) {
    return core::invalid_argument("[vision] ", file_.name(), ": an image of ", width, "x", height,
                                  " pixels is not a whole number of ", p, "x", p,
                                  " patches (preprocess it for this model first)");
  }
  const int64_t gh = height / p, gw = width / p;
  constexpr int64_t kMaxPatches = 128 * 128;
  if (gh * gw > kMaxPatches) {
    return core::invalid_argument("[vision] ", file_.name(), ": an image of ", width, "x", height,
                                  " pixels makes ", gh * gw, " patches, more than ", kMaxPatches,
                                  " (tile or downscale it)");
  }
  switch (h.projector) {
    case ProjectorType::Mlp:
      return gh * gw;
    case ProjectorType::Gemma3:
    case ProjectorType::Idefics3: {
      const int64_t s = h.scale_factor;
      if (gh % s != 0 || gw % s != 0) {
        return core::invalid_argument("[vision] ", file_.name(), ": the ", gw, "x", gh,
                                      " patch grid of a ", width, "x", height,
                                      " image is not divisible by the ",
                                      projector_type_name(h.projector), " projector's factor ", s);
      }
      return (gh / s) * (gw / s);
    }
  }
  return core::internal_error("[vision] unknown projector");
}

}  // namespace braid::vision
