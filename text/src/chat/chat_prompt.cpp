#include "braid/text/chat_prompt.h"

#include <string>

namespace braid::text {
namespace {

using Json = nlohmann::ordered_json;

bool is_media_part(const std::string& type) {
  return type == "image" || type == "image_url" || type == "audio" || type == "input_audio";
}

// Checks the shape of the messages and their content parts before a template sees them.
core::Status check_messages(const Json& messages) {
  if (!messages.is_array()) return core::invalid_argument("[chat] 'messages' must be an array");
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (!m.is_object()) return core::invalid_argument("[chat] message ", i, " is not an object");
    if (!m.contains("role") || !m["role"].is_string()) {
      return core::invalid_argument("[chat] message ", i, ": 'role' must be a string");
    }
    if (!m.contains("content") || m["content"].is_string() || m["content"].is_null()) continue;
    if (!m["content"].is_array()) {
      return core::invalid_argument("[chat] message ", i,
                                    ": 'content' must be a string, null or a list of parts");
    }
    for (size_t p = 0; p < m["content"].size(); ++p) {
      const auto& part = m["content"][p];
      if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
        return core::invalid_argument("[chat] message ", i, ", part ", p,
                                      ": expected an object with a string 'type'");
      }
      const std::string type = part["type"];
      if (type == "text") {
        if (!part.contains("text") || !part["text"].is_string()) {
          return core::invalid_argument("[chat] message ", i, ", part ", p,
                                        ": a text part needs a string 'text'");
        }
      } else if (!is_media_part(type)) {
        return core::invalid_argument("[chat] message ", i, ", part ", p, ": unknown part type '",
                                      type, "' (expected text, image or audio)");
      }
    }
  }
  return core::Status::ok();
}

// Joins each message's parts into one string, a media marker where each image or recording goes.
Json flatten_parts(const Json& messages) {
  Json out = messages;
  for (auto& m : out) {
    if (!m.contains("content") || !m["content"].is_array()) continue;
    std::string text;
    for (const auto& part : m["content"]) {
      if (!text.empty()) text += "\n";
      text += part["type"] == "text" ? part["text"].get<std::string>() : kMediaMarker;
    }
    m["content"] = text;
  }
  return out;
}

// Whether the template prints the text of content parts itself (vision templates do); decided by
// rendering a one-message probe. A template that fails on part lists does not, and neither does
// one that prints the list as it is (its Python repr shows the parts' 'type' keys).
bool renders_content_parts(const jinja::Template& chat_template, const ChatPromptOptions& options) {
  static const std::string kProbe = "braid-content-part-probe-7f3a";
  Json context = {
      {"messages",
       Json::array(
           {{{"role", "user"}, {"content", Json::array({{{"type", "text"}, {"text", kProbe}}})}}})},
      {"add_generation_prompt", true},
      {"tools", nullptr},
      {"bos_token", options.bos_token},
      {"eos_token", options.eos_token}};
  auto rendered = chat_template.render(context, options.render);
  return rendered.ok() && rendered->find(kProbe) != std::string::npos &&
         rendered->find("'type'") == std::string::npos &&
         rendered->find("\"type\"") == std::string::npos;
}

}  // namespace

core::Result<std::string> render_chat_prompt(const jinja::Template& chat_template,
                                             const Json& conversation,
                                             const ChatPromptOptions& options) {
  Json context = Json::object();
  if (conversation.is_array()) {
    context["messages"] = conversation;
  } else if (conversation.is_object() && conversation.contains("messages")) {
    context = conversation;
  } else {
    return core::invalid_argument(
        "[chat] expected a list of messages, or an object with \"messages\"");
  }
  BRAID_TRY(check_messages(context["messages"]));
  if (!context.contains("tools")) context["tools"] = nullptr;  // as transformers passes it
  context["add_generation_prompt"] = options.add_generation_prompt;
  if (!context.contains("bos_token")) context["bos_token"] = options.bos_token;
  if (!context.contains("eos_token")) context["eos_token"] = options.eos_token;
  if (!renders_content_parts(chat_template, options)) {
    context["messages"] = flatten_parts(context["messages"]);
  }
  return chat_template.render(context, options.render);
}

}  // namespace braid::text
