// The hyperparameters of a Llama-family decoder (Llama 2/3/3.x, Mistral, Qwen2/2.5, SmolLM2,
// TinyLlama), read from GGUF metadata or a Hugging Face config.json and checked for consistency
// before any weight is looked at.
#pragma once

#include <cstdint>
#include <string>

#include "braid/backend.h"
#include "braid/core/gguf.h"
#include "braid/core/hf_config.h"
#include "braid/core/status.h"

namespace braid::model {

/// The families the shared decoder builds. They differ only in what model_family.cpp says.
enum class ModelFamily {
  Llama,  ///< Llama 2/3/3.x, Mistral, SmolLM2, TinyLlama (GGUF "llama", HF llama/mistral)
  Qwen2,  ///< Qwen2/2.5: biases on Q, K and V (GGUF "qwen2", HF qwen2)
};

/// "llama", "qwen2".
const char* family_name(ModelFamily family);

/// Llama 3.1-style rope scaling (HF "rope_type": "llama3"), turned into per-frequency divisors
/// at load time (GGUF files carry them as the rope_freqs tensor instead).
struct Llama3RopeScaling {
  float factor = 0.0f;  ///< 0: none
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  int64_t original_context = 8192;
};

struct ModelConfig {
  ModelFamily family = ModelFamily::Llama;
  std::string architecture;  ///< as the file names it ("llama", "qwen2", "MistralForCausalLM")
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;  ///< usually n_embd / n_head (HF "head_dim" may differ)
  int64_t n_ff = 0;
  int64_t n_ctx_train = 0;
  float rms_norm_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  ///< linear rope scaling: 1 / factor
  int32_t n_rot = 0;             ///< leading dims of a head that rotate (usually head_dim)
  /// How Q/K dims pair up for rope in the weights as loaded: ADJACENT for llama-arch GGUF (the
  /// converter permuted the rows), HALF_SPLIT for Hugging Face folders and qwen2 GGUF.
  braid_rope_mode rope_mode = BRAID_ROPE_HALF_SPLIT;
  Llama3RopeScaling llama3_rope;  ///< from config.json; GGUF uses the rope_freqs tensor
  int64_t sliding_window =
      0;  ///< 0: none (Mistral v0.1 has 4096): query q sees key k when 0 <= q - k < window
  bool qkv_bias = false;
  bool attn_out_bias = false;  ///< a bias on the attention output projection (HF attention_bias)
  bool tied_output = false;    ///< no output weight: logits reuse the token embeddings

  /// One line for logs: "llama: 5 layers, width 64, 8 heads (4 KV) of 8, ff 172, vocab 512".
  std::string summary() const;
};

/// Reads `<arch>.*` keys of a GGUF text model. NotSupported for an architecture other than
/// llama/qwen2 (naming it); NotFound naming a missing required key; InvalidArgument for values
/// that do not fit together (heads not dividing the width, n_head not a multiple of n_head_kv,
/// an odd or too large rope dimension count). The vocabulary size comes from `<arch>.vocab_size`
/// or else the length of tokenizer.ggml.tokens, and must be > 0. Whether the output is tied is
/// decided from the tensors (see load_model), not here.
core::Result<ModelConfig> config_from_gguf(const core::GgufFile& file);

/// Reads a Hugging Face config.json (model_type llama, mistral or qwen2; else NotSupported).
/// rope_scaling of type "llama3" and "linear" are understood; any other type is NotSupported.
core::Result<ModelConfig> config_from_hf(const core::HfConfig& config);

/// The consistency checks both readers end with; exposed for tests. `source` names the file.
core::Status validate_config(const ModelConfig& config, const std::string& source);

}  // namespace braid::model
