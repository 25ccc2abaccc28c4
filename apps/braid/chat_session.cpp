#include "chat_session.h"

#include <algorithm>

#include "braid/model/kv_snapshot_file.h"
#include "braid/text/media_prompt.h"

namespace braid::app {
namespace {

// A user turn's parts, as the template will see them: text joined, media as markers before it.
struct UserTurn {
  std::string text;
  std::vector<std::pair<std::string, std::string>> media;  // (type, source)
};

core::Result<UserTurn> read_parts(const nlohmann::ordered_json& parts) {
  UserTurn turn;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& part = parts[i];
    const std::string type = part.is_object() ? part.value("type", "") : "";
    if (type == "text" && part.contains("text") && part["text"].is_string()) {
      turn.text += part["text"].get<std::string>();
    } else if ((type == "image" || type == "audio") && part.contains("source") &&
               part["source"].is_string()) {
      turn.media.emplace_back(type, part["source"].get<std::string>());
    } else {
      return core::invalid_argument("[chat] content part ", i,
                                    " is not {type: text, text} or {type: image|audio, source}");
    }
  }
  if (turn.text.find(text::kMediaMarker) != std::string::npos) {
    return core::invalid_argument("[chat] a message may not contain ", text::kMediaMarker,
                                  " itself (use /image or /audio)");
  }
  return turn;
}

}  // namespace

ChatSession::ChatSession(model::Decoder& decoder,
                         const text::Tokenizer& tokenizer,
                         const text::jinja::Template& chat_template,
                         text::ChatPromptOptions prompt_options,
                         model::SamplingParams sampling,
                         GenerationOptions generation,
                         std::optional<std::string> system_prompt,
                         MediaEncoders* media)
    : decoder_(&decoder),
      tokenizer_(&tokenizer),
      template_(&chat_template),
      prompt_options_(std::move(prompt_options)),
      sampling_(sampling),
      generation_(std::move(generation)),
      system_prompt_(std::move(system_prompt)),
      media_(media) {
  clear();
}

void ChatSession::clear() {
  messages_ = nlohmann::ordered_json::array();
  if (system_prompt_) messages_.push_back({{"role", "system"}, {"content", *system_prompt_}});
  media_items_.clear();
  cached_.clear();
  decoder_->clear();
}

core::Result<std::vector<int32_t>> ChatSession::prompt_tokens() const {
  BRAID_ASSIGN_OR_RETURN(const std::string text,
                         text::render_chat_prompt(*template_, messages_, prompt_options_));
  // BOS by hand rather than add_special: many templates print the BOS text themselves, and a
  // vocabulary's add_eos must not close the prompt the reply continues.
  BRAID_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenizer_->encode(text, false, true));
  const int32_t bos = tokenizer_->bos_id();
  if (tokenizer_->add_bos() && bos >= 0 && (ids.empty() || ids.front() != bos)) {
    ids.insert(ids.begin(), bos);
  }
  return ids;
}

core::Status ChatSession::encode_media() {
  int image = 0, audio = 0;
  for (Medium& medium : media_items_) {
    const bool is_image = medium.type == "image";
    const int index = is_image ? ++image : ++audio;
    if (!medium.parts.empty()) continue;
    if (media_ == nullptr) {
      return core::not_supported(
          "[chat] the conversation has images or recordings: start braid "
          "chat with --mmproj (the model's encoders)");
    }
    BRAID_ASSIGN_OR_RETURN(medium.parts, is_image ? media_->image(medium.source, index)
                                                  : media_->audio(medium.source, index));
  }
  return core::Status::ok();
}

core::Result<model::KeyedPrompt> ChatSession::build_prompt() {
  if (media_items_.empty()) {
    BRAID_ASSIGN_OR_RETURN(std::vector<int32_t> ids, prompt_tokens());
    return model::key_prompt({model::TokenChunk{std::move(ids)}});
  }
  BRAID_TRY(encode_media());
  BRAID_ASSIGN_OR_RETURN(std::string text,
                         text::render_chat_prompt(*template_, messages_, prompt_options_));
  // split_media_prompt adds the BOS the vocabulary asks for; a template that prints it too
  // would give two.
  const std::string& bos = prompt_options_.bos_token;
  if (!bos.empty() && text.rfind(bos, 0) == 0) text.erase(0, bos.size());
  BRAID_ASSIGN_OR_RETURN(std::vector<text::PromptPiece> pieces,
                         text::split_media_prompt(*tokenizer_, text, media_items_.size()));
  const model::GlueTokenizer glue = [&](std::string_view glue_text) {
    return text::tokenize_glue(*tokenizer_, glue_text);
  };
  std::vector<model::PromptChunk> chunks;
  for (const text::PromptPiece& piece : pieces) {
    if (!piece.is_media()) {
      model::append_tokens(chunks, piece.tokens);
      continue;
    }
    BRAID_TRY(model::append_media_parts(
        chunks, media_items_[static_cast<size_t>(piece.media_index)].parts, glue));
  }
  return model::key_prompt(std::move(chunks));
}

