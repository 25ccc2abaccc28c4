#include "braid/text/tokenizer_loader.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "braid/core/hf_config.h"
#include "braid/text/vocab_import.h"

namespace braid::text {
namespace {

// Which pre-tokenizer a Hugging Face model type's byte-level BPE uses (as llama.cpp's converter
// decides it for the same models).
std::string pre_for_model_type(const std::string& model_type) {
  if (model_type == "llama") return "llama-bpe";
  if (model_type == "qwen2" || model_type == "qwen2_vl" || model_type == "qwen2_audio")
    return "qwen2";
  if (model_type == "gpt2") return "gpt-2";
  return "";
}

// A special token's text in tokenizer_config.json: a string, or {"content": "..."}.
std::string special_text(const nlohmann::json& config, const char* key) {
  if (!config.contains(key)) return "";
  const auto& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return "";
}

core::Result<Tokenizer> load_from_folder(const std::filesystem::path& dir,
                                         const TokenizerLoadOptions& options) {
  const auto json_path = dir / "tokenizer.json";
  const auto spm_path = dir / "tokenizer.model";
  if (std::filesystem::exists(json_path)) {
    std::string pre = options.pre;
    std::string model_type;
    if (auto config = core::HfConfig::open(dir / "config.json"); config.ok()) {
      if (auto type = config->get_string_or("model_type", ""); type.ok()) model_type = *type;
    }
    if (pre.empty()) pre = pre_for_model_type(model_type);
    if (pre.empty()) {
      return core::invalid_argument("[tokenizer] ", dir.string(),
                                    ": cannot tell the pre-tokenizer of "
                                    "model_type '",
                                    model_type, "'; name it (e.g. --pre llama-bpe)");
    }
    nlohmann::json tokenizer_config = nlohmann::json::object();
    if (std::ifstream in(dir / "tokenizer_config.json"); in) {
      tokenizer_config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (!tokenizer_config.is_object()) tokenizer_config = nlohmann::json::object();
    }
    BRAID_ASSIGN_OR_RETURN(std::string contents, read_text_file(json_path));
    BRAID_ASSIGN_OR_RETURN(
        Vocab vocab, vocab_from_hf_tokenizer_json(contents, json_path.string(), pre,
                                                  special_text(tokenizer_config, "bos_token"),
                                                  special_text(tokenizer_config, "eos_token")));
    // An explicit add_bos_token overrides what the post-processor template says (as llama.cpp's
    // converter decides it, so a folder and its converted GGUF encode alike).
    if (const auto add = tokenizer_config.find("add_bos_token");
        add != tokenizer_config.end() && add->is_boolean()) {
      vocab.add_bos = add->get<bool>() && vocab.bos_id != kNoToken;
    }
    return Tokenizer::create(std::move(vocab));
  }
  if (std::filesystem::exists(spm_path)) {
    BRAID_ASSIGN_OR_RETURN(std::string contents, read_text_file(spm_path));
    BRAID_ASSIGN_OR_RETURN(Vocab vocab, vocab_from_sentencepiece_model(
                                            std::as_bytes(std::span(contents)), spm_path.string()));
    return Tokenizer::create(std::move(vocab));
  }
  return core::not_found("[tokenizer] ", dir.string(),
                         ": no tokenizer.json or tokenizer.model in this folder");
}

}  // namespace

core::Result<Tokenizer> load_tokenizer(const std::filesystem::path& path,
                                       const TokenizerLoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return load_from_folder(path, options);
  BRAID_ASSIGN_OR_RETURN(auto file, core::GgufFile::open(path));
  if (!file.contains("tokenizer.ggml.model")) {
    return core::not_found("[tokenizer] ", path.string(),
                           ": no tokenizer in this file (key 'tokenizer.ggml.model' is missing)");
  }
  return Tokenizer::from_gguf(file);
}

}  // namespace braid::text
