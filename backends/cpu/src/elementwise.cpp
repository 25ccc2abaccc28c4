// Argument checks and dispatch for norm.h, rope.h, softmax.h and elementwise.h; the kernels are in
// isa/elementwise_impl.h.
#include "braid/cpu/elementwise.h"

#include <cmath>

#include "braid/cpu/norm.h"
#include "braid/cpu/rope.h"
#include "braid/cpu/softmax.h"
#include "isa/isa_kernels.h"
#include "kernel_checks.h"

namespace braid::cpu {
namespace {

using detail::check_isa;
using detail::check_rows;

core::Status null_pointer(const char* fn) {
  return core::invalid_argument("[cpu::", fn, "] a required pointer is null");
}

core::Status check_flat(const char* fn, int64_t n) {
  if (n < 0) return core::invalid_argument("[cpu::", fn, "] n = ", n, " < 0");
  return check_isa(fn);
}

}  // namespace

core::Status rms_norm(const float* x,
                      int64_t ldx,
                      const float* weight,
                      float* y,
                      int64_t ldy,
                      int64_t rows,
                      int64_t n,
                      float eps,
                      int n_threads) {
  BRAID_TRY(check_rows("rms_norm", rows, n, ldx, "ldx"));
  BRAID_TRY(check_rows("rms_norm", rows, n, ldy, "ldy"));
  if (x == nullptr || y == nullptr) return null_pointer("rms_norm");
  BRAID_TRY(check_isa("rms_norm"));
  BRAID_CPU_DISPATCH(rms_norm_rows, x, ldx, weight, y, ldy, rows, n, eps,
                     resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status layer_norm(const float* x,
                        int64_t ldx,
                        const float* weight,
                        const float* bias,
                        float* y,
                        int64_t ldy,
                        int64_t rows,
                        int64_t n,
                        float eps,
                        int n_threads) {
  BRAID_TRY(check_rows("layer_norm", rows, n, ldx, "ldx"));
  BRAID_TRY(check_rows("layer_norm", rows, n, ldy, "ldy"));
  if (x == nullptr || y == nullptr) return null_pointer("layer_norm");
  BRAID_TRY(check_isa("layer_norm"));
  BRAID_CPU_DISPATCH(layer_norm_rows, x, ldx, weight, bias, y, ldy, rows, n, eps,
                     resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status softmax(const float* x,
                     int64_t ldx,
                     float* y,
                     int64_t ldy,
                     int64_t rows,
                     int64_t n,
                     float scale,
                     const float* mask,
                     int64_t ld_mask,
                     int n_threads) {
  BRAID_TRY(check_rows("softmax", rows, n, ldx, "ldx"));
  BRAID_TRY(check_rows("softmax", rows, n, ldy, "ldy"));
  if (mask != nullptr && ld_mask != 0)
    BRAID_TRY(check_rows("softmax", rows, n, ld_mask, "ld_mask"));
  if (x == nullptr || y == nullptr) return null_pointer("softmax");
  BRAID_TRY(check_isa("softmax"));
  BRAID_CPU_DISPATCH(softmax_rows, x, ldx, y, ldy, rows, n, scale, mask, ld_mask,
                     resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status rope(const float* x,
                  float* y,
                  int64_t n_tokens,
                  int64_t n_heads,
                  int64_t head_dim,
                  int64_t ld_token,
                  const int32_t* positions,
                  const RopeParams& params,
                  int n_threads) {
  constexpr int kMaxRot = 1024;  // the kernel's per-token tables live on the stack
  if (n_tokens < 0 || n_heads < 1 || head_dim < 1 || ld_token < n_heads * head_dim) {
    return core::invalid_argument("[cpu::rope] n_tokens = ", n_tokens, ", n_heads = ", n_heads,
                                  ", head_dim = ", head_dim, ", ld_token = ", ld_token,
                                  ": need positive sizes and ld_token >= n_heads * head_dim");
  }
  if (params.n_rot < 2 || params.n_rot % 2 != 0 || params.n_rot > head_dim ||
      params.n_rot > kMaxRot) {
    return core::invalid_argument("[cpu::rope] n_rot = ", params.n_rot,
                                  ": need an even value in [2, min(head_dim = ", head_dim, ", ",
                                  kMaxRot, ")]");
  }
  if (params.mode != RopeMode::Adjacent && params.mode != RopeMode::HalfSplit) {
    return core::invalid_argument("[cpu::rope] unknown mode ", static_cast<int>(params.mode));
  }
  if (!(params.freq_base > 0) || !std::isfinite(params.freq_scale)) {
    return core::invalid_argument("[cpu::rope] freq_base = ", params.freq_base,
                                  ", freq_scale = ", params.freq_scale);
  }
  if (x == nullptr || y == nullptr || (positions == nullptr && n_tokens > 0)) {
    return null_pointer("rope");
  }
  BRAID_TRY(check_isa("rope"));
  // Frequencies in double: base^(−2i/n_rot) / factor_i.
  double inv_freq[kMaxRot / 2];
  const int half = params.n_rot / 2;
  for (int i = 0; i < half; ++i) {
    inv_freq[i] = std::pow(static_cast<double>(params.freq_base),
                           -2.0 * i / static_cast<double>(params.n_rot));
    if (params.freq_factors != nullptr) inv_freq[i] /= static_cast<double>(params.freq_factors[i]);
  }
  BRAID_CPU_DISPATCH(rope_tokens, x, y, n_tokens, n_heads, head_dim, ld_token, positions, inv_freq,
                     params.n_rot, params.freq_scale, params.mode, resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status activation(Activation f, const float* x, float* y, int64_t n, int n_threads) {
  BRAID_TRY(check_flat("activation", n));
  if (x == nullptr || y == nullptr) return null_pointer("activation");
  BRAID_CPU_DISPATCH(unary, f, x, y, n, resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status swiglu(const float* gate, const float* up, float* y, int64_t n, int n_threads) {
  BRAID_TRY(check_flat("swiglu", n));
  if (gate == nullptr || up == nullptr || y == nullptr) return null_pointer("swiglu");
  BRAID_CPU_DISPATCH(swiglu_values, gate, up, y, n, resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status binary(BinaryOp op,
                    const float* a,
                    int64_t lda,
                    const float* b,
                    int64_t ldb,
                    float* y,
                    int64_t ldy,
                    int64_t rows,
                    int64_t n,
                    int n_threads) {
  BRAID_TRY(check_rows("binary", rows, n, lda, "lda"));
  BRAID_TRY(check_rows("binary", rows, n, ldy, "ldy"));
  if (ldb != 0) BRAID_TRY(check_rows("binary", rows, n, ldb, "ldb"));
  if (a == nullptr || b == nullptr || y == nullptr) return null_pointer("binary");
  BRAID_TRY(check_isa("binary"));
  BRAID_CPU_DISPATCH(binary_rows, op, a, lda, b, ldb, y, ldy, rows, n, resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status scale(const float* x, float* y, int64_t n, float s, float bias, int n_threads) {
  BRAID_TRY(check_flat("scale", n));
  if (x == nullptr || y == nullptr) return null_pointer("scale");
  BRAID_CPU_DISPATCH(scale_values, x, y, n, s, bias, resolve_threads(n_threads));
  return core::Status::ok();
}

}  // namespace braid::cpu