core::Result<GenerationResult> ChatSession::reply(
    const nlohmann::ordered_json& parts,
    const std::function<void(std::string_view)>& on_text,
    const std::atomic<bool>* cancel) {
  if (!parts.is_array() || parts.empty()) {
    return core::invalid_argument("[chat] a user turn needs a non-empty list of content parts");
  }
  BRAID_ASSIGN_OR_RETURN(UserTurn turn, read_parts(parts));
  if (!turn.media.empty() && media_ == nullptr) {
    return core::not_supported(
        "[chat] images and recordings need the model's encoders: start braid chat with "
        "--mmproj");
  }
  const size_t media_before = media_items_.size();
  if (turn.media.empty()) {
    messages_.push_back({{"role", "user"}, {"content", parts}});
  } else {
    // The markers go before the text, as braid ask and llama.cpp's mtmd-cli place them.
    std::string content;
    for (const auto& [type, source] : turn.media) {
      content += text::kMediaMarker;
      media_items_.push_back(Medium{type, source, {}});
    }
    messages_.push_back({{"role", "user"}, {"content", content + turn.text}});
  }
  auto undo = [&](core::Status status) {
    messages_.erase(messages_.size() - 1);
    media_items_.resize(media_before);
    return status;
  };
  auto prompt = build_prompt();
  if (!prompt.ok()) return undo(prompt.status());
  const int64_t total = static_cast<int64_t>(prompt->keys.size());
  if (total == 0) {
    return undo(core::invalid_argument("[chat] the chat template rendered an empty prompt"));
  }
  if (total > decoder_->n_ctx()) {
    return undo(core::out_of_range("[chat] the conversation is now ", total,
                                   " positions; the context holds ", decoder_->n_ctx(),
                                   ": /clear to start over (or raise -c)"));
  }

  // Keep the cache's prefix shared with the new prompt; evaluate the rest (at least the last
  // position, whose logits start the reply).
  const int64_t keep = model::reusable_prefix(cached_, *prompt);
  auto rest = model::chunks_from(prompt->chunks, keep);
  if (!rest.ok()) return undo(rest.status());
  decoder_->truncate(keep);
  cached_.resize(static_cast<size_t>(keep));
  auto logits = decoder_->eval(*rest);
  if (!logits.ok()) {
    decoder_->clear();
    cached_.clear();
    return undo(logits.status());
  }
  cached_ = prompt->keys;

  // Reply k samples with seed + k, seeing the conversation's ids, whatever came before in this
  // process (see the class comment).
  const auto replies = std::count_if(messages_.begin(), messages_.end(), [](const auto& m) {
    return m.value("role", "") == "assistant";
  });
  model::SamplingParams params = sampling_;
  params.seed += static_cast<uint64_t>(replies);
  model::Sampler sampler(params);
  // The penalties see the conversation's tokens (media rows are not tokens).
  for (const int64_t key : cached_) {
    if (key >= 0) sampler.accept(static_cast<int32_t>(key));
  }

  const int64_t before = decoder_->n_past();
  auto result = generate(*decoder_, *tokenizer_, sampler, *logits, generation_, on_text, cancel);
  if (!result.ok()) {
    decoder_->clear();
    cached_.clear();
    return undo(result.status());
  }
  const auto evaluated = static_cast<size_t>(decoder_->n_past() - before);
  cached_.insert(cached_.end(), result->tokens.begin(),
                 result->tokens.begin() + static_cast<std::ptrdiff_t>(evaluated));
  messages_.push_back({{"role", "assistant"}, {"content", result->text}});
  return result;
}

core::Status ChatSession::save(const std::filesystem::path& path) const {
  BRAID_ASSIGN_OR_RETURN(const model::KvSnapshot snapshot, decoder_->save_state());
  nlohmann::ordered_json media = nlohmann::ordered_json::array();
  for (const Medium& medium : media_items_) {
    media.push_back({{"type", medium.type}, {"source", medium.source}});
  }
  const nlohmann::ordered_json state = {
      {"messages", messages_}, {"media", media}, {"tokens", cached_}};
  return model::write_kv_snapshot(path, snapshot, model::model_fingerprint(decoder_->model()),
                                  state.dump());
}

core::Status ChatSession::load(const std::filesystem::path& path) {
  std::string app_state;
  BRAID_ASSIGN_OR_RETURN(
      const model::KvSnapshot snapshot,
      model::read_kv_snapshot(path, model::model_fingerprint(decoder_->model()), &app_state));
  const auto state = nlohmann::ordered_json::parse(app_state, nullptr, false);
  const std::string where = core::str_cat("[chat] ", path.string(), ": ");
  if (state.is_discarded() || !state.is_object() || !state.contains("messages") ||
      !state["messages"].is_array() || !state.contains("tokens") || !state["tokens"].is_array()) {
    return core::invalid_argument(where,
                                  "a KV snapshot without a conversation (not saved by "
                                  "braid chat's /save)");
  }
  // Keys: token ids, or (negative) rows of the conversation's media.
  std::vector<int64_t> tokens;
  for (const auto& t : state["tokens"]) {
    if (!t.is_number_integer() || t.get<int64_t>() >= tokenizer_->size()) {
      return core::data_loss(where, "a token id outside the vocabulary");
    }
    tokens.push_back(t.get<int64_t>());
  }
  std::vector<Medium> media;
  if (state.contains("media")) {
    for (const auto& m : state["media"]) {
      if (!m.is_object() || !m.contains("type") || !m["type"].is_string() ||
          !m.contains("source") || !m["source"].is_string() ||
          (m["type"] != "image" && m["type"] != "audio")) {
        return core::data_loss(where, "a media entry that is not {type: image|audio, source}");
      }
      media.push_back(Medium{m["type"].get<std::string>(), m["source"].get<std::string>(), {}});
    }
  }
  if (!media.empty() && media_ == nullptr) {
    return core::not_supported(where, "the conversation has ", media.size(),
                               " images or recordings: load it in braid chat started with "
                               "--mmproj");
  }
  if (static_cast<int64_t>(tokens.size()) != snapshot.n_past) {
    return core::data_loss(where, tokens.size(), " token ids for ", snapshot.n_past,
                           " cached positions");
  }
  BRAID_TRY(decoder_->load_state(snapshot));
  messages_ = state["messages"];
  media_items_ = std::move(media);
  cached_ = std::move(tokens);
  return core::Status::ok();
}

}  // namespace braid::app
