// Turning CUDA and cuBLAS failures into plugin errors with the call that failed, and owned
// device memory.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <utility>

#include "braid/plugin_types.h"

namespace braid::cuda {

/// Throws plugin::Error naming `what` when `rc` is not cudaSuccess (out-of-memory keeps its
/// own status so the host can say so).
inline void check(cudaError_t rc, const char* what) {
  if (rc == cudaSuccess) return;
  const braid_status status =
      rc == cudaErrorMemoryAllocation ? BRAID_STATUS_OUT_OF_MEMORY : BRAID_STATUS_DEVICE_ERROR;
  plugin::fail(status, "[cuda] ", what, ": ", cudaGetErrorString(rc));
}

inline void check(cublasStatus_t rc, const char* what) {
  if (rc == CUBLAS_STATUS_SUCCESS) return;
  plugin::fail(BRAID_STATUS_DEVICE_ERROR, "[cuda] ", what, ": cuBLAS status ",
               static_cast<int>(rc));
}

/// cudaMalloc'd memory, freed on destruction. Move-only.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  explicit DeviceMemory(uint64_t bytes) : bytes_(bytes) {
    if (bytes > 0) check(cudaMalloc(&ptr_, bytes), "cudaMalloc");
  }
  DeviceMemory(DeviceMemory&& other) noexcept { *this = std::move(other); }
  DeviceMemory& operator=(DeviceMemory&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  ~DeviceMemory() {
    if (ptr_) cudaFree(ptr_);
  }
  uint8_t* data() const { return static_cast<uint8_t*>(ptr_); }
  uint64_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace braid::cuda
