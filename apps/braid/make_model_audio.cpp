#include "make_model_audio.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "braid/audio/synthetic_audio.h"
#include "braid/core/quant.h"
#include "model_summary.h"

namespace braid::app {

bool is_audio_arch(const std::string& arch) { return audio::find_audio_shape(arch).ok(); }

void print_audio_archs(std::FILE* out) {
  std::fprintf(
      out, "\n  audio mmprojs (encoder + projector; --tiny: 2 layers, width 64, output 256):\n");
  for (const auto& shape : audio::known_audio_shapes()) {
    std::fprintf(out, "               %-18s %s\n", shape.name.c_str(), shape.description.c_str());
  }
}

int make_audio_mmproj(const ParsedArgs& parsed) {
  auto shape = audio::find_audio_shape(parsed.positionals()[0]);
  if (!shape.ok()) {
    std::fprintf(stderr, "braid make-model: %s\n", shape.status().message().c_str());
    return 2;
  }
  audio::SyntheticAudioOptions options;
  if (auto type = parsed.value("--type")) {
    auto dtype = core::dtype_from_name(*type);
    if (!dtype || !core::is_convertible(*dtype)) {
      std::fprintf(stderr, "braid make-model: unknown or unsupported weight type '%s'\n",
                   type->c_str());
      return 2;
    }
    options.weight_type = *dtype;
  }
  if (auto seed = parsed.value("--seed")) {
    char* end = nullptr;
    options.seed = std::strtoull(seed->c_str(), &end, 10);
    if (seed->empty() || *end != '\0') {
      std::fprintf(stderr, "braid make-model: --seed expects a non-negative integer, got '%s'\n",
                   seed->c_str());
      return 2;
    }
  }
  const audio::AudioEncoderShape model =
      parsed.has("--tiny") ? audio::tiny_audio_variant(*shape) : *shape;
  const std::filesystem::path output = *parsed.value("--output");
  std::error_code ec;
  if (std::filesystem::exists(output, ec) && !parsed.has("--force")) {
    std::fprintf(stderr, "braid make-model: %s exists; pass --force to overwrite it\n",
                 output.c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  auto status = audio::write_synthetic_audio_mmproj(output, model, options);
  if (!status.is_ok()) {
    std::fprintf(stderr, "braid make-model: %s\n", status.to_string().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "wrote %s: %s audio mmproj (%s projector, text width %lld), %s weights (random), "
      "%s, %.1f s\n",
      output.c_str(), model.name.c_str(),
      std::string(audio::audio_projector_name(model.projector)).c_str(),
      static_cast<long long>(model.text_n_embd),
      std::string(core::dtype_name(options.weight_type)).c_str(),
      human_bytes(std::filesystem::file_size(output, ec)).c_str(), seconds);
  return 0;
}

}  // namespace braid::app
