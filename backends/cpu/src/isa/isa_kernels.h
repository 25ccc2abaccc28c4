// The entry points each instruction-set path implements (isa/*_avx512.cpp, isa/*_avx2.cpp), and
// the dispatch to the active one. Arguments are validated by the public functions before they get
// here: these trust their inputs.
#pragma once

#include <cstdint>

#include "braid/cpu/cpu_features.h"
#include "braid/cpu/quant_matmul.h"

#define BRAID_CPU_DECLARE_ISA_KERNELS(ns)                    \
  namespace braid::cpu::ns {                                 \
  void quantize_activations(const float* x,                  \
                            int64_t ldx,                     \
                            const QuantizedActivations& out, \
                            int n_threads);                  \
  void quant_matmul_repacked(const RepackedView& w,          \
                             const QuantizedActivations& a,  \
                             const float* bias,              \
                             float* y,                       \
                             int64_t ldy,                    \
                             int n_threads);                 \
  void quant_matmul_rows(const GgufMatrix& w,                \
                         const QuantizedActivations& a,      \
                         const float* bias,                  \
                         float* y,                           \
                         int64_t ldy,                        \
                         int n_threads);                     \
  }

BRAID_CPU_DECLARE_ISA_KERNELS(avx512)
BRAID_CPU_DECLARE_ISA_KERNELS(avx2)

/// Calls ns::fn(args...) for the active path; the caller has checked active_isa() != None.
#define BRAID_CPU_DISPATCH(fn, ...)                                                                \
  (::braid::cpu::active_isa() == ::braid::cpu::Isa::Avx512 ? ::braid::cpu::avx512::fn(__VA_ARGS__) \
                                                           : ::braid::cpu::avx2::fn(__VA_ARGS__))
