// What this machine's NVIDIA driver offers, found without creating a CUDA context: the driver
// library is opened with dlopen (a machine without one just lacks the file) and asked through
// the driver API's query calls only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace braid::cuda {

struct GpuFacts {
  int ordinal = 0;  ///< the driver's (and the CUDA runtime's) device number
  std::string name;
  int major = 0, minor = 0;  ///< compute capability
  uint64_t memory_bytes = 0;
};

struct DriverFacts {
  bool usable = false;
  std::string reason;          ///< one line when not usable
  int driver_version = 0;      ///< e.g. 13000 for CUDA 13.0
  std::vector<GpuFacts> gpus;  ///< the devices braid can run on (compute capability >= 8.0)
};

/// Looks once and remembers (cheap on later calls). Never throws.
const DriverFacts& driver_facts();

/// "13.0" from 13000.
std::string cuda_version_text(int version);

}  // namespace braid::cuda
