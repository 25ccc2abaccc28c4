// The mmproj half of `braid convert`: a LLaVA vision tower + projector, or an Ultravox Whisper
// encoder + projector, as the mmproj GGUF llama.cpp's converters write (the legacy
// convert_image_encoder_to_gguf.py for LLaVA-1.5, convert_hf_to_gguf.py's Ultravox model for
// audio), which is also the layout braid's vision and audio mmproj loaders read. Facts about
// names and keys come from those converters; the code is braid's own.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>

#include "braid/core/gguf_writer.h"
#include "braid/core/quant.h"
#include "hf_convert.h"

namespace braid::app {
namespace {

using core::DType;
using core::GgufValue;

enum class MmprojKind { Llava, Ultravox };

struct MmprojTensor {
  std::string name;
  const core::SafetensorsTensor* source = nullptr;
  std::vector<int64_t> shape;  // outermost first, as written
  DType from = DType::F32;
  DType to = DType::F32;
};

// The split "<stem>.<weight|bias>" of a parameter name; the whole name and "" for a buffer
// without that suffix (class_embedding).
std::pair<std::string, std::string> split_suffix(const std::string& name) {
  for (const char* s : {".weight", ".bias"}) {
    if (name.size() > std::strlen(s) && name.ends_with(s)) {
      return {name.substr(0, name.size() - std::strlen(s)), s};
    }
  }
  return {name, ""};
}

// "layers.7.rest" -> (7, "rest"); nullopt when `stem` does not start with `prefix`<digits>.
std::optional<std::pair<int64_t, std::string>> layer_of(const std::string& stem,
                                                        const std::string& prefix) {
  if (stem.rfind(prefix, 0) != 0) return std::nullopt;
  const size_t dot = stem.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return std::nullopt;
  const std::string digits = stem.substr(prefix.size(), dot - prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), ::isdigit) || digits.size() > 6) {
    return std::nullopt;
  }
  return std::pair{std::stoll(digits), stem.substr(dot + 1)};
}

