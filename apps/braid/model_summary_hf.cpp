// `braid info` for Hugging Face folders and single .safetensors files.
#include <fstream>
#include <map>

#include "braid/core/hf_folder.h"
#include "braid/core/safetensors.h"
#include "model_summary.h"

namespace braid::app {
namespace {

using nlohmann::json;

// Tensors of a set of safetensors files: count, parameters and bytes per dtype.
void add_tensor_totals(const std::vector<const core::SafetensorsFile*>& files,
                       const SummaryOptions& options,
                       json& out) {
  std::map<std::string, json> by_type;
  uint64_t n_params = 0;
  size_t n_tensors = 0;
  json tensors = json::array();
  for (const auto* file : files) {
    for (const auto& t : file->tensors()) {
      const std::string type(core::safetensors_dtype_name(t.dtype));
      count_tensor(by_type[type], t.data.size(), static_cast<uint64_t>(t.n_elements()));
      n_params += static_cast<uint64_t>(t.n_elements());
      ++n_tensors;
      if (options.list_tensors) {
        tensors.push_back({{"name", t.name},
                           {"type", type},
                           {"shape", t.shape},
                           {"bytes", t.data.size()},
                           {"file", file->display_name()}});
      }
    }
  }
  out["tensor_count"] = n_tensors;
  out["n_params"] = n_params;
  out["types"] = by_type;
  if (options.list_tensors) out["tensors"] = tensors;
}

// Scalars of config.json, and of its nested *_config objects as "text_config.hidden_size".
json config_hyperparameters(const json& config) {
  json out = json::object();
  for (const auto& [key, value] : config.items()) {
    if (value.is_number() || value.is_boolean() ||
        (value.is_string() && key != "transformers_version")) {
      out[key] = value;
    } else if (value.is_object() && key.size() > 7 && key.ends_with("_config")) {
      for (const auto& [sub_key, sub_value] : value.items()) {
        if (sub_value.is_number() || sub_value.is_boolean() || sub_value.is_string()) {
          out[key + "." + sub_key] = sub_value;
        }
      }
    } else if (value.is_object() && key == "rope_scaling") {
      out[key] = value;
    }
  }
  return out;
}

// What tokenizer.json and tokenizer_config.json say, without building the tokenizer.
json hf_tokenizer(const core::HfFolder& folder) {
  const auto& side = folder.side_files();
  json tok = nullptr;
  if (side.tokenizer_json) {
    std::ifstream in(*side.tokenizer_json);
    const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
    tok = json::object();
    tok["file"] = "tokenizer.json";
    if (doc.is_object() && doc.contains("model") && doc["model"].is_object()) {
      const auto& model = doc["model"];
      tok["model"] = model.value("type", "unknown");
      tok["kind"] = tok["model"];
      size_t size =
          model.contains("vocab") && model["vocab"].is_object() ? model["vocab"].size() : 0;
      if (doc.contains("added_tokens") && doc["added_tokens"].is_array()) {
        for (const auto& added : doc["added_tokens"]) {
          if (added.is_object() && added.contains("content") &&
              !(model.contains("vocab") &&
                model["vocab"].contains(added["content"].get<std::string>()))) {
            ++size;
          }
        }
      }
      tok["vocab_size"] = size;
      if (model.contains("merges") && model["merges"].is_array())
        tok["merges"] = model["merges"].size();
    } else {
      tok["model"] = "unreadable";
      tok["kind"] = "tokenizer.json is not a tokenizers document";
    }
  } else if (side.tokenizer_model) {
    tok = {
        {"file", "tokenizer.model"}, {"model", "sentencepiece"}, {"kind", "SentencePiece model"}};
  }
  bool has_template = side.chat_template.has_value();
  if (!has_template && side.tokenizer_config) {
    std::ifstream in(*side.tokenizer_config);
    const json doc = json::parse(in, nullptr, false);
    has_template = doc.is_object() && doc.contains("chat_template");
  }
  if (tok.is_null() && has_template) tok = json::object({{"model", "none"}, {"kind", "none"}});
  if (!tok.is_null()) tok["chat_template"] = has_template;
  return tok;
}

}  // namespace

core::Result<json> summarize_hf_folder(const std::filesystem::path& path,
                                       const SummaryOptions& options) {
  BRAID_ASSIGN_OR_RETURN(auto folder, core::HfFolder::open(path));
  json out;
  out["path"] = path.string();
  out["format"] = folder.sharded() ? "safetensors (sharded)" : "safetensors";
  out["files"] = folder.shards().size();
  uint64_t size = 0;
  std::vector<const core::SafetensorsFile*> files;
  for (const auto& shard : folder.shards()) {
    size += shard.data_section_offset() + shard.data_section_size();
    files.push_back(&shard);
  }
  out["file_size"] = size;
  const json& config = folder.config().json();
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string()) {
    out["architecture"] = config["architectures"][0];
  } else {
    out["architecture"] = config.value("model_type", json(nullptr));
  }
  if (config.contains("model_type")) out["model_type"] = config["model_type"];
  out["hyperparameters"] = config_hyperparameters(config);
  out["tokenizer"] = hf_tokenizer(folder);
  add_tensor_totals(files, options, out);
  return out;
}

core::Result<json> summarize_safetensors_file(const std::filesystem::path& path,
                                              const SummaryOptions& options) {
  BRAID_ASSIGN_OR_RETURN(auto file, core::SafetensorsFile::open(path));
  json out;
  out["path"] = path.string();
  out["format"] = "safetensors";
  out["files"] = 1;
  out["file_size"] = file.data_section_offset() + file.data_section_size();
  out["architecture"] = nullptr;
  out["hyperparameters"] = json::object();
  for (const auto& [key, value] : file.metadata()) out["hyperparameters"][key] = value;
  out["tokenizer"] = nullptr;
  add_tensor_totals({&file}, options, out);
  return out;
}

}  // namespace braid::app
