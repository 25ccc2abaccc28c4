// Chat templates: turning a conversation into the prompt text a model was trained on, with the
// Jinja2 template its GGUF file (`tokenizer.chat_template`) or tokenizer_config.json carries.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "braid/core/status.h"
#include "braid/text/jinja/template.h"

namespace braid::text {

using jinja::CivilTime;
using jinja::RenderOptions;

/// Renders `template_source` the way transformers' apply_chat_template(tokenize=False) does.
///
/// `context` is a JSON object whose keys become template variables, usually:
///   messages: [{role, content}], where content is a string or a list of parts such as
///             {"type": "text", "text": ...}, {"type": "image"}, {"type": "audio"};
///             assistant messages may carry tool_calls, tool messages tool_call_id;
///   tools: a list of JSON-schema function descriptions, or null;
///   add_generation_prompt: bool;  bos_token, eos_token: strings;
///   plus any template-specific keys (enable_thinking, date_string, ...).
/// Pass exactly what Python would receive: transformers passes tools=None and documents=None
/// when absent, which templates can tell apart from a missing key.
/// @return the prompt text, or the error the template raised (see Template::render). Parses the
///         template on every call; keep a jinja::Template to render many conversations.
core::Result<std::string> render_chat_template(std::string_view template_source,
                                               const nlohmann::ordered_json& context,
                                               const RenderOptions& options = {});
core::Result<std::string> render_chat_template(std::string_view template_source,
                                               const nlohmann::json& context,
                                               const RenderOptions& options = {});

}  // namespace braid::text
