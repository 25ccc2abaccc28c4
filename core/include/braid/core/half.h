// Conversions between f32 and the two 16-bit float formats GGUF stores: IEEE binary16 (F16) and
// bfloat16 (BF16, the upper half of an f32).
#pragma once

#include <cstdint>

namespace braid::core {

/// IEEE binary16 bits to f32; exact for every input, including subnormals, inf and NaN.
float fp16_to_f32(uint16_t bits);
/// f32 to IEEE binary16 bits, round to nearest even; overflow gives inf, NaN stays NaN.
uint16_t f32_to_fp16(float value);

/// bfloat16 bits to f32 (exact: the bits become the upper half).
float bf16_to_f32(uint16_t bits);
/// f32 to bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
uint16_t f32_to_bf16(float value);

}  // namespace braid::core
