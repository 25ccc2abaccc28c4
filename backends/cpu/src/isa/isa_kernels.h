// The entry points each instruction-set path implements (isa/*_avx512.cpp, isa/*_avx2.cpp; the
// list is kernel_decls.inc), and the dispatch to the active one.
#pragma once

#include <cstdint>

#include "attention_plan.h"
#include "braid/cpu/attention.h"
#include "braid/cpu/cpu_features.h"
#include "braid/cpu/elementwise.h"
#include "braid/cpu/quant_matmul.h"
#include "braid/cpu/rope.h"

namespace braid::cpu::avx512 {
#include "isa/kernel_decls.inc"
}  // namespace braid::cpu::avx512

namespace braid::cpu::avx2 {
#include "isa/kernel_decls.inc"
}  // namespace braid::cpu::avx2

/// Calls ns::fn(args...) for the active path; the caller has checked active_isa() != None.
#define BRAID_CPU_DISPATCH(fn, ...)                                                                \
  (::braid::cpu::active_isa() == ::braid::cpu::Isa::Avx512 ? ::braid::cpu::avx512::fn(__VA_ARGS__) \
                                                           : ::braid::cpu::avx2::fn(__VA_ARGS__))
