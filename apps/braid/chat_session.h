// A conversation with a model for `braid chat`: the messages so far, rendered with the model's
// chat template, and a KV cache kept across turns so each turn evaluates only what is new.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/decoder.h"
#include "braid/model/media_layout.h"
#include "braid/model/prompt_keys.h"
#include "braid/model/sampler.h"
#include "braid/text/chat_prompt.h"
#include "braid/text/tokenizer.h"
#include "generation.h"
#include "media_encoders.h"

namespace braid::app {

/// One conversation on one decoder. The decoder, tokenizer and template must outlive it.
///
/// Each turn renders the whole conversation with the template, tokenizes it, and compares the
/// ids with those already in the KV cache: the shared prefix stays, the rest of the cache is
/// dropped and the new suffix evaluated (the reply as the template prints it rarely tokenizes
/// back to exactly the sampled ids, so the cache usually keeps everything up to the reply).
///
/// Images and recordings (with an mmproj's encoders) join a user message as media markers in
/// its text, as `braid ask` places them (before the text); each marker becomes the media's
/// embedding chunk in the family's wrapping. A medium is encoded once, when its message is
/// added, and its rows stay in the cache for the rest of the conversation.
///
/// Sampling is reproducible per reply: reply number k (counting the assistant messages before
/// it) samples with seed + k, its penalties seeing the conversation's ids, so a conversation
/// restored by load() continues exactly as the original would have.
class ChatSession {
 public:
  ChatSession(model::Decoder& decoder,
              const text::Tokenizer& tokenizer,
              const text::jinja::Template& chat_template,
              text::ChatPromptOptions prompt_options,
              model::SamplingParams sampling,
              GenerationOptions generation,
              std::optional<std::string> system_prompt,
              MediaEncoders* media = nullptr);

  /// Adds a user message whose content is `parts` (a JSON array of {"type": "text", "text": …},
  /// {"type": "image", "source": PATH or data: URI}, {"type": "audio", "source": PATH}), then
  /// generates the assistant's reply, streaming it to on_text. The reply (also a cancelled or
  /// cut one) joins the conversation. Errors leave the conversation as it was before the call:
  /// a template error, a conversation that no longer fits the context (OutOfRange: /clear),
  /// media without encoders (NotSupported) or that cannot be read or encoded, decoder failures.
  core::Result<GenerationResult> reply(const nlohmann::ordered_json& parts,
                                       const std::function<void(std::string_view)>& on_text,
                                       const std::atomic<bool>* cancel);

  /// Forgets the conversation (the system prompt stays) and the cache.
  void clear();
  /// Writes the cache and the conversation to `path` (a KV snapshot file). Media are kept by
  /// their source (path): a loaded conversation encodes them again when its prompt is next
  /// built, from the same files.
  core::Status save(const std::filesystem::path& path) const;
  /// Restores what save() wrote. InvalidArgument when the file comes from another model;
  /// the session is unchanged on any error.
  core::Status load(const std::filesystem::path& path);

  const nlohmann::ordered_json& messages() const { return messages_; }
  /// Positions of the context in use.
  int64_t n_past() const { return decoder_->n_past(); }

 private:
  struct Medium {
    std::string type;                     // "image" or "audio"
    std::string source;                   // as the user gave it
    std::vector<model::MediaPart> parts;  // empty until encoded
  };

  // The conversation's prompt ids (BOS as the vocabulary asks, control-token text as tokens).
  core::Result<std::vector<int32_t>> prompt_tokens() const;
  // The conversation's prompt: token chunks, and each medium's parts where its marker stands.
  core::Result<model::KeyedPrompt> build_prompt();
  // Encodes the media that are not yet (new ones, or all after load()).
  core::Status encode_media();

  model::Decoder* decoder_;
  const text::Tokenizer* tokenizer_;
  const text::jinja::Template* template_;
  text::ChatPromptOptions prompt_options_;
  model::SamplingParams sampling_;
  GenerationOptions generation_;
  std::optional<std::string> system_prompt_;
  MediaEncoders* media_;
  nlohmann::ordered_json messages_ = nlohmann::ordered_json::array();
  std::vector<Medium> media_items_;  // every image and recording of the conversation, in order
  std::vector<int64_t> cached_;      // the keys (model/prompt_keys.h) of the decoder's cache
};

}  // namespace braid::app
