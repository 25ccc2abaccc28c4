#include "model_summary.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "braid/core/gguf_file_type.h"

namespace braid::app {
namespace {

using nlohmann::json;

// Keys whose value is too long to show inline, summarized instead.
bool is_bulky_key(const std::string& key) {
  return key.rfind("tokenizer.ggml.", 0) == 0 || key == "tokenizer.chat_template";
}

std::string tokenizer_kind(const std::string& model) {
  if (model == "llama") return "SentencePiece BPE";
  if (model == "gpt2") return "byte-level BPE";
  if (model == "bert") return "WordPiece";
  if (model == "t5") return "SentencePiece unigram";
  if (model == "rwkv") return "RWKV";
  if (model == "none" || model.empty()) return "none";
  return model;
}

json summarize_tokenizer(const core::GgufFile& file) {
  const auto model = file.get<std::string>("tokenizer.ggml.model");
  if (!model.ok()) return nullptr;
  json tok;
  tok["model"] = *model;
  tok["kind"] = tokenizer_kind(*model);
  if (auto pre = file.get<std::string>("tokenizer.ggml.pre"); pre.ok()) tok["pre"] = *pre;
  if (const auto* tokens = file.find("tokenizer.ggml.tokens")) {
    if (const auto* array = std::get_if<core::GgufArray>(&tokens->data)) {
      tok["vocab_size"] = array->items.size();
    }
  }
  if (const auto* merges = file.find("tokenizer.ggml.merges")) {
    if (const auto* array = std::get_if<core::GgufArray>(&merges->data)) {
      tok["merges"] = array->items.size();
    }
  }
  for (const char* id :
       {"bos_token_id", "eos_token_id", "eot_token_id", "unknown_token_id", "padding_token_id"}) {
    if (auto value = file.get<int64_t>(std::string("tokenizer.ggml.") + id); value.ok()) {
      tok[id] = *value;
    }
  }
  for (const char* flag : {"add_bos_token", "add_eos_token", "add_space_prefix"}) {
    if (auto value = file.get<bool>(std::string("tokenizer.ggml.") + flag); value.ok()) {
      tok[flag] = *value;
    }
  }
  tok["chat_template"] = file.contains("tokenizer.chat_template");
  return tok;
}

// For an mmproj (`general.architecture = clip`): which encoders and projectors it holds.
json summarize_mmproj(const core::GgufFile& file) {
  json mm = json::object();
  auto get_bool = [&](const char* key) {
    auto v = file.get<bool>(key);
    return v.ok() && *v;
  };
  auto projector = [&](const char* modality_key) -> json {
    if (auto v = file.get<std::string>(modality_key); v.ok()) return *v;
    if (auto v = file.get<std::string>("clip.projector_type"); v.ok()) return *v;
    return nullptr;
  };
  const bool vision =
      get_bool("clip.has_vision_encoder") || file.find_tensor("v.patch_embd.weight") != nullptr;
  const bool audio = get_bool("clip.has_audio_encoder");
  if (vision) mm["vision"] = {{"projector", projector("clip.vision.projector_type")}};
  if (audio) mm["audio"] = {{"projector", projector("clip.audio.projector_type")}};
  return mm;
}

// The shortest decimal that reads back as the same float, as a double: 1e-5f shows as 1e-05,
// not as 9.999999747378752e-06.
double shortest_double(float value) {
  char text[32];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, static_cast<double>(value));
    if (std::strtof(text, nullptr) == value) break;
  }
  return std::strtod(text, nullptr);
}

}  // namespace

json gguf_value_to_json(const core::GgufValue& value, size_t max_items) {
  return std::visit(
      [&](const auto& v) -> json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, core::GgufArray>) {
          if (v.items.size() > max_items) {
            return {{"array_of", core::gguf_value_type_name(v.element_type)},
                    {"count", v.items.size()}};
          }
          json out = json::array();
          for (const auto& item : v.items) out.push_back(gguf_value_to_json(item, max_items));
          return out;
        } else if constexpr (std::is_same_v<V, float>) {
          return json(shortest_double(v));
        } else {
          return json(v);
        }
      },
      value.data);
}

json summarize_gguf(const core::GgufFile& file,
                    const std::filesystem::path& path,
                    const SummaryOptions& options) {
  json out;
  out["path"] = path.string();
  out["format"] = "gguf";
  out["version"] = file.version();
  out["file_size"] = file.file_size();
  out["alignment"] = file.alignment();
  const auto arch = file.get<std::string>("general.architecture");
  out["architecture"] = arch.ok() ? json(*arch) : json(nullptr);
  if (auto name = file.get<std::string>("general.name"); name.ok()) out["name"] = *name;
  if (auto ft = file.get<uint32_t>("general.file_type"); ft.ok()) {
    const auto name = core::gguf_file_type_name(*ft);
    out["file_type"] = name ? std::string(*name) : std::string("unknown");
    out["file_type_id"] = *ft;
  }

  // Hyperparameters: the architecture's own keys (and clip.* for an mmproj).
  json hparams = json::object();
  const std::string prefix = arch.ok() ? *arch + "." : std::string("\x01");
  for (const auto& kv : file.metadata()) {
    if (kv.key.rfind(prefix, 0) == 0 && !is_bulky_key(kv.key)) {
      hparams[kv.key] = gguf_value_to_json(kv.value, 16);
    }
  }
  out["hyperparameters"] = hparams;
  out["tokenizer"] = summarize_tokenizer(file);
  if (arch.ok() && *arch == "clip") out["mmproj"] = summarize_mmproj(file);

  std::map<std::string, json> by_type;
  uint64_t n_params = 0;
  json tensors = json::array();
  for (const auto& t : file.tensors()) {
    const std::string type(core::dtype_name(t.dtype));
    count_tensor(by_type[type], t.n_bytes, static_cast<uint64_t>(t.n_elements));
    n_params += static_cast<uint64_t>(t.n_elements);
    if (options.list_tensors) {
      tensors.push_back({{"name", t.name},
                         {"type", type},
                         {"shape", t.shape},
                         {"bytes", t.n_bytes},
                         {"offset", t.file_offset}});
    }
  }
  out["tensor_count"] = file.tensors().size();
  out["n_params"] = n_params;
  out["types"] = by_type;
  if (options.list_tensors) out["tensors"] = tensors;
  return out;
}

