// Argument checks, activation buffers and dispatch for quant_matmul.h; the kernels themselves are
// in isa/quant_*_impl.h, the repacking in repack.cpp.
#include "braid/cpu/quant_matmul.h"

#include <cmath>
#include <cstdlib>

#include "isa/isa_kernels.h"
#include "kernel_checks.h"

namespace braid::cpu {
namespace {

constexpr size_t kAlign = 64;

size_t align_up(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// Byte offsets of the four arrays of QuantizedActivations inside one allocation.
struct ActivationLayout {
  size_t q = 0, d = 0, sum32 = 0, sum16 = 0, total = 0;
};

ActivationLayout activation_layout(int64_t rows, int64_t k) {
  const auto r = static_cast<size_t>(rows);
  const auto kp = static_cast<size_t>(quant_padded_k(k));
  const size_t blocks = kp / 32;
  ActivationLayout l;
  l.q = 0;
  l.d = align_up(r * kp);
  l.sum32 = l.d + align_up(r * blocks * sizeof(float));
  l.sum16 = l.sum32 + align_up(r * blocks * sizeof(int32_t));
  l.total = l.sum16 + align_up(r * blocks * 2 * sizeof(int32_t));
  return l;
}

core::Status check_isa(const char* fn) {
  if (active_isa() == Isa::None) {
    return core::not_supported("[cpu::", fn,
                               "] this CPU lacks AVX2/FMA/F16C (has: ", cpu_feature_string(), ")");
  }
  return core::Status::ok();
}

core::Status check_product(const char* fn,
                           core::DType dtype,
                           int64_t n,
                           int64_t k,
                           const QuantizedActivations& a,
                           const float* y,
                           int64_t ldy) {
  if (a.rows < 1 || a.q == nullptr) {
    return core::invalid_argument("[cpu::", fn, "] no activation rows");
  }
  if (a.k != k || a.k_padded != quant_padded_k(k)) {
    return core::invalid_argument("[cpu::", fn, "] activations have k = ", a.k, ", weights ",
                                  core::dtype_name(dtype), " [", n, ", ", k, "] need k = ", k);
  }
  if (y == nullptr || ldy < n) {
    return core::invalid_argument("[cpu::", fn, "] output row stride ", ldy, " < n = ", n);
  }
  return check_isa(fn);
}

}  // namespace

bool quant_matmul_supports(core::DType dtype) {
  switch (dtype) {
    case core::DType::Q8_0:
    case core::DType::Q4_0:
    case core::DType::Q4_K:
    case core::DType::Q5_K:
    case core::DType::Q6_K:
      return true;
    default:
      return false;
  }
}

// ---- activations -------------------------------------------------------------------------------

void ActivationBuffer::Free::operator()(void* p) const { std::free(p); }

core::Status ActivationBuffer::reserve(int64_t rows, int64_t k) {
  const size_t need = activation_layout(rows, k).total;
  if (need <= capacity_) return core::Status::ok();
  void* p = std::aligned_alloc(kAlign, need);
  if (p == nullptr) {
    return core::Status(core::StatusCode::OutOfMemory,
                        core::str_cat("[cpu::ActivationBuffer] cannot allocate ", need, " bytes"));
  }
  memory_.reset(static_cast<uint8_t*>(p));
  capacity_ = need;
  return core::Status::ok();
}

core::Result<QuantizedActivations> ActivationBuffer::quantize(
    const float* x, int64_t rows, int64_t k, int64_t ldx, int n_threads) {
  if (rows < 1 || k < 1 || ldx < k || x == nullptr) {
    return core::invalid_argument("[cpu::ActivationBuffer::quantize] rows = ", rows, ", k = ", k,
                                  ", ldx = ", ldx, ": need rows >= 1, k >= 1, ldx >= k");
  }
  BRAID_TRY(check_isa("ActivationBuffer::quantize"));
  BRAID_TRY(reserve(rows, k));
  const ActivationLayout l = activation_layout(rows, k);
  uint8_t* base = memory_.get();
  QuantizedActivations a;
  a.rows = rows;
  a.k = k;
  a.k_padded = quant_padded_k(k);
  a.q = reinterpret_cast<int8_t*>(base + l.q);
  a.d = reinterpret_cast<float*>(base + l.d);
  a.sum32 = reinterpret_cast<int32_t*>(base + l.sum32);
  a.sum16 = reinterpret_cast<int32_t*>(base + l.sum16);
  BRAID_CPU_DISPATCH(quantize_activations, x, ldx, a, resolve_threads(n_threads));
  return a;
}

void quantize_activation_row_reference(
    const float* x, int64_t k, int8_t* q, float* d, int32_t* sum32, int32_t* sum16) {
  const int64_t kp = quant_padded_k(k);
  for (int64_t b = 0; b < kp / 32; ++b) {
    float v[32];
    float amax = 0;
    for (int i = 0; i < 32; ++i) {
      const int64_t j = 32 * b + i;
      v[i] = j < k ? x[j] : 0.0f;
      amax = std::fmax(amax, std::fabs(v[i]));
    }
    const float scale = amax / 127.0f;
    const float inverse = scale != 0 ? 1.0f / scale : 0.0f;
    int32_t s[2] = {0, 0};
    for (int i = 0; i < 32; ++i) {
      const auto code = static_cast<int32_t>(std::nearbyint(v[i] * inverse));
      q[32 * b + i] = static_cast<int8_t>(code);
      s[i / 16] += code;
    }
    d[b] = scale;
    sum16[2 * b] = s[0];
    sum16[2 * b + 1] = s[1];
    sum32[b] = s[0] + s[1];
  }
}

// ---- weights -----------------------------------------------------------------------------------

core::Status validate(const GgufMatrix& w) {
  if (!quant_matmul_supports(w.dtype)) {
    return core::not_supported("[cpu::quant_matmul] weights of type ", core::dtype_name(w.dtype),
                               " (supported: Q8_0, Q4_0, Q4_K, Q5_K, Q6_K)");
  }
  const auto& info = core::dtype_info(w.dtype);
  if (w.n < 1 || w.k < 1 || w.k % info.block_size != 0) {
    return core::invalid_argument("[cpu::quant_matmul] ", info.name, " weights [", w.n, ", ", w.k,
                                  "]: need n >= 1 and k a positive multiple of ", info.block_size);
  }
  const int64_t row_bytes = w.k / info.block_size * info.block_bytes;
  if (w.data == nullptr || w.row_stride < row_bytes) {
    return core::invalid_argument("[cpu::quant_matmul] ", info.name, " weights [", w.n, ", ", w.k,
                                  "]: row stride ", w.row_stride, " < row size ", row_bytes);
  }
  return core::Status::ok();
}

void RepackedMatrix::Free::operator()(uint8_t* p) const { std::free(p); }

core::Result<RepackedMatrix> RepackedMatrix::create(const GgufMatrix& src, int n_threads) {
  BRAID_ASSIGN_OR_RETURN(const int64_t bytes, repacked_bytes(src.dtype, src.n, src.k));
  BRAID_TRY(validate(src));
  void* p = std::aligned_alloc(kAlign, align_up(static_cast<size_t>(bytes)));
  if (p == nullptr) {
    return core::Status(core::StatusCode::OutOfMemory,
                        core::str_cat("[cpu::RepackedMatrix] cannot allocate ", bytes, " bytes"));
  }
  RepackedMatrix m;
  m.data_.reset(static_cast<uint8_t*>(p));
  m.dtype_ = src.dtype;
  m.n_ = src.n;
  m.k_ = src.k;
  m.bytes_ = bytes;
  BRAID_TRY(repack_weights(src, p, n_threads));
  return m;
}

// ---- the products ------------------------------------------------------------------------------

core::Status quant_matmul(const GgufMatrix& w,
                          const QuantizedActivations& a,
                          const float* bias,
                          float* y,
                          int64_t ldy,
                          int n_threads) {
  BRAID_TRY(validate(w));
  BRAID_TRY(check_product("quant_matmul", w.dtype, w.n, w.k, a, y, ldy));
  BRAID_CPU_DISPATCH(quant_matmul_rows, w, a, bias, y, ldy, resolve_threads(n_threads));
  return core::Status::ok();
}

core::Status quant_matmul(const RepackedView& w,
                          const QuantizedActivations& a,
                          const float* bias,
                          float* y,
                          int64_t ldy,
                          int n_threads) {
  BRAID_TRY(repacked_bytes(w.dtype, w.n, w.k).status());
  if (w.data == nullptr || reinterpret_cast<uintptr_t>(w.data) % kAlign != 0) {
    return core::invalid_argument("[cpu::quant_matmul] repacked weights must be 64-byte aligned");
  }
  BRAID_TRY(check_product("quant_matmul", w.dtype, w.n, w.k, a, y, ldy));
  BRAID_CPU_DISPATCH(quant_matmul_repacked, w, a, bias, y, ldy, resolve_threads(n_threads));
  return core::Status::ok();
}

}  // namespace braid::cpu
