// The F16/BF16 GEMV for the avx2 path (built with its flags).
#include "isa/simd_avx2.h"
// clang-format off
#define BRAID_CPU_ISA_NS avx2
#include "isa/isa_kernels.h"
#include "isa/half_gemv_impl.h"
// clang-format on
