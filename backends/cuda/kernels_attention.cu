// Attention over a KV cache: one warp per (query, head) streaming the visible keys with an
// online softmax (running max and sum), so scores are never stored. Lanes split the head
// dimension. Simple and exact rather than fast: a tiled flash-attention kernel for prefill and
// a split-KV decode kernel are the next steps (docs/cuda.md).
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

constexpr int kMaxPerLane = 8;  // head_dim <= 256
constexpr int kWarpsPerBlock = 4;

// Value idx of one KV head row of dtype F32, F16, BF16 or Q8_0.
__device__ __forceinline__ float load_kv(const uint8_t* row, uint32_t dtype, int64_t idx) {
  if (dtype == kQ8_0) {
    const uint8_t* block = row + (idx / 32) * 34;
    return half_bits_to_float(load_u16(block)) *
           static_cast<float>(reinterpret_cast<const int8_t*>(block + 2)[idx % 32]);
  }
  return load_plain(row, dtype, idx);
}

__global__ void attention_kernel(AttentionArgs a, int32_t* error) {
  const int lane = threadIdx.x % kWarp;
  const int64_t pair = blockIdx.x * int64_t(kWarpsPerBlock) + threadIdx.x / kWarp;
  if (pair >= a.n_q * a.n_head) return;
  const int64_t i = pair / a.n_head, h = pair % a.n_head;
  const int64_t hk = h / (a.n_head / a.n_head_kv);

  int64_t n_visible = a.n_kv;
  if (a.n_valid) {
    const int32_t valid = *a.n_valid;
    if (valid < 0 || valid > a.n_kv) {
      if (lane == 0) atomicExch(error, kValidCountOutOfRange);
      n_visible = 0;
    } else {
      n_visible = valid;
    }
  }
  if (a.causal) n_visible = min(n_visible, static_cast<int64_t>(a.positions[i]) + 1);

  float q[kMaxPerLane];
  const float* qrow = a.q + (i * a.n_head + h) * a.head_dim;
#pragma unroll
  for (int t = 0; t < kMaxPerLane; ++t) {
    const int64_t d = lane + t * kWarp;
    q[t] = d < a.head_dim ? qrow[d] : 0.0f;
  }
  float acc[kMaxPerLane] = {};
  float running_max = -INFINITY, running_sum = 0.0f;
  const uint8_t* k_base = static_cast<const uint8_t*>(a.k) + hk * a.k_head_stride;
  const uint8_t* v_base = static_cast<const uint8_t*>(a.v) + hk * a.v_head_stride;
  for (int64_t j = 0; j < n_visible; ++j) {
    const uint8_t* krow = k_base + j * a.k_row_stride;
    float partial = 0.0f;
#pragma unroll
    for (int t = 0; t < kMaxPerLane; ++t) {
      const int64_t d = lane + t * kWarp;
      if (d < a.head_dim) partial += q[t] * load_kv(krow, a.k_dtype, d);
    }
    float score = warp_sum(partial) * a.scale;
    if (a.mask) score += a.mask[i * a.n_kv + j];
    if (score == -INFINITY) continue;
    const float new_max = fmaxf(running_max, score);
    const float correction = expf(running_max - new_max);  // 0 on the first visible key
    const float weight = expf(score - new_max);
    running_sum = running_sum * correction + weight;
    const uint8_t* vrow = v_base + j * a.v_row_stride;
#pragma unroll
    for (int t = 0; t < kMaxPerLane; ++t) {
      const int64_t d = lane + t * kWarp;
      if (d < a.head_dim_v) acc[t] = acc[t] * correction + weight * load_kv(vrow, a.v_dtype, d);
    }
    running_max = new_max;
  }
  float* out = a.out + (i * a.n_head + h) * a.head_dim_v;
  const float inv = running_sum > 0.0f ? 1.0f / running_sum : 0.0f;  // no key seen: zeros
#pragma unroll
  for (int t = 0; t < kMaxPerLane; ++t) {
    const int64_t d = lane + t * kWarp;
    if (d < a.head_dim_v) out[d] = acc[t] * inv;
  }
}

}  // namespace

void attention(const AttentionArgs& args, DeviceErrors errors, cudaStream_t stream) {
  const int64_t pairs = args.n_q * args.n_head;
  if (pairs == 0) return;
  const unsigned blocks = static_cast<unsigned>(ceil_div(pairs, kWarpsPerBlock));
  attention_kernel<<<blocks, kWarpsPerBlock * kWarp, 0, stream>>>(args, errors.flag);
}

}  // namespace braid::cuda
