// `braid chat -m MODEL`: an interactive conversation with the model's chat template. The KV cache
// is kept across turns (only what is new is evaluated); /save and /load keep a conversation on
// disk. Lines come from a terminal with line editing, or from a pipe. With --mmproj, /image and
// /audio attach pictures and recordings to the next message.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

#include "args.h"
#include "backend_option.h"
#include "braid/model/decoder.h"
#include "braid/text/chat_prompt.h"
#include "braid/text/tokenizer_loader.h"
#include "chat_session.h"
#include "commands.h"
#include "device_chain.h"
#include "generation_args.h"
#include "line_reader.h"
#include "media_encoders.h"
#include "model_loading.h"
#include "progress_line.h"
#include "run_options.h"
#include "sampling_options.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid chat -m MODEL [--mmproj MMPROJ] [--system TEXT] [--chat-template FILE] "
    "[options]\n"
    "\n"
    "Talks with MODEL (a GGUF file or a Hugging Face folder) using its chat template. Each line\n"
    "you type is a user message; the reply streams as it is generated. Ctrl-C stops a reply;\n"
    "end of input (Ctrl-D) or /exit quits. Lines may also be piped in.\n"
    "\n"
    "  -m, --model PATH        the model\n"
    "  --mmproj PATH          the model's image and/or audio encoders (then /image, /audio)\n"
    "  --image PATH           an image for the first message (repeatable)\n"
    "  --audio PATH           a recording for the first message (repeatable)\n"
    "  --system TEXT          a system prompt\n"
    "  --chat-template FILE   a Jinja chat template to use instead of the model's\n"
    "  -n, --n-predict N      most tokens per reply (default -1: until end of turn or a full\n"
    "                         context)\n"
    "  -c, --ctx-size N       context positions (default: the model's, at most 4096)\n"
    "  -b, --batch-size N     prompt rows per run (default 512)\n"
    "  --kv-type TYPE         KV cache type: f16 (default), f32, q8_0\n"
    "  --ignore-eos           keep generating past the end-of-turn token\n";

constexpr const char* kCommandsHelp =
    "commands:\n"
    "  /clear        forget the conversation (the system prompt stays)\n"
    "  /save FILE    write the conversation and its KV cache to FILE\n"
    "  /load FILE    continue a conversation /save wrote (same model)\n"
    "  /image PATH   attach an image (file or data: URI) to your next message (needs --mmproj)\n"
    "  /audio PATH   attach a recording to your next message (needs --mmproj)\n"
    "  /help         this list\n"
    "  /exit         quit (so does end of input)\n";

// --help ends with the commands.
const std::string kHelpExtra = std::string("\n") + kCommandsHelp;

std::atomic<bool> g_cancel{false};

extern "C" void on_chat_sigint(int) { g_cancel.store(true); }

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid chat: %s\n", status.message().c_str());
  return 1;
}

// "/save  f.kv" -> "f.kv"; "" when no argument.
std::string argument_of(const std::string& line, size_t command_length) {
  const size_t start = line.find_first_not_of(' ', command_length);
  if (start == std::string::npos) return "";
  const size_t end = line.find_last_not_of(' ');
  return line.substr(start, end - start + 1);
}

// Encodes an image or a recording now, so a bad file is reported before the message it goes
// with; the session finds the result in the encoders' cache. Prints what it became.
bool attach(MediaEncoders* media,
            const std::string& type,
            const std::string& source,
            int index,
            nlohmann::ordered_json& pending) {
  if (media == nullptr) {
    std::fprintf(stderr, "braid chat: /%s needs the model's encoders: start with --mmproj\n",
                 type.c_str());
    return false;
  }
  if (source.empty()) {
    std::fprintf(stderr, "usage: /%s PATH\n", type.c_str());
    return false;
  }
  if (type == "audio" && source == "-") {
    std::fprintf(stderr, "braid chat: standard input holds the conversation; give a file\n");
    return false;
  }
  const MediaTimings before = media->timings();
  auto parts = type == "image" ? media->image(source, index) : media->audio(source, index);
  if (!parts.ok()) {
    std::fprintf(stderr, "braid chat: %s\n", parts.status().message().c_str());
    return false;
  }
  int64_t rows = 0;
  for (const model::MediaPart& part : *parts) {
    if (const auto* chunk = std::get_if<model::EmbeddingChunk>(&part)) rows += chunk->n_rows;
  }
  const MediaTimings& after = media->timings();
  const double ms = type == "image" ? after.image_encode_ms - before.image_encode_ms
                                    : after.audio_encode_ms - before.audio_encode_ms;
  std::fprintf(stderr, "(%s %d attached: %lld positions, encoded in %.1f ms)\n", type.c_str(),
               index, static_cast<long long>(rows), ms);
  pending.push_back({{"type", type}, {"source", source}});
  return true;
}

