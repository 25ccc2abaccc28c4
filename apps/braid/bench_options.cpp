#include "bench_options.h"

#include <cctype>
#include <charconv>
#include <filesystem>

#include "braid/core/quant_recipe.h"

namespace braid::app {
namespace {

// Splits every value of `option` at commas: "-p 128,512 -p 1024" → 128, 512, 1024.
std::vector<std::string> list_of(const ParsedArgs& args, const std::string& option) {
  std::vector<std::string> out;
  for (const auto& value : args.values(option)) {
    std::string item;
    for (char c : value) {
      if (c == ',') {
        out.push_back(item);
        item.clear();
      } else {
        item += c;
      }
    }
    out.push_back(item);
  }
  return out;
}

core::Result<int64_t> number(const std::string& option,
                             const std::string& text,
                             int64_t min,
                             int64_t max) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max) {
    return core::invalid_argument(option, " '", text, "': expected a whole number ", min, "..",
                                  max);
  }
  return v;
}

core::Result<std::vector<int64_t>> numbers(const ParsedArgs& args,
                                           const std::string& option,
                                           int64_t min,
                                           int64_t max) {
  std::vector<int64_t> out;
  for (const auto& text : list_of(args, option)) {
    BRAID_ASSIGN_OR_RETURN(int64_t v, number(option, text, min, max));
    out.push_back(v);
  }
  return out;
}

core::Status check_file(const std::string& option, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::not_found(option, " ", path, ": no such file");
  }
  return core::Status();
}

}  // namespace

const char* const kBenchUsage =
    "usage: braid bench -m MODEL [-m MODEL ...] [-p N] [-n N] [-pg P,N] [-d N] [-r N]\n"
    "                   [--backend LIST] [-t LIST] [--type LIST] [-o md|csv|json|jsonl]\n"
    "       braid bench --mmproj FILE [--image-encode] [--audio-encode] [...]\n"
    "       braid bench -m MODEL --mmproj FILE --ttft [...]\n"
    "\n"
    "Measures a model's speed as llama-bench does: ppN evaluates one batch of N random tokens,\n"
    "tgN runs N single-token decode steps, ppP+tgN does both; tokenization and sampling are not\n"
    "timed. Each test runs once untimed, then -r times: the mean and standard deviation of the\n"
    "tokens per second are shown, with the fraction of this machine's limit reached (DRAM read\n"
    "bandwidth for tg, peak f32 or int8 FLOP/s for pp and encoders, both for pp+tg).\n"
    "Every option taking a LIST accepts commas and repeats (-p 128,512 -p 1024); the runs are\n"
    "the cross product of models, types, backends, threads, tests and depths.\n"
    "\n"
    "  -m, --model FILE      a GGUF text model (repeatable)\n"
    "  -p, --n-prompt LIST   prompt lengths (default 512; 0: none)\n"
    "  -n, --n-gen LIST      generated tokens (default 128; 0: none)\n"
    "  -pg P,N               a combined test: a P-token prompt then N steps (repeatable)\n"
    "  -d, --n-depth LIST    tokens already in the KV cache before each test (default 0)\n"
    "  -r, --repetitions N   timed runs per test (default 5)\n"
    "  --backend LIST        auto (default), cpu, cuda, reference, or NAME:INDEX\n"
    "  -t, --threads LIST    CPU worker threads (default: the backend's choice)\n"
    "  --type LIST           quantize each model first (as `braid quantize` does, into a\n"
    "                        temporary folder removed afterwards): Q8_0, Q4_K_M, ... Best on\n"
    "                        F16/F32 models such as `braid make-model` writes by default\n"
    "  --mmproj FILE         an mmproj whose encoders to time (repeatable)\n"
    "  --image-encode        time its vision encoder + projector on a synthetic image of the\n"
    "                        encoder's size (one tile): ms per image\n"
    "  --audio-encode        time its audio encoder + projector on synthetic log-mel\n"
    "                        features of one 30 s window: ms per window\n"
    "  --audio-seconds S     a shorter window for --audio-encode (whole seconds, 1..30; default "
    "30)\n"
    "                        (neither given: every encoder the file has)\n"
    "  --ttft                time to first token of an image question instead: a synthetic\n"
    "                        image encoded, its rows and 32 question tokens evaluated, the\n"
    "                        first token picked; each -m with each --mmproj (vision)\n"
    "  -o, --output FORMAT   md (default), csv, json, jsonl\n"
    "  --no-limits           do not measure or show the machine's limits\n"
    "  --no-cache            measure the limits now, neither reading nor writing the cache\n"
    "  --remeasure           measure the limits now and update the cache\n"
    "  --limits-cache FILE   the cache (default ~/.cache/braid/machine_limits.json)\n";

ArgSpec bench_arg_spec() {
  return ArgSpec{.flags = {"--help", "--image-encode", "--audio-encode", "--no-limits",
                           "--no-cache", "--remeasure", "--ttft"},
                 .options = {"--model", "--n-prompt", "--n-gen", "--pg", "--n-depth",
                             "--repetitions", "--backend", "--threads", "--type", "--mmproj",
                             "--output", "--limits-cache", "--audio-seconds"},
                 .aliases = {{"-m", "--model"},
                             {"-p", "--n-prompt"},
                             {"-n", "--n-gen"},
                             {"-pg", "--pg"},
                             {"-d", "--n-depth"},
                             {"-r", "--repetitions"},
                             {"-t", "--threads"},
                             {"-o", "--output"},
                             {"-h", "--help"}}};
}