void count_tensor(json& totals, uint64_t bytes, uint64_t params) {
  if (totals.is_null()) totals = {{"tensors", 0}, {"bytes", 0}, {"params", 0}};
  totals["tensors"] = totals["tensors"].get<uint64_t>() + 1;
  totals["bytes"] = totals["bytes"].get<uint64_t>() + bytes;
  totals["params"] = totals["params"].get<uint64_t>() + params;
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.2f %s", value, units[unit]);
  return text;
}

std::string human_count(uint64_t count) {
  const char* units[] = {"", "K", "M", "B", "T"};
  double value = static_cast<double>(count);
  int unit = 0;
  while (value >= 1000.0 && unit < 4) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f%s" : "%.2f%s", value, units[unit]);
  return text;
}

namespace {

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void line(std::ostringstream& out, const std::string& label, const std::string& text) {
  char head[32];
  std::snprintf(head, sizeof(head), "  %-16s", label.c_str());
  out << head << text << "\n";
}

}  // namespace

std::string render_summary_text(const json& s) {
  std::ostringstream out;
  out << s["path"].get<std::string>() << "\n";
  if (s["format"] == "gguf") {
    line(out, "format",
         "GGUF v" + scalar_text(s["version"]) + ", " + human_bytes(s["file_size"]) +
             ", data aligned to " + scalar_text(s["alignment"]) + " bytes");
  } else {
    line(out, "format",
         scalar_text(s["format"]) + ", " + human_bytes(s["file_size"]) + " in " +
             scalar_text(s["files"]) + " file(s)");
  }
  line(out, "architecture",
       s["architecture"].is_null() ? "(not set)" : scalar_text(s["architecture"]));
  if (s.contains("name")) line(out, "name", scalar_text(s["name"]));
  if (s.contains("file_type")) {
    line(out, "file type",
         scalar_text(s["file_type"]) + " (general.file_type " + scalar_text(s["file_type_id"]) +
             ")");
  }
  line(out, "parameters",
       human_count(s["n_params"]) + " (" + scalar_text(s["n_params"]) + ") in " +
           scalar_text(s["tensor_count"]) + " tensors");
  for (const auto& [type, entry] : s["types"].items()) {
    line(out, "  " + type,
         scalar_text(entry["tensors"]) + " tensors, " + human_count(entry["params"]) +
             " parameters, " + human_bytes(entry["bytes"]));
  }
  const auto& tok = s["tokenizer"];
  if (tok.is_null()) {
    line(out, "tokenizer", "none in this file");
  } else {
    std::string text = scalar_text(tok["model"]) + " (" + scalar_text(tok["kind"]) + ")";
    if (tok.contains("file")) text += " from " + scalar_text(tok["file"]);
    if (tok.contains("pre")) text += ", pre-tokenizer " + scalar_text(tok["pre"]);
    if (tok.contains("vocab_size")) text += ", " + scalar_text(tok["vocab_size"]) + " tokens";
    if (tok.contains("merges")) text += ", " + scalar_text(tok["merges"]) + " merges";
    if (tok.contains("bos_token_id")) text += ", BOS " + scalar_text(tok["bos_token_id"]);
    if (tok.contains("eos_token_id")) text += ", EOS " + scalar_text(tok["eos_token_id"]);
    line(out, "tokenizer", text);
    line(out, "chat template", tok["chat_template"].get<bool>() ? "yes" : "no");
  }
  if (s.contains("mmproj")) {
    const auto& mm = s["mmproj"];
    if (mm.empty()) line(out, "encoders", "none recognized");
    for (const auto& [modality, entry] : mm.items()) {
      line(out, modality + " encoder",
           "projector " + (entry["projector"].is_null() ? std::string("(not set)")
                                                        : scalar_text(entry["projector"])));
    }
  }
  if (!s["hyperparameters"].empty()) {
    out << "hyperparameters\n";
    for (const auto& [key, value] : s["hyperparameters"].items()) {
      char head[64];
      std::snprintf(head, sizeof(head), "  %-44s ", key.c_str());
      out << head << scalar_text(value) << "\n";
    }
  }
  if (s.contains("tensors")) {
    out << "tensors (shape outermost first)\n";
    for (const auto& t : s["tensors"]) {
      char head[96];
      std::snprintf(head, sizeof(head), "  %-48s %-6s ", t["name"].get<std::string>().c_str(),
                    t["type"].get<std::string>().c_str());
      out << head << t["shape"].dump() << "  " << human_bytes(t["bytes"]) << "\n";
    }
  }
  return out.str();
}

}  // namespace braid::app
