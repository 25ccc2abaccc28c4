// `braid convert [--mmproj] HF_FOLDER -o OUT.gguf [--type T] [--threads N] [--force]`: a
// Hugging Face safetensors folder as a GGUF model (or, with --mmproj, its encoder and projector
// as an mmproj file), laid out as llama.cpp's converters lay them out.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "hf_convert.h"
#include "model_summary.h"

namespace braid::app {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: braid convert HF_FOLDER -o OUT.gguf [--type TYPE] [--threads N] [--force]\n"
               "       braid convert --mmproj HF_FOLDER -o MMPROJ.gguf [--type F16|F32|Q8_0]\n"
               "\n"
               "Converts a Hugging Face model folder (config.json, *.safetensors, tokenizer\n"
               "files) to one GGUF file with the tokenizer and chat template, in the layout of\n"
               "llama.cpp's convert_hf_to_gguf.py (Q/K rows in its rope order, rope_freqs for\n"
               "Llama 3.1 rope scaling, no output.weight when the embeddings are tied).\n"
               "\n"
               "  architectures:");
  for (const auto& a : supported_hf_architectures()) {
    std::fprintf(out, " %s", std::string(a.hf_name).c_str());
  }
  std::fprintf(out,
               "\n"
               "  --mmproj     write the folder's encoder + projector as an mmproj file\n"
               "               (general.architecture clip) instead of the text model:\n"
               "               LlavaForConditionalGeneration: CLIP vision tower (blocks up to\n"
               "               vision_feature_layer) + mlp projector, image mean/std from\n"
               "               preprocessor_config.json, as llama.cpp's LLaVA converter;\n"
               "               UltravoxModel: Whisper encoder (config.json audio_config) +\n"
               "               Ultravox projector (v.*/mm.* and a.*/mm.a.* tensors).\n"
               "               Types: F16 (default), F32, Q8_0; 1-D tensors stay F32 and conv\n"
               "               kernels F16, as llama.cpp's converters keep them\n"
               "  -o, --output the file to write (refused if it exists, unless --force)\n"
               "  --type       type of the 2-D weights: F16 (default), BF16, F32, or a\n"
               "               `braid quantize` type (Q8_0, Q4_K_M, ...); norms stay F32\n"
               "  --threads N  threads for quantized types (default: every hardware thread)\n");
}

}  // namespace

int run_convert(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--force", "--help", "--mmproj"},
               .options = {"--output", "--type", "--threads"},
               .aliases = {{"-o", "--output"}, {"-h", "--help"}, {"-t", "--threads"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid convert: %s\n\n", parsed.status().message().c_str());
    print_usage(stderr);
    return 2;
  }
  if (parsed->has("--help")) {
    print_usage(stdout);
    return 0;
  }
  if (parsed->positionals().size() != 1 || !parsed->value("--output")) {
    std::fprintf(stderr, "braid convert: expected HF_FOLDER and -o OUT.gguf\n\n");
    print_usage(stderr);
    return 2;
  }
  ConvertOptions options;
  if (auto type = parsed->value("--type")) {
    auto recipe = core::find_quant_recipe(*type);
    if (!recipe) {
      std::string known;
      for (const auto& r : core::quant_recipes()) known.append(" ").append(r.name);
      std::fprintf(stderr, "braid convert: unknown type '%s'; known types:%s\n", type->c_str(),
                   known.c_str());
      return 2;
    }
    options.recipe = *recipe;
  }
  if (auto threads = parsed->value("--threads")) {
    char* end = nullptr;
    const long n = std::strtol(threads->c_str(), &end, 10);
    if (threads->empty() || *end != '\0' || n < 1 || n > 1024) {
      std::fprintf(stderr, "braid convert: --threads expects 1 to 1024, got '%s'\n",
                   threads->c_str());
      return 2;
    }
    options.threads = static_cast<int>(n);
  }
  const std::filesystem::path dir = parsed->positionals()[0];
  const std::filesystem::path output = *parsed->value("--output");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::fprintf(stderr, "braid convert: %s is not a folder\n", dir.c_str());
    return 1;
  }
  const std::filesystem::path parent =
      output.has_parent_path() ? output.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec)) {
    std::fprintf(stderr, "braid convert: the output folder %s does not exist\n", parent.c_str());
    return 1;
  }
  if (std::filesystem::exists(output, ec) && !parsed->has("--force")) {
    std::fprintf(stderr, "braid convert: %s exists; pass --force to overwrite it\n",
                 output.c_str());
    return 1;
  }
  options.on_tensor = [](size_t i, size_t n, const std::string& name, core::DType type) {
    std::fprintf(stderr, "[%4zu/%4zu] %-40s %s\n", i + 1, n, name.c_str(),
                 std::string(core::dtype_name(type)).c_str());
  };
  const auto start = std::chrono::steady_clock::now();
  auto report = parsed->has("--mmproj") ? convert_hf_mmproj(dir, output, options)
                                        : convert_hf_folder(dir, output, options);
  if (!report.ok()) {
    std::fprintf(stderr, "braid convert: %s\n", report.status().to_string().c_str());
    return 1;
  }
  for (const auto& note : report->notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %s as %s, %s, %zu tensors, %s parameters, %s, %.1f s\n", output.c_str(),
              report->hf_architecture.c_str(), report->gguf_architecture.c_str(),
              std::string(options.recipe.name).c_str(), report->n_tensors,
              human_count(static_cast<uint64_t>(report->n_params)).c_str(),
              human_bytes(std::filesystem::file_size(output, ec)).c_str(), seconds);
  return 0;
}

}  // namespace braid::app
