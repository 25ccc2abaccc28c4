// The panel f32 GEMM for the avx2 path (built with its flags).
#include "isa/simd_avx2.h"
// clang-format off
#define BRAID_CPU_ISA_NS avx2
#include "isa/isa_kernels.h"
#include "isa/gemm_f32_impl.h"
// clang-format on
