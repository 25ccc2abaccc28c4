#include "braid/model/model_config.h"

#include <optional>
#include <vector>

namespace braid::model {
namespace {

// A required positive integer key "<arch>.<suffix>".
core::Result<int64_t> gguf_dim(const core::GgufFile& file, const std::string& key) {
  BRAID_ASSIGN_OR_RETURN(const int64_t value, file.get<int64_t>(key));
  if (value <= 0) {
    return core::invalid_argument(file.key_context(key), ": expected a positive value, got ",
                                  value);
  }
  return value;
}

}  // namespace

const char* family_name(ModelFamily family) {
  switch (family) {
    case ModelFamily::Llama:
      return "llama";
    case ModelFamily::Qwen2:
      return "qwen2";
  }
  return "?";
}

std::string ModelConfig::summary() const {
  return core::str_cat(family_name(family), ": ", n_layer, " layers, width ", n_embd, ", ", n_head,
                       " heads (", n_head_kv, " KV) of ", head_dim, ", ff ", n_ff, ", vocab ",
                       n_vocab, ", trained context ", n_ctx_train);
}

core::Status validate_config(const ModelConfig& c, const std::string& source) {
  const std::string tag = core::str_cat("[model] ", source, ": ");
  for (const auto& [name, value] :
       std::vector<std::pair<const char*, int64_t>>{{"n_vocab", c.n_vocab},
                                                    {"n_embd", c.n_embd},
                                                    {"n_layer", c.n_layer},
                                                    {"n_head", c.n_head},
                                                    {"n_head_kv", c.n_head_kv},
                                                    {"head_dim", c.head_dim},
                                                    {"n_ff", c.n_ff}}) {
    if (value <= 0) return core::invalid_argument(tag, name, " must be positive, got ", value);
  }
  if (c.n_vocab > INT32_MAX || c.n_embd > (int64_t{1} << 20) || c.n_layer > 4096 ||
      c.n_ff > (int64_t{1} << 22) || c.head_dim > 4096) {
    return core::invalid_argument(tag, "implausible size (", c.summary(), ")");
  }
  if (c.n_head % c.n_head_kv != 0) {
    return core::invalid_argument(tag, c.n_head, " attention heads are not a multiple of ",
                                  c.n_head_kv, " KV heads");
  }
  if (c.n_rot <= 0 || c.n_rot > c.head_dim || c.n_rot % 2 != 0) {
    return core::invalid_argument(tag, "rope dimension count ", c.n_rot,
                                  " must be even and within the head size ", c.head_dim);
  }
  if (!(c.rms_norm_eps > 0.0f) || !(c.rope_freq_base > 0.0f) || !(c.rope_freq_scale > 0.0f)) {
    return core::invalid_argument(tag, "rms eps ", c.rms_norm_eps, ", rope base ", c.rope_freq_base,
                                  " and rope scale ", c.rope_freq_scale, " must be positive");
  }
  if (c.n_ctx_train <= 0) {
    return core::invalid_argument(tag, "trained context must be positive, got ", c.n_ctx_train);
  }
  return core::Status::ok();
}

core::Result<ModelConfig> config_from_gguf(const core::GgufFile& file) {
  BRAID_ASSIGN_OR_RETURN(const std::string arch, file.get<std::string>("general.architecture"));
  ModelConfig c;
  c.architecture = arch;
  if (arch == "llama") {
    c.family = ModelFamily::Llama;
    // llama.cpp's converter permutes Q/K rows of llama-arch models for adjacent-pair rope.
    c.rope_mode = BRAID_ROPE_ADJACENT;
  } else if (arch == "qwen2") {
    c.family = ModelFamily::Qwen2;
    c.rope_mode = BRAID_ROPE_HALF_SPLIT;  // converted unpermuted (NEOX rope)
    c.qkv_bias = true;
  } else {
    return core::not_supported("[model] ", file.name(), ": architecture '", arch,
                               "' is not supported (the decoder runs llama and qwen2)");
  }
  const std::string p = arch + ".";
  BRAID_ASSIGN_OR_RETURN(c.n_embd, gguf_dim(file, p + "embedding_length"));
  BRAID_ASSIGN_OR_RETURN(c.n_layer, gguf_dim(file, p + "block_count"));
  BRAID_ASSIGN_OR_RETURN(c.n_head, gguf_dim(file, p + "attention.head_count"));
  BRAID_ASSIGN_OR_RETURN(c.n_ff, gguf_dim(file, p + "feed_forward_length"));
  BRAID_ASSIGN_OR_RETURN(c.n_ctx_train, gguf_dim(file, p + "context_length"));
  BRAID_ASSIGN_OR_RETURN(auto n_head_kv, file.get_optional<int64_t>(p + "attention.head_count_kv"));
  c.n_head_kv = n_head_kv.value_or(c.n_head);
  if (c.n_embd % c.n_head != 0 && !file.contains(p + "attention.key_length")) {
    return core::invalid_argument("[model] ", file.name(), ": width ", c.n_embd,
                                  " is not a multiple of ", c.n_head, " heads");
  }
  BRAID_ASSIGN_OR_RETURN(auto key_length, file.get_optional<int64_t>(p + "attention.key_length"));
  BRAID_ASSIGN_OR_RETURN(auto value_length,
                         file.get_optional<int64_t>(p + "attention.value_length"));
  c.head_dim = key_length.value_or(c.n_embd / c.n_head);
  if (value_length && *value_length != c.head_dim) {
    return core::not_supported("[model] ", file.name(), ": key length ", c.head_dim,
                               " differs from value length ", *value_length);
  }
  BRAID_ASSIGN_OR_RETURN(auto eps,
                         file.get_optional<float>(p + "attention.layer_norm_rms_epsilon"));
  if (eps) c.rms_norm_eps = *eps;
  BRAID_ASSIGN_OR_RETURN(auto base, file.get_optional<float>(p + "rope.freq_base"));
  if (base) c.rope_freq_base = *base;
  BRAID_ASSIGN_OR_RETURN(auto n_rot, file.get_optional<int32_t>(p + "rope.dimension_count"));
  c.n_rot = n_rot.value_or(static_cast<int32_t>(c.head_dim));
  BRAID_ASSIGN_OR_RETURN(auto window, file.get_optional<int64_t>(p + "attention.sliding_window"));
  c.sliding_window = window.value_or(0);

  // Rope scaling: "linear" divides positions; llama3-style factors come as the rope_freqs
  // tensor; the others change the attention maths and are refused rather than run wrong.
  BRAID_ASSIGN_OR_RETURN(auto scaling, file.get_optional<std::string>(p + "rope.scaling.type"));
  BRAID_ASSIGN_OR_RETURN(auto factor, file.get_optional<float>(p + "rope.scaling.factor"));
  BRAID_ASSIGN_OR_RETURN(auto scale_linear, file.get_optional<float>(p + "rope.scale_linear"));
  if (scaling && *scaling == "linear") {
    if (!factor || !(*factor > 0.0f)) {
      return core::invalid_argument(file.key_context(p + "rope.scaling.factor"),
                                    ": linear rope scaling needs a positive factor");
    }
    c.rope_freq_scale = 1.0f / *factor;
  } else if (scaling && *scaling != "none" && *scaling != "llama3") {
    return core::not_supported(file.key_context(p + "rope.scaling.type"), ": '", *scaling,
                               "' rope scaling is not supported (none, linear, llama3 are)");
  } else if (!scaling && scale_linear && *scale_linear > 0.0f) {
    c.rope_freq_scale = 1.0f / *scale_linear;
  }

  BRAID_ASSIGN_OR_RETURN(auto vocab, file.get_optional<int64_t>(p + "vocab_size"));
  if (vocab) {
    c.n_vocab = *vocab;
  } else if (const core::GgufValue* tokens = file.find("tokenizer.ggml.tokens")) {
    if (const auto* array = std::get_if<core::GgufArray>(&tokens->data)) {
      c.n_vocab = static_cast<int64_t>(array->items.size());
    }
  }
  if (c.n_vocab <= 0) {
    // The embedding table says it too; load_model checks the two agree.
    if (const core::GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
        embd != nullptr && embd->shape.size() == 2) {
      c.n_vocab = embd->shape[0];
    }
  }
  BRAID_TRY(validate_config(c, file.name()));
  return c;
}

core::Result<ModelConfig> config_from_hf(const core::HfConfig& hf) {
  const std::string source = hf.display_name();
  BRAID_ASSIGN_OR_RETURN(const std::string type, hf.get_string("model_type"));
  ModelConfig c;
  c.architecture = type;
  c.rope_mode = BRAID_ROPE_HALF_SPLIT;  // transformers' rotate_half, on unpermuted weights
  if (type == "llama" || type == "mistral") {
    c.family = ModelFamily::Llama;
    // attention_bias: biases on q/k/v_proj and o_proj. mlp_bias (on the MLP) is not in this
    // graph and is refused rather than ignored.
    BRAID_ASSIGN_OR_RETURN(const bool attention_bias, hf.get_bool_or("attention_bias", false));
    BRAID_ASSIGN_OR_RETURN(const bool mlp_bias, hf.get_bool_or("mlp_bias", false));
    if (mlp_bias) {
      return core::not_supported("[model] ", source, ": mlp_bias is not supported");
    }
    c.qkv_bias = c.attn_out_bias = attention_bias;
  } else if (type == "qwen2") {
    c.family = ModelFamily::Qwen2;
    c.qkv_bias = true;
  } else {
    return core::not_supported("[model] ", source, ": model_type '", type,
                               "' is not supported (the decoder runs llama, mistral and qwen2)");
  }
  BRAID_ASSIGN_OR_RETURN(c.n_vocab, hf.get_int("vocab_size"));
  BRAID_ASSIGN_OR_RETURN(c.n_embd, hf.get_int("hidden_size"));
  BRAID_ASSIGN_OR_RETURN(c.n_layer, hf.get_int("num_hidden_layers"));
  BRAID_ASSIGN_OR_RETURN(c.n_head, hf.get_int("num_attention_heads"));
  BRAID_ASSIGN_OR_RETURN(c.n_head_kv, hf.get_int_or("num_key_value_heads", c.n_head));
  BRAID_ASSIGN_OR_RETURN(c.n_ff, hf.get_int("intermediate_size"));
  BRAID_ASSIGN_OR_RETURN(c.n_ctx_train, hf.get_int_or("max_position_embeddings", 2048));
  if (c.n_head <= 0) return core::invalid_argument("[model] ", source, ": no attention heads");
  BRAID_ASSIGN_OR_RETURN(c.head_dim, hf.get_int_or("head_dim", c.n_embd / c.n_head));
  c.n_rot = static_cast<int32_t>(c.head_dim);
  BRAID_ASSIGN_OR_RETURN(const double eps, hf.get_double_or("rms_norm_eps", 1e-6));
  c.rms_norm_eps = static_cast<float>(eps);
  BRAID_ASSIGN_OR_RETURN(const bool tied, hf.get_bool_or("tie_word_embeddings", false));
  c.tied_output = tied;
  if (type != "qwen2" || hf.has("use_sliding_window")) {
    BRAID_ASSIGN_OR_RETURN(const bool use_window, hf.get_bool_or("use_sliding_window", true));
    if (use_window) {
      BRAID_ASSIGN_OR_RETURN(c.sliding_window, hf.get_int_or("sliding_window", 0));
    }
  }

  // Rope: transformers 5 keeps theta and scaling in "rope_parameters"; older configs have
  // "rope_theta" and "rope_scaling" at the top.
  const char* params = hf.has("rope_parameters") ? "rope_parameters." : "rope_scaling.";
  const std::string theta_key = hf.has("rope_parameters.rope_theta")
                                    ? std::string("rope_parameters.rope_theta")
                                    : std::string("rope_theta");
  BRAID_ASSIGN_OR_RETURN(const double theta, hf.get_double_or(theta_key, 10000.0));
  c.rope_freq_base = static_cast<float>(theta);
  const std::string p = params;
  if (hf.has(p.substr(0, p.size() - 1))) {
    std::string rope_type = "default";
    if (hf.has(p + "rope_type")) {
      BRAID_ASSIGN_OR_RETURN(rope_type, hf.get_string(p + "rope_type"));
    } else if (hf.has(p + "type")) {
      BRAID_ASSIGN_OR_RETURN(rope_type, hf.get_string(p + "type"));
    }
    if (rope_type == "llama3") {
      BRAID_ASSIGN_OR_RETURN(const double f, hf.get_double(p + "factor"));
      BRAID_ASSIGN_OR_RETURN(const double lo, hf.get_double_or(p + "low_freq_factor", 1.0));
      BRAID_ASSIGN_OR_RETURN(const double hi, hf.get_double_or(p + "high_freq_factor", 4.0));
      BRAID_ASSIGN_OR_RETURN(c.llama3_rope.original_context,
                             hf.get_int_or(p + "original_max_position_embeddings", 8192));
      c.llama3_rope.factor = static_cast<float>(f);
      c.llama3_rope.low_freq_factor = static_cast<float>(lo);
      c.llama3_rope.high_freq_factor = static_cast<float>(hi);
      if (!(f > 0.0) || !(hi > lo) || c.llama3_rope.original_context <= 0) {
        return core::invalid_argument("[model] ", source, ": llama3 rope scaling needs factor > 0,",
                                      " high_freq_factor > low_freq_factor and a positive ",
                                      "original context");
      }
    } else if (rope_type == "linear") {
      BRAID_ASSIGN_OR_RETURN(const double f, hf.get_double(p + "factor"));
      if (!(f > 0.0)) return core::invalid_argument("[model] ", source, ": rope factor ", f);
      c.rope_freq_scale = static_cast<float>(1.0 / f);
    } else if (rope_type != "default") {
      return core::not_supported("[model] ", source, ": rope type '", rope_type,
                                 "' is not supported (default, linear, llama3 are)");
    }
  }
  BRAID_TRY(validate_config(c, source));
  return c;
}

}  // namespace braid::model