// CLIP vision tower names (after "vision_tower." and an optional "vision_model.") to the legacy
// converter's. Returns "" for a tensor it drops, nullopt for one it does not know.
std::optional<std::string> llava_vision_name(const std::string& rest, int64_t n_blocks) {
  if (rest == "embeddings.position_ids") return std::string();
  if (rest == "embeddings.class_embedding") return std::string("v.class_embd");
  if (rest == "embeddings.patch_embedding.weight") return std::string("v.patch_embd.weight");
  if (rest == "embeddings.position_embedding.weight") {
    return std::string("v.position_embd.weight");
  }
  auto [stem, suffix] = split_suffix(rest);
  if (suffix.empty()) return std::nullopt;
  if (stem == "pre_layrnorm") return "v.pre_ln" + suffix;
  if (stem == "post_layernorm") return std::string();  // unused by LLaVA's feature layer
  auto layer = layer_of(stem, "encoder.layers.");
  if (!layer) return std::nullopt;
  // fc1/fc2 under the swapped names, as the legacy converter's map has them.
  static const std::map<std::string, std::string, std::less<>> kBlock = {
      {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"},
      {"self_attn.v_proj", "attn_v"}, {"self_attn.out_proj", "attn_out"},
      {"layer_norm1", "ln1"},         {"layer_norm2", "ln2"},
      {"mlp.fc1", "ffn_down"},        {"mlp.fc2", "ffn_up"},
  };
  auto it = kBlock.find(layer->second);
  if (it == kBlock.end()) return std::nullopt;
  if (layer->first >= n_blocks) return std::string();  // past the feature layer
  return core::str_cat("v.blk.", layer->first, ".", it->second, suffix);
}

std::optional<std::string> whisper_name(const std::string& rest) {
  auto [stem, suffix] = split_suffix(rest);
  if (suffix.empty()) return std::nullopt;
  static const std::map<std::string, std::string, std::less<>> kTop = {
      {"conv1", "a.conv1d.1"},
      {"conv2", "a.conv1d.2"},
      {"embed_positions", "a.position_embd"},
      {"layer_norm", "a.post_ln"},
  };
  if (auto it = kTop.find(stem); it != kTop.end()) return it->second + suffix;
  auto layer = layer_of(stem, "layers.");
  if (!layer) return std::nullopt;
  static const std::map<std::string, std::string, std::less<>> kBlock = {
      {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},
      {"self_attn.v_proj", "attn_v"},
      {"self_attn.out_proj", "attn_out"},
      {"self_attn_layer_norm", "ln1"},
      {"final_layer_norm", "ln2"},
      {"fc1", "ffn_up"},
      {"fc2", "ffn_down"},
  };
  auto it = kBlock.find(layer->second);
  if (it == kBlock.end()) return std::nullopt;
  return core::str_cat("a.blk.", layer->first, ".", it->second, suffix);
}

std::optional<std::string> projector_name(MmprojKind kind, const std::string& rest) {
  static const std::map<std::string, std::string, std::less<>> kLlava = {
      {"linear_1.weight", "mm.0.weight"},
      {"linear_1.bias", "mm.0.bias"},
      {"linear_2.weight", "mm.2.weight"},
      {"linear_2.bias", "mm.2.bias"},
  };
  static const std::map<std::string, std::string, std::less<>> kUltravox = {
      {"ln_pre.weight", "mm.a.norm_pre.weight"},
      {"linear_1.weight", "mm.a.mlp.1.weight"},
      {"ln_mid.weight", "mm.a.norm_mid.weight"},
      {"linear_2.weight", "mm.a.mlp.2.weight"},
  };
  const auto& map = kind == MmprojKind::Llava ? kLlava : kUltravox;
  auto it = map.find(rest);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

// The target type: 1-D tensors F32 (the converters' rule); conv kernels F16; with F32
// everything else F32; with Q8_0 the matrices whose rows fill whole blocks (position
// embeddings excepted), everything else F16.
DType target_type(const MmprojTensor& t, DType base) {
  if (t.shape.size() <= 1 || (t.shape.size() == 2 && t.shape[1] == 1)) return DType::F32;
  // Conv kernels are F16 whatever the output type: the Whisper converter forces them, the
  // legacy LLaVA converter saves every 4-D tensor so.
  if (t.name.starts_with("a.conv1d.") || t.shape.size() == 4) return DType::F16;
  if (base == DType::F32) return DType::F32;
  if (base == DType::Q8_0 && t.shape.size() == 2 && t.shape[1] % 32 == 0 &&
      t.name.find("position_embd") == std::string::npos) {
    return DType::Q8_0;
  }
  return DType::F16;
}

core::Status fill(const MmprojTensor& t, std::span<std::byte> out) {
  const int64_t row = t.shape.back();
  const int64_t n = t.source->n_elements();
  const int64_t rows = n / row;
  const uint64_t src_row = *core::dtype_row_bytes(t.from, static_cast<uint64_t>(row));
  const uint64_t dst_row = *core::dtype_row_bytes(t.to, static_cast<uint64_t>(row));
  std::vector<std::byte> raw(src_row);
  std::vector<float> values(static_cast<size_t>(row));
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(raw.data(), t.source->data.data() + r * src_row, src_row);  // unaligned source
    BRAID_TRY(core::dequantize_row(t.from, raw.data(), values.data(), row));
    BRAID_TRY(core::quantize_row(t.to, values.data(), out.data() + r * dst_row, row));
  }
  return core::Status::ok();
}

core::Result<nlohmann::json> read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return core::io_error("[convert] ", path.string(), ": cannot be read");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return core::data_loss("[convert] ", path.string(), ": not a JSON object");
  }
  return j;
}

