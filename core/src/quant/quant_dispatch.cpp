// quant.h: one table row per convertible type, argument checks, and the loops over a row's blocks.
// The per-block arithmetic lives in quant_legacy.cpp and quant_k.cpp.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "braid/core/half.h"
#include "braid/core/quant.h"
#include "quant_internal.h"

namespace braid::core {
namespace {

using namespace quant_detail;

// Block structs are copied to and from the byte stream as they lie in memory; GGUF is
// little-endian, and so must the host be.
static_assert(std::endian::native == std::endian::little, "GGUF blocks are little-endian");

/// Decodes n_values values (a whole number of blocks) from src.
using DequantizeRowFn = void (*)(const uint8_t* src, float* dst, int64_t n_values);
/// Encodes n_values finite values into dst. Returns the index of the first block whose scale
/// does not fit its storage (decodes to inf or NaN), or -1 when every block is fine.
using QuantizeRowFn = int64_t (*)(const float* src, uint8_t* dst, int64_t n_values);

struct Codec {
  DType dtype;
  DequantizeRowFn dequantize;
  QuantizeRowFn quantize;
  /// The largest magnitude the format can represent at all: the largest fp16 scale (65504) times
  /// the largest multiplier a value can get (quant level, times the 6- or 8-bit sub-block scale
  /// for K-quants, plus the min where there is one). Inputs beyond it are rejected up front; this
  /// also keeps the K-quant searches' sums of squares far from f32 overflow.
  float max_magnitude;
};

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kHalfMax = 65504.0f;

// ---- block types: copy each block through its struct (src and dst may be unaligned) ----------

template <typename Block, int kValues>
void dequantize_blocks(const uint8_t* src, float* dst, int64_t n_values) {
  for (int64_t b = 0; b < n_values / kValues; ++b) {
    Block block;
    std::memcpy(&block, src + b * sizeof(Block), sizeof(Block));
    dequantize_block(block, dst + b * kValues);
  }
}

template <typename Block, int kValues>
int64_t quantize_blocks(const float* src, uint8_t* dst, int64_t n_values) {
  int64_t first_bad = -1;
  for (int64_t b = 0; b < n_values / kValues; ++b) {
    Block block;
    quantize_block(src + b * kValues, block);
    std::memcpy(dst + b * sizeof(Block), &block, sizeof(Block));
    // Finite inputs can still overflow an fp16 scale (|x| beyond ~65504 · levels). Decoding the
    // block is the simplest complete check: every value is finite iff every scale is.
    float decoded[kValues];
    dequantize_block(block, decoded);
    for (float v : decoded) {
      if (!std::isfinite(v) && first_bad < 0) first_bad = b;
    }
  }
  return first_bad;
}

// ---- plain types --------------------------------------------------------------------------------

void dequantize_f32(const uint8_t* src, float* dst, int64_t n_values) {
  std::memcpy(dst, src, static_cast<size_t>(n_values) * sizeof(float));
}

int64_t quantize_f32(const float* src, uint8_t* dst, int64_t n_values) {
  std::memcpy(dst, src, static_cast<size_t>(n_values) * sizeof(float));
  return -1;
}

template <float (*kToF32)(uint16_t)>
void dequantize_halves(const uint8_t* src, float* dst, int64_t n_values) {
  for (int64_t i = 0; i < n_values; ++i) {
    uint16_t bits;
    std::memcpy(&bits, src + 2 * i, sizeof(bits));
    dst[i] = kToF32(bits);
  }
}

// F16 and BF16 store inf and NaN like f32 does: nothing to reject.
template <uint16_t (*kFromF32)(float)>
int64_t quantize_halves(const float* src, uint8_t* dst, int64_t n_values) {
  for (int64_t i = 0; i < n_values; ++i) {
    const uint16_t bits = kFromF32(src[i]);
    std::memcpy(dst + 2 * i, &bits, sizeof(bits));
  }
  return -1;
}

constexpr Codec kCodecs[] = {
    {DType::F32, &dequantize_f32, &quantize_f32, kInf},
    {DType::F16, &dequantize_halves<&fp16_to_f32>, &quantize_halves<&f32_to_fp16>, kInf},
    {DType::BF16, &dequantize_halves<&bf16_to_f32>, &quantize_halves<&f32_to_bf16>, kInf},
    {DType::Q8_0, &dequantize_blocks<BlockQ8_0, 32>, &quantize_blocks<BlockQ8_0, 32>,
     kHalfMax * 128},
    {DType::Q4_0, &dequantize_blocks<BlockQ4_0, 32>, &quantize_blocks<BlockQ4_0, 32>, kHalfMax * 8},
    {DType::Q4_1, &dequantize_blocks<BlockQ4_1, 32>, &quantize_blocks<BlockQ4_1, 32>,
     kHalfMax * 16},
    {DType::Q5_0, &dequantize_blocks<BlockQ5_0, 32>, &quantize_blocks<BlockQ5_0, 32>,
     kHalfMax * 16},
    {DType::Q5_1, &dequantize_blocks<BlockQ5_1, 32>, &quantize_blocks<BlockQ5_1, 32>,
     kHalfMax * 32},
    {DType::Q4_K, &dequantize_blocks<BlockQ4_K, 256>, &quantize_blocks<BlockQ4_K, 256>,
     kHalfMax * 63 * 16},
    {DType::Q5_K, &dequantize_blocks<BlockQ5_K, 256>, &quantize_blocks<BlockQ5_K, 256>,
     kHalfMax * 63 * 32},
    {DType::Q6_K, &dequantize_blocks<BlockQ6_K, 256>, &quantize_blocks<BlockQ6_K, 256>,
     kHalfMax * 128 * 32},
};

const Codec* find_codec(DType dtype) {
  for (const auto& codec : kCodecs) {
    if (codec.dtype == dtype) return &codec;
  }
  return nullptr;
}

// The checks both directions share: a routine exists, the count is a whole number of blocks,
// and the pointers are there when there is something to convert.
Result<const Codec*> checked_codec(
    std::string_view function, DType dtype, int64_t n_values, const void* src, const void* dst) {
  const DTypeInfo& info = dtype_info(dtype);
  const Codec* codec = find_codec(dtype);
  if (codec == nullptr) {
    return not_supported("[quant::", function, "] no f32 conversion for type ", info.name,
                         " (GGUF type id ", static_cast<uint32_t>(dtype), ")");
  }
  if (n_values < 0) {
    return invalid_argument("[quant::", function, "] ", info.name, ": negative value count ",
                            n_values);
  }
  if (n_values % info.block_size != 0) {
    return invalid_argument("[quant::", function, "] ", info.name, ": ", n_values,
                            " values is not a multiple of the block size ", info.block_size);
  }
  if (n_values > 0 && (src == nullptr || dst == nullptr)) {
    return invalid_argument("[quant::", function, "] ", info.name, ": null ",
                            src == nullptr ? "src" : "dst", " for ", n_values, " values");
  }
  return codec;
}

float largest_magnitude(const float* values, int64_t n) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(values[i]));
  return amax;
}

}  // namespace

