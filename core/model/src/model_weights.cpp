// Finding and checking every weight of a Llama-family model in a GGUF file or an HF folder.
// Which tensors a family has, and their source names, are in model_family.cpp.
#include "braid/model/model_weights.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numbers>

#include "braid/core/half.h"
#include "model_family.h"

namespace braid::model {
namespace {

std::string shape_text(const core::Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Dtypes a matrix may have: those the matmul op takes. Vectors (norms, biases) are read as F32.
bool matrix_dtype_ok(core::DType t) {
  using core::DType;
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

// One tensor as a source holds it, before checking.
struct Found {
  core::DType dtype = core::DType::F32;
  core::Shape shape;
  std::span<const std::byte> data;
};

}  // namespace

class ModelBuilder {
 public:
  ModelBuilder(Model& model, std::string file) : m_(model), file_(std::move(file)) {}

  core::Status build() {
    const ModelConfig& c = m_.config_;
    const TensorNames names = tensor_names(c.family, m_.gguf_.has_value());
    const int64_t q_width = c.n_head * c.head_dim, kv_width = c.n_head_kv * c.head_dim;
    BRAID_ASSIGN_OR_RETURN(m_.token_embd_, matrix(names.token_embd, "token_embd.weight",
                                                  {c.n_vocab, c.n_embd}, /*required=*/true));
    BRAID_ASSIGN_OR_RETURN(m_.output_norm_,
                           vector(names.output_norm, "output_norm.weight", c.n_embd, true));
    if (!c.tied_output || m_.gguf_) {
      // A GGUF file says "tied" by leaving output.weight out; a folder says it in config.json.
      BRAID_ASSIGN_OR_RETURN(m_.output_, matrix(names.output, "output.weight",
                                                {c.n_vocab, c.n_embd}, !m_.gguf_.has_value()));
    }
    if (m_.gguf_) {
      BRAID_ASSIGN_OR_RETURN(m_.rope_freqs_,
                             vector(names.rope_freqs, "rope_freqs.weight", c.n_rot / 2, false));
    } else if (c.llama3_rope.factor > 0.0f) {
      m_.rope_freqs_ = owned("rope_freqs.weight", llama3_rope_freqs(c));
    }
    m_.layers_.resize(static_cast<size_t>(c.n_layer));
    for (int64_t i = 0; i < c.n_layer; ++i) {
      LayerWeights& l = m_.layers_[static_cast<size_t>(i)];
      const LayerNames n = layer_names(c.family, m_.gguf_.has_value(), i);
      const std::string b = core::str_cat("blk.", i, ".");
      BRAID_ASSIGN_OR_RETURN(l.attn_norm, vector(n.attn_norm, b + "attn_norm.weight", c.n_embd));
      BRAID_ASSIGN_OR_RETURN(l.wq, matrix(n.wq, b + "attn_q.weight", {q_width, c.n_embd}));
      BRAID_ASSIGN_OR_RETURN(l.wk, matrix(n.wk, b + "attn_k.weight", {kv_width, c.n_embd}));
      BRAID_ASSIGN_OR_RETURN(l.wv, matrix(n.wv, b + "attn_v.weight", {kv_width, c.n_embd}));
      BRAID_ASSIGN_OR_RETURN(l.wo, matrix(n.wo, b + "attn_output.weight", {c.n_embd, q_width}));
      if (c.qkv_bias) {
        BRAID_ASSIGN_OR_RETURN(l.bq, vector(n.bq, b + "attn_q.bias", q_width));
        BRAID_ASSIGN_OR_RETURN(l.bk, vector(n.bk, b + "attn_k.bias", kv_width));
        BRAID_ASSIGN_OR_RETURN(l.bv, vector(n.bv, b + "attn_v.bias", kv_width));
      }
      if (c.attn_out_bias) {
        BRAID_ASSIGN_OR_RETURN(l.bo, vector(n.bo, b + "attn_output.bias", c.n_embd));
      }
      BRAID_ASSIGN_OR_RETURN(l.ffn_norm, vector(n.ffn_norm, b + "ffn_norm.weight", c.n_embd));
      BRAID_ASSIGN_OR_RETURN(l.w_gate, matrix(n.w_gate, b + "ffn_gate.weight", {c.n_ff, c.n_embd}));
      BRAID_ASSIGN_OR_RETURN(l.w_up, matrix(n.w_up, b + "ffn_up.weight", {c.n_ff, c.n_embd}));
      BRAID_ASSIGN_OR_RETURN(l.w_down, matrix(n.w_down, b + "ffn_down.weight", {c.n_embd, c.n_ff}));
    }
    return core::Status::ok();
  }

 private:
  std::string where(const std::string& source_name) const {
    return core::str_cat("[model] ", file_, ": tensor '", source_name, "'");
  }

  core::Result<std::optional<Found>> find(const std::string& source_name) const {
    if (m_.gguf_) {
      const core::GgufTensorInfo* t = m_.gguf_->find_tensor(source_name);
      if (t == nullptr) return std::optional<Found>{};
      return std::optional<Found>{Found{t->dtype, t->shape, m_.gguf_->tensor_data(*t)}};
    }
    const core::SafetensorsTensor* t = m_.hf_->find(source_name);
    if (t == nullptr) return std::optional<Found>{};
    const std::optional<core::DType> dtype = t->core_dtype();
    if (!dtype ||
        (*dtype != core::DType::F32 && *dtype != core::DType::F16 && *dtype != core::DType::BF16)) {
      return core::not_supported(where(source_name), ": dtype ",
                                 core::safetensors_dtype_name(t->dtype),
                                 " is not supported (F32, F16, BF16 are)");
    }
    return std::optional<Found>{Found{*dtype, t->shape, t->data}};
  }

  core::Result<Found> require(const std::string& source_name, bool required, bool* absent) const {
    BRAID_ASSIGN_OR_RETURN(std::optional<Found> f, find(source_name));
    if (!f) {
      *absent = true;
      if (required) {
        return core::not_found("[model] ", file_, ": tensor '", source_name, "' is missing (the ",
                               family_name(m_.config_.family), " architecture needs it)");
      }
      return Found{};
    }
    *absent = false;
    return *f;
  }

  core::Result<WeightRef> matrix(const std::string& source_name,
                                 const std::string& graph_name,
                                 const core::Shape& expected,
                                 bool required = true) {
    bool absent = false;
    BRAID_ASSIGN_OR_RETURN(Found f, require(source_name, required, &absent));
    if (absent) return WeightRef{};
    if (f.shape != expected) {
      return core::invalid_argument(where(source_name), ": expected shape ", shape_text(expected),
                                    ", found ", shape_text(f.shape));
    }
    if (!matrix_dtype_ok(f.dtype)) {
      return core::not_supported(where(source_name), ": weights of type ",
                                 core::dtype_name(f.dtype), " are not supported");
    }
    return WeightRef{graph_name, f.dtype, f.shape, f.data};
  }

  core::Result<WeightRef> vector(const std::string& source_name,
                                 const std::string& graph_name,
                                 int64_t n,
                                 bool required = true) {
    bool absent = false;
    BRAID_ASSIGN_OR_RETURN(Found f, require(source_name, required, &absent));
    if (absent) return WeightRef{};
    if (f.shape != core::Shape{n}) {
      return core::invalid_argument(where(source_name), ": expected shape [", n, "], found ",
                                    shape_text(f.shape));
    }
    if (f.dtype == core::DType::F32) return WeightRef{graph_name, f.dtype, f.shape, f.data};
    if (f.dtype != core::DType::F16 && f.dtype != core::DType::BF16) {
      return core::not_supported(where(source_name), ": a vector of type ",
                                 core::dtype_name(f.dtype), " (F32, F16, BF16 are read)");
    }
    // Norm weights and biases feed ops that take F32: widen these few values once.
    std::vector<float> values(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, f.data.data() + 2 * i, 2);
      values[static_cast<size_t>(i)] =
          f.dtype == core::DType::F16 ? core::fp16_to_f32(bits) : core::bf16_to_f32(bits);
    }
    return owned(graph_name, std::move(values));
  }

  WeightRef owned(const std::string& graph_name, std::vector<float> values) {
    m_.owned_.push_back(std::make_unique<std::vector<float>>(std::move(values)));
    const std::vector<float>& v = *m_.owned_.back();
    return WeightRef{graph_name,
                     core::DType::F32,
                     {static_cast<int64_t>(v.size())},
                     std::as_bytes(std::span<const float>(v))};
  }

  Model& m_;
  std::string file_;
};

std::vector<float> llama3_rope_freqs(const ModelConfig& c) {
  const Llama3RopeScaling& s = c.llama3_rope;
  const int64_t half = c.n_rot / 2;
  std::vector<float> factors(static_cast<size_t>(half), 1.0f);
  const double low_wavelen = s.original_context / s.low_freq_factor;
  const double high_wavelen = s.original_context / s.high_freq_factor;
  for (int64_t i = 0; i < half; ++i) {
    const double freq = std::pow(static_cast<double>(c.rope_freq_base), -2.0 * i / c.n_rot);
    const double wavelen = 2.0 * std::numbers::pi / freq;
    double factor = 1.0;
    if (wavelen > low_wavelen) {
      factor = s.factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (s.original_context / wavelen - s.low_freq_factor) /
                            (s.high_freq_factor - s.low_freq_factor);
      factor = 1.0 / ((1.0 - smooth) / s.factor + smooth);
    }
    factors[static_cast<size_t>(i)] = static_cast<float>(factor);
  }
  return factors;
}

core::Result<std::shared_ptr<const Model>> Model::from_gguf(core::GgufFile file) {
  std::shared_ptr<Model> model(new Model());
  model->path_ = file.name();
  BRAID_ASSIGN_OR_RETURN(model->config_, config_from_gguf(file));
  if (model->config_.family == ModelFamily::Llama) {
    // llama.cpp's llama architecture takes the attention biases when the file has them (a
    // converted attention_bias=true model); layer 0 says whether every layer has them.
    model->config_.qkv_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;
    model->config_.attn_out_bias = file.find_tensor("blk.0.attn_output.bias") != nullptr;
  }
  model->gguf_.emplace(std::move(file));
  ModelBuilder builder(*model, model->gguf_->name());
  BRAID_TRY(builder.build());
  model->config_.tied_output = !model->output_.present();
  return std::shared_ptr<const Model>(std::move(model));
}

core::Result<std::shared_ptr<const Model>> Model::load(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    BRAID_ASSIGN_OR_RETURN(core::HfFolder folder, core::HfFolder::open(path));
    std::shared_ptr<Model> model(new Model());
    model->path_ = path;
    BRAID_ASSIGN_OR_RETURN(model->config_, config_from_hf(folder.config()));
    model->hf_.emplace(std::move(folder));
    ModelBuilder builder(*model, path.string());
    BRAID_TRY(builder.build());
    return std::shared_ptr<const Model>(std::move(model));
  }
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(path));
  return from_gguf(std::move(file));
}

