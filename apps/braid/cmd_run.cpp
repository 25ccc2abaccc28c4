// `braid run -m MODEL -p PROMPT`: one completion, streamed to stdout as it is generated.
// Flags follow llama.cpp's (-m, -p, -f, -n, -c, -b, -t, --temp …) so habits carry over.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "args.h"
#include "backend_option.h"
#include "braid/model/decoder.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "device_chain.h"
#include "generation.h"
#include "generation_args.h"
#include "model_loading.h"
#include "run_options.h"
#include "sampling_options.h"
#include "text_input.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid run -m MODEL (-p PROMPT | -f FILE) [options]\n"
    "\n"
    "Generates a completion of PROMPT with MODEL (a GGUF file or a Hugging Face folder) and\n"
    "streams it to standard output. BOS is added as the model's vocabulary asks; control-token\n"
    "text in the prompt (<|eot_id|>, [INST]) is read as those tokens. Generation stops at the\n"
    "end-of-generation token, at a --stop string, after -n tokens, or when the context is full.\n"
    "\n"
    "  -m, --model PATH      the model\n"
    "  -p, --prompt TEXT     the prompt ('-' reads standard input)\n"
    "  -f, --file FILE       read the prompt from FILE\n"
    "  -n, --n-predict N     tokens to generate (default -1: until end of generation or a full\n"
    "                        context)\n"
    "  -c, --ctx-size N      context positions (default: the model's, at most 4096)\n"
    "  -b, --batch-size N    prompt rows per run (default 512)\n"
    "  --kv-type TYPE        KV cache type: f16 (default), f32, q8_0\n"
    "  --ignore-eos          keep generating past the end-of-generation token\n"
    "  --timings             print load time and prompt/generation speed to stderr\n"
    "  --json                print one JSON object (text, tokens, stop reason, timings) instead\n"
    "                        of streaming\n";

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// CPU time of every thread of this process, in ms: unlike wall time, other processes' load does
// not inflate it much, and threads that spin instead of working show up in it.
double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid run: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int run_run(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--timings", "--json"},
               .options = {"--prompt", "--file"},
               .aliases = {{"-p", "--prompt"}, {"-f", "--file"}}};
  add_generation_options(spec);
  auto command_line = parse_generation_args(args, spec, CommandHelp{"braid run", kUsage});
  if (const int* exit_code = std::get_if<int>(&command_line)) return *exit_code;
  GenerationArgs& generation_args = std::get<GenerationArgs>(command_line);
  const ParsedArgs* parsed = &generation_args.parsed;
  RunOptions* options = &generation_args.options;
  const model::SamplingParams* sampling = &generation_args.sampling;
  auto prompt = read_text_input(parsed->value("--prompt"), parsed->value("--file"));
  if (!prompt.ok()) {
    std::fprintf(stderr, "braid run: %s\n", prompt.status().message().c_str());
    return 2;
  }
  const bool json = parsed->has("--json");

  // ---- load ----------------------------------------------------------------------------------
  const auto load_start = std::chrono::steady_clock::now();
  auto chain = open_device_chain(*parsed);
  if (!chain.ok()) return fail(chain.status());
  std::fprintf(stderr, "%s\n", chain->description.c_str());
  auto model = load_model_with_progress(options->model, "braid run");
  if (!model.ok()) return fail(model.status());
  auto tokenizer = text::load_tokenizer(options->model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto decoder = model::Decoder::create(*model, chain->devices(), options->decoder);
  if (!decoder.ok()) return fail(decoder.status());
  model::Decoder& d = **decoder;
  const double load_ms = ms_since(load_start);
  std::fprintf(stderr, "model: %s (%s, %s)\n", options->model.c_str(),
               (*model)->config().summary().c_str(), (*model)->weight_type_name().c_str());
  report_memory(d, "braid run");

  // ---- prompt --------------------------------------------------------------------------------
  auto ids = tokenizer->encode(*prompt, /*add_special=*/true, /*parse_special=*/true);
  if (!ids.ok()) return fail(ids.status());
  if (ids->empty()) {
    std::fprintf(stderr, "braid run: the prompt is empty (and the vocabulary adds no BOS)\n");
    return 2;
  }
  if (static_cast<int64_t>(ids->size()) > d.n_ctx()) {
    std::fprintf(stderr,
                 "braid run: the prompt has %zu tokens; the context holds %lld (raise -c, up to "
                 "the model's %lld)\n",
                 ids->size(), static_cast<long long>(d.n_ctx()),
                 static_cast<long long>((*model)->config().n_ctx_train));
    return 1;
  }
  // Ctrl-C from here on stops generation cleanly (checked between tokens, and once the prompt
  // has been evaluated).
  g_interrupted.store(false);
  auto previous = std::signal(SIGINT, on_sigint);

  const auto prefill_start = std::chrono::steady_clock::now();
  const double prefill_cpu_start = process_cpu_ms();
  const model::PromptChunk chunk = model::TokenChunk{*ids};
  auto logits = d.eval(std::span(&chunk, 1));
  if (!logits.ok()) {
    std::signal(SIGINT, previous);
    return fail(logits.status());
  }
  const double prefill_ms = ms_since(prefill_start);
  const double prefill_cpu_ms = process_cpu_ms() - prefill_cpu_start;

  // ---- generate ------------------------------------------------------------------------------
  const double decode_cpu_start = process_cpu_ms();
  model::Sampler sampler(*sampling);
  for (const int32_t id : *ids) sampler.accept(id);  // the penalties see the prompt too
  GenerationOptions generation{.n_predict = static_cast<int32_t>(options->n_predict),
                               .stop = stop_strings(*parsed),
                               .ignore_eos = options->ignore_eos};
  auto result = generate(
      d, *tokenizer, sampler, *logits, generation,
      [&](std::string_view piece) {
        if (json) return;
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
      },
      &g_interrupted);
  const double decode_cpu_ms = process_cpu_ms() - decode_cpu_start;
  std::signal(SIGINT, previous);
  if (!json) {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (!result.ok()) return fail(result.status());
  const std::string& stop = result->stop_reason;
  if (stop == "context") {
    std::fprintf(stderr, "braid run: stopped: the context of %lld positions is full\n",
                 static_cast<long long>(d.n_ctx()));
  } else if (stop == "cancelled") {
    std::fprintf(stderr, "braid run: interrupted\n");
  }

  const double prefill_tps = 1000.0 * static_cast<double>(ids->size()) / prefill_ms;
  const double decode_ms = 1000.0 * result->seconds;
  const double decode_tps =
      result->n_tokens > 0 ? static_cast<double>(result->n_tokens) / result->seconds : 0.0;
  if (json) {
    nlohmann::json out;
    out["text"] = result->text;
    out["prompt_tokens"] = ids->size();
    out["tokens"] = result->tokens;
    out["stop"] = stop;
    out["timings"] = {{"load_ms", load_ms},
                      {"prompt_ms", prefill_ms},
                      {"prompt_tokens_per_s", prefill_tps},
                      {"prompt_cpu_ms", prefill_cpu_ms},
                      {"decode_ms", decode_ms},
                      {"decode_cpu_ms", decode_cpu_ms},
                      {"decode_tokens_per_s", decode_tps}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  if (parsed->has("--timings")) {
    const double cpu_per_token =
        result->n_tokens > 0 ? decode_cpu_ms / static_cast<double>(result->n_tokens) : 0.0;
    std::fprintf(stderr,
                 "timings: load %.1f ms; prompt %zu tokens in %.1f ms (%.2f t/s, CPU %.1f ms); "
                 "generation %lld tokens in %.1f ms (%.2f t/s, CPU %.1f ms/token)\n",
                 load_ms, ids->size(), prefill_ms, prefill_tps, prefill_cpu_ms,
                 static_cast<long long>(result->n_tokens), decode_ms, decode_tps, cpu_per_token);
  }
  return stop == "cancelled" ? 130 : 0;
}

}  // namespace braid::app
