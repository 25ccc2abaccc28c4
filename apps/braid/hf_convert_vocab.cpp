// The tokenizer half of `braid convert`: which vocabulary file, which pre-tokenizer, and the
// special tokens, following llama.cpp's convert_hf_to_gguf.py and gguf-py's SpecialVocab.
#include <cctype>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "braid/text/vocab_import.h"
#include "hf_convert.h"

namespace braid::app {
namespace {

using nlohmann::json;

core::Result<json> read_json(const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(std::string text, text::read_text_file(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return core::data_loss("[convert] ", path.string(), ": not valid JSON");
  return doc;
}

// The pre-tokenizer regexes of the byte-level BPE families llama.cpp names; they differ only in
// how digits are grouped (Llama 3: up to three at a time; Qwen2: one at a time).
std::string detect_pre(const json& tokenizer, std::string_view gguf_arch, std::string* note) {
  std::string patterns;
  bool byte_level_regex = false;
  const json pre = tokenizer.value("pre_tokenizer", json());
  auto visit = [&](const json& p) {
    if (!p.is_object()) return;
    const std::string type = p.value("type", "");
    if (type == "Split" && p.contains("pattern") && p["pattern"].is_object()) {
      patterns += p["pattern"].value("Regex", "");
    }
    if (type == "ByteLevel" && p.value("use_regex", true)) byte_level_regex = true;
  };
  visit(pre);
  if (pre.is_object() && pre.contains("pretokenizers") && pre["pretokenizers"].is_array()) {
    for (const auto& p : pre["pretokenizers"]) visit(p);
  }
  if (patterns.find("\\p{N}{1,3}") != std::string::npos) return "llama-bpe";
  if (patterns.find("\\p{N}|") != std::string::npos) return "qwen2";
  if (patterns.empty() && byte_level_regex) return "gpt-2";
  const std::string fallback = gguf_arch == "qwen2" ? "qwen2" : "llama-bpe";
  *note = core::str_cat("the tokenizer's pre-tokenizer regex is not one braid recognizes; using '",
                        fallback, "' (the usual one for this architecture)");
  return fallback;
}

// gguf-py's does_token_look_special: added tokens that are control tokens whatever their flag.
bool looks_special(const std::string& t) {
  auto starts = [&](std::string_view p) { return t.rfind(p, 0) == 0; };
  auto ends = [&](std::string_view s) {
    return t.size() >= s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0;
  };
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" ||
         (starts("<|") && ends("|>")) || (starts("<\xef\xbd\x9c") && ends("\xef\xbd\x9c>")) ||
         (starts("<unused") && ends(">"));
}

// The text of a tokenizer_config.json special-token entry: "text" or {"content": "text"}.
std::optional<std::string> entry_text(const json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  if (entry.is_object() && entry.contains("content") && entry["content"].is_string()) {
    return entry["content"].get<std::string>();
  }
  return std::nullopt;
}

struct Specials {
  std::map<std::string, int32_t> ids;  // "bos" -> id
  std::map<std::string, bool> add;     // "bos" -> add_bos_token
};

// SpecialVocab's rules, for the token kinds braid's Vocab carries.
Specials find_specials(const core::HfFolder& folder, const json* tokenizer, int64_t n_vocab) {
  Specials s;
  json config;
  if (folder.side_files().tokenizer_config) {
    auto c = read_json(*folder.side_files().tokenizer_config);
    if (c.ok() && c->is_object()) config = std::move(*c);
  }
  auto set_id = [&](const std::string& kind, const json& id) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0) return;
    if (n_vocab > 0 && id.get<int64_t>() >= n_vocab) return;
    s.ids.emplace(kind, static_cast<int32_t>(id.get<int64_t>()));  // the first found wins
  };
  if (tokenizer) {
    const auto bos =
        config.is_object() ? entry_text(config.value("bos_token", json())) : std::nullopt;
    const auto eos =
        config.is_object() ? entry_text(config.value("eos_token", json())) : std::nullopt;
    const json post = tokenizer->value("post_processor", json());
    std::vector<json> processors;
    if (post.is_object() && post.contains("processors") && post["processors"].is_array()) {
      for (const auto& p : post["processors"]) processors.push_back(p);
    } else if (post.is_object()) {
      processors.push_back(post);
    }
    for (const auto& p : processors) {
      if (!p.is_object() || p.value("type", "") != "TemplateProcessing") continue;
      const json single = p.value("single", json::array());
      if (!single.is_array() || single.size() < 2) continue;
      auto special_id = [](const json& item) -> std::optional<std::string> {
        if (item.is_object() && item.contains("SpecialToken") &&
            item["SpecialToken"].contains("id") && item["SpecialToken"]["id"].is_string()) {
          return item["SpecialToken"]["id"].get<std::string>();
        }
        return std::nullopt;
      };
      if (auto first = special_id(single.front())) s.add["bos"] = bos && *first == *bos;
      if (auto last = special_id(single.back())) s.add["eos"] = eos && *last == *eos;
    }
  }
  const json added = tokenizer ? tokenizer->value("added_tokens", json::array()) : json::array();
  if (config.is_object()) {
    for (const char* kind : {"bos", "eos", "unk", "pad"}) {
      const json flag = config.value(std::string("add_") + kind + "_token", json());
      if (flag.is_boolean()) s.add[kind] = flag.get<bool>();
      const auto text = entry_text(config.value(std::string(kind) + "_token", json()));
      if (!text || !added.is_array()) continue;
      for (const auto& token : added) {
        if (token.is_object() && token.value("content", "") == *text && token.contains("id")) {
          set_id(kind, token["id"]);
          break;
        }
      }
    }
  }
  for (const char* kind : {"bos", "eos", "unk", "pad"}) {
    const json& root = folder.config().json();
    json id = root.value(std::string(kind) + "_token_id", json());
    if (id.is_null() && root.contains("text_config") && root["text_config"].is_object()) {
      id = root["text_config"].value(std::string(kind) + "_token_id", json());
    }
    set_id(kind, id);
  }
  return s;
}

// The converter's SentencePiece extras: added_tokens.json ({piece: id}, user-defined) and
// tokenizer_config.json's added_tokens_decoder ({id: {content, special}}: control when special
// or special-looking, else user-defined with SentencePiece's U+2581 turned back into spaces),
// each with score -1000. Ids past the vocabulary are skipped, as the converter skips them.
core::Status apply_spm_added_tokens(const core::HfFolder& folder, text::Vocab& vocab) {
  const auto n = static_cast<int64_t>(vocab.tokens.size());
  auto set = [&](int64_t id, std::string piece, text::TokenType type) {
    const auto i = static_cast<size_t>(id);
    vocab.tokens[i] = std::move(piece);
    if (!vocab.scores.empty()) vocab.scores[i] = -1000.0f;
    if (!vocab.types.empty()) vocab.types[i] = type;
  };
  const auto added_file = folder.dir() / "added_tokens.json";
  if (std::filesystem::is_regular_file(added_file)) {
    BRAID_ASSIGN_OR_RETURN(json added, read_json(added_file));
    if (!added.is_object()) {
      return core::data_loss("[convert] ", added_file.string(), ": not a JSON object");
    }
    for (const auto& [piece, id] : added.items()) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0) {
        return core::data_loss("[convert] ", added_file.string(), ": '", piece,
                               "' has no valid id");
      }
      if (id.get<int64_t>() < n) set(id.get<int64_t>(), piece, text::TokenType::UserDefined);
    }
  }
  if (!folder.side_files().tokenizer_config) return core::Status::ok();
  BRAID_ASSIGN_OR_RETURN(json config, read_json(*folder.side_files().tokenizer_config));
  if (!config.is_object() || !config.contains("added_tokens_decoder") ||
      !config["added_tokens_decoder"].is_object()) {
    return core::Status::ok();
  }
  for (const auto& [key, data] : config["added_tokens_decoder"].items()) {
    char* end = nullptr;
    const long long id = std::strtoll(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || id < 0 || !data.is_object() || !data.contains("content") ||
        !data["content"].is_string()) {
      return core::data_loss("[convert] ", folder.side_files().tokenizer_config->string(),
                             ": added_tokens_decoder entry '", key, "' is malformed");
    }
    if (id >= n) continue;
    std::string content = data["content"].get<std::string>();
    const bool special = data.value("special", false) || looks_special(content);
    if (!special) {
      for (size_t at; (at = content.find("\xe2\x96\x81")) != std::string::npos;) {
        content.replace(at, 3, " ");
      }
    }
    set(id, std::move(content), special ? text::TokenType::Control : text::TokenType::UserDefined);
  }
  return core::Status::ok();
}

}  // namespace

