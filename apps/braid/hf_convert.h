// Converting a Hugging Face safetensors folder to GGUF in the layout llama.cpp's
// convert_hf_to_gguf.py writes (architecture names, hyperparameter keys, tensor names, Q/K row
// order, rope_freqs, tokenizer and chat template), so braid and llama.cpp load the result alike.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/hf_folder.h"
#include "braid/core/quant_recipe.h"
#include "braid/core/status.h"
#include "braid/text/vocab.h"

namespace braid::app {

/// The Hugging Face architectures (config.json "architectures") convert handles, with the GGUF
/// architecture each becomes.
struct HfArchitecture {
  std::string_view hf_name;    ///< "LlamaForCausalLM"
  std::string_view gguf_arch;  ///< "llama"
  bool permute_qk;             ///< Q/K rows reordered for llama.cpp's rope (Llama layout)
};
const std::vector<HfArchitecture>& supported_hf_architectures();

struct ConvertOptions {
  /// The type of 2-D weights: F32, F16 (default, as llama.cpp's converter), BF16, or any
  /// `braid quantize` recipe (Q8_0, Q4_K_M, ...), applied with the same per-tensor rules.
  core::QuantRecipe recipe = *core::find_quant_recipe("F16");
  int threads = 0;  ///< 0: every hardware thread
  /// Called after each tensor is written: (index, count, gguf name, type).
  std::function<void(size_t, size_t, const std::string&, core::DType)> on_tensor;
};

struct ConvertReport {
  std::string hf_architecture;
  std::string gguf_architecture;
  size_t n_tensors = 0;
  int64_t n_params = 0;
  uint64_t tensor_bytes = 0;
  std::vector<std::string> notes;  ///< things the user should know (fallbacks, guesses)
};

/// Converts the folder at `dir` into `output` (written via a temporary file, renamed when
/// complete). Errors start with "[convert] <dir>:"; an unsupported architecture is
/// NotSupported naming it and listing the supported ones.
core::Result<ConvertReport> convert_hf_folder(const std::filesystem::path& dir,
                                              const std::filesystem::path& output,
                                              const ConvertOptions& options);

/// The folder's tokenizer as llama.cpp's converter would write it: tokenizer.model
/// (SentencePiece) when present, else tokenizer.json (byte-level BPE); special tokens and
/// add_bos/add_eos from tokenizer_config.json, the tokenizer's post-processor and config.json
/// (gguf-py's SpecialVocab rules); padded with "[PADn]" unused tokens up to `vocab_size`.
core::Result<text::Vocab> vocab_for_folder(const core::HfFolder& folder,
                                           std::string_view gguf_arch,
                                           int64_t vocab_size,
                                           std::vector<std::string>* notes);

/// The chat template(s) as the converter finds them: tokenizer_config.json "chat_template"
/// (a string, or a list of {name, template}), else chat_template.jinja, else
/// chat_template.json. Returns (key, template) pairs: tokenizer.chat_template and
/// tokenizer.chat_template.<name>; empty when the folder has none.
core::Result<std::vector<std::pair<std::string, std::string>>> chat_templates_for_folder(
    const core::HfFolder& folder);

/// The config.json architectures `convert --mmproj` handles: LlavaForConditionalGeneration
/// (CLIP vision tower + mlp projector) and UltravoxModel (Whisper encoder + Ultravox projector).
const std::vector<std::string_view>& supported_mmproj_architectures();

/// Converts the encoder and projector of the multimodal model at `dir` into an mmproj GGUF
/// (general.architecture "clip") in the layout llama.cpp's converters write and braid's
/// vision/audio mmproj loaders read: LLaVA as the legacy convert_image_encoder_to_gguf.py
/// (v.* / mm.0, mm.2; blocks past vision_feature_layer and post_layernorm dropped), Ultravox as
/// convert_hf_to_gguf.py (a.* / mm.a.*). The language model's tensors are skipped. The recipe
/// must be F16 (default), F32 or Q8_0 (matrices whose rows fill Q8_0 blocks; other 2-D weights
/// F16); 1-D tensors are always F32 and conv kernels always F16, as those converters do. Errors
/// start with "[convert] <dir>:"; another architecture is NotSupported, listing the supported ones.
core::Result<ConvertReport> convert_hf_mmproj(const std::filesystem::path& dir,
                                              const std::filesystem::path& output,
                                              const ConvertOptions& options);

}  // namespace braid::app
