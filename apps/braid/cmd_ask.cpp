// `braid ask -m text.gguf --mmproj mmproj.gguf --image photo.jpg [--audio clip.mp3] "question"`:
// one answer about images and recordings, streamed to stdout. The question goes through the
// model's chat template with one media marker per input (as llama.cpp's mtmd-cli places them:
// before the question, images first); each marker becomes the encoder's embedding chunk wrapped
// in the projector family's tokens.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "args.h"
#include "backend_option.h"
#include "braid/model/decoder.h"
#include "braid/model/media_layout.h"
#include "braid/model/sampler.h"
#include "braid/text/chat_prompt.h"
#include "braid/text/media_prompt.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "device_chain.h"
#include "generation.h"
#include "generation_args.h"
#include "media_encoders.h"
#include "model_loading.h"
#include "progress_line.h"
#include "run_options.h"
#include "sampling_options.h"
#include "text_input.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid ask -m MODEL [--mmproj MMPROJ] [--image PATH]... [--audio PATH]... QUESTION\n"
    "\n"
    "Answers QUESTION about the images and recordings given, with MODEL (a GGUF text model) and\n"
    "MMPROJ (its vision and/or audio encoder, as the llama.cpp ecosystem publishes them). The\n"
    "question is put through the model's chat template; the answer streams to standard output.\n"
    "\n"
    "  -m, --model PATH       the text model\n"
    "  --mmproj PATH          the encoder(s) for images and audio\n"
    "  --image PATH           an image (JPEG, PNG, WebP, BMP, TIFF, GIF) or a data: URI;\n"
    "                         repeat for several\n"
    "  --audio PATH           a recording (anything FFmpeg reads; '-' for standard input);\n"
    "                         repeat for several\n"
    "  -p, --prompt TEXT      the question (instead of the positional QUESTION)\n"
    "  -f, --file FILE        read the question from FILE\n"
    "  --system TEXT          a system message\n"
    "  --chat-template FILE   use this Jinja template instead of the model's\n"
    "  -n, --n-predict N      tokens to generate (default -1: until the end of the answer)\n"
    "  -c, --ctx-size N       context positions (default: the model's, at most 4096)\n"
    "  -b, --batch-size N     prompt rows per run (default 512)\n"
    "  --kv-type TYPE         KV cache type: f16 (default), f32, q8_0\n"
    "  --timings              print load, media (per image / 30 s window), prompt and\n"
    "                         generation times to stderr\n"
    "  --json                 print one JSON object instead of streaming\n";

std::atomic<bool> g_interrupted{false};
extern "C" void on_ask_sigint(int) { g_interrupted.store(true); }

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid ask: %s\n", status.message().c_str());
  return 1;
}

// The question: the positionals, or -p / -f.
core::Result<std::string> read_question(const ParsedArgs& args) {
  if (!args.positionals().empty()) {
    if (args.value("--prompt") || args.value("--file")) {
      return core::invalid_argument("give the question once: as QUESTION, -p or -f");
    }
    std::string question;
    for (const std::string& word : args.positionals()) {
      if (!question.empty()) question += ' ';
      question += word;
    }
    return question;
  }
  if (!args.value("--prompt") && !args.value("--file")) {
    return core::invalid_argument("no question: give QUESTION, -p TEXT or -f FILE");
  }
  return read_text_input(args.value("--prompt"), args.value("--file"));
}

// The prompt text: the conversation through the chat template, with one media marker per
// input before the question.
core::Result<std::string> render_prompt(const ParsedArgs& args,
                                        const text::Tokenizer& tokenizer,
                                        const std::string& question,
                                        size_t n_media) {
  std::optional<std::filesystem::path> override_file;
  if (auto path = args.value("--chat-template")) override_file = *path;
  const std::string model_path = *args.value("--model");
  BRAID_ASSIGN_OR_RETURN(text::ChatTemplateSource source,
                         text::find_chat_template(model_path, override_file));
  if (source.is_default) {
    std::fprintf(stderr, "braid ask: note: %s has no chat template; using %s\n", model_path.c_str(),
                 source.origin.c_str());
  }
  BRAID_ASSIGN_OR_RETURN(text::jinja::Template chat_template,
                         text::jinja::Template::parse(source.source, source.origin));
  std::string content;
  for (size_t i = 0; i < n_media; ++i) content += text::kMediaMarker;
  content += question;
  nlohmann::ordered_json conversation = nlohmann::ordered_json::array();
  if (auto system = args.value("--system")) {
    conversation.push_back({{"role", "system"}, {"content", *system}});
  }
  conversation.push_back({{"role", "user"}, {"content", content}});
  text::ChatPromptOptions options;
  std::string bos;
  if (tokenizer.bos_id() >= 0) bos = std::string(*tokenizer.token_text(tokenizer.bos_id()));
  if (tokenizer.eos_id() >= 0) {
    options.eos_token = std::string(*tokenizer.token_text(tokenizer.eos_id()));
  }
  options.bos_token = bos;
  BRAID_ASSIGN_OR_RETURN(std::string prompt,
                         text::render_chat_prompt(chat_template, conversation, options));
  // Templates that print BOS themselves would get a second one from the tokenizer.
  if (!bos.empty() && prompt.rfind(bos, 0) == 0) prompt.erase(0, bos.size());
  return prompt;
}

}  // namespace

