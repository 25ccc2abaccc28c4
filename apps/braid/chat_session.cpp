#include "chat_session.h"

#include <algorithm>

#include "braid/model/kv_snapshot_file.h"

namespace braid::app {
namespace {

bool has_media(const nlohmann::ordered_json& parts) {
  return std::any_of(parts.begin(), parts.end(), [](const auto& part) {
    return part.is_object() && part.value("type", "") != "text";
  });
}

}  // namespace

ChatSession::ChatSession(model::Decoder& decoder,
                         const text::Tokenizer& tokenizer,
                         const text::jinja::Template& chat_template,
                         text::ChatPromptOptions prompt_options,
                         model::SamplingParams sampling,
                         GenerationOptions generation,
                         std::optional<std::string> system_prompt)
    : decoder_(&decoder),
      tokenizer_(&tokenizer),
      template_(&chat_template),
      prompt_options_(std::move(prompt_options)),
      sampling_(sampling),
      generation_(std::move(generation)),
      system_prompt_(std::move(system_prompt)) {
  clear();
}

void ChatSession::clear() {
  messages_ = nlohmann::ordered_json::array();
  if (system_prompt_) messages_.push_back({{"role", "system"}, {"content", *system_prompt_}});
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

core::Result<GenerationResult> ChatSession::reply(
    const nlohmann::ordered_json& parts,
    const std::function<void(std::string_view)>& on_text,
    const std::atomic<bool>* cancel) {
  if (!parts.is_array() || parts.empty()) {
    return core::invalid_argument("[chat] a user turn needs a non-empty list of content parts");
  }
  if (has_media(parts)) {
    // TODO(#5 media): /image and /audio add parts here; the prompt then becomes token chunks
    // with the media's embedding chunk where each text::kMediaMarker stands.
    return core::not_supported("[chat] image and audio parts are not supported by braid chat yet");
  }
  messages_.push_back({{"role", "user"}, {"content", parts}});
  auto undo = [&](core::Status status) {
    messages_.erase(messages_.size() - 1);
    return status;
  };
  auto ids = prompt_tokens();
  if (!ids.ok()) return undo(ids.status());
  if (ids->empty()) {
    return undo(core::invalid_argument("[chat] the chat template rendered an empty prompt"));
  }
  if (static_cast<int64_t>(ids->size()) > decoder_->n_ctx()) {
    return undo(core::out_of_range("[chat] the conversation is now ", ids->size(),
                                   " tokens; the context holds ", decoder_->n_ctx(),
                                   ": /clear to start over (or raise -c)"));
  }

  // Keep the cache's prefix shared with the new prompt; evaluate at least the last id, whose
  // logits start the reply.
  size_t keep = 0;
  while (keep < cached_.size() && keep < ids->size() && cached_[keep] == (*ids)[keep]) ++keep;
  keep = std::min(keep, ids->size() - 1);
  decoder_->truncate(static_cast<int64_t>(keep));
  cached_.resize(keep);
  const model::PromptChunk chunk =
      model::TokenChunk{std::vector<int32_t>(ids->begin() + keep, ids->end())};
  auto logits = decoder_->eval(std::span(&chunk, 1));
  if (!logits.ok()) {
    decoder_->clear();
    cached_.clear();
    return undo(logits.status());
  }
  cached_ = *ids;

  // Reply k samples with seed + k, seeing the conversation's ids, whatever came before in this
  // process (see the class comment).
  const auto replies = std::count_if(messages_.begin(), messages_.end(), [](const auto& m) {
    return m.value("role", "") == "assistant";
  });
  model::SamplingParams params = sampling_;
  params.seed += static_cast<uint64_t>(replies);
  model::Sampler sampler(params);
  for (const int32_t id : cached_) sampler.accept(id);

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
  const nlohmann::ordered_json state = {{"messages", messages_}, {"tokens", cached_}};
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
  std::vector<int32_t> tokens;
  for (const auto& t : state["tokens"]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tokenizer_->size()) {
      return core::data_loss(where, "a token id outside the vocabulary");
    }
    tokens.push_back(t.get<int32_t>());
  }
  if (static_cast<int64_t>(tokens.size()) != snapshot.n_past) {
    return core::data_loss(where, tokens.size(), " token ids for ", snapshot.n_past,
                           " cached positions");
  }
  BRAID_TRY(decoder_->load_state(snapshot));
  messages_ = state["messages"];
  cached_ = std::move(tokens);
  return core::Status::ok();
}

}  // namespace braid::app
