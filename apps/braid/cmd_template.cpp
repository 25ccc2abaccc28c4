// `braid template -m MODEL --messages FILE`: the prompt text a model's chat template makes of a
// conversation, for people debugging prompts.
#include <cstdio>
#include <fstream>

#include "args.h"
#include "braid/text/chat_prompt.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "text_input.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid template -m MODEL --messages FILE|- [--chat-template FILE]\n"
    "                      [--no-generation-prompt] [--show-source]\n"
    "\n"
    "Renders a conversation with MODEL's chat template (a GGUF file or a Hugging Face folder),\n"
    "exactly as transformers' apply_chat_template(tokenize=False) would.\n"
    "\n"
    "  --messages FILE         JSON: a list of {role, content} messages, or an object with\n"
    "                          \"messages\", \"tools\" and any other keys the template reads;\n"
    "                          content may be a list of text, image and audio parts\n"
    "  --chat-template FILE    use this Jinja template instead of the model's\n"
    "  --no-generation-prompt  do not open an assistant turn at the end\n"
    "  --show-source           print where the template came from (to stderr)\n";

}  // namespace

int run_template(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--no-generation-prompt", "--show-source", "--help"},
               .options = {"--model", "--messages", "--chat-template"},
               .aliases = {{"-m", "--model"}, {"-h", "--help"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid template: %s\n\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  if (parsed->has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const auto model = parsed->value("--model");
  const auto messages_file = parsed->value("--messages");
  if (!model || !messages_file || !parsed->positionals().empty()) {
    std::fprintf(stderr, "braid template: expected -m MODEL and --messages FILE\n\n%s", kUsage);
    return 2;
  }
  auto fail = [](const core::Status& status) {
    std::fprintf(stderr, "braid template: %s\n", status.to_string().c_str());
    return 1;
  };

  // The conversation.
  auto text = *messages_file == "-" ? read_text_input(std::string("-"), std::nullopt)
                                    : read_text_input(std::nullopt, *messages_file);
  if (!text.ok()) return fail(text.status());
  const auto conversation = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (conversation.is_discarded()) {
    return fail(core::invalid_argument(*messages_file, ": not valid JSON"));
  }

  // The template.
  std::optional<std::filesystem::path> override_file;
  if (auto path = parsed->value("--chat-template")) override_file = *path;
  auto source = text::find_chat_template(*model, override_file);
  if (!source.ok()) return fail(source.status());
  if (source->is_default) {
    std::fprintf(stderr, "braid template: warning: %s has no chat template; using %s\n",
                 model->c_str(), source->origin.c_str());
  } else if (parsed->has("--show-source")) {
    std::fprintf(stderr, "template: %s\n", source->origin.c_str());
  }
  auto chat_template = text::jinja::Template::parse(source->source, source->origin);
  if (!chat_template.ok()) return fail(chat_template.status());

  // BOS/EOS text, which many templates print themselves.
  text::ChatPromptOptions options;
  options.add_generation_prompt = !parsed->has("--no-generation-prompt");
  if (auto tokenizer = text::load_tokenizer(*model); tokenizer.ok()) {
    if (tokenizer->bos_id() >= 0)
      options.bos_token = std::string(*tokenizer->token_text(tokenizer->bos_id()));
    if (tokenizer->eos_id() >= 0)
      options.eos_token = std::string(*tokenizer->token_text(tokenizer->eos_id()));
  }
  auto prompt = text::render_chat_prompt(*chat_template, conversation, options);
  if (!prompt.ok()) return fail(prompt.status());
  std::fwrite(prompt->data(), 1, prompt->size(), stdout);
  return 0;
}

}  // namespace braid::app
