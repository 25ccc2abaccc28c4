// libFuzzer target: any bytes given to the GGUF parser must give a file or an error, never a
// crash, a read out of bounds (ASan) or undefined behaviour (UBSan). What parses is then used
// the way `braid info` and the loaders use it, so the checked invariants are exercised too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "braid/core/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace braid::core;
  auto file = GgufFile::parse({reinterpret_cast<const std::byte*>(data), size}, "fuzz.gguf");
  if (!file.ok()) return 0;
  size_t sink = 0;
  for (const auto& kv : file->metadata()) {
    sink += kv.value.to_display_string().size();
    sink += file->get<std::vector<std::string>>(kv.key).ok();
    sink += file->get<int64_t>(kv.key).ok();
  }
  for (const auto& tensor : file->tensors()) {
    auto bytes = file->tensor_data(tensor);
    if (!bytes.empty())
      sink += static_cast<size_t>(bytes.front()) + static_cast<size_t>(bytes.back());
  }
  return sink == 0xFFFFFFFF ? 1 : 0;
}