bool is_convertible(DType dtype) { return find_codec(dtype) != nullptr; }

Status dequantize_row(DType dtype, const void* src, float* dst, int64_t n_values) {
  BRAID_ASSIGN_OR_RETURN(const Codec* codec,
                         checked_codec("dequantize_row", dtype, n_values, src, dst));
  if (n_values > 0) codec->dequantize(static_cast<const uint8_t*>(src), dst, n_values);
  return Status::ok();
}

Status quantize_row(DType dtype, const float* src, void* dst, int64_t n_values) {
  BRAID_ASSIGN_OR_RETURN(const Codec* codec,
                         checked_codec("quantize_row", dtype, n_values, src, dst));
  if (n_values == 0) return Status::ok();
  const DTypeInfo& info = dtype_info(dtype);
  if (info.quantized) {
    // Checked up front so nothing is written for a rejected row: a NaN or inf would poison the
    // block's scale search (the reference quantizers assume finite input).
    for (int64_t i = 0; i < n_values; ++i) {
      if (!std::isfinite(src[i])) {
        return invalid_argument("[quant::quantize_row] ", info.name, ": value ", i, " is ",
                                std::isnan(src[i]) ? "NaN" : "infinite",
                                "; block types store finite values only");
      }
      if (std::fabs(src[i]) > codec->max_magnitude) {
        return out_of_range("[quant::quantize_row] ", info.name, ": value ", i, " = ", src[i],
                            " is beyond the largest magnitude the type can store (",
                            codec->max_magnitude, ")");
      }
    }
  }
  const int64_t bad_block = codec->quantize(src, static_cast<uint8_t*>(dst), n_values);
  if (bad_block >= 0) {
    const int64_t first = bad_block * info.block_size;
    return out_of_range("[quant::quantize_row] ", info.name, ": block ", bad_block, " (values ",
                        first, "..", first + info.block_size - 1, ", largest magnitude ",
                        largest_magnitude(src + first, info.block_size),
                        ") needs a scale beyond the fp16 range");
  }
  return Status::ok();
}

}  // namespace braid::core