// image_mean / image_std from preprocessor_config.json (CLIP's when the file is absent).
core::Status image_normalization(const std::filesystem::path& dir,
                                 std::vector<float>* mean,
                                 std::vector<float>* std_dev,
                                 std::vector<std::string>* notes) {
  *mean = {0.48145466f, 0.4578275f, 0.40821073f};
  *std_dev = {0.26862954f, 0.26130258f, 0.27577711f};
  const auto path = dir / "preprocessor_config.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    notes->push_back("no preprocessor_config.json: CLIP's image mean and std written");
    return core::Status::ok();
  }
  BRAID_ASSIGN_OR_RETURN(nlohmann::json j, read_json_file(path));
  for (auto [key, dst] : {std::pair{"image_mean", mean}, std::pair{"image_std", std_dev}}) {
    if (!j.contains(key)) continue;
    const auto& v = j[key];
    if (!v.is_array() || v.size() != 3 ||
        !std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_number(); })) {
      return core::invalid_argument("[convert] ", path.string(), ": '", key,
                                    "' must be a list of 3 numbers");
    }
    for (size_t c = 0; c < 3; ++c) (*dst)[c] = v[c].get<float>();
  }
  return core::Status::ok();
}

std::string first_architecture(const core::HfConfig& config) {
  const auto& j = config.json();
  if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
      j["architectures"][0].is_string()) {
    return j["architectures"][0].get<std::string>();
  }
  return "";
}

}  // namespace

const std::vector<std::string_view>& supported_mmproj_architectures() {
  static const std::vector<std::string_view> archs = {"LlavaForConditionalGeneration",
                                                      "UltravoxModel"};
  return archs;
}

