// The quantized-matmul kernels for the avx512 path (built with its flags; see CMakeLists.txt).
#include "isa/simd_avx512.h"
// clang-format off
#define BRAID_CPU_ISA_NS avx512
#include "isa/isa_kernels.h"
#include "isa/quant_repacked_impl.h"
#include "isa/quant_rows_impl.h"
#include "isa/int8_gemm_impl.h"
// clang-format on
