// `braid make-model ARCH -o out.gguf [--type T] [--tiny] [--seed N] [--force]`: a random-weight
// model of a real architecture's shapes, for tests and benchmarks, with no download. ARCH is a
// text model (a GGUF text model file) or a vision encoder (an mmproj file, which also needs the
// width of the text model it projects to: --text-width N or --for TEXT_ARCH).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "braid/audio/synthetic_audio.h"
#include "braid/core/quant.h"
#include "braid/core/synthetic_model.h"
#include "braid/vision/synthetic_mmproj.h"
#include "commands.h"
#include "make_model_audio.h"
#include "model_summary.h"

namespace braid::app {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: braid make-model ARCH -o OUT.gguf [--type TYPE] [--tiny] [--seed N] "
               "[--force]\n"
               "       braid make-model VISION_ARCH -o MMPROJ.gguf (--text-width N | --for "
               "TEXT_ARCH) [...]\n"
               "\n"
               "Writes a GGUF model with random weights and the exact shapes of ARCH, in the\n"
               "layout llama.cpp's converters use. Its output is noise: use it to test and\n"
               "measure, not to chat.\n"
               "\n"
               "  ARCH         a text model, one of:");
  for (const auto& shape : core::known_text_shapes()) std::fprintf(out, " %s", shape.name.c_str());
  std::fprintf(out, "\n  VISION_ARCH  a vision encoder + projector (writes an mmproj), one of:\n");
  for (const auto& shape : vision::known_vision_shapes()) {
    std::fprintf(out, "               %-20s %s\n", shape.name.c_str(), shape.description.c_str());
  }
  print_audio_archs(out);
  std::fprintf(out,
               "  -o, --output the file to write (refused if it exists, unless --force)\n"
               "  --type       weight type: F32, F16 (default), BF16, Q8_0, Q4_0, Q4_1, Q5_0,\n"
               "               Q5_1, Q4_K, Q5_K, Q6_K (every weight; vision: linear layers only,\n"
               "               embeddings keep the converter's types), or for text models a mix\n"
               "               as `braid quantize` makes it: Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M\n"
               "  --tiny       a small model of the same structure (for tests): 2 layers, width\n"
               "               256 (text) or 64 (vision)\n"
               "  --seed       random seed (default 42)\n"
               "  --text-width vision only: the n_embd of the text model the projector feeds\n"
               "  --with-audio AUDIO_ARCH  vision only: put that audio encoder in the same mmproj\n"
               "               (both project to the text width)\n"
               "  --for        vision only: take that width from a text ARCH above (its --tiny\n"
               "               variant when --tiny is given), so the pair matches:\n"
               "                 braid make-model llama-3.2-1b --tiny -o text.gguf\n"
               "                 braid make-model clip-vit-l-14-336 --tiny --for llama-3.2-1b "
               "-o mmproj.gguf\n");
}

// The text width a vision encoder projects to, from --text-width or --for.
int text_width_for(const ParsedArgs& args, bool tiny, int64_t* width) {
  const auto explicit_width = args.value("--text-width");
  const auto text_arch = args.value("--for");
  if (explicit_width.has_value() == text_arch.has_value()) {
    std::fprintf(stderr,
                 "braid make-model: a vision encoder needs exactly one of --text-width N and "
                 "--for TEXT_ARCH (the text model its projector feeds)\n");
    return 2;
  }
  if (explicit_width) {
    char* end = nullptr;
    const long long v = std::strtoll(explicit_width->c_str(), &end, 10);
    if (explicit_width->empty() || *end != '\0' || v <= 0 || v > (1 << 20)) {
      std::fprintf(stderr, "braid make-model: --text-width expects a positive integer, got '%s'\n",
                   explicit_width->c_str());
      return 2;
    }
    *width = v;
    return 0;
  }
  auto shape = core::find_text_shape(*text_arch);
  if (!shape.ok()) {
    std::fprintf(stderr, "braid make-model: --for: %s\n", shape.status().message().c_str());
    return 2;
  }
  *width = tiny ? core::tiny_variant(*shape).n_embd : shape->n_embd;
  return 0;
}

