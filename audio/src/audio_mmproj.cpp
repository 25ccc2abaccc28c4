#include "braid/audio/audio_mmproj.h"

#include <algorithm>
#include <cstring>

#include "braid/core/half.h"
#include "braid/core/quant.h"

namespace braid::audio {

using core::DType;
using core::Result;
using core::Status;
using core::str_cat;

std::string_view audio_projector_name(AudioProjectorType type) {
  switch (type) {
    case AudioProjectorType::Ultravox:
      return "ultravox";
    case AudioProjectorType::Qwen2Audio:
      return "qwen2a";
  }
  return "?";
}

namespace {

// Bounds on hyperparameters: far above any published model, low enough that products of them
// cannot overflow before the tensors' own sizes are checked against the file.
constexpr int64_t kMaxWidth = 1 << 16;
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxMel = 1024;
constexpr int64_t kMaxStack = 64;

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

enum class Kind {
  Matrix,  // a matmul weight: float or GGUF block type
  Conv,    // a conv1d kernel: F32, F16 or BF16
  Vector,  // a norm weight or bias: F32 (F16/BF16 converted); any shape with that many values
  Table,   // position embeddings: F32 (F16/BF16 converted), exact shape
};

bool is_matmul_type(DType t) {
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

// Reads keys and tensors into an AudioMmproj; every failure names the file and the field.
class AudioMmprojLoader {
 public:
  explicit AudioMmprojLoader(AudioMmproj& m) : m_(m), file_(*m.file_) {}

  Status load(int64_t text_n_embd) {
    BRAID_TRY(read_keys());
    BRAID_TRY(read_encoder());
    BRAID_TRY(read_projector());
    const AudioHparams& h = m_.hparams_;
    if (auto dim = file_.get_optional<int64_t>("clip.audio.projection_dim"); !dim.ok()) {
      return dim.status();
    } else if (dim->has_value() && **dim != h.n_embd_out) {
      return invalid_argument(ctx(), ": clip.audio.projection_dim = ", **dim,
                              " but the projector outputs ", h.n_embd_out, " values per row");
    }
    if (text_n_embd > 0 && text_n_embd != h.n_embd_out) {
      return invalid_argument(ctx(), ": the ", audio_projector_name(h.projector),
                              " projector outputs rows of ", h.n_embd_out,
                              " values, but the text model's embedding_length is ", text_n_embd,
                              " (is this the mmproj made for that model?)");
    }
    return Status::ok();
  }

 private:
  std::string ctx() const { return "[audio mmproj] " + file_.name(); }

  template <typename... Parts>
  Status invalid_argument(const Parts&... parts) const {
    return core::invalid_argument(parts...);
  }

  Result<int64_t> dim_key(const std::string& key, int64_t lo, int64_t hi) {
    BRAID_ASSIGN_OR_RETURN(int64_t v, file_.get<int64_t>(key));
    if (v < lo || v > hi) {
      return core::out_of_range(ctx(), ": key '", key, "' = ", v, ", expected ", lo, "..", hi);
    }
    return v;
  }

  Status read_keys() {
    BRAID_ASSIGN_OR_RETURN(std::string arch, file_.get<std::string>("general.architecture"));
    if (arch != "clip") {
      return invalid_argument(ctx(), ": general.architecture is '", arch,
                              "', expected 'clip' (an mmproj file)");
    }
    BRAID_ASSIGN_OR_RETURN(auto has_audio, file_.get_optional<bool>("clip.has_audio_encoder"));
    if (!has_audio.value_or(false)) {
      return invalid_argument(ctx(), ": clip.has_audio_encoder is ",
                              has_audio ? "false" : "missing",
                              ": this mmproj has no audio encoder");
    }
    // Files with both encoders name each projector; audio-only files use clip.projector_type.
    BRAID_ASSIGN_OR_RETURN(auto audio_type,
                           file_.get_optional<std::string>("clip.audio.projector_type"));
    std::string type;
    if (audio_type) {
      type = *audio_type;
    } else {
      BRAID_ASSIGN_OR_RETURN(auto any_type, file_.get_optional<std::string>("clip.projector_type"));
      if (!any_type) {
        return core::not_found(
            ctx(), ": neither clip.audio.projector_type nor clip.projector_type is set");
      }
      type = *any_type;
    }
    AudioHparams& h = m_.hparams_;
    if (type == "ultravox") {
      h.projector = AudioProjectorType::Ultravox;
    } else if (type == "qwen2a") {
      h.projector = AudioProjectorType::Qwen2Audio;
    } else {
      return core::not_supported(ctx(), ": audio projector type '", type,
                                 "' is not supported (supported: ultravox, qwen2a)");
    }
    BRAID_ASSIGN_OR_RETURN(h.n_mel, dim_key("clip.audio.num_mel_bins", 1, kMaxMel));
    BRAID_ASSIGN_OR_RETURN(h.n_embd, dim_key("clip.audio.embedding_length", 1, kMaxWidth));
    BRAID_ASSIGN_OR_RETURN(h.n_ff, dim_key("clip.audio.feed_forward_length", 1, 4 * kMaxWidth));
    BRAID_ASSIGN_OR_RETURN(h.n_layer, dim_key("clip.audio.block_count", 1, kMaxLayers));
    BRAID_ASSIGN_OR_RETURN(h.n_head, dim_key("clip.audio.attention.head_count", 1, kMaxWidth));
    if (h.n_embd % h.n_head != 0) {
      return invalid_argument(ctx(), ": clip.audio.attention.head_count = ", h.n_head,
                              " does not divide clip.audio.embedding_length = ", h.n_embd);
    }
    BRAID_ASSIGN_OR_RETURN(auto eps,
                           file_.get_optional<float>("clip.audio.attention.layer_norm_epsilon"));
    if (eps) {
      if (!(*eps > 0.0f && *eps < 1.0f)) {
        return core::out_of_range(ctx(), ": clip.audio.attention.layer_norm_epsilon = ", *eps,
                                  ", expected a small positive number");
      }
      h.eps = *eps;
    }
    if (h.projector == AudioProjectorType::Ultravox) {
      BRAID_ASSIGN_OR_RETURN(h.stack_factor,
                             dim_key("clip.audio.projector.stack_factor", 1, kMaxStack));
    }
    return Status::ok();
  }

  // The tensor `name` checked against `shape` (outermost first) and `kind`; an absent optional
  // tensor gives an empty AudioWeight.
  Result<AudioWeight> get(const std::string& name,
                          const std::vector<int64_t>& shape,
                          Kind kind,
                          bool required = true) {
    const core::GgufTensorInfo* info = file_.find_tensor(name);
    if (!info) {
      if (!required) return AudioWeight{};
      return core::not_found(ctx(), ": tensor '", name, "' is missing (expected ",
                             shape_string(shape), ")");
    }
    const std::string what = str_cat(ctx(), ": tensor '", name, "'");
    int64_t expected_n = 1;
    for (int64_t d : shape) expected_n *= d;
    bool shape_ok = info->shape == shape;
    if (kind == Kind::Vector) {
      // The converter stores conv biases as [n, 1]; any layout of n values is one vector.
      const auto ones = std::count(info->shape.begin(), info->shape.end(), int64_t{1});
      shape_ok = info->n_elements == expected_n &&
                 (ones + 1 >= static_cast<int64_t>(info->shape.size()) || expected_n == 1);
    }
    if (!shape_ok) {
      return invalid_argument(what, ": shape ", shape_string(info->shape), ", expected ",
                              shape_string(shape));
    }
    AudioWeight w{name, info->dtype, shape, file_.tensor_data(*info)};
    switch (kind) {
      case Kind::Matrix:
        if (!is_matmul_type(info->dtype)) {
          return core::not_supported(what, ": type ", core::dtype_name(info->dtype),
                                     " is not a matmul weight type braid runs");
        }
        return w;
      case Kind::Conv:
        if (info->dtype != DType::F32 && info->dtype != DType::F16 && info->dtype != DType::BF16) {
          return core::not_supported(what, ": type ", core::dtype_name(info->dtype),
                                     ", expected F32, F16 or BF16 for a conv1d kernel");
        }
        return w;
      case Kind::Vector:
      case Kind::Table:
        break;
    }
    if (info->dtype == DType::F32) return w;
    if (info->dtype != DType::F16 && info->dtype != DType::BF16) {
      return core::not_supported(what, ": type ", core::dtype_name(info->dtype),
                                 ", expected F32, F16 or BF16");
    }
    auto values = std::make_unique<std::vector<float>>(static_cast<size_t>(expected_n));
    BRAID_TRY(core::dequantize_row(info->dtype, w.data.data(), values->data(), expected_n));
    w.dtype = DType::F32;
    w.data = std::as_bytes(std::span<const float>(*values));
    m_.converted_.push_back(std::move(values));
    return w;
  }

  Status read_encoder() {
    AudioHparams& h = m_.hparams_;
    const int64_t e = h.n_embd;
    BRAID_ASSIGN_OR_RETURN(m_.conv1_w_, get("a.conv1d.1.weight", {e, h.n_mel, 3}, Kind::Conv));
    BRAID_ASSIGN_OR_RETURN(m_.conv1_b_, get("a.conv1d.1.bias", {e}, Kind::Vector));
    BRAID_ASSIGN_OR_RETURN(m_.conv2_w_, get("a.conv1d.2.weight", {e, e, 3}, Kind::Conv));
    BRAID_ASSIGN_OR_RETURN(m_.conv2_b_, get("a.conv1d.2.bias", {e}, Kind::Vector));
    const core::GgufTensorInfo* pos = file_.find_tensor("a.position_embd.weight");
    if (!pos) {
      return core::not_found(ctx(), ": tensor 'a.position_embd.weight' is missing");
    }
    if (pos->shape.size() != 2 || pos->shape[1] != e || pos->shape[0] < 1) {
      return invalid_argument(ctx(), ": tensor 'a.position_embd.weight': shape ",
                              shape_string(pos->shape), ", expected [n_positions, ", e, "]");
    }
    h.n_positions = pos->shape[0];
    BRAID_ASSIGN_OR_RETURN(m_.position_embd_,
                           get("a.position_embd.weight", {h.n_positions, e}, Kind::Table));

    m_.layers_.resize(static_cast<size_t>(h.n_layer));
    for (int64_t i = 0; i < h.n_layer; ++i) {
      const std::string p = "a.blk." + std::to_string(i) + ".";
      AudioLayerWeights& l = m_.layers_[static_cast<size_t>(i)];
      BRAID_ASSIGN_OR_RETURN(l.ln1_w, get(p + "ln1.weight", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.ln1_b, get(p + "ln1.bias", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.q_w, get(p + "attn_q.weight", {e, e}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(l.q_b, get(p + "attn_q.bias", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.k_w, get(p + "attn_k.weight", {e, e}, Kind::Matrix));
      // Whisper's K has no bias; a K bias would shift every score of a query by the same
      // amount, which softmax ignores, so a file that has one is still read as it is.
      BRAID_ASSIGN_OR_RETURN(l.k_b, get(p + "attn_k.bias", {e}, Kind::Vector, false));
      BRAID_ASSIGN_OR_RETURN(l.v_w, get(p + "attn_v.weight", {e, e}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(l.v_b, get(p + "attn_v.bias", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.out_w, get(p + "attn_out.weight", {e, e}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(l.out_b, get(p + "attn_out.bias", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.ln2_w, get(p + "ln2.weight", {e}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.ln2_b, get(p + "ln2.bias", {e}, Kind::Vector));
      // Some older converters swapped ffn_up and ffn_down; their shapes tell which is which.
      std::string up = p + "ffn_up", down = p + "ffn_down";
      const core::GgufTensorInfo* up_info = file_.find_tensor(up + ".weight");
      if (h.n_ff != e && up_info && up_info->shape == std::vector<int64_t>{e, h.n_ff}) {
        std::swap(up, down);
      }
      BRAID_ASSIGN_OR_RETURN(l.up_w, get(up + ".weight", {h.n_ff, e}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(l.up_b, get(up + ".bias", {h.n_ff}, Kind::Vector));
      BRAID_ASSIGN_OR_RETURN(l.down_w, get(down + ".weight", {e, h.n_ff}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(l.down_b, get(down + ".bias", {e}, Kind::Vector));
    }
    BRAID_ASSIGN_OR_RETURN(m_.post_ln_w_, get("a.post_ln.weight", {e}, Kind::Vector));
    BRAID_ASSIGN_OR_RETURN(m_.post_ln_b_, get("a.post_ln.bias", {e}, Kind::Vector));
    return Status::ok();
  }

  // The output width of matrix `name`: its outer dim, checked to be sane.
  Result<int64_t> out_rows(const std::string& name) {
    const core::GgufTensorInfo* info = file_.find_tensor(name);
    if (!info) return core::not_found(ctx(), ": tensor '", name, "' is missing");
    if (info->shape.size() != 2 || info->shape[0] < 1 || info->shape[0] > 4 * kMaxWidth) {
      return invalid_argument(ctx(), ": tensor '", name, "': shape ", shape_string(info->shape),
                              ", expected a matrix [n_out, n_in]");
    }
    return info->shape[0];
  }

  Status read_projector() {
    AudioHparams& h = m_.hparams_;
    if (h.projector == AudioProjectorType::Qwen2Audio) {
      if (h.n_positions % 2 != 0) {
        return invalid_argument(ctx(), ": a.position_embd.weight has ", h.n_positions,
                                " rows; Qwen2-Audio pools pairs of them, so it must be even");
      }
      BRAID_ASSIGN_OR_RETURN(h.n_embd_out, out_rows("mm.a.fc.weight"));
      BRAID_ASSIGN_OR_RETURN(m_.fc_w_,
                             get("mm.a.fc.weight", {h.n_embd_out, h.n_embd}, Kind::Matrix));
      BRAID_ASSIGN_OR_RETURN(m_.fc_b_, get("mm.a.fc.bias", {h.n_embd_out}, Kind::Vector));
      return Status::ok();
    }
    const int64_t in = h.n_embd * h.stack_factor;
    BRAID_ASSIGN_OR_RETURN(h.projector_hidden, out_rows("mm.a.mlp.1.weight"));
    if (h.projector_hidden % 2 != 0) {
      return invalid_argument(ctx(), ": tensor 'mm.a.mlp.1.weight' has ", h.projector_hidden,
                              " rows; SwiGLU splits them in two halves, so it must be even");
    }
    const int64_t mid = h.projector_hidden / 2;
    BRAID_ASSIGN_OR_RETURN(m_.norm_pre_, get("mm.a.norm_pre.weight", {in}, Kind::Vector));
    BRAID_ASSIGN_OR_RETURN(m_.mlp1_w_,
                           get("mm.a.mlp.1.weight", {h.projector_hidden, in}, Kind::Matrix));
    BRAID_ASSIGN_OR_RETURN(m_.mlp1_b_,
                           get("mm.a.mlp.1.bias", {h.projector_hidden}, Kind::Vector, false));
    BRAID_ASSIGN_OR_RETURN(m_.norm_mid_, get("mm.a.norm_mid.weight", {mid}, Kind::Vector));
    BRAID_ASSIGN_OR_RETURN(h.n_embd_out, out_rows("mm.a.mlp.2.weight"));
    BRAID_ASSIGN_OR_RETURN(m_.mlp2_w_, get("mm.a.mlp.2.weight", {h.n_embd_out, mid}, Kind::Matrix));
    BRAID_ASSIGN_OR_RETURN(m_.mlp2_b_, get("mm.a.mlp.2.bias", {h.n_embd_out}, Kind::Vector, false));
    return Status::ok();
  }

  AudioMmproj& m_;
  const core::GgufFile& file_;
};

Result<std::unique_ptr<AudioMmproj>> AudioMmproj::open(const std::filesystem::path& path,
                                                       int64_t text_n_embd) {
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(path));
  return load(std::make_shared<const core::GgufFile>(std::move(file)), text_n_embd);
}

Result<std::unique_ptr<AudioMmproj>> AudioMmproj::load(std::shared_ptr<const core::GgufFile> file,
                                                       int64_t text_n_embd) {
  if (!file) return core::invalid_argument("[audio mmproj] no file given");
  std::unique_ptr<AudioMmproj> m(new AudioMmproj());
  m->file_ = std::move(file);
  AudioMmprojLoader loader(*m);
  BRAID_TRY(loader.load(text_n_embd));
  return m;
}

}  // namespace braid::audio