core::Result<ConvertReport> convert_hf_mmproj(const std::filesystem::path& dir,
                                              const std::filesystem::path& output,
                                              const ConvertOptions& options) {
  BRAID_ASSIGN_OR_RETURN(core::HfFolder folder, core::HfFolder::open(dir));
  const std::string where = core::str_cat("[convert] ", dir.string(), ": ");
  const auto& c = folder.config();
  const std::string hf_arch = first_architecture(c);
  MmprojKind kind;
  if (hf_arch == "LlavaForConditionalGeneration") {
    kind = MmprojKind::Llava;
  } else if (hf_arch == "UltravoxModel") {
    kind = MmprojKind::Ultravox;
  } else {
    std::string known;
    for (auto a : supported_mmproj_architectures()) known.append(" ").append(a);
    return core::not_supported(where, "architecture '",
                               hf_arch.empty() ? std::string("(none in config.json)") : hf_arch,
                               "' has no mmproj conversion; supported:", known);
  }
  const DType base = options.recipe.base;
  if (!(base == DType::F32 || base == DType::F16 || base == DType::Q8_0) ||
      std::string_view(options.recipe.name) != core::dtype_name(base)) {
    return core::invalid_argument(where, "mmproj files are written as F16, F32 or Q8_0, not ",
                                  options.recipe.name);
  }
  ConvertReport report;
  report.hf_architecture = hf_arch;
  report.gguf_architecture = "clip";

  core::GgufWriter writer;
  writer.set("general.architecture", GgufValue{std::string("clip")});
  writer.set("general.type", GgufValue{std::string("mmproj")});
  const auto abs_dir = std::filesystem::absolute(dir).lexically_normal();
  std::string model_name = abs_dir.filename().string();
  if (model_name.empty()) model_name = abs_dir.parent_path().filename().string();
  writer.set("general.name", GgufValue{model_name});
  writer.set("general.file_type", GgufValue{options.recipe.file_type});
  auto u32 = [](int64_t v) { return GgufValue{static_cast<uint32_t>(v)}; };
  auto f32 = [](double v) { return GgufValue{static_cast<float>(v)}; };

  int64_t n_blocks = 0;  // LLaVA: vision blocks kept
  if (kind == MmprojKind::Llava) {
    // CLIPVisionConfig's defaults for what a config may leave out.
    BRAID_ASSIGN_OR_RETURN(int64_t n_layer, c.get_int_or("vision_config.num_hidden_layers", 12));
    BRAID_ASSIGN_OR_RETURN(int64_t n_embd, c.get_int_or("vision_config.hidden_size", 768));
    BRAID_ASSIGN_OR_RETURN(int64_t n_ff, c.get_int_or("vision_config.intermediate_size", 3072));
    BRAID_ASSIGN_OR_RETURN(int64_t n_head, c.get_int_or("vision_config.num_attention_heads", 12));
    BRAID_ASSIGN_OR_RETURN(int64_t image_size, c.get_int_or("vision_config.image_size", 224));
    BRAID_ASSIGN_OR_RETURN(int64_t patch_size, c.get_int_or("vision_config.patch_size", 32));
    BRAID_ASSIGN_OR_RETURN(double eps, c.get_double_or("vision_config.layer_norm_eps", 1e-5));
    std::string act = "quick_gelu", proj_act = "gelu", strategy = "default";
    if (c.has("vision_config.hidden_act")) {
      BRAID_ASSIGN_OR_RETURN(act, c.get_string("vision_config.hidden_act"));
    }
    if (c.has("projector_hidden_act")) {
      BRAID_ASSIGN_OR_RETURN(proj_act, c.get_string("projector_hidden_act"));
    }
    if (c.has("vision_feature_select_strategy")) {
      BRAID_ASSIGN_OR_RETURN(strategy, c.get_string("vision_feature_select_strategy"));
    }
    if (c.has("vision_config.model_type")) {
      BRAID_ASSIGN_OR_RETURN(std::string vt, c.get_string("vision_config.model_type"));
      if (vt != "clip_vision_model") {
        return core::not_supported(where, "vision tower '", vt,
                                   "': LLaVA conversion handles CLIP (clip_vision_model) towers");
      }
    }
    if (act != "quick_gelu" && act != "gelu") {
      return core::not_supported(where, "vision_config.hidden_act '", act,
                                 "': expected quick_gelu or gelu");
    }
    if (proj_act != "gelu") {
      return core::not_supported(where, "projector_hidden_act '", proj_act,
                                 "': the mlp projector uses gelu");
    }
    if (strategy != "default") {
      return core::not_supported(where, "vision_feature_select_strategy '", strategy,
                                 "': only 'default' (class token dropped) is converted");
    }
    if (n_layer <= 0 || n_embd <= 0 || n_head <= 0 || n_ff <= 0 || image_size <= 0 ||
        patch_size <= 0 || n_embd % n_head != 0) {
      return core::invalid_argument(where,
                                    "vision_config sizes must be positive and heads "
                                    "must divide hidden_size");
    }
    // The feature layer: an index into the hidden states (0 = embeddings, -1 = last block).
    // One index keeps that many blocks (LLaVA-1.5's -2 drops the last); a list keeps up to
    // the deepest and is recorded as clip.vision.feature_layer.
    auto resolve = [&](const nlohmann::json& v) -> core::Result<int64_t> {
      if (!v.is_number_integer()) {
        return core::invalid_argument(where,
                                      "vision_feature_layer must be an integer or a "
                                      "list of integers");
      }
      const int64_t l = v.get<int64_t>();
      const int64_t idx = l < 0 ? n_layer + 1 + l : l;
      if (idx < 0 || idx > n_layer) {
        return core::invalid_argument(where, "vision_feature_layer ", l, " is outside the ",
                                      n_layer, " blocks");
      }
      return idx;
    };
    const auto& j = c.json();
    nlohmann::json layer =
        j.contains("vision_feature_layer") ? j["vision_feature_layer"] : nlohmann::json(-2);
    std::vector<int32_t> layers;
    if (layer.is_array()) {
      for (const auto& v : layer) {
        BRAID_ASSIGN_OR_RETURN(int64_t idx, resolve(v));
        layers.push_back(static_cast<int32_t>(idx));
      }
      if (layers.empty()) return core::invalid_argument(where, "vision_feature_layer is empty");
      n_blocks = *std::max_element(layers.begin(), layers.end());
    } else {
      BRAID_ASSIGN_OR_RETURN(n_blocks, resolve(layer));
    }
    if (n_blocks == 0) {
      return core::invalid_argument(where, "vision_feature_layer keeps no encoder block");
    }
    std::vector<float> mean, std_dev;
    BRAID_TRY(image_normalization(dir, &mean, &std_dev, &report.notes));
    writer.set("clip.has_text_encoder", GgufValue{false});
    writer.set("clip.has_vision_encoder", GgufValue{true});
    writer.set("clip.has_llava_projector", GgufValue{true});
    writer.set("clip.projector_type", GgufValue{std::string("mlp")});
    writer.set("clip.vision.image_size", u32(image_size));
    writer.set("clip.vision.patch_size", u32(patch_size));
    writer.set("clip.vision.embedding_length", u32(n_embd));
    writer.set("clip.vision.feed_forward_length", u32(n_ff));
    if (c.has("vision_config.projection_dim")) {
      BRAID_ASSIGN_OR_RETURN(int64_t pd, c.get_int("vision_config.projection_dim"));
      writer.set("clip.vision.projection_dim", u32(pd));
    }
    writer.set("clip.vision.attention.head_count", u32(n_head));
    writer.set("clip.vision.attention.layer_norm_epsilon", f32(eps));
    writer.set("clip.vision.block_count", u32(n_blocks));
    if (!layers.empty()) writer.set("clip.vision.feature_layer", core::gguf_array(layers));
    writer.set("clip.vision.image_mean", core::gguf_array(mean));
    writer.set("clip.vision.image_std", core::gguf_array(std_dev));
    writer.set("clip.use_gelu", GgufValue{act == "gelu"});
  } else {
    if (!c.json().contains("audio_config") || !c.json()["audio_config"].is_object()) {
      return core::not_supported(where,
                                 "config.json has no audio_config; copy the Whisper "
                                 "encoder's config (audio_model_id) in as audio_config");
    }
    std::string proj_act = "swiglu";
    if (c.has("projector_act")) {
      BRAID_ASSIGN_OR_RETURN(proj_act, c.get_string("projector_act"));
    }
    if (proj_act != "swiglu") {
      return core::not_supported(where, "projector_act '", proj_act,
                                 "': the Ultravox projector is converted with swiglu");
    }
    BRAID_ASSIGN_OR_RETURN(int64_t n_mel, c.get_int_or("audio_config.num_mel_bins", 80));
    BRAID_ASSIGN_OR_RETURN(int64_t n_embd, c.get_int("audio_config.d_model"));
    BRAID_ASSIGN_OR_RETURN(int64_t n_ff, c.get_int("audio_config.encoder_ffn_dim"));
    BRAID_ASSIGN_OR_RETURN(int64_t n_layer, c.get_int("audio_config.encoder_layers"));
    BRAID_ASSIGN_OR_RETURN(int64_t n_head, c.get_int("audio_config.encoder_attention_heads"));
    BRAID_ASSIGN_OR_RETURN(int64_t stack, c.get_int("stack_factor"));
    // Whisper configs carry no epsilon; its LayerNorms use torch's default.
    BRAID_ASSIGN_OR_RETURN(double eps, c.get_double_or("audio_config.layer_norm_eps", 1e-5));
    int64_t text_width = 0;
    if (c.has("text_config.hidden_size")) {
      BRAID_ASSIGN_OR_RETURN(text_width, c.get_int("text_config.hidden_size"));
    } else if (const auto* t = folder.find("multi_modal_projector.linear_2.weight")) {
      text_width = t->shape.empty() ? 0 : t->shape[0];
    }
    if (n_mel <= 0 || n_embd <= 0 || n_ff <= 0 || n_layer <= 0 || n_head <= 0 || stack <= 0 ||
        text_width <= 0) {
      return core::invalid_argument(where,
                                    "audio_config sizes, stack_factor and the text "
                                    "width (text_config.hidden_size) must be positive");
    }
    writer.set("clip.has_vision_encoder", GgufValue{false});
    writer.set("clip.has_audio_encoder", GgufValue{true});
    writer.set("clip.projector_type", GgufValue{std::string("ultravox")});
    writer.set("clip.audio.num_mel_bins", u32(n_mel));
    writer.set("clip.audio.embedding_length", u32(n_embd));
    writer.set("clip.audio.feed_forward_length", u32(n_ff));
    writer.set("clip.audio.block_count", u32(n_layer));
    writer.set("clip.audio.attention.head_count", u32(n_head));
    writer.set("clip.audio.attention.layer_norm_epsilon", f32(eps));
    writer.set("clip.audio.projection_dim", u32(text_width));
    writer.set("clip.audio.projector.stack_factor", u32(stack));
  }

  // Tensors: the encoder's and the projector's, renamed; the language model is skipped.
  std::vector<MmprojTensor> tensors;
  const std::string tower = kind == MmprojKind::Llava ? "vision_tower." : "audio_tower.";
  for (const auto& shard : folder.shards()) {
    for (const auto& t : shard.tensors()) {
      std::string name = t.name;
      if (name.rfind("model.", 0) == 0) name = name.substr(6);  // transformers 5's LlavaModel
      std::optional<std::string> gguf;
      if (name.rfind(tower, 0) == 0) {
        std::string rest = name.substr(tower.size());
        if (kind == MmprojKind::Llava) {
          if (rest.rfind("vision_model.", 0) == 0) rest = rest.substr(13);
          gguf = llava_vision_name(rest, n_blocks);
        } else {
          gguf = whisper_name(rest);
        }
      } else if (name.rfind("multi_modal_projector.", 0) == 0) {
        gguf = projector_name(kind, name.substr(22));
      } else {
        continue;  // the language model
      }
      if (!gguf) {
        return core::not_supported(where, "tensor '", t.name, "' has no mmproj name in the ",
                                   hf_arch, " layout");
      }
      if (gguf->empty()) continue;
      const auto dtype = t.core_dtype();
      if (!dtype || !(*dtype == DType::F32 || *dtype == DType::F16 || *dtype == DType::BF16)) {
        return core::not_supported(where, "tensor '", t.name, "' is stored as ",
                                   core::safetensors_dtype_name(t.dtype),
                                   "; convert reads F32, F16 and BF16 weights");
      }
      if (t.shape.empty() || t.shape.size() > 4 || t.n_elements() == 0) {
        return core::invalid_argument(where, "tensor '", t.name, "' has an unexpected shape");
      }
      MmprojTensor m{*gguf, &t, t.shape, *dtype, DType::F32};
      // Whisper's conv biases are stored [C, 1], to add onto [C, T] directly.
      if (gguf->starts_with("a.conv1d.") && gguf->ends_with(".bias") && m.shape.size() == 1) {
        m.shape.push_back(1);
      }
      m.to = target_type(m, base);
      tensors.push_back(std::move(m));
    }
  }
  // The tensors a usable file cannot lack (the loaders name the rest).
  for (const char* need :
       {"v.patch_embd.weight", "mm.0.weight", "a.conv1d.1.weight", "mm.a.mlp.1.weight"}) {
    const bool vision_name = need[0] == 'v' || std::string_view(need) == "mm.0.weight";
    if (vision_name != (kind == MmprojKind::Llava)) continue;
    if (std::none_of(tensors.begin(), tensors.end(),
                     [&](const MmprojTensor& t) { return t.name == need; })) {
      return core::not_found(where, "no tensor for '", need, "' (expected ",
                             kind == MmprojKind::Llava ? "vision_tower.* and "
                                                         "multi_modal_projector.* weights"
                                                       : "audio_tower.* and "
                                                         "multi_modal_projector.* weights",
                             ")");
    }
  }

  for (size_t i = 0; i < tensors.size(); ++i) {
    const MmprojTensor& t = tensors[i];
    report.n_params +=
        std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<int64_t>());
    auto filler = [&t, &options, i, n = tensors.size()](std::span<std::byte> out) {
      BRAID_TRY(fill(t, out));
      if (options.on_tensor) options.on_tensor(i, n, t.name, t.to);
      return core::Status::ok();
    };
    BRAID_TRY(writer.add_tensor(t.name, t.to, t.shape, std::move(filler)));
  }
  for (const auto& info : writer.tensor_infos()) report.tensor_bytes += info.n_bytes;
  report.n_tensors = tensors.size();
  BRAID_TRY(writer.write(output));
  return report;
}

}  // namespace braid::app
