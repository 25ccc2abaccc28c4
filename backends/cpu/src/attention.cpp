// Argument checks, work split and scratch memory for attention.h; the kernels are in
// isa/attention_impl.h.
#include "braid/cpu/attention.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "attention_plan.h"
#include "isa/isa_kernels.h"
#include "kernel_checks.h"

namespace braid::cpu {
namespace {

constexpr int64_t kMaxHeadDim = 1024;  // the prefill kernel converts a row on the stack

int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }

// Grow-only scratch per calling thread: the decode loop calls attention once per layer and token,
// and must not pay for a fresh allocation (and its page faults) each time.
struct Scratch {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> memory;
  int64_t floats = 0;

  float* get(int64_t need) {
    if (need > floats) {
      memory.reset(
          static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(round16(need)) * 4)));
      floats = memory ? need : 0;
    }
    return memory.get();
  }
};

core::Status check(const AttentionArgs& a) {
  auto bad = [](auto... parts) { return core::invalid_argument("[cpu::attention] ", parts...); };
  if (a.n_q < 0 || a.n_kv < 0 || a.n_head < 1 || a.n_head_kv < 1 || a.head_dim < 1 ||
      a.head_dim_v < 1) {
    return bad("n_q = ", a.n_q, ", n_kv = ", a.n_kv, ", n_head = ", a.n_head,
               ", n_head_kv = ", a.n_head_kv, ", head_dim = ", a.head_dim,
               ", head_dim_v = ", a.head_dim_v, ": sizes must be positive (n_q and n_kv may be 0)");
  }
  if (a.n_head % a.n_head_kv != 0) {
    return bad("n_head = ", a.n_head, " is not a multiple of n_head_kv = ", a.n_head_kv);
  }
  if (a.head_dim > kMaxHeadDim || a.head_dim_v > kMaxHeadDim) {
    return core::not_supported("[cpu::attention] head_dim ", a.head_dim, " / ", a.head_dim_v,
                               " above ", kMaxHeadDim);
  }
  const bool f32 = a.k_f32 != nullptr && a.v_f32 != nullptr;
  if (a.q == nullptr || (!f32 && (a.k == nullptr || a.v == nullptr)) || a.out == nullptr) {
    return bad("q, k (or k_f32), v (or v_f32) and out must be set");
  }
  if (a.q_stride < a.n_head * a.head_dim || a.out_stride < a.n_head * a.head_dim_v) {
    return bad("q_stride = ", a.q_stride, " / out_stride = ", a.out_stride,
               " below n_head × head_dim");
  }
  // Heads of one row may be interleaved (head stride >= head_dim) or rows of one head may be
  // contiguous (row stride >= head_dim, head stride >= rows × row stride): only require that a
  // row's own values do not overlap.
  if (a.k_stride < 1 || a.v_stride < 1 || a.k_head_stride < 0 || a.v_head_stride < 0 ||
      (a.n_head_kv > 1 && (a.k_head_stride < a.head_dim || a.v_head_stride < a.head_dim_v)) ||
      (a.n_kv > 1 && (a.k_stride < a.head_dim || a.v_stride < a.head_dim_v))) {
    return bad("k/v strides (", a.k_stride, ", ", a.k_head_stride, ") / (", a.v_stride, ", ",
               a.v_head_stride, ") overlap rows of head_dim ", a.head_dim, " / ", a.head_dim_v);
  }
  if (a.causal && a.positions == nullptr && a.n_q > 0) return bad("causal needs positions");
  if (a.mask != nullptr && a.mask_stride < a.n_kv) {
    return bad("mask_stride = ", a.mask_stride, " < n_kv = ", a.n_kv);
  }
  return detail::check_isa("attention");
}

}  // namespace

core::Status attention(const AttentionArgs& args, int n_threads) {
  BRAID_TRY(check(args));
  if (args.n_q == 0) return core::Status::ok();
  AttentionPlan plan;
  plan.threads = resolve_threads(n_threads);
  plan.head_dim_pad = round16(args.head_dim);
  plan.head_dim_v_pad = round16(args.head_dim_v);
  plan.key_end = args.n_kv;
  if (args.n_kv_valid >= 0) plan.key_end = std::min(plan.key_end, args.n_kv_valid);
  if (args.causal) {
    const int64_t last = *std::max_element(args.positions, args.positions + args.n_q);
    plan.key_end = std::max<int64_t>(0, std::min(plan.key_end, last + 1));
  }
  const bool f32 = args.k_f32 != nullptr && args.v_f32 != nullptr;
  plan.decode = args.n_q <= kAttentionDecodeMaxQueries && !f32;
  const int64_t group = args.n_head / args.n_head_kv;
  const int64_t hd = plan.head_dim_pad, hdv = plan.head_dim_v_pad;
  int64_t partial_floats = 0;
  if (plan.decode) {
    // When a cache row holds every KV head (the usual [row][head][dim] layout), a work item takes
    // all heads and a chunk of rows, so each thread streams its share of the cache front to back.
    // With head-major caches an item is one head; chunks are added when heads alone cannot keep
    // the threads evenly busy. Chunks keep at least 128 rows: below that the merge costs more than
    // the balance wins.
    const bool interleaved = args.n_head_kv > 1 && args.k_head_stride < args.k_stride &&
                             args.v_head_stride < args.v_stride;
    plan.heads_per_item = interleaved ? args.n_head_kv : 1;
    int64_t chunks = 1;
    if (interleaved) {
      chunks = plan.threads;
    } else if (args.n_head_kv % plan.threads != 0) {
      chunks = (4 * plan.threads + args.n_head_kv - 1) / args.n_head_kv;
    }
    chunks = std::max<int64_t>(1, std::min(chunks, plan.key_end / 128));
    plan.chunk_len = round16(std::max<int64_t>(1, (plan.key_end + chunks - 1) / chunks));
    plan.n_chunks = std::max<int64_t>(1, (plan.key_end + plan.chunk_len - 1) / plan.chunk_len);
    const int64_t nqh = args.n_q * group * plan.heads_per_item;
    plan.scratch_per_thread =
        // qs, acc, probs, 16-lane sums, max and alpha per query row; one converted K block.
        round16(nqh * (hd + hdv + kAttentionKeyBlock + 16 + 2) + kAttentionKeyBlock * hd);
    if (plan.n_chunks > 1) partial_floats = plan.n_chunks * args.n_q * args.n_head * (hdv + 2);
  } else {
    plan.q_splits = args.n_head_kv % plan.threads == 0 ? 1 : plan.threads;
    const int64_t tiles = (plan.key_end + kAttentionKeyTile - 1) / kAttentionKeyTile;
    plan.scratch_per_thread = round16(tiles * kAttentionKeyTile * (hd + hdv) +
                                      kAttentionMaxQueryRows * (hd + hdv + kAttentionKeyTile));
  }
  thread_local Scratch scratch;
  float* memory = scratch.get(plan.threads * plan.scratch_per_thread + round16(partial_floats));
  if (memory == nullptr) {
    return core::Status(core::StatusCode::OutOfMemory, "[cpu::attention] cannot allocate scratch");
  }
  plan.scratch = memory;
  plan.partials = partial_floats > 0 ? memory + plan.threads * plan.scratch_per_thread : nullptr;
  BRAID_CPU_DISPATCH(attention_run, args, plan);
  return core::Status::ok();
}

}  // namespace braid::cpu
