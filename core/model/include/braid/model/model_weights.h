// A loaded Llama-family model: its configuration and a reference to every weight, read in place
// from the memory-mapped GGUF file or safetensors shards (no copies, except that small 1-D
// tensors stored in F16/BF16 are widened to F32, and Llama 3.1 rope factors of an HF folder are
// computed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/gguf.h"
#include "braid/core/graph.h"
#include "braid/core/hf_folder.h"
#include "braid/core/status.h"
#include "braid/model/model_config.h"

namespace braid::model {

/// One weight: the graph name it gets (GGUF naming, whatever the source), dtype, shape
/// (outermost first) and bytes (inside the mapping or the model's own small buffers).
struct WeightRef {
  std::string name;
  core::DType dtype = core::DType::F32;
  core::Shape shape;
  std::span<const std::byte> data;
  bool present() const { return !data.empty(); }
};

struct LayerWeights {
  WeightRef attn_norm, wq, wk, wv, wo;
  WeightRef bq, bk, bv;  ///< present when the config has qkv_bias
  WeightRef bo;          ///< present when the config has attn_out_bias
  WeightRef ffn_norm, w_gate, w_up, w_down;
};

/// The model: immutable after load; share it as shared_ptr<const Model>. Thread-safe to read.
class Model {
 public:
  /// Loads a GGUF file or a Hugging Face folder (a directory with config.json). Every tensor the
  /// architecture needs is looked up and its shape and dtype checked against the config; the
  /// first problem is returned, naming the file, the tensor, the expected and the found shape
  /// ("[model] m.gguf: tensor 'blk.1.attn_k.weight': expected shape [32, 64], found [64, 64]").
  /// NotFound for a missing tensor; NotSupported for a dtype the decoder cannot use.
  static core::Result<std::shared_ptr<const Model>> load(const std::filesystem::path& path);
  /// The same from an already opened GGUF file (taken over).
  static core::Result<std::shared_ptr<const Model>> from_gguf(core::GgufFile file);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  const std::filesystem::path& path() const { return path_; }
  /// The GGUF file when loaded from one (for its tokenizer metadata), else nullptr.
  const core::GgufFile* gguf() const { return gguf_ ? &*gguf_ : nullptr; }

  const WeightRef& token_embd() const { return token_embd_; }
  const WeightRef& output_norm() const { return output_norm_; }
  /// The output projection: token_embd itself when tied.
  const WeightRef& output() const { return tied() ? token_embd_ : output_; }
  bool tied() const { return !output_.present(); }
  /// Llama 3.1 rope divisors [n_rot / 2] F32, or absent.
  const WeightRef& rope_freqs() const { return rope_freqs_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }

  /// Bytes of all weights the decoder reads (the output counted once when tied).
  uint64_t weight_bytes() const;
  /// "F16", "Q8_0" …: the dtype of most layer matrices (for reports).
  std::string weight_type_name() const;

  /// Reads every weight's pages into memory (the mapping is lazy: without this, the first run
  /// would fault them in one by one), calling `progress(bytes done, total)` every 64 MiB and
  /// at the end. For a progress display while a large model loads; changes nothing else.
  void read_in(const std::function<void(uint64_t, uint64_t)>& progress) const;

 private:
  Model() = default;
  friend class ModelBuilder;

  ModelConfig config_;
  std::filesystem::path path_;
  std::optional<core::GgufFile> gguf_;
  std::optional<core::HfFolder> hf_;
  WeightRef token_embd_, output_norm_, output_, rope_freqs_;
  std::vector<LayerWeights> layers_;
  // Small tensors widened or computed at load (norms of BF16 folders, rope factors). A deque-like
  // list of vectors: the spans into them stay valid as more are added.
  std::vector<std::unique_ptr<std::vector<float>>> owned_;
};

/// Llama 3.1 rope-scaling divisors for each of the n_rot / 2 frequencies (as the GGUF converter
/// writes rope_freqs): wavelengths longer than original_context / low_freq_factor are divided
/// by `factor`, shorter than original_context / high_freq_factor kept, the band between blended.
std::vector<float> llama3_rope_freqs(const ModelConfig& config);

}  // namespace braid::model
