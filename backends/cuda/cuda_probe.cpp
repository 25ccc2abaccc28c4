#include "cuda_probe.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <mutex>

namespace braid::cuda {
namespace {

// The few driver API entry points probe needs, typed by hand so that this file does not need
// libcuda at link time (the plugin must load on machines without a driver).
using CuResult = int;
using CuDevice = int;
constexpr int kAttrMajor = 75;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
constexpr int kAttrMinor = 76;  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
constexpr int kMinMajor = 8;    // the kernels are built for sm_80 and newer

struct DriverApi {
  CuResult (*init)(unsigned) = nullptr;
  CuResult (*driver_version)(int*) = nullptr;
  CuResult (*device_count)(int*) = nullptr;
  CuResult (*device_get)(CuDevice*, int) = nullptr;
  CuResult (*device_name)(char*, int, CuDevice) = nullptr;
  CuResult (*device_attribute)(int*, int, CuDevice) = nullptr;
  CuResult (*device_memory)(size_t*, CuDevice) = nullptr;
};

template <typename F>
bool resolve(void* library, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(library, name));
  return *out != nullptr;
}

DriverFacts look() {
  DriverFacts facts;
  // RTLD_NOLOAD first would miss a driver nobody loaded yet; a plain dlopen of the driver's
  // soname has no side effect beyond mapping it.
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    facts.reason = "no NVIDIA driver found (libcuda.so.1 is not installed)";
    return facts;
  }
  DriverApi api;
  if (!resolve(library, "cuInit", &api.init) ||
      !resolve(library, "cuDriverGetVersion", &api.driver_version) ||
      !resolve(library, "cuDeviceGetCount", &api.device_count) ||
      !resolve(library, "cuDeviceGet", &api.device_get) ||
      !resolve(library, "cuDeviceGetName", &api.device_name) ||
      !resolve(library, "cuDeviceGetAttribute", &api.device_attribute) ||
      !resolve(library, "cuDeviceTotalMem_v2", &api.device_memory)) {
    facts.reason = "the NVIDIA driver library lacks the driver API this plugin needs";
    return facts;
  }
  if (api.driver_version(&facts.driver_version) != 0) {
    facts.reason = "the NVIDIA driver did not report its version";
    return facts;
  }
  if (facts.driver_version < CUDART_VERSION) {
    facts.reason = "the NVIDIA driver supports CUDA " + cuda_version_text(facts.driver_version) +
                   ", this plugin was built with CUDA " + cuda_version_text(CUDART_VERSION) +
                   ": update the driver";
    return facts;
  }
  // cuInit loads the driver's state but creates no context.
  if (const CuResult rc = api.init(0); rc != 0) {
    facts.reason = "the NVIDIA driver failed to initialize (CUresult " + std::to_string(rc) +
                   "; is a GPU visible to this process?)";
    return facts;
  }
  int count = 0;
  if (api.device_count(&count) != 0 || count == 0) {
    facts.reason = "the NVIDIA driver reports no GPU";
    return facts;
  }
  std::string too_old;
  for (int i = 0; i < count; ++i) {
    CuDevice device = 0;
    if (api.device_get(&device, i) != 0) continue;
    GpuFacts gpu;
    gpu.ordinal = i;
    char name[256] = {};
    api.device_name(name, sizeof(name) - 1, device);
    gpu.name = name;
    api.device_attribute(&gpu.major, kAttrMajor, device);
    api.device_attribute(&gpu.minor, kAttrMinor, device);
    size_t bytes = 0;
    api.device_memory(&bytes, device);
    gpu.memory_bytes = bytes;
    if (gpu.major < kMinMajor) {
      too_old = gpu.name + " (compute capability " + std::to_string(gpu.major) + "." +
                std::to_string(gpu.minor) + ")";
      continue;
    }
    facts.gpus.push_back(gpu);
  }
  if (facts.gpus.empty()) {
    facts.reason = "no GPU with compute capability 8.0 or newer; found " + too_old;
    return facts;
  }
  facts.usable = true;
  return facts;  // the library stays mapped: the CUDA runtime uses it next
}

}  // namespace

const DriverFacts& driver_facts() {
  static std::once_flag once;
  static DriverFacts facts;
  std::call_once(once, [] { facts = look(); });
  return facts;
}

std::string cuda_version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

}  // namespace braid::cuda
