#include <cstring>
#include <fstream>

#include "model_summary.h"

namespace braid::app {

core::Result<nlohmann::json> summarize_path(const std::filesystem::path& path,
                                            const SummaryOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return core::not_found(path.string(), ": no such file or folder");
  }
  if (std::filesystem::is_directory(path, ec)) {
    return summarize_hf_folder(path, options);
  }
  char magic[4] = {};
  std::ifstream(path, std::ios::binary).read(magic, 4);
  // A .gguf file with the wrong magic still goes to the GGUF parser, whose error says what it
  // found.
  if (std::memcmp(magic, "GGUF", 4) == 0 || path.extension() == ".gguf") {
    BRAID_ASSIGN_OR_RETURN(auto file, core::GgufFile::open(path));
    return summarize_gguf(file, path, options);
  }
  if (path.extension() == ".safetensors") return summarize_safetensors_file(path, options);
  return core::invalid_argument(path.string(),
                                ": not a GGUF file (no \"GGUF\" magic), not a .safetensors file "
                                "and not a Hugging Face folder");
}

}  // namespace braid::app
