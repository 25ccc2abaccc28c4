// From a conversation to prompt text: find the model's chat template (or the user's override, or
// a default), and render messages whose content may mix text, image and audio parts.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "braid/core/status.h"
#include "braid/text/jinja/template.h"

namespace braid::text {

/// What stands in the prompt text where an image or a recording goes, for templates that only
/// know string content. The multimodal front end replaces each marker with the media's embedding
/// chunk (the same marker llama.cpp's mtmd uses, so prompts carry over).
inline constexpr const char* kMediaMarker = "<__media__>";

/// A chat template and where it came from.
struct ChatTemplateSource {
  std::string source;  ///< the Jinja text
  std::string origin;  ///< "model.gguf: tokenizer.chat_template", "--chat-template t.jinja", …
  bool is_default = false;  ///< the model has none: braid's ChatML default is used
};

/// ChatML ("<|im_start|>role\ncontent<|im_end|>\n"), used when a model carries no template.
const char* default_chat_template();

/// The template for `model` (a GGUF file or a Hugging Face folder): `override_file` when given,
/// else the model's own (GGUF `tokenizer.chat_template`; a folder's chat_template.jinja or
/// tokenizer_config.json "chat_template"), else the default (is_default set, so callers warn).
/// Errors name the file that could not be read.
core::Result<ChatTemplateSource> find_chat_template(
    const std::filesystem::path& model,
    const std::optional<std::filesystem::path>& override_file = std::nullopt);

struct ChatPromptOptions {
  bool add_generation_prompt = true;
  std::string bos_token;  ///< the model's BOS text, which many templates print themselves
  std::string eos_token;
  jinja::RenderOptions render;  ///< limits, and the date strftime_now sees
};

/// Renders `conversation` — a JSON array of messages, or an object with "messages" and optional
/// "tools" (and any other keys the template reads) — with `chat_template`.
///
/// Content parts: a message's content may be a string or a list of parts {"type": "text",
/// "text": …}, {"type": "image"…}, {"type": "audio"…}. Templates that render part lists (vision
/// templates) get them as they are; for a template that only prints string content, each message's
/// parts are first joined into one string with kMediaMarker where each image or recording goes.
/// Which kind a template is, is found by rendering a probe conversation once.
/// @return the prompt text, or the template's error (a syntax error with line:column, an error
///         raise_exception raised, …); InvalidArgument for a conversation that is not shaped as
///         above (naming the message index and field).
core::Result<std::string> render_chat_prompt(const jinja::Template& chat_template,
                                             const nlohmann::ordered_json& conversation,
                                             const ChatPromptOptions& options);

}  // namespace braid::text
