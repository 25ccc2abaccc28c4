// A Hugging Face model folder: config.json, safetensors weights (one file or shards listed by an
// index), and the tokenizer and chat-template files beside them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/hf_config.h"
#include "braid/core/safetensors.h"
#include "braid/core/status.h"

namespace braid::core {

/// Tokenizer and template files found in the folder: recorded, not parsed. Each is the file's
/// full path when present.
struct HfSideFiles {
  std::optional<std::filesystem::path> tokenizer_json;    ///< tokenizer.json (HF tokenizers)
  std::optional<std::filesystem::path> tokenizer_model;   ///< tokenizer.model (SentencePiece)
  std::optional<std::filesystem::path> tokenizer_config;  ///< tokenizer_config.json
  /// chat_template.jinja, else chat_template.json. Older folders keep the template inside
  /// tokenizer_config.json ("chat_template") instead; that is not looked at here.
  std::optional<std::filesystem::path> chat_template;
};

/// An opened model folder. All weights are memory-mapped read-only and validated (see
/// SafetensorsFile) when open() returns; tensor data spans stay valid while the HfFolder
/// lives, including after it is moved. Move-only.
///
/// Weights: `model.safetensors` when present (transformers looks for it first), else
/// `model.safetensors.index.json`, whose "weight_map" maps each tensor name to a shard file in
/// the same folder. Every shard the index names is opened; every tensor it names must be in the
/// shard it names; no tensor may be in two shards. Tensors a shard holds beyond those the index
/// lists are kept too (the shard is the authority on what it contains).
///
/// Errors start with "[hf] <path>:". Codes: NotFound for a missing folder, config.json,
/// weights file or shard, or a tensor the index names that its shard lacks; NotSupported for a
/// folder with only PyTorch pickle weights (pytorch_model.bin); DataLoss for a malformed index
/// (not JSON, wrong types, a shard name with a path in it) or a tensor in two shards; the
/// errors of HfConfig and SafetensorsFile otherwise.
///
/// Thread safety: const methods may be called from any number of threads.
class HfFolder {
 public:
  static Result<HfFolder> open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const HfConfig& config() const { return config_; }
  const HfSideFiles& side_files() const { return side_files_; }

  /// True when the weights came through model.safetensors.index.json.
  bool sharded() const { return sharded_; }
  /// The weight files, in file-name order (one for an unsharded folder).
  const std::vector<SafetensorsFile>& shards() const { return shards_; }

  size_t n_tensors() const { return tensors_.size(); }
  /// Every tensor name, sorted byte-wise; views into this object.
  std::vector<std::string_view> tensor_names() const;
  /// The tensor called `name`, or nullptr.
  const SafetensorsTensor* find(std::string_view name) const;
  /// The tensor called `name`; NotFound "[hf] <dir>: no tensor 'x'" when absent.
  Result<const SafetensorsTensor*> tensor(std::string_view name) const;
  /// The shard holding `name` (an index into shards()), or nullopt.
  std::optional<size_t> shard_of(std::string_view name) const;

 private:
  struct Location {
    size_t shard;
    size_t index;  // into shards_[shard].tensors()
  };

  HfFolder(std::filesystem::path dir, HfConfig config)
      : dir_(std::move(dir)), config_(std::move(config)) {}
  Status open_single(const std::filesystem::path& file);
  Status open_sharded(const std::filesystem::path& index_file);
  Status add_tensors_of(size_t shard);

  std::filesystem::path dir_;
  HfConfig config_;
  HfSideFiles side_files_;
  bool sharded_ = false;
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, Location, std::less<>> tensors_;
};

}  // namespace braid::core
