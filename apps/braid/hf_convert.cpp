// The weights and hyperparameters half of `braid convert`. Facts about the layout come from
// llama.cpp's convert_hf_to_gguf.py (LlamaModel, Qwen2Model, TextModel.set_gguf_parameters,
// ModelBase.prepare_tensors) and gguf-py's tensor name map; the code is braid's own.
#include "hf_convert.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <numbers>
#include <numeric>
#include <thread>

#include "braid/core/gguf_writer.h"
#include "braid/core/quant.h"

namespace braid::app {
namespace {

using core::DType;
using core::GgufValue;

struct Hparams {
  int64_t n_layer = 0, n_embd = 0, n_ff = 0, n_head = 0, n_head_kv = 0, n_ctx = 0, n_vocab = 0;
  std::optional<int64_t> head_dim;  // only when config.json names it
  double rope_theta = 10000.0;
  bool has_rope_theta = false;
  double rms_eps = 1e-5;
  bool has_rms_eps = false;
  nlohmann::json rope;  // rope_parameters (transformers 5) or rope_scaling (4.x); may be null
};

core::Result<Hparams> read_hparams(const core::HfConfig& c) {
  Hparams h;
  BRAID_ASSIGN_OR_RETURN(h.n_layer, c.get_int("num_hidden_layers"));
  BRAID_ASSIGN_OR_RETURN(h.n_embd, c.get_int("hidden_size"));
  BRAID_ASSIGN_OR_RETURN(h.n_ff, c.get_int("intermediate_size"));
  BRAID_ASSIGN_OR_RETURN(h.n_head, c.get_int("num_attention_heads"));
  BRAID_ASSIGN_OR_RETURN(h.n_head_kv, c.get_int_or("num_key_value_heads", h.n_head));
  BRAID_ASSIGN_OR_RETURN(h.n_ctx, c.get_int_or("max_position_embeddings", 0));
  BRAID_ASSIGN_OR_RETURN(h.n_vocab, c.get_int("vocab_size"));
  if (c.has("head_dim")) {
    BRAID_ASSIGN_OR_RETURN(int64_t hd, c.get_int("head_dim"));
    h.head_dim = hd;
  }
  const auto& j = c.json();
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    h.rope = j["rope_parameters"];
  } else if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    h.rope = j["rope_scaling"];
  }
  if (c.has("rope_theta")) {
    BRAID_ASSIGN_OR_RETURN(h.rope_theta, c.get_double("rope_theta"));
    h.has_rope_theta = true;
  } else if (h.rope.is_object() && h.rope.contains("rope_theta") &&
             h.rope["rope_theta"].is_number()) {
    h.rope_theta = h.rope["rope_theta"].get<double>();
    h.has_rope_theta = true;
  }
  if (c.has("rms_norm_eps")) {
    BRAID_ASSIGN_OR_RETURN(h.rms_eps, c.get_double("rms_norm_eps"));
    h.has_rms_eps = true;
  }
  if (h.n_layer <= 0 || h.n_embd <= 0 || h.n_head <= 0 || h.n_head_kv <= 0 ||
      h.n_head % h.n_head_kv != 0) {
    return core::invalid_argument("[convert] ", c.display_name(),
                                  ": layer, width and head counts must be positive and the KV "
                                  "heads must divide the heads");
  }
  return h;
}

std::string rope_type(const Hparams& h) {
  if (!h.rope.is_object()) return "";
  for (const char* key : {"rope_type", "type"}) {
    if (h.rope.contains(key) && h.rope[key].is_string()) return h.rope[key].get<std::string>();
  }
  return "";
}

double rope_number(const Hparams& h, const char* key, double fallback) {
  if (h.rope.is_object() && h.rope.contains(key) && h.rope[key].is_number()) {
    return h.rope[key].get<double>();
  }
  return fallback;
}

