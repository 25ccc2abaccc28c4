#include <fstream>
#include <iterator>

#include "braid/core/gguf.h"
#include "braid/text/chat_prompt.h"

namespace braid::text {
namespace {

core::Result<std::string> read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::not_found("[chat template] ", path.string(), ": cannot be read");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A folder keeps its template in chat_template.jinja (newer) or in tokenizer_config.json's
// "chat_template" (a string, or a list of named templates of which "default" is the one).
core::Result<std::optional<ChatTemplateSource>> folder_template(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir / "chat_template.jinja")) {
    BRAID_ASSIGN_OR_RETURN(std::string text, read_whole(dir / "chat_template.jinja"));
    return std::optional<ChatTemplateSource>(
        ChatTemplateSource{std::move(text), (dir / "chat_template.jinja").string(), false});
  }
  const auto config_path = dir / "tokenizer_config.json";
  if (!std::filesystem::exists(config_path)) return std::optional<ChatTemplateSource>();
  std::ifstream in(config_path);
  const auto config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object()) {
    return core::data_loss("[chat template] ", config_path.string(), ": not a JSON object");
  }
  if (!config.contains("chat_template")) return std::optional<ChatTemplateSource>();
  const auto& value = config["chat_template"];
  const std::string origin = config_path.string() + ": chat_template";
  if (value.is_string()) {
    return std::optional<ChatTemplateSource>(
        ChatTemplateSource{value.get<std::string>(), origin, false});
  }
  if (value.is_array()) {
    for (const auto& entry : value) {
      if (entry.is_object() && entry.value("name", "") == "default" && entry.contains("template") &&
          entry["template"].is_string()) {
        return std::optional<ChatTemplateSource>(
            ChatTemplateSource{entry["template"].get<std::string>(), origin + "[default]", false});
      }
    }
  }
  return core::data_loss("[chat template] ", origin,
                         ": expected a string or a list with a \"default\" entry");
}

}  // namespace

const char* default_chat_template() {
  return "{%- for message in messages -%}"
         "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
         "{%- endfor -%}"
         "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";
}

core::Result<ChatTemplateSource> find_chat_template(
    const std::filesystem::path& model, const std::optional<std::filesystem::path>& override_file) {
  if (override_file) {
    BRAID_ASSIGN_OR_RETURN(std::string text, read_whole(*override_file));
    return ChatTemplateSource{std::move(text), "--chat-template " + override_file->string(), false};
  }
  std::error_code ec;
  if (std::filesystem::is_directory(model, ec)) {
    BRAID_ASSIGN_OR_RETURN(auto found, folder_template(model));
    if (found) return *found;
  } else {
    BRAID_ASSIGN_OR_RETURN(auto file, core::GgufFile::open(model));
    BRAID_ASSIGN_OR_RETURN(auto text, file.get_optional<std::string>("tokenizer.chat_template"));
    if (text) {
      return ChatTemplateSource{std::move(*text), model.string() + ": tokenizer.chat_template",
                                false};
    }
  }
  return ChatTemplateSource{default_chat_template(), "braid's default (ChatML)", true};
}

}  // namespace braid::text
