// `braid make-model ARCH -o out.gguf [--type T] [--tiny] [--seed N] [--force]`: a random-weight
// model of a real architecture's shapes, for tests and benchmarks, with no download.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "braid/core/quant.h"
#include "braid/core/synthetic_model.h"
#include "commands.h"
#include "model_summary.h"

namespace braid::app {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: braid make-model ARCH -o OUT.gguf [--type TYPE] [--tiny] [--seed N] "
               "[--force]\n"
               "\n"
               "Writes a GGUF text model with random weights and the exact shapes of ARCH, in\n"
               "the layout llama.cpp's converter uses. Its output is noise: use it to test and\n"
               "measure, not to chat.\n"
               "\n"
               "  ARCH         one of:");
  for (const auto& shape : core::known_text_shapes()) std::fprintf(out, " %s", shape.name.c_str());
  std::fprintf(out,
               "\n"
               "  -o, --output the file to write (refused if it exists, unless --force)\n"
               "  --type       weight type: F32, F16 (default), BF16, Q8_0, Q4_0, Q4_1, Q5_0,\n"
               "               Q5_1, Q4_K, Q5_K, Q6_K (every weight), or a mix as `braid\n"
               "               quantize` makes it: Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M\n"
               "  --tiny       a 2-layer, 256-wide model of the same structure (for tests)\n"
               "  --seed       random seed (default 42)\n");
}

}  // namespace

int run_make_model(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--tiny", "--force", "--help"},
               .options = {"--output", "--type", "--seed"},
               .aliases = {{"-o", "--output"}, {"-h", "--help"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid make-model: %s\n\n", parsed.status().message().c_str());
    print_usage(stderr);
    return 2;
  }
  if (parsed->has("--help")) {
    print_usage(stdout);
    return 0;
  }
  if (parsed->positionals().size() != 1 || !parsed->value("--output")) {
    std::fprintf(stderr, "braid make-model: expected ARCH and -o OUT.gguf\n\n");
    print_usage(stderr);
    return 2;
  }
  auto shape = core::find_text_shape(parsed->positionals()[0]);
  if (!shape.ok()) {
    std::fprintf(stderr, "braid make-model: %s\n", shape.status().message().c_str());
    return 2;
  }
  core::SyntheticOptions options;
  if (auto type = parsed->value("--type")) {
    auto dtype = core::dtype_from_name(*type);
    if (auto recipe = core::find_quant_recipe(*type); recipe && !dtype) {
      options.recipe = recipe;  // a mix such as Q4_K_M, typed as `braid quantize` would
      dtype = recipe->base;
    }
    if (!dtype || !core::is_convertible(*dtype)) {
      std::fprintf(stderr, "braid make-model: unknown or unsupported weight type '%s'\n",
                   type->c_str());
      return 2;
    }
    options.weight_type = *dtype;
  }
  if (auto seed = parsed->value("--seed")) {
    char* end = nullptr;
    options.seed = std::strtoull(seed->c_str(), &end, 10);
    if (seed->empty() || *end != '\0') {
      std::fprintf(stderr, "braid make-model: --seed expects a non-negative integer, got '%s'\n",
                   seed->c_str());
      return 2;
    }
  }
  const core::TextModelShape model = parsed->has("--tiny") ? core::tiny_variant(*shape) : *shape;
  const std::filesystem::path output = *parsed->value("--output");
  std::error_code ec;
  if (std::filesystem::exists(output, ec) && !parsed->has("--force")) {
    std::fprintf(stderr, "braid make-model: %s exists; pass --force to overwrite it\n",
                 output.c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  auto status = core::write_synthetic_text_model(output, model, options);
  if (!status.is_ok()) {
    std::fprintf(stderr, "braid make-model: %s\n", status.to_string().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %s, %s weights (random), %s, %.1f s\n", output.c_str(), model.name.c_str(),
              options.recipe ? std::string(options.recipe->name).c_str()
                             : std::string(core::dtype_name(options.weight_type)).c_str(),
              human_bytes(std::filesystem::file_size(output, ec)).c_str(), seconds);
  return 0;
}

}  // namespace braid::app