core::Result<BenchPlan> make_bench_plan(const ParsedArgs& args) {
  BenchPlan plan;
  if (!args.positionals().empty()) {
    return core::invalid_argument("unexpected argument '", args.positionals()[0],
                                  "' (models go after -m)");
  }
  plan.models = args.values("--model");
  plan.mmprojs = args.values("--mmproj");
  plan.image_encode = args.has("--image-encode");
  plan.audio_encode = args.has("--audio-encode");
  if ((plan.image_encode || plan.audio_encode) && plan.mmprojs.empty()) {
    return core::invalid_argument("--image-encode and --audio-encode need --mmproj FILE");
  }
  plan.ttft = args.has("--ttft");
  if (plan.ttft && (plan.models.empty() || plan.mmprojs.empty())) {
    return core::invalid_argument("--ttft needs a text model (-m) and its mmproj (--mmproj)");
  }
  if (plan.ttft && (plan.image_encode || plan.audio_encode)) {
    return core::invalid_argument(
        "--ttft times the whole image question: drop --image-encode "
        "and --audio-encode");
  }
  if (plan.models.empty() && plan.mmprojs.empty()) {
    return core::invalid_argument("nothing to measure: give -m MODEL and/or --mmproj FILE");
  }
  for (const auto& m : plan.models) BRAID_TRY(check_file("-m", m));
  for (const auto& m : plan.mmprojs) BRAID_TRY(check_file("--mmproj", m));

  if (auto seconds = args.value("--audio-seconds")) {
    // Whole seconds: 100 frames each, always an even count as the encoder needs.
    BRAID_ASSIGN_OR_RETURN(int64_t whole, number("--audio-seconds", *seconds, 1, 30));
    plan.audio_seconds = static_cast<double>(whole);
  }
  constexpr int64_t kMaxTokens = 1 << 20;
  BRAID_ASSIGN_OR_RETURN(auto prompts, numbers(args, "--n-prompt", 0, kMaxTokens));
  BRAID_ASSIGN_OR_RETURN(auto gens, numbers(args, "--n-gen", 0, kMaxTokens));
  BRAID_ASSIGN_OR_RETURN(auto depths, numbers(args, "--n-depth", 0, kMaxTokens));
  std::vector<std::pair<int64_t, int64_t>> pgs;
  for (const auto& value : args.values("--pg")) {
    const auto comma = value.find(',');
    if (comma == std::string::npos || value.find(',', comma + 1) != std::string::npos) {
      return core::invalid_argument("-pg '", value, "': expected two numbers P,N (e.g. 512,128)");
    }
    BRAID_ASSIGN_OR_RETURN(int64_t p, number("-pg", value.substr(0, comma), 1, kMaxTokens));
    BRAID_ASSIGN_OR_RETURN(int64_t n, number("-pg", value.substr(comma + 1), 1, kMaxTokens));
    pgs.emplace_back(p, n);
  }
  if (args.values("--n-prompt").empty() && args.values("--n-gen").empty() && pgs.empty()) {
    prompts = {512};
    gens = {128};
  }
  if (depths.empty()) depths = {0};
  for (int64_t d : depths) {
    for (int64_t p : prompts) {
      if (p > 0) plan.tests.push_back({p, 0, d});
    }
    for (int64_t n : gens) {
      if (n > 0) plan.tests.push_back({0, n, d});
    }
    for (auto [p, n] : pgs) plan.tests.push_back({p, n, d});
  }
  if (!plan.models.empty() && plan.tests.empty()) {
    return core::invalid_argument("no text test left: every -p and -n is 0 and no -pg given");
  }

  if (auto r = args.value("--repetitions")) {
    BRAID_ASSIGN_OR_RETURN(int64_t reps, number("-r", *r, 1, 1000));
    plan.reps = static_cast<int>(reps);
  }
  plan.backends = list_of(args, "--backend");
  if (plan.backends.empty()) plan.backends = {"auto"};
  for (const auto& b : plan.backends) {
    bool ok = !b.empty();
    for (char c : b) ok &= (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':');
    if (!ok) return core::invalid_argument("--backend '", b, "': expected a backend name");
  }
  BRAID_ASSIGN_OR_RETURN(auto threads, numbers(args, "--threads", 1, 4096));
  for (int64_t t : threads) plan.threads.push_back(static_cast<int>(t));
  if (plan.threads.empty()) plan.threads = {0};
  plan.types = list_of(args, "--type");
  for (const auto& t : plan.types) {
    if (!core::find_quant_recipe(t)) {
      std::string known;
      for (const auto& r : core::quant_recipes()) known.append(" ").append(r.name);
      return core::invalid_argument("--type '", t, "': unknown; one of", known);
    }
  }
  if (!plan.types.empty() && plan.models.empty()) {
    return core::invalid_argument("--type applies to text models (-m)");
  }
  if (auto o = args.value("--output")) {
    const auto format = parse_bench_format(*o);
    if (!format) return core::invalid_argument("-o '", *o, "': expected md, csv, json or jsonl");
    plan.format = *format;
  }
  plan.limits.enabled = !args.has("--no-limits");
  plan.limits.use_cache = !args.has("--no-cache");
  plan.limits.remeasure = args.has("--remeasure");
  plan.limits.cache_file = args.value("--limits-cache").value_or(default_limits_cache().string());
  return plan;
}

}  // namespace braid::app