core::Result<text::Vocab> vocab_for_folder(const core::HfFolder& folder,
                                           std::string_view gguf_arch,
                                           int64_t vocab_size,
                                           std::vector<std::string>* notes) {
  const auto& side = folder.side_files();
  const std::string where = core::str_cat("[convert] ", folder.dir().string(), ": ");
  text::Vocab vocab;
  std::optional<json> tokenizer;
  if (side.tokenizer_model) {
    // The converter prefers SentencePiece's own model file (Llama 2, Mistral).
    BRAID_ASSIGN_OR_RETURN(std::string bytes, text::read_text_file(*side.tokenizer_model));
    BRAID_ASSIGN_OR_RETURN(
        vocab, text::vocab_from_sentencepiece_model(std::as_bytes(std::span(bytes)),
                                                    side.tokenizer_model->filename().string()));
    vocab.bos_id = vocab.eos_id = vocab.unk_id = vocab.pad_id = text::kNoToken;
    if (side.tokenizer_json) {
      auto t = read_json(*side.tokenizer_json);
      if (t.ok()) tokenizer = std::move(*t);
    }
  } else if (side.tokenizer_json) {
    BRAID_ASSIGN_OR_RETURN(json t, read_json(*side.tokenizer_json));
    std::string note;
    const std::string pre = detect_pre(t, gguf_arch, &note);
    if (!note.empty()) notes->push_back(note);
    BRAID_ASSIGN_OR_RETURN(std::string text_json, text::read_text_file(*side.tokenizer_json));
    BRAID_ASSIGN_OR_RETURN(vocab,
                           text::vocab_from_hf_tokenizer_json(text_json, "tokenizer.json", pre));
    for (size_t id = 0; id < vocab.tokens.size(); ++id) {
      if (vocab.types[id] == text::TokenType::UserDefined && looks_special(vocab.tokens[id])) {
        vocab.types[id] = text::TokenType::Control;
      }
      if (vocab.types[id] == text::TokenType::Unused)
        vocab.tokens[id] = core::str_cat("[PAD", id, "]");
    }
    tokenizer = std::move(t);
  } else {
    return core::not_found(where,
                           "no tokenizer.model or tokenizer.json: the GGUF needs a tokenizer");
  }
  // The converter sizes the vocabulary by config.json: extra pieces are dropped (with a warning),
  // missing ones padded with unused tokens.
  if (vocab_size > 0 && static_cast<int64_t>(vocab.tokens.size()) > vocab_size) {
    notes->push_back(core::str_cat("the tokenizer has ", vocab.tokens.size(),
                                   " tokens but config.json's vocab_size is ", vocab_size,
                                   "; the tokens past it are dropped (as llama.cpp's converter "
                                   "does)"));
    const auto n = static_cast<size_t>(vocab_size);
    vocab.tokens.resize(n);
    if (!vocab.scores.empty()) vocab.scores.resize(n);
    if (!vocab.types.empty()) vocab.types.resize(n);
    // Merges that make a dropped token cannot be kept either.
    if (!vocab.merges.empty()) {
      std::set<std::string> kept(vocab.tokens.begin(), vocab.tokens.end());
      std::erase_if(vocab.merges, [&](const std::string& m) {
        const size_t space = m.find(' ');
        return space == std::string::npos || !kept.count(m.substr(0, space) + m.substr(space + 1));
      });
    }
  }
  if (vocab_size > 0 && static_cast<int64_t>(vocab.tokens.size()) < vocab_size) {
    for (int64_t id = static_cast<int64_t>(vocab.tokens.size()); id < vocab_size; ++id) {
      vocab.tokens.push_back(core::str_cat("[PAD", id, "]"));
      if (!vocab.scores.empty()) vocab.scores.push_back(-1000.0f);
      vocab.types.push_back(text::TokenType::Unused);
    }
  }
  if (vocab.model == text::VocabModel::Spm) BRAID_TRY(apply_spm_added_tokens(folder, vocab));
  const int64_t n_vocab_limit =
      vocab.model == text::VocabModel::Spm ? static_cast<int64_t>(vocab.tokens.size()) : 0;
  const Specials specials = find_specials(folder, tokenizer ? &*tokenizer : nullptr, n_vocab_limit);
  auto id_of = [&](const char* kind) {
    auto it = specials.ids.find(kind);
    return it == specials.ids.end() ? text::kNoToken : it->second;
  };
  vocab.bos_id = id_of("bos");
  vocab.eos_id = id_of("eos");
  vocab.unk_id = id_of("unk");
  vocab.pad_id = id_of("pad");
  if (auto it = specials.add.find("bos"); it != specials.add.end()) vocab.add_bos = it->second;
  if (auto it = specials.add.find("eos"); it != specials.add.end()) vocab.add_eos = it->second;
  return vocab;
}