bool is_command(const std::string& line, const char* name) {
  const std::string n(name);
  return line.compare(0, n.size(), n) == 0 && (line.size() == n.size() || line[n.size()] == ' ');
}

}  // namespace

int run_chat(const std::vector<std::string>& args) {
  ArgSpec spec;
  spec.options = {"--system", "--chat-template", "--mmproj", "--image", "--audio"};
  add_generation_options(spec);
  auto command_line =
      parse_generation_args(args, spec, CommandHelp{"braid chat", kUsage, kHelpExtra.c_str()});
  if (const int* exit_code = std::get_if<int>(&command_line)) return *exit_code;
  GenerationArgs& generation_args = std::get<GenerationArgs>(command_line);
  const ParsedArgs* parsed = &generation_args.parsed;
  RunOptions* options = &generation_args.options;
  const model::SamplingParams* sampling = &generation_args.sampling;
  if (!parsed->positionals().empty()) {
    std::fprintf(stderr, "braid chat: unexpected arguments\n\n%s", kUsage);
    return 2;
  }

  // ---- load ----------------------------------------------------------------------------------
  std::optional<std::filesystem::path> template_file;
  if (auto path = parsed->value("--chat-template")) template_file = *path;
  auto source = text::find_chat_template(options->model, template_file);
  if (!source.ok()) return fail(source.status());
  if (source->is_default) {
    std::fprintf(stderr, "braid chat: warning: %s has no chat template; using %s\n",
                 options->model.c_str(), source->origin.c_str());
  }
  auto chat_template = text::jinja::Template::parse(source->source, source->origin);
  if (!chat_template.ok()) return fail(chat_template.status());
  auto chain = open_device_chain(*parsed);
  if (!chain.ok()) return fail(chain.status());
  std::fprintf(stderr, "%s\n", chain->description.c_str());
  auto model = load_model_with_progress(options->model, "braid chat");
  if (!model.ok()) return fail(model.status());
  auto tokenizer = text::load_tokenizer(options->model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto decoder = model::Decoder::create(*model, chain->devices(), options->decoder);
  if (!decoder.ok()) return fail(decoder.status());
  std::fprintf(stderr, "model: %s (%s); context %lld positions\n", options->model.c_str(),
               (*model)->config().summary().c_str(), static_cast<long long>((*decoder)->n_ctx()));
  report_memory(**decoder, "braid chat");

  if (!parsed->value("--mmproj") && (parsed->value("--image") || parsed->value("--audio"))) {
    std::fprintf(stderr, "braid chat: --image and --audio need --mmproj (the model's encoders)\n");
    return 2;
  }
  auto opened =
      open_optional_mmproj(parsed->value("--mmproj"), (*model)->config().n_embd, chain->devices());
  if (!opened.ok()) return fail(opened.status());
  std::unique_ptr<MediaEncoders> media = std::move(*opened);
  auto media_progress = std::make_shared<ProgressLine>("braid chat");
  if (media) {
    media->set_progress([media_progress](const std::string& what, int done, int total) {
      media_progress->update("encoding " + what, done, total, "windows of 30 s");
    });
  }

  text::ChatPromptOptions prompt_options;
  if (tokenizer->bos_id() >= 0) {
    prompt_options.bos_token = std::string(*tokenizer->token_text(tokenizer->bos_id()));
  }
  if (tokenizer->eos_id() >= 0) {
    prompt_options.eos_token = std::string(*tokenizer->token_text(tokenizer->eos_id()));
  }
  GenerationOptions generation{.n_predict = static_cast<int32_t>(options->n_predict),
                               .stop = stop_strings(*parsed),
                               .ignore_eos = options->ignore_eos};
  ChatSession session(**decoder, *tokenizer, *chat_template, prompt_options, *sampling, generation,
                      parsed->value("--system"), media.get());
  // Media attached to the next message; numbered per conversation for messages.
  nlohmann::ordered_json pending = nlohmann::ordered_json::array();
  int images = 0, recordings = 0;
  for (const std::string& path : parsed->values("--image")) {
    if (!attach(media.get(), "image", path, images + 1, pending)) return 1;
    ++images;
  }
  for (const std::string& path : parsed->values("--audio")) {
    if (!attach(media.get(), "audio", path, recordings + 1, pending)) return 1;
    ++recordings;
  }

  // ---- the conversation ----------------------------------------------------------------------
  LineReader reader;
  if (reader.interactive()) {
    std::fprintf(stderr, "Type a message; /help lists the commands, Ctrl-D quits.\n");
  }
  while (true) {
    const auto line = reader.read("> ");
    if (!line) {
      if (reader.interactive()) std::fputc('\n', stdout);  // leave the shell's prompt a clean line
      break;
    }
    if (line->empty()) continue;
    if (is_command(*line, "/exit") || is_command(*line, "/quit")) break;
    if (is_command(*line, "/help")) {
      std::fputs(kCommandsHelp, stdout);
      std::fflush(stdout);
      continue;
    }
    if (is_command(*line, "/image") || is_command(*line, "/audio")) {
      const bool image = is_command(*line, "/image");
      int& count = image ? images : recordings;
      if (attach(media.get(), image ? "image" : "audio", argument_of(*line, 6), count + 1,
                 pending)) {
        ++count;
      }
      continue;
    }
    if (is_command(*line, "/clear")) {
      session.clear();
      pending = nlohmann::ordered_json::array();
      images = recordings = 0;
      std::fprintf(stderr, "(conversation cleared)\n");
      continue;
    }
    if (is_command(*line, "/save") || is_command(*line, "/load")) {
      const bool save = is_command(*line, "/save");
      const std::string path = argument_of(*line, 5);
      if (path.empty()) {
        std::fprintf(stderr, "usage: %s FILE\n", save ? "/save" : "/load");
        continue;
      }
      const core::Status status = save ? session.save(path) : session.load(path);
      if (!status.is_ok()) {
        std::fprintf(stderr, "braid chat: %s\n", status.message().c_str());
      } else {
        std::fprintf(stderr, "(%s %s: %zu messages, %lld positions)\n",
                     save ? "saved to" : "loaded from", path.c_str(), session.messages().size(),
                     static_cast<long long>(session.n_past()));
      }
      continue;
    }
    if ((*line)[0] == '/' && line->find(' ') != 1) {
      const std::string word = line->substr(0, line->find(' '));
      std::fprintf(stderr, "braid chat: unknown command %s (/help lists them)\n", word.c_str());
      continue;
    }
    nlohmann::ordered_json parts = pending;
    parts.push_back({{"type", "text"}, {"text", *line}});

    g_cancel.store(false);
    auto previous = std::signal(SIGINT, on_chat_sigint);
    auto result = session.reply(
        parts,
        [](std::string_view piece) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
        },
        &g_cancel);
    std::signal(SIGINT, previous);
    if (result.ok()) {
      pending = nlohmann::ordered_json::array();  // they are in the conversation now
      std::fputc('\n', stdout);
      std::fflush(stdout);
    } else {
      std::fprintf(stderr, "braid chat: %s\n", result.status().message().c_str());
      continue;
    }
    if (result->stop_reason == "cancelled") {
      std::fprintf(stderr, "(reply stopped)\n");
    } else if (result->stop_reason == "context") {
      std::fprintf(stderr,
                   "braid chat: the context of %lld positions is full; the reply stops here "
                   "(/clear to start over, or raise -c)\n",
                   static_cast<long long>(session.n_past()));
    }
  }
  return 0;
}

}  // namespace braid::app