// Llama 3.1's frequency factors, computed as the converter computes them (in float32, as torch
// does there): wavelengths beyond the original context are stretched by `factor`, short ones
// kept, and the band between blended.
std::vector<float> llama3_rope_freqs(const Hparams& h) {
  const int64_t dim = h.head_dim.value_or(h.n_embd / h.n_head);
  const float base = static_cast<float>(h.rope_theta);
  const float factor = static_cast<float>(rope_number(h, "factor", 8.0));
  const float low = static_cast<float>(rope_number(h, "low_freq_factor", 1.0));
  const float high = static_cast<float>(rope_number(h, "high_freq_factor", 4.0));
  const float old_ctx =
      static_cast<float>(rope_number(h, "original_max_position_embeddings", 8192));
  const float low_wavelen = old_ctx / low;
  const float high_wavelen = old_ctx / high;
  std::vector<float> out;
  for (int64_t i = 0; i < dim; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
    const float wavelen = 2.0f * std::numbers::pi_v<float> / freq;
    if (wavelen < high_wavelen) {
      out.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      out.push_back(factor);
    } else {
      const float smooth = (old_ctx / wavelen - low) / (high - low);
      out.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
    }
  }
  return out;
}

// gguf-py's tensor name map for the Llama-family layout; nullopt for a name it does not map.
std::optional<std::string> gguf_tensor_name(const std::string& hf) {
  static const std::map<std::string, std::string, std::less<>> kTop = {
      {"model.embed_tokens", "token_embd"},
      {"model.norm", "output_norm"},
      {"lm_head", "output"},
  };
  static const std::map<std::string, std::string, std::less<>> kLayer = {
      {"input_layernorm", "attn_norm"},    {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"}, {"post_attention_layernorm", "ffn_norm"},
      {"mlp.gate_proj", "ffn_gate"},       {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"},
  };
  std::string suffix;
  std::string stem = hf;
  for (const char* s : {".weight", ".bias"}) {
    if (stem.size() > std::strlen(s) && stem.ends_with(s)) {
      suffix = s;
      stem.resize(stem.size() - suffix.size());
      break;
    }
  }
  if (suffix.empty()) return std::nullopt;
  if (auto it = kTop.find(stem); it != kTop.end()) return it->second + suffix;
  const std::string prefix = "model.layers.";
  if (stem.rfind(prefix, 0) != 0) return std::nullopt;
  const size_t dot = stem.find('.', prefix.size());
  if (dot == std::string::npos) return std::nullopt;
  const std::string layer = stem.substr(prefix.size(), dot - prefix.size());
  if (layer.empty() || !std::all_of(layer.begin(), layer.end(), ::isdigit)) return std::nullopt;
  auto it = kLayer.find(stem.substr(dot + 1));
  if (it == kLayer.end()) return std::nullopt;
  return core::str_cat("blk.", layer, ".", it->second, suffix);
}

// Rows of a Q or K projection in llama.cpp's rope order: within each head, the two halves of
// the head dimension are interleaved (the converter's reshape(n_head, 2, hd/2, ...) swap).
// Returns, for each output row, the source row.
std::vector<int64_t> permuted_rows(int64_t rows, int64_t n_head) {
  std::vector<int64_t> src(static_cast<size_t>(rows));
  const int64_t hd = rows / n_head, half = hd / 2;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t h = r / hd, w = r % hd;
    src[static_cast<size_t>(r)] = h * hd + (w % 2) * half + w / 2;
  }
  return src;
}

struct PlannedTensor {
  std::string name;
  const core::SafetensorsTensor* source = nullptr;  // null for rope_freqs
  std::vector<int64_t> shape;
  DType from = DType::F32;
  DType to = DType::F32;
  int64_t permute_heads = 0;  // 0: rows as stored
};

// Writes rows of `t` into `out`: each output row r comes from source row perm[r] (or r),
// converted through f32 (exact for F32/F16/BF16 sources) into the target type, on `threads`.
core::Status fill_tensor(const PlannedTensor& t, std::span<std::byte> out, int threads) {
  const int64_t row = t.shape.back();
  const int64_t rows = row == 0 ? 0 : t.source->n_elements() / row;
  const bool one_d = t.shape.size() == 1;
  // A 1-D bias is permuted element-wise: treat it as rows of one value.
  const int64_t n_rows = one_d ? t.source->n_elements() : rows;
  const int64_t row_len = one_d ? 1 : row;
  std::vector<int64_t> perm;
  if (t.permute_heads > 0) perm = permuted_rows(n_rows, t.permute_heads);
  const uint64_t src_row = *core::dtype_row_bytes(t.from, static_cast<uint64_t>(row_len));
  const std::byte* src = t.source->data.data();
  if (one_d) {
    std::vector<float> in(static_cast<size_t>(n_rows));
    std::vector<std::byte> raw(src_row);
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t s = perm.empty() ? r : perm[static_cast<size_t>(r)];
      std::memcpy(raw.data(), src + s * src_row, src_row);
      BRAID_TRY(core::dequantize_row(t.from, raw.data(), &in[static_cast<size_t>(r)], 1));
    }
    return core::quantize_row(t.to, in.data(), out.data(), n_rows);
  }
  const uint64_t dst_row = *core::dtype_row_bytes(t.to, static_cast<uint64_t>(row_len));
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  core::Status error;
  std::mutex mutex;
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row_len, 1));
  auto work = [&]() {
    std::vector<std::byte> raw(src_row);
    std::vector<float> values(static_cast<size_t>(row_len));
    while (!failed) {
      const int64_t begin = next.fetch_add(chunk);
      if (begin >= n_rows) return;
      for (int64_t r = begin; r < std::min(n_rows, begin + chunk); ++r) {
        const int64_t s = perm.empty() ? r : perm[static_cast<size_t>(r)];
        std::memcpy(raw.data(), src + s * src_row, src_row);  // safetensors data is unaligned
        core::Status st = core::dequantize_row(t.from, raw.data(), values.data(), row_len);
        if (st.is_ok())
          st = core::quantize_row(t.to, values.data(), out.data() + r * dst_row, row_len);
        if (!st.is_ok()) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!failed.exchange(true)) {
            error = core::data_loss("[convert] tensor '", t.source->name, "' row ", s, ": ",
                                    st.message());
          }
          return;
        }
      }
    }
  };
  const int n = static_cast<int>(std::clamp<int64_t>((n_rows + chunk - 1) / chunk, 1, threads));
  std::vector<std::thread> pool;
  for (int i = 1; i < n; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return failed ? error : core::Status::ok();
}

}  // namespace

