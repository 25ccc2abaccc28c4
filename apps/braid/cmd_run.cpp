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
#include "braid/text/streaming_detokenizer.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "device_chain.h"
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
    "end-of-generation token, after -n tokens, or when the context is full.\n"
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

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid run: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int run_run(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--timings", "--json", "--ignore-eos", "--help"},
               .options = {"--model", "--prompt", "--file", "--n-predict", "--ctx-size",
                           "--batch-size", "--kv-type"},
               .aliases = {{"-m", "--model"},
                           {"-p", "--prompt"},
                           {"-f", "--file"},
                           {"-n", "--n-predict"},
                           {"-c", "--ctx-size"},
                           {"-b", "--batch-size"},
                           {"-t", "--threads"},
                           {"-h", "--help"}}};
  add_backend_options(spec);
  add_sampling_options(spec);
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid run: %s\n\n%s%s%s", parsed.status().message().c_str(), kUsage,
                 kSamplingOptionsHelp, kBackendOptionsHelp);
    return 2;
  }
  if (parsed->has("--help")) {
    std::printf("%s%s%s", kUsage, kSamplingOptionsHelp, kBackendOptionsHelp);
    return 0;
  }
  auto options = parse_run_options(*parsed);
  if (!options.ok()) {
    std::fprintf(stderr, "braid run: %s\n\n%s", options.status().message().c_str(), kUsage);
    return 2;
  }
  auto sampling = parse_sampling_options(*parsed);
  if (!sampling.ok()) {
    std::fprintf(stderr, "braid run: %s\n", sampling.status().message().c_str());
    return 2;
  }
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
  auto model = model::Model::load(options->model);
  if (!model.ok()) return fail(model.status());
  auto tokenizer = text::load_tokenizer(options->model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  if ((*model)->weight_bytes() > (uint64_t{1} << 30)) {
    // Mapping is instant; preparing the weights for the device (packing) is what takes time.
    std::fprintf(stderr, "preparing %.1f GiB of weights…\n",
                 static_cast<double>((*model)->weight_bytes()) / (1 << 30));
  }
  auto decoder = model::Decoder::create(*model, chain->devices(), options->decoder);
  if (!decoder.ok()) return fail(decoder.status());
  model::Decoder& d = **decoder;
  const double load_ms = ms_since(load_start);
  std::fprintf(stderr, "model: %s (%s); weights %.1f MiB (%s), KV cache %.1f MiB (%s, %lld)\n",
               options->model.c_str(), (*model)->config().summary().c_str(), mib(d.weight_bytes()),
               (*model)->weight_type_name().c_str(), mib(d.kv_bytes()),
               model::kv_type_name(d.kv_layout().type),
               static_cast<long long>(d.kv_layout().n_ctx));
  if (sampling->temperature > 0.0f && parsed->value("--temp")) {
    std::fprintf(stderr, "note: this build decodes greedily (the sampler is not wired in yet)\n");
  }

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
  text::StreamingDetokenizer detok(*tokenizer);
  std::string text;
  std::vector<int32_t> generated;
  std::string stop = "length";
  const auto decode_start = std::chrono::steady_clock::now();
  const double decode_cpu_start = process_cpu_ms();
  int64_t decode_steps = 0;
  for (int64_t n = 0; options->n_predict < 0 || n < options->n_predict; ++n) {
    if (g_interrupted.load()) {
      stop = "interrupted";
      break;
    }
    const int32_t token = choose_token(*logits, *sampling);
    if (tokenizer->is_end_of_generation(token) && !options->ignore_eos) {
      stop = "eos";
      break;
    }
    generated.push_back(token);
    auto piece = detok.push(token);
    if (!piece.ok()) return fail(piece.status());
    if (json) {
      text += *piece;
    } else if (!piece->empty()) {
      std::fwrite(piece->data(), 1, piece->size(), stdout);
      std::fflush(stdout);
    }
    if (options->n_predict >= 0 && n + 1 >= options->n_predict) break;
    if (d.n_past() >= d.n_ctx()) {
      stop = "context";
      break;
    }
    logits = d.eval_token(token);
    if (!logits.ok()) return fail(logits.status());
    ++decode_steps;
  }
  const double decode_ms = ms_since(decode_start);
  const double decode_cpu_ms = process_cpu_ms() - decode_cpu_start;
  std::signal(SIGINT, previous);
  const std::string tail = detok.flush();
  if (json) {
    text += tail;
  } else {
    std::fwrite(tail.data(), 1, tail.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  if (stop == "context") {
    std::fprintf(stderr, "braid run: stopped: the context of %lld positions is full\n",
                 static_cast<long long>(d.n_ctx()));
  } else if (stop == "interrupted") {
    std::fprintf(stderr, "braid run: interrupted\n");
  }

  const double prefill_tps = 1000.0 * static_cast<double>(ids->size()) / prefill_ms;
  const double decode_tps =
      decode_steps > 0 ? 1000.0 * static_cast<double>(decode_steps) / decode_ms : 0.0;
  if (json) {
    nlohmann::json out;
    out["text"] = text;
    out["prompt_tokens"] = ids->size();
    out["tokens"] = generated;
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
        decode_steps > 0 ? decode_cpu_ms / static_cast<double>(decode_steps) : 0.0;
    std::fprintf(stderr,
                 "timings: load %.1f ms; prompt %zu tokens in %.1f ms (%.2f t/s, CPU %.1f ms); "
                 "generation %lld tokens in %.1f ms (%.2f t/s, CPU %.1f ms/token)\n",
                 load_ms, ids->size(), prefill_ms, prefill_tps, prefill_cpu_ms,
                 static_cast<long long>(decode_steps), decode_ms, decode_tps, cpu_per_token);
  }
  return stop == "interrupted" ? 130 : 0;
}

}  // namespace braid::app
