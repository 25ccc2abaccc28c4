// The K-quant super-block types: Q4_K, Q5_K (affine: scale and min per 32-value sub-block) and
// Q6_K (symmetric: one signed scale per 16-value sub-block).
//
// Quantizers mirror llama.cpp's quantize_row_{q4_K,q5_K,q6_K}_ref, which `llama-quantize` uses when
// no importance matrix is given:
//   1. fit each sub-block on its own with a small search over candidate scales
//      (make_qkx2_quants for Q4_K/Q5_K, make_qx_quants with weights x² for Q6_K);
//   2. quantize the sub-block scales (and mins) against the super-block's largest one: 6 bits for
//      Q4_K/Q5_K, signed 8 bits for Q6_K;
//   3. requantize every value with the scale it will actually be decoded with.
// Every expression keeps the reference's operand order so f32 rounding agrees bit for bit.
#include <cmath>
#include <cstring>

#include "braid/core/half.h"
#include "quant_internal.h"

namespace braid::core::quant_detail {
namespace {

constexpr int kSuper = kQuantSuperBlock;
constexpr int kAffineSub = 32;  // Q4_K / Q5_K sub-block
constexpr int kAffineSubs = kSuper / kAffineSub;
constexpr int kSymSub = 16;  // Q6_K sub-block
constexpr int kSymSubs = kSuper / kSymSub;
// ggml's GROUP_MAX_EPS: a group whose largest magnitude is below it counts as all zeros.
constexpr float kGroupMaxEps = 1e-15f;

// ---- Q4_K / Q5_K ------------------------------------------------------------------------------

// Search parameters of the reference per type: candidate inverse scales are
// (nmax + rmin + rdelta·i) / (max − min) for i = 0..nstep.
struct AffineSearch {
  int nmax;
  float rmin;
  float rdelta;
  int nstep;
};
constexpr AffineSearch kQ4KSearch{15, -1.0f, 0.1f, 20};
constexpr AffineSearch kQ5KSearch{31, -0.5f, 0.1f, 15};

// Fits x ≈ scale·q − offset (q in 0..nmax, offset >= 0) over one 32-value sub-block, minimizing
// the weighted squared error (make_qkx2_quants without MAD). Each candidate scale rounds the
// values, then solves the weighted least-squares line through (q, x) for scale and min; the best
// candidate wins. Writes the quants to q, returns the scale and stores the offset in *offset.
float fit_affine(
    const float* x, const float* weights, const AffineSearch& search, uint8_t* q, float* offset) {
  float min = x[0];
  float max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < kAffineSub; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0) min = 0;  // the offset only ever shifts down: positive data keeps min = 0
  if (max == min) {
    std::memset(q, 0, kAffineSub);
    *offset = -min;
    return 0.0f;
  }
  const auto nmax = static_cast<float>(search.nmax);
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < kAffineSub; ++i) {
    q[i] = static_cast<uint8_t>(std::clamp(nearest_int(iscale * (x[i] - min)), 0, search.nmax));
    const float diff = scale * q[i] + min - x[i];
    best_error += weights[i] * (diff * diff);
  }
  uint8_t candidate[kAffineSub];
  for (int step = 0; step <= search.nstep; ++step) {
    iscale = (search.rmin + search.rdelta * static_cast<float>(step) + nmax) / (max - min);
    float sum_l = 0;
    float sum_l2 = 0;
    float sum_xl = 0;
    for (int i = 0; i < kAffineSub; ++i) {
      const int l = std::clamp(nearest_int(iscale * (x[i] - min)), 0, search.nmax);
      candidate[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (!(det > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    float error = 0;
    for (int i = 0; i < kAffineSub; ++i) {
      const float diff = this_scale * candidate[i] + this_min - x[i];
      error += weights[i] * (diff * diff);
    }
    if (error < best_error) {
      std::memcpy(q, candidate, kAffineSub);
      best_error = error;
      scale = this_scale;
      min = this_min;
    }
  }
  *offset = -min;
  return scale;
}

// Writes the 6-bit scale and min of sub-block j into the 12-byte packed form: sub-blocks 0–3 keep
// their 6 bits in bytes 0–3 (scale) and 4–7 (min); sub-blocks 4–7 put their low 4 bits in byte
// j+4 (scale low, min high nibble) and their top 2 bits in bits 6–7 of bytes j−4 and j.
void put_scale_min(uint8_t* packed, int j, uint8_t scale, uint8_t min) {
  if (j < 4) {
    packed[j] = scale;
    packed[j + 4] = min;
  } else {
    packed[j + 4] = static_cast<uint8_t>((scale & 0x0f) | ((min & 0x0f) << 4));
    packed[j - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
    packed[j] |= static_cast<uint8_t>((min >> 4) << 6);
  }
}

// 6-bit code of `value` on a grid with step 1/inv (the reference stores the rounded int in a
// uint8_t before capping at 63, so we keep that wrap-around too).
uint8_t code6(float inv, float value) {
  const auto code = static_cast<uint8_t>(nearest_int(inv * value));
  return std::min<uint8_t>(63, code);
}

// Steps 1–3 for Q4_K and Q5_K: fills d, dmin, scales and the quants L (0..nmax) of one block.
template <typename Block>
void quantize_affine(const float* x, const AffineSearch& search, Block& block, uint8_t* L) {
  float scales[kAffineSubs];
  float offsets[kAffineSubs];
  float max_scale = 0;  // scales come out >= 0 because the min is subtracted
  float max_offset = 0;
  for (int j = 0; j < kAffineSubs; ++j) {
    const float* xs = x + kAffineSub * j;
    // Weights favour large values on top of the sub-block's RMS: av_x + |x|.
    float sum_x2 = 0;
    for (int l = 0; l < kAffineSub; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / kAffineSub);
    float weights[kAffineSub];
    for (int l = 0; l < kAffineSub; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = fit_affine(xs, weights, search, L + kAffineSub * j, &offsets[j]);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (offsets[j] > max_offset) max_offset = offsets[j];
  }

  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_offset = max_offset > 0 ? 63.f / max_offset : 0.f;
  std::memset(block.scales, 0, sizeof(block.scales));
  for (int j = 0; j < kAffineSubs; ++j) {
    put_scale_min(block.scales, j, code6(inv_scale, scales[j]), code6(inv_offset, offsets[j]));
  }
  block.d = f32_to_fp16(max_scale / 63.f);
  block.dmin = f32_to_fp16(max_offset / 63.f);

  // Requantize with the decoded scales; a sub-block whose scale decodes to 0 keeps its fit.
  for (int j = 0; j < kAffineSubs; ++j) {
    const ScaleMin sm = get_scale_min(block.scales, j);
    const float d = fp16_to_f32(block.d) * sm.scale;
    if (d == 0) continue;
    const float dm = fp16_to_f32(block.dmin) * sm.min;
    for (int i = 0; i < kAffineSub; ++i) {
      const int l = nearest_int((x[kAffineSub * j + i] + dm) / d);
      L[kAffineSub * j + i] = static_cast<uint8_t>(std::clamp(l, 0, search.nmax));
    }
  }
}

// ---- Q6_K -------------------------------------------------------------------------------------

// Fits x ≈ scale·q (q in −32..31) over one 16-value sub-block, weighting by x² (make_qx_quants with
// rmse_type 1): start from the scale that maps the signed extreme to −32, then try 18 nearby
// scales and keep the one with the best weighted least-squares fit. L gets q + 32.
float fit_symmetric(const float* x, uint8_t* L) {
  constexpr int kNmax = 32;
  float max = 0;
  float amax = 0;
  for (int i = 0; i < kSymSub; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, kSymSub);
    return 0.f;
  }
  auto quant = [](float iscale, float v) {
    return std::clamp(nearest_int(iscale * v), -kNmax, kNmax - 1);
  };
  float iscale = -static_cast<float>(kNmax) / max;
  float sumlx = 0;
  float suml2 = 0;
  for (int i = 0; i < kSymSub; ++i) {
    const int l = quant(iscale, x[i]);
    L[i] = static_cast<uint8_t>(l + kNmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    iscale = -(kNmax + 0.1f * static_cast<float>(step)) / max;
    sumlx = 0;
    suml2 = 0;
    for (int i = 0; i < kSymSub; ++i) {
      const int l = quant(iscale, x[i]);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < kSymSub; ++i) L[i] = static_cast<uint8_t>(quant(iscale, x[i]) + kNmax);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

}  // namespace

ScaleMin get_scale_min(const uint8_t* packed, int j) {
  if (j < 4)
    return {static_cast<uint8_t>(packed[j] & 63), static_cast<uint8_t>(packed[j + 4] & 63)};
  return {static_cast<uint8_t>((packed[j + 4] & 0x0f) | ((packed[j - 4] >> 6) << 4)),
          static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4))};
}

// ---- Q4_K -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ4_K& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  const float dmin = fp16_to_f32(block.dmin);
  for (int g = 0; g < kSuper / 64; ++g) {
    const uint8_t* q = block.qs + 32 * g;
    const ScaleMin lo = get_scale_min(block.scales, 2 * g);
    const ScaleMin hi = get_scale_min(block.scales, 2 * g + 1);
    const float d_lo = d * lo.scale, m_lo = dmin * lo.min;
    const float d_hi = d * hi.scale, m_hi = dmin * hi.min;
    float* y = dst + 64 * g;
    for (int l = 0; l < 32; ++l) y[l] = d_lo * (q[l] & 0x0f) - m_lo;
    for (int l = 0; l < 32; ++l) y[32 + l] = d_hi * (q[l] >> 4) - m_hi;
  }
}

void quantize_block(const float* src, BlockQ4_K& block) {
  uint8_t L[kSuper];
  quantize_affine(src, kQ4KSearch, block, L);
  for (int g = 0; g < kSuper / 64; ++g) {
    for (int l = 0; l < 32; ++l) {
      block.qs[32 * g + l] = static_cast<uint8_t>(L[64 * g + l] | (L[64 * g + 32 + l] << 4));
    }
  }
}

// ---- Q5_K -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ5_K& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  const float dmin = fp16_to_f32(block.dmin);
  for (int g = 0; g < kSuper / 64; ++g) {
    const uint8_t* ql = block.qs + 32 * g;
    const ScaleMin lo = get_scale_min(block.scales, 2 * g);
    const ScaleMin hi = get_scale_min(block.scales, 2 * g + 1);
    const float d_lo = d * lo.scale, m_lo = dmin * lo.min;
    const float d_hi = d * hi.scale, m_hi = dmin * hi.min;
    const int bit_lo = 2 * g, bit_hi = 2 * g + 1;  // qh bit = sub-block index
    float* y = dst + 64 * g;
    for (int l = 0; l < 32; ++l) {
      y[l] = d_lo * ((ql[l] & 0x0f) | (((block.qh[l] >> bit_lo) & 1) << 4)) - m_lo;
    }
    for (int l = 0; l < 32; ++l) {
      y[32 + l] = d_hi * ((ql[l] >> 4) | (((block.qh[l] >> bit_hi) & 1) << 4)) - m_hi;
    }
  }
}

void quantize_block(const float* src, BlockQ5_K& block) {
  uint8_t L[kSuper];
  quantize_affine(src, kQ5KSearch, block, L);
  std::memset(block.qh, 0, sizeof(block.qh));
  for (int g = 0; g < kSuper / 64; ++g) {
    for (int l = 0; l < 32; ++l) {
      const int lo = L[64 * g + l];
      const int hi = L[64 * g + 32 + l];
      block.qs[32 * g + l] = static_cast<uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
      block.qh[l] |= static_cast<uint8_t>(((lo >> 4) << (2 * g)) | ((hi >> 4) << (2 * g + 1)));
    }
  }
}

// ---- Q6_K -------------------------------------------------------------------------------------

void dequantize_block(const BlockQ6_K& block, float* dst) {
  const float d = fp16_to_f32(block.d);
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = block.ql + 64 * h;
    const uint8_t* qh = block.qh + 32 * h;
    const int8_t* sc = block.scales + 8 * h;
    float* y = dst + 128 * h;
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is + 0] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
  }
}

void quantize_block(const float* src, BlockQ6_K& block) {
  uint8_t L[kSuper];  // q + 32, in 0..63
  float scales[kSymSubs];
  float max_scale = 0;
  float max_abs_scale = 0;
  for (int ib = 0; ib < kSymSubs; ++ib) {
    scales[ib] = fit_symmetric(src + kSymSub * ib, L + kSymSub * ib);
    if (std::fabs(scales[ib]) > max_abs_scale) {
      max_abs_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {  // all (near) zero: the all-zero block decodes to zeros
    std::memset(&block, 0, sizeof(block));
    return;
  }

  // The signed largest scale maps to −128, as in the fit of the values themselves.
  const float iscale = -128.f / max_scale;
  block.d = f32_to_fp16(1 / iscale);
  for (int ib = 0; ib < kSymSubs; ++ib) {
    block.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  }
  for (int j = 0; j < kSymSubs; ++j) {
    const float d = fp16_to_f32(block.d) * block.scales[j];
    if (d == 0) continue;  // keeps the sub-block's own fit, as the reference does
    for (int i = 0; i < kSymSub; ++i) {
      const int l = std::clamp(nearest_int(src[kSymSub * j + i] / d), -32, 31);
      L[kSymSub * j + i] = static_cast<uint8_t>(l + 32);
    }
  }

  for (int h = 0; h < 2; ++h) {
    const uint8_t* Lh = L + 128 * h;
    uint8_t* ql = block.ql + 64 * h;
    uint8_t* qh = block.qh + 32 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((Lh[l] & 0x0f) | ((Lh[l + 64] & 0x0f) << 4));
      ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0x0f) | ((Lh[l + 96] & 0x0f) << 4));
      qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) |
                                   ((Lh[l + 64] >> 4) << 4) | ((Lh[l + 96] >> 4) << 6));
    }
  }
}

}  // namespace braid::core::quant_detail