const std::vector<HfArchitecture>& supported_hf_architectures() {
  static const std::vector<HfArchitecture> archs = {
      {"LlamaForCausalLM", "llama", true},
      {"MistralForCausalLM", "llama", true},
      {"Qwen2ForCausalLM", "qwen2", false},
  };
  return archs;
}

core::Result<ConvertReport> convert_hf_folder(const std::filesystem::path& dir,
                                              const std::filesystem::path& output,
                                              const ConvertOptions& options) {
  BRAID_ASSIGN_OR_RETURN(core::HfFolder folder, core::HfFolder::open(dir));
  const std::string where = core::str_cat("[convert] ", dir.string(), ": ");
  const auto& config = folder.config();
  std::string hf_arch;
  if (config.json().contains("architectures") && config.json()["architectures"].is_array() &&
      !config.json()["architectures"].empty() && config.json()["architectures"][0].is_string()) {
    hf_arch = config.json()["architectures"][0].get<std::string>();
  }
  const HfArchitecture* arch = nullptr;
  for (const auto& a : supported_hf_architectures()) {
    if (a.hf_name == hf_arch) arch = &a;
  }
  if (!arch) {
    std::string known;
    for (const auto& a : supported_hf_architectures()) known.append(" ").append(a.hf_name);
    std::string extra;
    if (hf_arch.find("Llava") != std::string::npos ||
        hf_arch.find("Whisper") != std::string::npos ||
        hf_arch.find("Ultravox") != std::string::npos) {
      extra = " (its encoder converts to an mmproj file with `braid convert --mmproj`)";
    }
    return core::not_supported(where, "architecture '",
                               hf_arch.empty() ? std::string("(none in config.json)") : hf_arch,
                               "' is not supported", extra, "; supported:", known);
  }
  BRAID_ASSIGN_OR_RETURN(Hparams h, read_hparams(config));
  ConvertReport report;
  report.hf_architecture = hf_arch;
  report.gguf_architecture = std::string(arch->gguf_arch);
  const std::string a = report.gguf_architecture;

  // Tensors, in the converter's order: rope_freqs first, then each shard (file-name order) with
  // its tensors by name.
  std::vector<PlannedTensor> tensors;
  std::vector<float> rope_freqs;
  const std::string rtype = rope_type(h);
  if (rtype == "llama3" && a == "llama") {
    rope_freqs = llama3_rope_freqs(h);
    tensors.push_back({"rope_freqs.weight",
                       nullptr,
                       {static_cast<int64_t>(rope_freqs.size())},
                       DType::F32,
                       DType::F32,
                       0});
  }
  for (const auto& shard : folder.shards()) {
    for (const auto& t : shard.tensors()) {
      if (t.name.ends_with(".rotary_emb.inv_freq") || t.name.ends_with(".attention.masked_bias") ||
          t.name.ends_with(".attention.bias")) {
        continue;  // buffers the converter skips
      }
      auto name = gguf_tensor_name(t.name);
      if (!name) {
        return core::not_supported(where, "tensor '", t.name, "' has no GGUF name in the ", hf_arch,
                                   " layout");
      }
      const auto dtype = t.core_dtype();
      if (!dtype || !(*dtype == DType::F32 || *dtype == DType::F16 || *dtype == DType::BF16)) {
        return core::not_supported(where, "tensor '", t.name, "' is stored as ",
                                   core::safetensors_dtype_name(t.dtype),
                                   "; convert reads F32, F16 and BF16 weights");
      }
      if (t.shape.empty() || t.shape.size() > 2 || t.n_elements() == 0) {
        return core::invalid_argument(where, "tensor '", t.name, "' has an unexpected shape");
      }
      PlannedTensor p{*name, &t, t.shape, *dtype, DType::F32, 0};
      if (arch->permute_qk) {
        const bool q = t.name.ends_with("q_proj.weight") || t.name.ends_with("q_proj.bias");
        const bool k = t.name.ends_with("k_proj.weight") || t.name.ends_with("k_proj.bias");
        if (q || k) {
          p.permute_heads = q ? h.n_head : h.n_head_kv;
          if (t.shape[0] % (2 * p.permute_heads) != 0) {
            return core::invalid_argument(where, "tensor '", t.name, "': ", t.shape[0],
                                          " rows do not split into ", p.permute_heads,
                                          " heads of an even size");
          }
        }
      }
      tensors.push_back(std::move(p));
    }
  }

  // Types: 1-D tensors and norms F32 (the converter's rule); 2-D weights by the recipe, with
  // braid quantize's per-tensor rules for the quantized recipes.
  std::vector<core::TensorDesc> descs;
  for (const auto& t : tensors) descs.push_back({t.name, t.from, t.shape});
  core::ModelFacts facts{a, h.n_layer, h.n_head, h.n_head_kv, 0};
  const auto plans = core::plan_quantization(descs, facts, options.recipe);
  for (size_t i = 0; i < tensors.size(); ++i) {
    auto& t = tensors[i];
    if (t.shape.size() <= 1 || t.name.ends_with("_norm.weight")) {
      t.to = DType::F32;
    } else if (core::dtype_info(plans[i].to).quantized) {
      t.to = plans[i].to;
      if (plans[i].fallback) report.notes.push_back(core::str_cat(t.name, ": ", plans[i].note));
    } else {
      t.to = core::dtype_info(options.recipe.base).quantized ? DType::F16 : options.recipe.base;
      if (plans[i].fallback) report.notes.push_back(core::str_cat(t.name, ": ", plans[i].note));
    }
  }

  core::GgufWriter writer;
  writer.set("general.architecture", GgufValue{a});
  writer.set("general.type", GgufValue{std::string("model")});
  // The converter names the model after its folder when the model card does not.
  const auto abs_dir = std::filesystem::absolute(dir).lexically_normal();
  std::string model_name = abs_dir.filename().string();
  if (model_name.empty()) model_name = abs_dir.parent_path().filename().string();
  writer.set("general.name", GgufValue{model_name});
  auto u32 = [](int64_t v) { return GgufValue{static_cast<uint32_t>(v)}; };
  writer.set(a + ".block_count", u32(h.n_layer));
  if (h.n_ctx > 0) writer.set(a + ".context_length", u32(h.n_ctx));
  writer.set(a + ".embedding_length", u32(h.n_embd));
  writer.set(a + ".feed_forward_length", u32(h.n_ff));
  writer.set(a + ".attention.head_count", u32(h.n_head));
  if (config.has("num_key_value_heads"))
    writer.set(a + ".attention.head_count_kv", u32(h.n_head_kv));
  if (h.has_rope_theta)
    writer.set(a + ".rope.freq_base", GgufValue{static_cast<float>(h.rope_theta)});
  if (h.has_rms_eps) {
    writer.set(a + ".attention.layer_norm_rms_epsilon", GgufValue{static_cast<float>(h.rms_eps)});
  }
  if (h.head_dim) {
    writer.set(a + ".attention.key_length", u32(*h.head_dim));
    writer.set(a + ".attention.value_length", u32(*h.head_dim));
  }
  // Rope scaling as TextModel.set_gguf_parameters writes it (Llama 3's is the rope_freqs tensor).
  const bool has_factor = h.rope.is_object() && h.rope.contains("factor");
  auto f32 = [](double v) { return GgufValue{static_cast<float>(v)}; };
  if (rtype == "linear" && has_factor) {
    writer.set(a + ".rope.scaling.type", GgufValue{std::string("linear")});
    writer.set(a + ".rope.scaling.factor", f32(rope_number(h, "factor", 1.0)));
  } else if (rtype == "yarn" && has_factor) {
    writer.set(a + ".rope.scaling.type", GgufValue{std::string("yarn")});
    writer.set(a + ".rope.scaling.factor", f32(rope_number(h, "factor", 1.0)));
    writer.set(a + ".rope.scaling.original_context_length",
               u32(static_cast<int64_t>(rope_number(h, "original_max_position_embeddings",
                                                    static_cast<double>(h.n_ctx)))));
    const std::pair<const char*, const char*> optional[] = {
        {"extrapolation_factor", "yarn_ext_factor"},
        {"attention_factor", "yarn_attn_factor"},
        {"beta_fast", "yarn_beta_fast"},
        {"beta_slow", "yarn_beta_slow"},
    };
    for (const auto& [from, to] : optional) {
      std::string source = from;
      if (source == "attention_factor" && !h.rope.contains(source)) source = "attn_factor";
      if (h.rope.contains(source) && h.rope[source].is_number()) {
        writer.set(a + ".rope.scaling." + to, f32(h.rope[source].get<double>()));
      }
    }
  } else if (rtype == "longrope" || rtype == "su") {
    writer.set(a + ".rope.scaling.type", GgufValue{std::string("longrope")});
  } else if (!rtype.empty() && rtype != "default" && rtype != "llama3") {
    report.notes.push_back(core::str_cat("rope scaling '", rtype,
                                         "' is not carried over (llama.cpp's converter does not "
                                         "know it either)"));
  }
  writer.set("general.file_type", GgufValue{options.recipe.file_type});
  if (a == "llama") {  // LlamaModel.set_gguf_parameters
    writer.set(a + ".vocab_size", u32(h.n_vocab));
    writer.set(a + ".rope.dimension_count", u32(h.head_dim.value_or(h.n_embd / h.n_head)));
  }
  writer.set("general.quantization_version", GgufValue{uint32_t{2}});

  BRAID_ASSIGN_OR_RETURN(text::Vocab vocab, vocab_for_folder(folder, a, h.n_vocab, &report.notes));
  if (vocab.model == text::VocabModel::Spm) {
    // The converter names SentencePiece vocabularies' pre-tokenizer "default".
    writer.set("tokenizer.ggml.model", GgufValue{std::string("llama")});
    writer.set("tokenizer.ggml.pre", GgufValue{std::string("default")});
  }
  text::add_vocab_to_gguf(writer, vocab);
  BRAID_ASSIGN_OR_RETURN(auto templates, chat_templates_for_folder(folder));
  std::vector<std::string> named;
  for (const auto& [key, value] : templates) {
    if (key != "tokenizer.chat_template") named.push_back(key.substr(key.rfind('.') + 1));
  }
  for (const auto& [key, value] : templates) {
    if (key != "tokenizer.chat_template") writer.set(key, GgufValue{value});
  }
  if (!named.empty()) writer.set("tokenizer.chat_templates", core::gguf_array(named));
  for (const auto& [key, value] : templates) {
    if (key == "tokenizer.chat_template") writer.set(key, GgufValue{value});
  }

  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const PlannedTensor& t = tensors[i];
    report.n_params +=
        std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<int64_t>());
    if (!t.source) {
      BRAID_TRY(
          writer.add_tensor(t.name, DType::F32, t.shape, std::as_bytes(std::span(rope_freqs))));
      continue;
    }
    auto fill = [&t, &options, i, n = tensors.size(), threads](std::span<std::byte> out) {
      BRAID_TRY(fill_tensor(t, out, threads));
      if (options.on_tensor) options.on_tensor(i, n, t.name, t.to);
      return core::Status::ok();
    };
    BRAID_TRY(writer.add_tensor(t.name, t.to, t.shape, std::move(fill)));
  }
  for (const auto& info : writer.tensor_infos()) report.tensor_bytes += info.n_bytes;
  report.n_tensors = tensors.size();
  BRAID_TRY(writer.write(output));
  return report;
}

}  // namespace braid::app