int run_ask(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--timings", "--json"},
               .options = {"--mmproj", "--image", "--audio", "--prompt", "--file", "--system",
                           "--chat-template", "--stop"},
               .aliases = {{"-p", "--prompt"}, {"-f", "--file"}}};
  add_generation_options(spec);
  auto command_line = parse_generation_args(args, spec, CommandHelp{"braid ask", kUsage});
  if (const int* exit_code = std::get_if<int>(&command_line)) return *exit_code;
  GenerationArgs& generation_args = std::get<GenerationArgs>(command_line);
  const ParsedArgs* parsed = &generation_args.parsed;
  RunOptions* options = &generation_args.options;
  const model::SamplingParams* sampling = &generation_args.sampling;
  auto question = read_question(*parsed);
  if (!question.ok()) {
    std::fprintf(stderr, "braid ask: %s\n\n%s", question.status().message().c_str(), kUsage);
    return 2;
  }
  if (question->find_first_not_of(" \t\r\n") == std::string::npos) {
    std::fprintf(stderr, "braid ask: the question is empty\n");
    return 2;
  }
  const std::vector<std::string> images = parsed->values("--image");
  const std::vector<std::string> recordings = parsed->values("--audio");
  const size_t n_media = images.size() + recordings.size();
  if (n_media > 0 && !parsed->value("--mmproj")) {
    std::fprintf(stderr, "braid ask: --image and --audio need --mmproj (the model's encoders)\n");
    return 2;
  }
  if (question->find(text::kMediaMarker) != std::string::npos) {
    std::fprintf(stderr, "braid ask: the question may not contain %s itself\n", text::kMediaMarker);
    return 2;
  }
  const bool json = parsed->has("--json");

  // ---- load ----------------------------------------------------------------------------------
  const auto load_start = std::chrono::steady_clock::now();
  auto chain = open_device_chain(*parsed);
  if (!chain.ok()) return fail(chain.status());
  std::fprintf(stderr, "%s\n", chain->description.c_str());
  auto model = load_model_with_progress(options->model, "braid ask");
  if (!model.ok()) return fail(model.status());
  auto tokenizer = text::load_tokenizer(options->model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto decoder = model::Decoder::create(*model, chain->devices(), options->decoder);
  if (!decoder.ok()) return fail(decoder.status());
  model::Decoder& d = **decoder;
  report_memory(d, "braid ask");
  auto opened =
      open_optional_mmproj(parsed->value("--mmproj"), (*model)->config().n_embd, chain->devices());
  if (!opened.ok()) return fail(opened.status());
  std::unique_ptr<MediaEncoders> media = std::move(*opened);
  auto media_progress = std::make_shared<ProgressLine>("braid ask");
  if (media) {
    media->set_progress([media_progress](const std::string& what, int done, int total) {
      media_progress->update("encoding " + what, done, total, "windows of 30 s");
    });
  }
  const double load_ms = ms_since(load_start);

  // ---- prompt --------------------------------------------------------------------------------
  auto prompt_text = render_prompt(*parsed, *tokenizer, *question, n_media);
  if (!prompt_text.ok()) return fail(prompt_text.status());
  auto pieces = text::split_media_prompt(*tokenizer, *prompt_text, n_media);
  if (!pieces.ok()) return fail(pieces.status());
  const model::GlueTokenizer glue = [&](std::string_view text) {
    return text::tokenize_glue(*tokenizer, text);
  };
  std::vector<model::PromptChunk> prompt;
  for (const text::PromptPiece& piece : *pieces) {
    if (!piece.is_media()) {
      model::append_tokens(prompt, piece.tokens);
      continue;
    }
    const size_t i = static_cast<size_t>(piece.media_index);
    auto parts = i < images.size() ? media->image(images[i], static_cast<int>(i) + 1)
                                   : media->audio(recordings[i - images.size()],
                                                  static_cast<int>(i - images.size()) + 1);
    if (!parts.ok()) return fail(parts.status());
    if (auto status = model::append_media_parts(prompt, std::move(*parts), glue); !status.is_ok()) {
      return fail(status);
    }
  }
  int64_t prompt_rows = 0;
  for (const model::PromptChunk& chunk : prompt) prompt_rows += model::chunk_rows(chunk);
  if (prompt_rows > d.n_ctx()) {
    std::fprintf(stderr,
                 "braid ask: the prompt takes %lld positions (text and media); the context holds "
                 "%lld (raise -c)\n",
                 static_cast<long long>(prompt_rows), static_cast<long long>(d.n_ctx()));
    return 1;
  }

  g_interrupted.store(false);
  auto previous = std::signal(SIGINT, on_ask_sigint);
  const auto prefill_start = std::chrono::steady_clock::now();
  auto logits = d.eval(prompt);
  if (!logits.ok()) {
    std::signal(SIGINT, previous);
    return fail(logits.status());
  }
  const double prefill_ms = ms_since(prefill_start);

  // ---- answer --------------------------------------------------------------------------------
  model::Sampler sampler(*sampling);  // validated by parse_sampling_options
  GenerationOptions generation;
  generation.n_predict = static_cast<int32_t>(options->n_predict);
  generation.stop = parsed->values("--stop");
  generation.ignore_eos = options->ignore_eos;
  auto on_text = [&](std::string_view piece) {
    if (json || piece.empty()) return;
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  };
  auto answer = generate(d, *tokenizer, sampler, *logits, generation, on_text, &g_interrupted);
  std::signal(SIGINT, previous);
  if (!answer.ok()) return fail(answer.status());
  if (!json) {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  const double prefill_tps = 1000.0 * static_cast<double>(prompt_rows) / prefill_ms;
  const double decode_tps = answer->seconds > 0 ? answer->n_tokens / answer->seconds : 0.0;
  const MediaTimings none;
  const MediaTimings& mt = media ? media->timings() : none;
  if (json) {
    nlohmann::json out;
    out["text"] = answer->text;
    out["prompt_positions"] = prompt_rows;
    out["tokens"] = answer->n_tokens;
    out["stop"] = answer->stop_reason;
    out["timings"] = {{"load_ms", load_ms},
                      {"media_read_ms", mt.read_ms},
                      {"media_preprocess_ms", mt.preprocess_ms},
                      {"image_encode_ms", mt.image_encode_ms},
                      {"audio_encode_ms", mt.audio_encode_ms},
                      {"images", mt.images},
                      {"image_tiles", mt.tiles},
                      {"audio_windows", mt.audio_windows},
                      {"prompt_ms", prefill_ms},
                      {"prompt_positions_per_s", prefill_tps},
                      {"decode_s", answer->seconds},
                      {"decode_tokens_per_s", decode_tps}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  if (parsed->has("--timings")) {
    std::fprintf(stderr, "timings: load %.1f ms\n", load_ms);
    if (mt.images > 0) {
      std::fprintf(stderr,
                   "timings: images %d (%d tiles, %d from the cache): encode %.1f ms (%.1f ms "
                   "per tile)\n",
                   mt.images, mt.tiles, mt.cache_hits, mt.image_encode_ms,
                   mt.tiles ? mt.image_encode_ms / mt.tiles : 0.0);
    }
    if (mt.audio_windows > 0) {
      std::fprintf(stderr, "timings: audio %d window(s) of up to 30 s: encode %.1f ms per window\n",
                   mt.audio_windows, mt.audio_encode_ms / mt.audio_windows);
    }
    if (mt.images > 0 || mt.audio_windows > 0) {
      std::fprintf(stderr, "timings: media read+decode %.1f ms, preprocess (images, mel) %.1f ms\n",
                   mt.read_ms, mt.preprocess_ms);
    }
    std::fprintf(stderr,
                 "timings: prompt %lld positions in %.1f ms (%.2f t/s); generation %d tokens in "
                 "%.1f ms (%.2f t/s)\n",
                 static_cast<long long>(prompt_rows), prefill_ms, prefill_tps, answer->n_tokens,
                 answer->seconds * 1000.0, decode_tps);
  }
  if (answer->stop_reason == "context") {
    std::fprintf(stderr, "braid ask: stopped: the context of %lld positions is full\n",
                 static_cast<long long>(d.n_ctx()));
  }
  return answer->stop_reason == "cancelled" ? 130 : 0;
}

}  // namespace braid::app
