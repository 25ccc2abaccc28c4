#include "braid/cpu/half_gemv.h"

#include "isa/isa_kernels.h"

namespace braid::cpu {

core::Status half_gemv(HalfType type,
                       const uint16_t* w,
                       int64_t n,
                       int64_t k,
                       int64_t row_stride,
                       const float* x,
                       int64_t m,
                       const float* bias,
                       float* y,
                       int n_threads) {
  if (n < 1 || k < 1 || row_stride < k || m < 1 || m > kHalfGemvMaxRows) {
    return core::invalid_argument(
        "[cpu half_gemv] n ", n, ", k ", k, ", row stride ", row_stride, ", m ", m,
        ": need n, k >= 1, a stride >= k and 1 <= m <= ", kHalfGemvMaxRows);
  }
  if (w == nullptr || x == nullptr || y == nullptr) {
    return core::invalid_argument("[cpu half_gemv] null weights, input or output");
  }
  if (active_isa() == Isa::None) {
    return core::not_supported(
        "[cpu half_gemv] this CPU lacks AVX2/FMA/F16C (has: ", cpu_feature_string(), ")");
  }
  BRAID_CPU_DISPATCH(half_gemv_rows, type == HalfType::BF16, w, n, k, row_stride, x, m, bias, y,
                     n_threads < 1 ? 1 : n_threads);
  return core::Status::ok();
}

}  // namespace braid::cpu
