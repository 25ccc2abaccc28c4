// Argument checks shared by the public kernel functions (generic translation units only).
#pragma once

#include <cstdint>

#include "braid/core/status.h"
#include "braid/cpu/cpu_features.h"

namespace braid::cpu::detail {

/// NotSupported when neither kernel path can run on this CPU.
inline core::Status check_isa(const char* fn) {
  if (active_isa() == Isa::None) {
    return core::not_supported("[cpu::", fn,
                               "] this CPU lacks AVX2/FMA/F16C (has: ", cpu_feature_string(), ")");
  }
  return core::Status::ok();
}

/// rows >= 0, n >= 1, and each leading dimension at least n (0 allowed where `broadcast_ok`).
inline core::Status check_rows(
    const char* fn, int64_t rows, int64_t n, int64_t ld, const char* ld_name) {
  if (rows < 0 || n < 1) {
    return core::invalid_argument("[cpu::", fn, "] rows = ", rows, ", n = ", n,
                                  ": need rows >= 0 and n >= 1");
  }
  if (ld < n) return core::invalid_argument("[cpu::", fn, "] ", ld_name, " = ", ld, " < n = ", n);
  return core::Status::ok();
}

}  // namespace braid::cpu::detail
