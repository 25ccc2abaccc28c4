// libFuzzer target: any bytes given to the safetensors parser must give a file or an error,
// never a crash, a read out of bounds (ASan) or undefined behaviour (UBSan).
// check_safetensors_bytes also reads every byte of every tensor it accepts, and reports Internal
// if a tensor's span ever leaves the input: that is a bug, so it aborts here.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "braid/core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace braid::core;
  const Status status = check_safetensors_bytes({reinterpret_cast<const std::byte*>(data), size});
  if (status.code() == StatusCode::Internal) {
    std::fprintf(stderr, "%s\n", status.to_string().c_str());
    std::abort();
  }
  return 0;
}
