// PanelGemmF32 (gemm.h): packing and dispatch; the kernel is isa/gemm_f32_impl.h.
#include <cstdlib>
#include <cstring>

#include "braid/cpu/gemm.h"
#include "isa/isa_kernels.h"
#include "kernel_checks.h"

namespace braid::cpu {

void PanelGemmF32::Free::operator()(float* p) const { std::free(p); }

core::Result<std::unique_ptr<PanelGemmF32>> PanelGemmF32::create(
    const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias) {
  if (w == nullptr || n < 1 || k < 1 || ldw < k) {
    return core::invalid_argument("[cpu::PanelGemmF32] weights [", n, ", ", k, "] with row stride ",
                                  ldw, ": need positive sizes and ldw >= k");
  }
  BRAID_TRY(detail::check_isa("PanelGemmF32"));
  const int64_t panels = (n + 15) / 16;
  const auto bytes = static_cast<size_t>(panels * k * 16) * sizeof(float);
  auto* memory = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  if (memory == nullptr) {
    return core::Status(core::StatusCode::OutOfMemory,
                        core::str_cat("[cpu::PanelGemmF32] cannot allocate ", bytes, " bytes"));
  }
  std::unique_ptr<PanelGemmF32> gemm(new PanelGemmF32());
  gemm->panels_.reset(memory);
  gemm->n_ = n;
  gemm->k_ = k;
  if (bias != nullptr) gemm->bias_.assign(bias, bias + n);
  // Panel p, step kk holds W[16p .. 16p + 15, kk] (zeros past n).
  for (int64_t p = 0; p < panels; ++p) {
    float* panel = memory + p * k * 16;
    for (int64_t kk = 0; kk < k; ++kk) {
      for (int64_t c = 0; c < 16; ++c) {
        const int64_t row = 16 * p + c;
        panel[kk * 16 + c] = row < n ? w[row * ldw + kk] : 0.0f;
      }
    }
  }
  return gemm;
}

core::Status PanelGemmF32::run(const float* x, int64_t m, float* y, int n_threads) const {
  if (m < 0 || (m > 0 && (x == nullptr || y == nullptr))) {
    return core::invalid_argument("[cpu::PanelGemmF32::run] m = ", m, " or null x / y");
  }
  if (m == 0) return core::Status::ok();
  BRAID_CPU_DISPATCH(gemm_f32_panels, x, m, k_, panels_.get(), n_,
                     bias_.empty() ? nullptr : bias_.data(), y, resolve_threads(n_threads));
  return core::Status::ok();
}

}  // namespace braid::cpu
