// Models with random weights and the exact shapes of real architectures, written as GGUF in the
// layout llama.cpp's converter uses, so benchmarks and tests need no download and both runtimes
// can read the files. The weights are seeded and scaled (uniform with std 1/sqrt(fan_in), norms
// at 1) so activations stay finite through many layers. The outputs are noise: say so to users.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf_writer.h"
#include "braid/core/quant_recipe.h"
#include "braid/core/status.h"

namespace braid::core {

/// The hyperparameters of a Llama-family text model.
struct TextModelShape {
  std::string name;           ///< "llama-3.2-1b"
  std::string architecture;   ///< GGUF general.architecture: "llama", "qwen2"
  std::string tokenizer;      ///< "gpt2" (byte-level BPE) or "llama" (SentencePiece)
  std::string pre_tokenizer;  ///< tokenizer.ggml.pre for gpt2 vocabularies: "llama-bpe", "qwen2"
  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t n_ff = 0;
  int64_t n_ctx_train = 0;
  float rope_freq_base = 10000.0f;
  float rms_norm_eps = 1e-5f;
  bool tied_output = false;  ///< no output.weight: the output reuses token_embd
  bool qkv_bias = false;     ///< Qwen2 has biases on Q, K and V
  /// Llama 3.1-style rope scaling, stored as the rope_freqs tensor (per-dimension factors).
  float rope_scaling_factor = 0.0f;  ///< 0 = none
  float rope_low_freq_factor = 1.0f;
  float rope_high_freq_factor = 4.0f;
  int64_t rope_original_ctx = 8192;

  int64_t head_dim() const { return n_embd / n_head; }
};

/// The architectures `braid make-model` knows, by name.
const std::vector<TextModelShape>& known_text_shapes();

/// The shape called `name`; NotFound listing the known names otherwise.
Result<TextModelShape> find_text_shape(const std::string& name);

/// A small model of the same structure (GQA ratio, biases, tying, tokenizer kind) for tests:
/// 2 layers, width 256, vocabulary 1024 (dims stay multiples of 256 for the K-quants).
TextModelShape tiny_variant(const TextModelShape& shape);

struct SyntheticOptions {
  DType weight_type = DType::F16;  ///< 2-D weights; norms, biases and rope_freqs stay F32
  uint64_t seed = 42;
  /// When set, each weight gets the type `braid quantize` would give it under this recipe
  /// ("Q4_K_M": a mix), general.file_type is the recipe's, and weight_type is ignored.
  std::optional<QuantRecipe> recipe;
};

/// Adds the metadata, vocabulary and tensors of a random-weight model to `writer`.
Status add_synthetic_text_model(GgufWriter& writer,
                                const TextModelShape& shape,
                                const SyntheticOptions& options);

/// Writes a random-weight model to `path` (via a temporary file, renamed when complete).
Status write_synthetic_text_model(const std::filesystem::path& path,
                                  const TextModelShape& shape,
                                  const SyntheticOptions& options);

}  // namespace braid::core