core::Result<std::vector<std::pair<std::string, std::string>>> chat_templates_for_folder(
    const core::HfFolder& folder) {
  const auto& side = folder.side_files();
  json value;
  if (side.tokenizer_config) {
    BRAID_ASSIGN_OR_RETURN(json config, read_json(*side.tokenizer_config));
    if (config.is_object() && config.contains("chat_template")) value = config["chat_template"];
  }
  if (value.is_null() && side.chat_template) {
    if (side.chat_template->extension() == ".jinja") {
      BRAID_ASSIGN_OR_RETURN(std::string text, text::read_text_file(*side.chat_template));
      value = text;
    } else {
      BRAID_ASSIGN_OR_RETURN(json file, read_json(*side.chat_template));
      if (file.is_object()) value = file.value("chat_template", json());
    }
  }
  std::vector<std::pair<std::string, std::string>> out;
  if (value.is_string()) {
    out.emplace_back("tokenizer.chat_template", value.get<std::string>());
  } else if (value.is_array()) {
    // [{name, template}]: "default" is the template; the others are kept by name, with names
    // reduced to letters, digits and '_' as gguf-py does.
    for (const auto& choice : value) {
      if (!choice.is_object() || !choice.contains("template") || !choice["template"].is_string()) {
        continue;
      }
      std::string name = choice.value("name", "");
      for (auto& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      if (name.empty()) continue;
      const std::string key = name == "default" ? std::string("tokenizer.chat_template")
                                                : core::str_cat("tokenizer.chat_template.", name);
      out.emplace_back(key, choice["template"].get<std::string>());
    }
  }
  return out;
}

}  // namespace braid::app