// One mmproj with both encoders (as Qwen2.5-Omni-style files carry them): the vision encoder
// `encoder` and the audio encoder `audio_arch`, both projecting to `text_width`.
core::Status write_vision_audio_mmproj(const std::filesystem::path& output,
                                       const vision::VisionEncoderShape& encoder,
                                       const std::string& audio_arch,
                                       bool tiny,
                                       int64_t text_width,
                                       const vision::SyntheticVisionOptions& options) {
  BRAID_ASSIGN_OR_RETURN(audio::AudioEncoderShape audio_shape, audio::find_audio_shape(audio_arch));
  if (tiny) audio_shape = audio::tiny_audio_variant(audio_shape);
  audio_shape.text_n_embd = text_width;
  core::GgufWriter writer;
  writer.set("general.architecture", core::GgufValue{std::string("clip")});
  writer.set("general.name", core::GgufValue{core::str_cat(encoder.name, " + ", audio_shape.name,
                                                           " (random weights)")});
  writer.set("general.description",
             core::GgufValue{core::str_cat(encoder.description, " and ", audio_shape.description,
                                           ", random weights, projecting to ", text_width)});
  BRAID_TRY(vision::add_synthetic_vision_encoder(writer, encoder, text_width, options));
  BRAID_TRY(audio::add_synthetic_audio_encoder(
      writer, audio_shape, {.weight_type = options.weight_type, .seed = options.seed + 1}));
  return writer.write(output);
}

}  // namespace

int run_make_model(const std::vector<std::string>& args) {
  ArgSpec spec{.flags = {"--tiny", "--force", "--help"},
               .options = {"--output", "--type", "--seed", "--text-width", "--for", "--with-audio"},
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
  const std::string arch = parsed->positionals()[0];
  if (is_audio_arch(arch)) return make_audio_mmproj(*parsed);
  auto vision_shape = vision::find_vision_shape(arch);
  auto shape = core::find_text_shape(arch);
  if (!shape.ok() && !vision_shape.ok()) {
    std::fprintf(stderr, "braid make-model: %s; %s\n", shape.status().message().c_str(),
                 vision_shape.status().message().c_str());
    return 2;
  }
  if (parsed->value("--with-audio") && !vision_shape.ok()) {
    std::fprintf(stderr,
                 "braid make-model: --with-audio adds an audio encoder to a vision "
                 "mmproj; give a VISION_ARCH\n");
    return 2;
  }
  if (shape.ok() && (parsed->value("--text-width") || parsed->value("--for"))) {
    std::fprintf(stderr, "braid make-model: --text-width and --for apply to vision encoders\n");
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
  const bool tiny = parsed->has("--tiny");
  int64_t text_width = 0;
  if (vision_shape.ok()) {
    if (int rc = text_width_for(*parsed, tiny, &text_width); rc != 0) return rc;
  }
  const std::filesystem::path output = *parsed->value("--output");
  std::error_code ec;
  if (std::filesystem::exists(output, ec) && !parsed->has("--force")) {
    std::fprintf(stderr, "braid make-model: %s exists; pass --force to overwrite it\n",
                 output.c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  std::string name;
  core::Status status;
  if (vision_shape.ok()) {
    const vision::VisionEncoderShape encoder =
        tiny ? vision::tiny_vision_variant(*vision_shape) : *vision_shape;
    name = core::str_cat(encoder.name, " mmproj for text width ", text_width);
    const vision::SyntheticVisionOptions vision_options{.weight_type = options.weight_type,
                                                        .seed = options.seed};
    if (auto audio_arch = parsed->value("--with-audio")) {
      status =
          write_vision_audio_mmproj(output, encoder, *audio_arch, tiny, text_width, vision_options);
      name += core::str_cat(" with ", *audio_arch, tiny ? "-tiny" : "", " audio");
    } else {
      status = vision::write_synthetic_mmproj(output, encoder, text_width, vision_options);
    }
  } else {
    const core::TextModelShape model = tiny ? core::tiny_variant(*shape) : *shape;
    name = model.name;
    status = core::write_synthetic_text_model(output, model, options);
  }
  if (!status.is_ok()) {
    std::fprintf(stderr, "braid make-model: %s\n", status.to_string().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %s, %s weights (random), %s, %.1f s\n", output.c_str(), name.c_str(),
              options.recipe ? std::string(options.recipe->name).c_str()
                             : std::string(core::dtype_name(options.weight_type)).c_str(),
              human_bytes(std::filesystem::file_size(output, ec)).c_str(), seconds);
  return 0;
}

}  // namespace braid::app