uint64_t Model::weight_bytes() const {
  uint64_t total = token_embd_.data.size() + output_norm_.data.size() + output_.data.size() +
                   rope_freqs_.data.size();
  for (const LayerWeights& l : layers_) {
    for (const WeightRef* w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.bq, &l.bk, &l.bv, &l.bo,
                               &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down}) {
      total += w->data.size();
    }
  }
  return total;
}

void Model::read_in(const std::function<void(uint64_t, uint64_t)>& progress) const {
  std::vector<const WeightRef*> weights = {&token_embd_, &output_norm_, &output_, &rope_freqs_};
  for (const LayerWeights& l : layers_) {
    for (const WeightRef* w : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.bq, &l.bk, &l.bv, &l.bo,
                               &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down}) {
      weights.push_back(w);
    }
  }
  const uint64_t total = weight_bytes();
  constexpr uint64_t kPage = 4096, kReportEvery = uint64_t(64) << 20;
  uint64_t done = 0, next_report = kReportEvery;
  volatile unsigned char sink = 0;  // keeps the reads from being optimized away
  for (const WeightRef* w : weights) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(w->data.data());
    for (uint64_t at = 0; at < w->data.size(); at += kPage) sink = sink + bytes[at];
    done += w->data.size();
    if (progress && done >= next_report) {
      progress(std::min(done, total), total);
      next_report = done + kReportEvery;
    }
  }
  if (progress) progress(total, total);
}

std::string Model::weight_type_name() const {
  std::map<core::DType, int> counts;
  for (const LayerWeights& l : layers_) {
    for (const WeightRef* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
      ++counts[w->dtype];
    }
  }
  core::DType best = core::DType::F32;
  int n = -1;
  for (const auto& [type, count] : counts) {
    if (count > n) best = type, n = count;
  }
  return std::string(core::dtype_name(best));
}

}  // namespace braid::model
