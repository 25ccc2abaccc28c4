// `braid quantize IN.gguf OUT.gguf TYPE [--threads N] [--pure] [--force]`: a GGUF model in a
// smaller storage type, with llama.cpp's per-tensor type rules (see core/quant_recipe.h).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "args.h"
#include "braid/core/gguf_quantize.h"
#include "commands.h"
#include "model_summary.h"

namespace braid::app {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: braid quantize IN.gguf OUT.gguf TYPE [--threads N] [--pure] [--force]\n"
               "\n"
               "Writes IN's model with its weights in TYPE. Norms, biases and embeddings of\n"
               "positions stay as they are; output.weight gets Q6_K (as llama-quantize does);\n"
               "rows that do not fill TYPE's blocks fall back to a type whose blocks fit.\n"
               "Already-quantized inputs are dequantized and quantized again (with a warning:\n"
               "quality drops twice). An mmproj (clip) file gets TYPE for its 2-D weights.\n"
               "\n"
               "  TYPE         one of:\n");
  for (const auto& recipe : core::quant_recipes()) {
    std::fprintf(out, "                 %-7s %s\n", std::string(recipe.name).c_str(),
                 std::string(recipe.summary).c_str());
  }
  std::fprintf(out,
               "  --threads N  quantizing threads (default: every hardware thread)\n"
               "  --pure       every quantized weight gets TYPE's base type (no mix rules)\n"
               "  --force      overwrite OUT if it exists\n");
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text.append(i ? ", " : "").append(std::to_string(shape[i]));
  return text + "]";
}

}  // namespace

int run_quantize(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--pure", "--force", "--help"},
               .options = {"--threads"},
               .aliases = {{"-h", "--help"}, {"-t", "--threads"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid quantize: %s\n\n", parsed.status().message().c_str());
    print_usage(stderr);
    return 2;
  }
  if (parsed->has("--help")) {
    print_usage(stdout);
    return 0;
  }
  const auto& pos = parsed->positionals();
  if (pos.size() != 3) {
    std::fprintf(stderr, "braid quantize: expected IN.gguf OUT.gguf TYPE\n\n");
    print_usage(stderr);
    return 2;
  }
  const std::filesystem::path input = pos[0];
  const std::filesystem::path output = pos[1];
  auto recipe = core::find_quant_recipe(pos[2]);
  if (!recipe) {
    std::string known;
    for (const auto& r : core::quant_recipes()) known.append(" ").append(r.name);
    std::fprintf(stderr, "braid quantize: unknown type '%s'; known types:%s\n", pos[2].c_str(),
                 known.c_str());
    return 2;
  }
  core::QuantizeOptions options;
  options.pure = parsed->has("--pure");
  if (auto threads = parsed->value("--threads")) {
    char* end = nullptr;
    const long n = std::strtol(threads->c_str(), &end, 10);
    if (threads->empty() || *end != '\0' || n < 1 || n > 1024) {
      std::fprintf(stderr, "braid quantize: --threads expects 1 to 1024, got '%s'\n",
                   threads->c_str());
      return 2;
    }
    options.threads = static_cast<int>(n);
  }

  std::error_code ec;
  if (!std::filesystem::exists(input, ec)) {
    std::fprintf(stderr, "braid quantize: %s does not exist\n", input.c_str());
    return 1;
  }
  const std::filesystem::path parent =
      output.has_parent_path() ? output.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec)) {
    std::fprintf(stderr, "braid quantize: the output folder %s does not exist\n", parent.c_str());
    return 1;
  }
  if (std::filesystem::exists(output, ec) && std::filesystem::equivalent(input, output, ec)) {
    std::fprintf(stderr, "braid quantize: the output %s is the input file; choose another path\n",
                 output.c_str());
    return 1;
  }
  if (std::filesystem::exists(output, ec) && !parsed->has("--force")) {
    std::fprintf(stderr, "braid quantize: %s exists; pass --force to overwrite it\n",
                 output.c_str());
    return 1;
  }

  options.on_tensor = [](const core::QuantizeProgress& p) {
    const bool changed = p.plan->from != p.plan->to;
    std::fprintf(stderr, "[%4zu/%4zu] %-40s %-22s %5s -> %-5s %10s -> %s%s\n", p.index + 1, p.count,
                 p.plan->name.c_str(), shape_text(p.shape).c_str(),
                 std::string(core::dtype_name(p.plan->from)).c_str(),
                 std::string(core::dtype_name(p.plan->to)).c_str(), human_bytes(p.bytes_in).c_str(),
                 human_bytes(p.bytes_out).c_str(), changed ? "" : " (copied)");
    if (!p.plan->note.empty()) std::fprintf(stderr, "            note: %s\n", p.plan->note.c_str());
  };
  const auto start = std::chrono::steady_clock::now();
  auto report = core::quantize_gguf(input, output, *recipe, options);
  if (!report.ok()) {
    std::fprintf(stderr, "braid quantize: %s\n", report.status().to_string().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report->requantized.empty()) {
    std::fprintf(stderr,
                 "warning: %zu tensor(s) were already quantized and were dequantized and "
                 "quantized again (e.g. %s); quantize from an F32/F16/BF16 file for the best "
                 "quality\n",
                 report->requantized.size(), report->requantized.front().c_str());
  }
  if (report->n_fallback > 0) {
    std::fprintf(stderr, "note: %zu of %zu tensor(s) used a fallback type (see the notes above)\n",
                 report->n_fallback, report->plan.size());
  }
  const double n = static_cast<double>(std::max<int64_t>(report->n_elements, 1));
  std::printf("wrote %s: %s\n", output.c_str(), std::string(recipe->name).c_str());
  std::printf("  tensors  %zu, %lld parameters\n", report->plan.size(),
              static_cast<long long>(report->n_elements));
  std::printf("  size in  %s (%.2f bits per weight)\n",
              human_bytes(report->tensor_bytes_in).c_str(),
              8.0 * static_cast<double>(report->tensor_bytes_in) / n);
  std::printf("  size out %s (%.2f bits per weight), file %s\n",
              human_bytes(report->tensor_bytes_out).c_str(),
              8.0 * static_cast<double>(report->tensor_bytes_out) / n,
              human_bytes(std::filesystem::file_size(output, ec)).c_str());
  std::printf("  time     %.1f s\n", seconds);
  return 0;
}

}  // namespace braid::app
