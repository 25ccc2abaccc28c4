#include "braid/core/hf_folder.h"

#include <system_error>

#include "braid/core/mapped_file.h"
#include "strict_json.h"

namespace braid::core {
namespace {

using Json = nlohmann::json;
using detail::in_quotes;

// Indexes of the largest public models are a few MB.
constexpr uint64_t kMaxIndexBytes = 64ull << 20;
constexpr int kMaxIndexDepth = 16;

bool is_file(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

std::optional<std::filesystem::path> file_if_present(const std::filesystem::path& path) {
  if (is_file(path)) return path;
  return std::nullopt;
}

// A shard must be a plain file name in the folder: an index naming "../x" or "/etc/x" would
// otherwise make braid open files outside the model folder.
bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == std::string::npos && name.find('\0') == std::string::npos;
}

}  // namespace

Result<HfFolder> HfFolder::open(const std::filesystem::path& dir) {
  const std::string where = str_cat("[hf] ", dir.string());
  std::error_code error;
  const auto status = std::filesystem::status(dir, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return not_found(where, ": folder does not exist");
  }
  if (error) return io_error(where, ": cannot inspect the folder: ", error.message());
  if (!std::filesystem::is_directory(status)) {
    return invalid_argument(where, ": is not a folder");
  }

  BRAID_ASSIGN_OR_RETURN(HfConfig config, HfConfig::open(dir / "config.json"));
  HfFolder folder(dir, std::move(config));
  folder.side_files_.tokenizer_json = file_if_present(dir / "tokenizer.json");
  folder.side_files_.tokenizer_model = file_if_present(dir / "tokenizer.model");
  folder.side_files_.tokenizer_config = file_if_present(dir / "tokenizer_config.json");
  folder.side_files_.chat_template = file_if_present(dir / "chat_template.jinja");
  if (!folder.side_files_.chat_template) {
    folder.side_files_.chat_template = file_if_present(dir / "chat_template.json");
  }

  if (is_file(dir / "model.safetensors")) {
    BRAID_TRY(folder.open_single(dir / "model.safetensors"));
  } else if (is_file(dir / "model.safetensors.index.json")) {
    BRAID_TRY(folder.open_sharded(dir / "model.safetensors.index.json"));
  } else if (is_file(dir / "pytorch_model.bin") || is_file(dir / "pytorch_model.bin.index.json")) {
    return not_supported(where,
                         ": has only PyTorch pickle weights (pytorch_model.bin); braid reads "
                         "safetensors: convert them, e.g. with transformers' save_pretrained");
  } else {
    return not_found(where, ": no model.safetensors or model.safetensors.index.json");
  }
  return folder;
}

Status HfFolder::open_single(const std::filesystem::path& file) {
  BRAID_ASSIGN_OR_RETURN(auto shard, SafetensorsFile::open(file));
  shards_.push_back(std::move(shard));
  return add_tensors_of(0);
}

Status HfFolder::open_sharded(const std::filesystem::path& index_file) {
  sharded_ = true;
  const std::string where = str_cat("[hf] ", index_file.string());
  BRAID_ASSIGN_OR_RETURN(auto mapping, MappedFile::open(index_file));
  if (mapping.size() > kMaxIndexBytes) {
    return out_of_range(where, ": ", mapping.size(), " bytes is over the limit of ", kMaxIndexBytes,
                        " for an index");
  }
  const std::string_view text(reinterpret_cast<const char*>(mapping.bytes().data()),
                              mapping.bytes().size());
  BRAID_ASSIGN_OR_RETURN(const Json index,
                         detail::parse_json_strict(text, where, 0, kMaxIndexDepth));
  if (!index.is_object()) {
    return data_loss(where, ": is ", detail::describe_json(index), ", expected a JSON object");
  }
  const auto map_it = index.find("weight_map");
  if (map_it == index.end()) return data_loss(where, ": 'weight_map' missing");
  if (!map_it->is_object()) {
    return data_loss(where, ": 'weight_map' is ", detail::describe_json(*map_it),
                     ", expected an object of tensor name to shard file");
  }

  // Shard file name -> the tensors the index places in it.
  std::map<std::string, std::vector<std::string>> wanted;
  for (const auto& [tensor, shard] : map_it->items()) {
    if (!shard.is_string()) {
      return data_loss(where, ": weight_map ", in_quotes(tensor), " is ",
                       detail::describe_json(shard), ", expected a shard file name");
    }
    const auto& shard_name = shard.get_ref<const std::string&>();
    if (!is_plain_file_name(shard_name)) {
      return data_loss(where, ": weight_map ", in_quotes(tensor), " names shard ",
                       in_quotes(shard_name), ", which is not a plain file name in the folder");
    }
    wanted[shard_name].push_back(tensor);
  }

  for (const auto& [shard_name, tensors] : wanted) {
    const auto path = dir_ / shard_name;
    if (!is_file(path)) {
      return not_found(where, ": shard ", in_quotes(shard_name), " (holding tensor ",
                       in_quotes(tensors.front()), tensors.size() > 1 ? " and others" : "",
                       ") is missing");
    }
    BRAID_ASSIGN_OR_RETURN(auto shard, SafetensorsFile::open(path));
    for (const auto& tensor : tensors) {
      if (shard.find(tensor) == nullptr) {
        return not_found(where, ": weight_map puts tensor ", in_quotes(tensor), " in shard ",
                         in_quotes(shard_name), ", which does not hold it");
      }
    }
    shards_.push_back(std::move(shard));
    BRAID_TRY(add_tensors_of(shards_.size() - 1));
  }
  return Status::ok();
}

Status HfFolder::add_tensors_of(size_t shard) {
  const auto& tensors = shards_[shard].tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto [it, inserted] = tensors_.emplace(tensors[i].name, Location{shard, i});
    if (!inserted) {
      return data_loss("[hf] ", dir_.string(), ": tensor ", in_quotes(tensors[i].name),
                       " is in both ", in_quotes(shards_[it->second.shard].display_name()), " and ",
                       in_quotes(shards_[shard].display_name()));
    }
  }
  return Status::ok();
}

std::vector<std::string_view> HfFolder::tensor_names() const {
  std::vector<std::string_view> names;
  names.reserve(tensors_.size());
  for (const auto& [name, location] : tensors_) names.push_back(name);
  return names;
}

const SafetensorsTensor* HfFolder::find(std::string_view name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) return nullptr;
  return &shards_[it->second.shard].tensors()[it->second.index];
}

Result<const SafetensorsTensor*> HfFolder::tensor(std::string_view name) const {
  const SafetensorsTensor* found = find(name);
  if (found == nullptr) return not_found("[hf] ", dir_.string(), ": no tensor ", in_quotes(name));
  return found;
}

std::optional<size_t> HfFolder::shard_of(std::string_view name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) return std::nullopt;
  return it->second.shard;
}

}  // namespace braid::core
