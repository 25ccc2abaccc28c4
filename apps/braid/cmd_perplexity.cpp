// `braid perplexity -m MODEL -f TEXT -c N`: perplexity as llama.cpp's llama-perplexity computes
// it (windows of N tokens, second half of each scored), with the running value after each
// window, so quantizations can be judged against each other and against llama.cpp.
#include <chrono>
#include <cstdio>
#include <string>

#include "args.h"
#include "backend_option.h"
#include "braid/model/perplexity.h"
#include "braid/text/tokenizer_loader.h"
#include "commands.h"
#include "device_chain.h"
#include "model_loading.h"
#include "run_options.h"
#include "text_input.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid perplexity -m MODEL -f TEXT [-c N] [-b N] [--kv-type TYPE]\n"
    "\n"
    "Tokenizes TEXT (BOS as the vocabulary asks), cuts it into windows of N tokens (default\n"
    "512; the tail is dropped), evaluates each from an empty cache and scores the second half,\n"
    "as llama.cpp's llama-perplexity does. Prints the running perplexity after each window\n"
    "([1]7.1234,[2]…) and a final estimate with its standard error.\n"
    "\n"
    "  -m, --model PATH      the model (GGUF file or Hugging Face folder)\n"
    "  -f, --file FILE       the text\n"
    "  -c, --ctx-size N      window length (default 512)\n"
    "  -b, --batch-size N    rows per run (default 512)\n"
    "  --kv-type TYPE        f16 (default), f32, q8_0\n";

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid perplexity: %s\n", status.message().c_str());
  return 1;
}

}  // namespace

int run_perplexity(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--help"},
               .options = {"--model", "--file", "--ctx-size", "--batch-size", "--kv-type"},
               .aliases = {{"-m", "--model"},
                           {"-f", "--file"},
                           {"-c", "--ctx-size"},
                           {"-b", "--batch-size"},
                           {"-t", "--threads"},
                           {"-h", "--help"}}};
  add_backend_options(spec);
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid perplexity: %s\n\n%s%s", parsed.status().message().c_str(), kUsage,
                 kBackendOptionsHelp);
    return 2;
  }
  if (parsed->has("--help")) {
    std::printf("%s%s", kUsage, kBackendOptionsHelp);
    return 0;
  }
  auto options = parse_run_options(*parsed);
  const auto file = parsed->value("--file");
  if (!options.ok() || !file || !parsed->positionals().empty()) {
    std::fprintf(stderr, "braid perplexity: %s\n\n%s",
                 options.ok() ? "-f TEXT is required" : options.status().message().c_str(), kUsage);
    return 2;
  }
  if (!parsed->value("--ctx-size")) options->decoder.n_ctx = 512;
  auto text = read_text_input(std::nullopt, file);
  if (!text.ok()) return fail(text.status());

  auto chain = open_device_chain(*parsed);
  if (!chain.ok()) return fail(chain.status());
  std::fprintf(stderr, "%s\n", chain->description.c_str());
  auto model = load_model_with_progress(options->model, "braid perplexity");
  if (!model.ok()) return fail(model.status());
  auto tokenizer = text::load_tokenizer(options->model);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto decoder = model::Decoder::create(*model, chain->devices(), options->decoder);
  if (!decoder.ok()) return fail(decoder.status());
  report_memory(**decoder, "braid perplexity");
  auto ids = tokenizer->encode(*text, /*add_special=*/true, /*parse_special=*/false);
  if (!ids.ok()) return fail(ids.status());
  const int64_t n_ctx = (*decoder)->n_ctx();
  std::fprintf(stderr, "perplexity: %zu tokens, %lld windows of %lld\n", ids->size(),
               static_cast<long long>(static_cast<int64_t>(ids->size()) / n_ctx),
               static_cast<long long>(n_ctx));

  const auto start = std::chrono::steady_clock::now();
  auto result = model::perplexity(**decoder, *ids, tokenizer->add_bos() ? tokenizer->bos_id() : -1,
                                  [](const model::PerplexityProgress& p) {
                                    std::printf("%s[%lld]%.4f", p.chunk > 1 ? "," : "",
                                                static_cast<long long>(p.chunk), p.ppl);
                                    std::fflush(stdout);
                                  });
  if (!result.ok()) {
    std::printf("\n");
    return fail(result.status());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", result->ppl, result->ppl_error);
  std::fprintf(stderr, "perplexity: %lld tokens scored in %.2f s (%.1f t/s evaluated)\n",
               static_cast<long long>(result->n_scored), seconds,
               static_cast<double>(result->n_chunks * n_ctx) / seconds);
  return 0;
}

}  // namespace braid::app
