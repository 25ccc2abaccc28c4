#include <memory>

#include "braid/core/gguf.h"
#include "braid/core/mapped_file.h"

namespace braid::core {

Result<GgufFile> GgufFile::open(const std::filesystem::path& path) {
  BRAID_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  auto mapping = std::make_shared<const MappedFile>(std::move(mapped));
  BRAID_ASSIGN_OR_RETURN(GgufFile file, parse(mapping->bytes(), path.string()));
  file.mapping_ = std::move(mapping);
  return file;
}

}  // namespace braid::core
