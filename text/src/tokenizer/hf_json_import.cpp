// Hugging Face tokenizer.json (BPE model, byte-level) -> Vocab.
#include <nlohmann/json.hpp>

#include "braid/text/vocab_import.h"

namespace braid::text {

using core::Result;
using Json = nlohmann::json;

namespace {

bool has_type(const Json& node, std::string_view type) {
  if (!node.is_object()) return false;
  const auto it = node.find("type");
  if (it != node.end() && it->is_string() && it->get_ref<const std::string&>() == type) return true;
  // Sequence { pretokenizers: [...] } / { decoders: [...] }
  for (const char* list : {"pretokenizers", "decoders"}) {
    const auto items = node.find(list);
    if (items == node.end() || !items->is_array()) continue;
    for (const Json& item : *items) {
      if (has_type(item, type)) return true;
    }
  }
  return false;
}

// Whether a post_processor (a TemplateProcessing, or a Sequence holding one) puts the special
// token `text` first in its single-sequence template.
bool template_starts_with(const Json& post, std::string_view text) {
  if (!post.is_object()) return false;
  if (const auto items = post.find("processors"); items != post.end() && items->is_array()) {
    for (const Json& item : *items) {
      if (template_starts_with(item, text)) return true;
    }
    return false;
  }
  if (post.value("type", "") != "TemplateProcessing") return false;
  const auto single = post.find("single");
  if (single == post.end() || !single->is_array() || single->empty()) return false;
  const Json& first = (*single)[0];
  if (!first.is_object()) return false;
  const auto special = first.find("SpecialToken");
  if (special == first.end() || !special->is_object()) return false;
  const auto id = special->find("id");
  return id != special->end() && id->is_string() && id->get_ref<const std::string&>() == text;
}

Result<Vocab> read_hf_json(std::string_view json_text,
                           std::string name,
                           std::string pre,
                           std::string_view bos_text,
                           std::string_view eos_text) {
  const std::string where = core::str_cat("[tokenizer] ", name, ": ");
  const Json root = Json::parse(json_text.begin(), json_text.end(), nullptr,
                                /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return core::invalid_argument(where, "not a JSON object");
  }
  const auto model = root.find("model");
  if (model == root.end() || !model->is_object()) {
    return core::invalid_argument(where, "'model' is missing or not an object");
  }
  const auto model_type = model->find("type");
  if (model_type != model->end() &&
      (!model_type->is_string() || model_type->get_ref<const std::string&>() != "BPE")) {
    return core::not_supported(where, "model.type ", model_type->dump(),
                               " is not supported (only BPE)");
  }
  const bool byte_level = has_type(root.value("pre_tokenizer", Json()), "ByteLevel") ||
                          has_type(root.value("decoder", Json()), "ByteLevel");
  if (!byte_level) {
    return core::not_supported(where,
                               "only byte-level BPE tokenizer.json files are supported (no "
                               "ByteLevel pre-tokenizer or decoder found)");
  }

  Vocab vocab;
  vocab.name = std::move(name);
  vocab.model = VocabModel::Bpe;
  vocab.pre = std::move(pre);

  const auto model_vocab = model->find("vocab");
  if (model_vocab == model->end() || !model_vocab->is_object()) {
    return core::invalid_argument(where, "model.vocab is missing or not an object");
  }
  // Place a piece at its id; ids may come in any order, gaps become unused placeholders.
  std::vector<bool> filled;
  const auto place = [&](const std::string& piece, const Json& id_json, TokenType type,
                         std::string_view path) -> core::Status {
    if (!id_json.is_number_integer() || id_json.get<int64_t>() < 0 ||
        id_json.get<int64_t>() >= INT32_MAX) {
      return core::invalid_argument(where, path, " '", piece, "': id ", id_json.dump(),
                                    " is not a valid token id");
    }
    const auto id = static_cast<size_t>(id_json.get<int64_t>());
    if (id >= vocab.tokens.size()) {
      for (size_t i = vocab.tokens.size(); i <= id; ++i) {
        vocab.tokens.push_back(core::str_cat("[UNUSED_TOKEN_", i, "]"));
        vocab.types.push_back(TokenType::Unused);
        filled.push_back(false);
      }
    }
    if (filled[id] && vocab.tokens[id] != piece) {
      return core::invalid_argument(where, path, " '", piece, "': id ", id, " already belongs to '",
                                    vocab.tokens[id], "'");
    }
    vocab.tokens[id] = piece;
    vocab.types[id] = type;
    filled[id] = true;
    return core::Status::ok();
  };
  for (auto it = model_vocab->begin(); it != model_vocab->end(); ++it) {
    BRAID_TRY(place(it.key(), it.value(), TokenType::Normal, "model.vocab"));
  }
  const auto added = root.find("added_tokens");
  if (added != root.end()) {
    if (!added->is_array()) return core::invalid_argument(where, "added_tokens is not an array");
    for (size_t i = 0; i < added->size(); ++i) {
      const Json& token = (*added)[i];
      const std::string path = core::str_cat("added_tokens[", i, "]");
      if (!token.is_object() || !token.contains("content") || !token["content"].is_string() ||
          !token.contains("id")) {
        return core::invalid_argument(where, path, " needs 'id' and a string 'content'");
      }
      const auto special_it = token.find("special");
      const bool special =
          special_it != token.end() && special_it->is_boolean() && special_it->get<bool>();
      BRAID_TRY(place(token["content"].get<std::string>(), token["id"],
                      special ? TokenType::Control : TokenType::UserDefined, path));
    }
  }

  const auto merges = model->find("merges");
  if (merges == model->end() || !merges->is_array()) {
    return core::invalid_argument(where, "model.merges is missing or not an array");
  }
  vocab.merges.reserve(merges->size());
  for (size_t i = 0; i < merges->size(); ++i) {
    const Json& merge = (*merges)[i];
    if (merge.is_string()) {
      vocab.merges.push_back(merge.get<std::string>());
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      vocab.merges.push_back(merge[0].get<std::string>() + " " + merge[1].get<std::string>());
    } else {
      return core::invalid_argument(where, "model.merges[", i,
                                    "] is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }

  const auto find_added = [&](std::string_view text, std::string_view what) -> Result<int32_t> {
    if (text.empty()) return kNoToken;
    for (size_t id = 0; id < vocab.tokens.size(); ++id) {
      if (vocab.tokens[id] == text) return static_cast<int32_t>(id);
    }
    return core::not_found(where, what, " token '", text, "' is not in the vocabulary");
  };
  BRAID_ASSIGN_OR_RETURN(vocab.bos_id, find_added(bos_text, "BOS"));
  BRAID_ASSIGN_OR_RETURN(vocab.eos_id, find_added(eos_text, "EOS"));
  // tokenizers adds BOS through the post-processor (Llama 3: TemplateProcessing whose single
  // template starts with the BOS special token), not through a flag in tokenizer.json.
  vocab.add_bos = vocab.bos_id != kNoToken &&
                  template_starts_with(root.value("post_processor", Json()), bos_text);
  return vocab;
}

}  // namespace

Result<Vocab> vocab_from_hf_tokenizer_json(std::string_view json_text,
                                           std::string name,
                                           std::string pre,
                                           std::string_view bos_text,
                                           std::string_view eos_text) {
  // nlohmann::json throws on some type mismatches the checks above should rule out; keep any
  // such exception inside the library.
  try {
    return read_hf_json(json_text, std::move(name), std::move(pre), bos_text, eos_text);
  } catch (const nlohmann::json::exception& e) {
    return core::invalid_argument("[tokenizer] tokenizer.json: ", e.what());
  }
}

}  // namespace braid::text
