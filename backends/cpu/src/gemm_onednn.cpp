// gemm.h on oneDNN 2.6's matmul primitive. Facts about this oneDNN that shape the code (measured,
// see docs CPU-NOTES): weights packed with format_tag::any are 1.3–2.6× faster than plain ones;
// primitive creation costs 30–135 µs and a cache hit still ~2.5 µs, so primitives are made once per
// M bucket; runtime scales, zero points or dims move int8 from brgemm to a 3× slower gemm:jit, so
// every dimension is fixed and the int8 scales are applied by our own epilogue.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dnnl.hpp>
#include <functional>
#include <unordered_map>
#include <vector>

#include "braid/core/quant.h"
#include "braid/cpu/gemm.h"
#include "isa/isa_kernels.h"
#include "kernel_checks.h"

namespace braid::cpu {

bool gemm_uses_onednn() { return true; }
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

// Rows per primitive call: every power of two from 16 to 512. A call of M rows runs 512-row pieces,
// then the largest bucket that fits the rest, and so on; fewer than 16 left are padded to 16.
constexpr int64_t kBuckets[] = {16, 32, 64, 128, 256, 512};
constexpr int kBucketCount = 6;

int bucket_for(int64_t rows) {
  for (int b = kBucketCount - 1; b >= 0; --b) {
    if (kBuckets[b] <= rows) return b;
  }
  return 0;
}

core::Status onednn_error(const char* where, const dnnl::error& e) {
  return core::Status(core::StatusCode::BackendError,
                      core::str_cat("[cpu::", where, "] oneDNN: ", e.what()));
}

core::Status check_shape(const char* where, const void* w, int64_t n, int64_t k, int64_t ldw) {
  if (w == nullptr || n < 1 || k < 1 || ldw < k) {
    return core::invalid_argument("[cpu::", where, "] weights [", n, ", ", k, "] with row stride ",
                                  ldw, ": need positive sizes and ldw >= k");
  }
  return detail::check_isa(where);
}

// Grow-only per-thread scratch (padded pieces, int8 codes, s32 accumulators).
template <typename T>
T* scratch(std::vector<T>& buffer, int64_t count) {
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<size_t>(count));
  return buffer.data();
}

// The primitives of one weight matrix, one per bucket, sharing one packed copy of the weights.
struct Primitives {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  memory packed;
  std::vector<dnnl::matmul> matmuls;
  std::string implementation;
  bool has_bias = false;
  memory bias;
};

// Creates the bucket primitives for src/dst types and packs `weights` (dims {k, n}, plain layout
// ba = W[n, k]) into the layout the first one asks for; every bucket must ask for the same.
void build(Primitives& p,
           int64_t n,
           int64_t k,
           int64_t src_stride,
           Dt src_type,
           Dt weight_type,
           Dt dst_type,
           void* weights,
           const float* bias) {
  const memory::desc user_weights({k, n}, weight_type, Tag::ba);
  const memory::desc any_weights({k, n}, weight_type, Tag::any);
  const memory::desc bias_md({1, n}, Dt::f32, Tag::ab);
  p.has_bias = bias != nullptr;
  for (int b = 0; b < kBucketCount; ++b) {
    const memory::desc src({kBuckets[b], k}, src_type, {src_stride, 1});
    const memory::desc dst({kBuckets[b], n}, dst_type, Tag::ab);
    const auto desc = p.has_bias ? dnnl::matmul::desc(src, any_weights, bias_md, dst)
                                 : dnnl::matmul::desc(src, any_weights, dst);
    const dnnl::matmul::primitive_desc pd(desc, p.engine);
    if (b == 0) {
      p.packed = memory(pd.weights_desc(), p.engine);
      memory user(user_weights, p.engine, weights);
      dnnl::stream s(p.engine);
      dnnl::reorder(user, p.packed).execute(s, user, p.packed);
      s.wait();
    } else if (pd.weights_desc() != p.packed.get_desc()) {
      throw dnnl::error(dnnl_unimplemented, "bucket primitives disagree on the weight layout");
    }
    if (b == kBucketCount - 1) p.implementation = pd.impl_info_str();
    p.matmuls.emplace_back(pd);
  }
  if (p.has_bias) {
    p.bias = memory(bias_md, p.engine);
    std::memcpy(p.bias.get_data_handle(), bias, static_cast<size_t>(n) * sizeof(float));
  }
}

void execute(const Primitives& p,
             int bucket,
             const memory& weights,
             const memory::desc& src_md,
             void* src,
             const memory::desc& dst_md,
             void* dst) {
  dnnl::stream s(p.engine);
  memory src_mem(src_md, p.engine, src);
  memory dst_mem(dst_md, p.engine, dst);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst_mem}};
  if (p.has_bias) args.insert({DNNL_ARG_BIAS, p.bias});
  p.matmuls[static_cast<size_t>(bucket)].execute(s, args);
  s.wait();
}

void set_threads(int n_threads) {
  const int threads = resolve_threads(n_threads);
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
}

}  // namespace

// ---- f32 ----------------------------------------------------------------------------------------

struct GemmF32::State {
  int64_t n = 0, k = 0;
  Primitives p;
};

GemmF32::GemmF32(std::unique_ptr<State> state) : state_(std::move(state)) {}
GemmF32::~GemmF32() = default;
int64_t GemmF32::n() const { return state_->n; }
int64_t GemmF32::k() const { return state_->k; }
std::string GemmF32::implementation() const { return state_->p.implementation; }

core::Result<std::unique_ptr<GemmF32>> GemmF32::create(
    const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias) {
  BRAID_TRY(check_shape("GemmF32", w, n, k, ldw));
  auto state = std::make_unique<State>();
  state->n = n;
  state->k = k;
  // oneDNN reads the plain weights with row stride k: copy when the caller's rows are padded.
  std::vector<float> dense;
  const float* rows = w;
  if (ldw != k) {
    dense.resize(static_cast<size_t>(n * k));
    for (int64_t i = 0; i < n; ++i) std::memcpy(&dense[i * k], w + i * ldw, k * sizeof(float));
    rows = dense.data();
  }
  try {
    build(state->p, n, k, k, Dt::f32, Dt::f32, Dt::f32, const_cast<float*>(rows), bias);
  } catch (const dnnl::error& e) {
    return onednn_error("GemmF32::create", e);
  }
  return std::unique_ptr<GemmF32>(new GemmF32(std::move(state)));
}

core::Status GemmF32::run(const float* x, int64_t m, float* y, int n_threads) const {
  if (m < 0 || (m > 0 && (x == nullptr || y == nullptr))) {
    return core::invalid_argument("[cpu::GemmF32::run] m = ", m, " or null x / y");
  }
  const State& s = *state_;
  set_threads(n_threads);
  thread_local std::vector<float> pad_src, pad_dst;
  try {
    int64_t row = 0;
    while (row < m) {
      const int64_t left = m - row;
      const int b = bucket_for(left);
      const int64_t rows = kBuckets[b];
      const memory::desc src_md({rows, s.k}, Dt::f32, Tag::ab);
      const memory::desc dst_md({rows, s.n}, Dt::f32, Tag::ab);
      if (left >= rows) {
        execute(s.p, b, s.p.packed, src_md, const_cast<float*>(x + row * s.k), dst_md,
                y + row * s.n);
        row += rows;
      } else {  // fewer than 16 rows left: run a padded copy
        float* src = scratch(pad_src, rows * s.k);
        float* dst = scratch(pad_dst, rows * s.n);
        std::memcpy(src, x + row * s.k, static_cast<size_t>(left * s.k) * sizeof(float));
        std::memset(src + left * s.k, 0, static_cast<size_t>((rows - left) * s.k) * sizeof(float));
        execute(s.p, b, s.p.packed, src_md, src, dst_md, dst);
        std::memcpy(y + row * s.n, dst, static_cast<size_t>(left * s.n) * sizeof(float));
        row = m;
      }
    }
  } catch (const dnnl::error& e) {
    return onednn_error("GemmF32::run", e);
  }
  return core::Status::ok();
}

// ---- int8 ---------------------------------------------------------------------------------------

// K is cut into blocks of kBlock (or the largest of 128, 64, 32 that divides it; k itself when
// none does), each with its own scales: an activation row's scale covers one block, so a few
// channels tens of times larger than the rest (as transformer activations have) coarsen only
// their own blocks, not the whole row. Every block has its own packed weights and shares the
// bucket primitives (each block's activation codes are gathered into a plain matrix first).
constexpr int64_t kBlock = 256;
// With several blocks, rows go 64 at a time (bucket 2): each block's epilogue adds into y, and
// 64 rows of y and of the s32 sums stay in L2 across the blocks. Measured on Llama-3.2-1B attn_q
// (512 × 2048 × 2048, 1 thread, CPU time): 512-row pieces 15.4 ms, 64-row pieces 10.5 ms (one
// scale per whole row: 5.6 ms; the block kernel of quant_matmul.h: 16.9 ms).
constexpr int kBlockedBucket = 2;

int64_t k_block(int64_t k) {
  for (int64_t b : {kBlock, int64_t{128}, int64_t{64}, int64_t{32}}) {
    if (k % b == 0) return b;
  }
  return k;
}

struct GemmInt8::State {
  int64_t n = 0, k = 0, kb = 0, blocks = 0;
  Primitives p;                      // for block 0; p.packed is block 0's weights
  std::vector<memory> packed;        // blocks 1..: their packed weights
  std::vector<float> col_scales;     // sw[block][n]
  std::vector<int32_t> col_offsets;  // 128 · Σ_k w8[n, k in block], [block][n]
  std::vector<float> bias;           // empty: none
};

GemmInt8::GemmInt8(std::unique_ptr<State> state) : state_(std::move(state)) {}
GemmInt8::~GemmInt8() = default;
int64_t GemmInt8::n() const { return state_->n; }
int64_t GemmInt8::k() const { return state_->k; }
std::string GemmInt8::implementation() const { return state_->p.implementation; }

namespace {

// GemmInt8's state for W [n, k] whose row i `row(i, scratch)` gives (k floats; `scratch` has
// room for k when the row has to be made): symmetric codes per (row, K block), rounded to
// nearest even as the activations are, then packed by oneDNN block by block. Rows are
// independent, so the threads split them; this runs once per matrix at the first prefill, for
// every matrix of a model (serial, through a dense f32 copy, it cost ~8 s for a 1B model).
core::Status quantize_and_pack(GemmInt8::State& st,
                               int64_t n,
                               const std::function<const float*(int64_t, float*)>& row) {
  // [block][n][kb]; oneDNN copies the codes into its layout, so the buffer is kept for the next
  // matrix (its pages then fault once, not once per matrix).
  thread_local std::vector<int8_t> kept;
  kept.resize(static_cast<size_t>(st.blocks * n * st.kb));
  int8_t* const codes = kept.data();  // the calling thread's buffer, for every worker
#pragma omp parallel
  {
    std::vector<float> scratch(static_cast<size_t>(st.k));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float* w = row(i, scratch.data());
      for (int64_t b = 0; b < st.blocks; ++b) {
        const float* block = w + b * st.kb;
        float amax = 0;
        for (int64_t j = 0; j < st.kb; ++j) amax = std::max(amax, std::fabs(block[j]));
        const float scale = amax / 127.0f;
        const float inv = scale != 0 ? 1.0f / scale : 0.0f;
        int8_t* out = codes + (b * n + i) * st.kb;
        int32_t sum = 0;
        for (int64_t j = 0; j < st.kb; ++j) {
          // Adding and removing 1.5 · 2^23 rounds |v| <= 127 to the nearest integer, ties to
          // even (the default rounding mode), exactly as nearbyint, without a libm call.
          const float v = block[j] * inv;
          const auto q = static_cast<int32_t>((v + 12582912.0f) - 12582912.0f);
          out[j] = static_cast<int8_t>(q);
          sum += q;
        }
        st.col_scales[b * n + i] = scale;
        st.col_offsets[b * n + i] = 128 * sum;
      }
    }
  }
  try {
    for (int64_t b = 0; b < st.blocks; ++b) {
      int8_t* block = codes + b * n * st.kb;
      if (b == 0) {
        build(st.p, n, st.kb, st.kb, Dt::u8, Dt::s8, Dt::s32, block, nullptr);
        continue;
      }
      memory user(memory::desc({st.kb, n}, Dt::s8, Tag::ba), st.p.engine, block);
      memory packed(st.p.packed.get_desc(), st.p.engine);
      dnnl::stream stream(st.p.engine);
      dnnl::reorder(user, packed).execute(stream, user, packed);
      stream.wait();
      st.packed.push_back(packed);
    }
  } catch (const dnnl::error& e) {
    return onednn_error("GemmInt8::create", e);
  }
  return core::Status::ok();
}

std::unique_ptr<GemmInt8::State> int8_state(int64_t n, int64_t k, const float* bias) {
  auto st = std::make_unique<GemmInt8::State>();
  st->n = n;
  st->k = k;
  st->kb = k_block(k);
  st->blocks = k / st->kb;
  st->col_scales.resize(static_cast<size_t>(st->blocks * n));
  st->col_offsets.resize(static_cast<size_t>(st->blocks * n));
  if (bias != nullptr) st->bias.assign(bias, bias + n);
  return st;
}

}  // namespace

core::Result<std::unique_ptr<GemmInt8>> GemmInt8::create(
    const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias) {
  BRAID_TRY(check_shape("GemmInt8", w, n, k, ldw));
  std::unique_ptr<State> state = int8_state(n, k, bias);
  BRAID_TRY(quantize_and_pack(*state, n, [&](int64_t i, float*) { return w + i * ldw; }));
  return std::unique_ptr<GemmInt8>(new GemmInt8(std::move(state)));
}

core::Result<std::unique_ptr<GemmInt8>> GemmInt8::create_from_gguf(core::DType dtype,
                                                                   const void* data,
                                                                   int64_t n,
                                                                   int64_t k,
                                                                   int64_t row_stride,
                                                                   const float* bias) {
  BRAID_TRY(check_shape("GemmInt8", data, n, k, k));
  const auto row_bytes = core::dtype_row_bytes(dtype, static_cast<uint64_t>(k));
  if (!row_bytes || row_stride < static_cast<int64_t>(*row_bytes)) {
    return core::invalid_argument("[cpu::GemmInt8] ", core::dtype_name(dtype), " weights [", n,
                                  ", ", k, "]: k is not a whole number of blocks or row stride ",
                                  row_stride, " is short");
  }
  // Checked once here, so the rows below cannot fail.
  std::vector<float> first(static_cast<size_t>(k));
  BRAID_TRY(core::dequantize_row(dtype, data, first.data(), k));
  std::unique_ptr<State> state = int8_state(n, k, bias);
  // Each row is dequantized into the thread's scratch as it is quantized: no dense f32 copy of
  // the matrix (4 bytes a weight, all of them page faults) is made.
  BRAID_TRY(quantize_and_pack(*state, n, [&](int64_t i, float* scratch) {
    (void)core::dequantize_row(dtype, static_cast<const uint8_t*>(data) + i * row_stride, scratch,
                               k);
    return static_cast<const float*>(scratch);
  }));
  return std::unique_ptr<GemmInt8>(new GemmInt8(std::move(state)));
}

core::Status GemmInt8::run(const float* x, int64_t m, float* y, int n_threads) const {
  if (m < 0 || (m > 0 && (x == nullptr || y == nullptr))) {
    return core::invalid_argument("[cpu::GemmInt8::run] m = ", m, " or null x / y");
  }
  const State& s = *state_;
  const int threads = resolve_threads(n_threads);
  set_threads(threads);
  thread_local std::vector<uint8_t> codes, block_codes;
  thread_local std::vector<float> block_scales, row_scales;
  thread_local std::vector<int32_t> acc;
  // The last piece may be padded up to 16 rows past m.
  const int64_t padded = m + 16;
  uint8_t* q_rows = scratch(codes, m * s.k);             // [row][block][kb]
  uint8_t* q = scratch(block_codes, padded * s.k);       // [block][row][kb]
  float* sx_rows = scratch(block_scales, m * s.blocks);  // [row][block]
  float* sx = scratch(row_scales, s.blocks * m);         // [block][row]
  int32_t* a = scratch(acc, std::min<int64_t>(padded, 512) * s.n);
  // x [m, k] is x [m · blocks, kb]: one scale per (row, block). Each block's codes are then
  // gathered into a plain [rows, kb] matrix: a strided source moves oneDNN's int8 matmul from
  // brgemm to gemm:jit, several times slower.
  BRAID_CPU_DISPATCH(quantize_rows_u8, x, m * s.blocks, s.kb, q_rows, sx_rows, threads);
  if (s.blocks == 1) {
    std::memcpy(q, q_rows, static_cast<size_t>(m * s.k));
  } else {
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t b = 0; b < s.blocks; ++b) {
        std::memcpy(q + (b * padded + r) * s.kb, q_rows + (r * s.blocks + b) * s.kb,
                    static_cast<size_t>(s.kb));
      }
    }
  }
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t b = 0; b < s.blocks; ++b) sx[b * m + r] = sx_rows[r * s.blocks + b];
  }
  const float* bias = s.bias.empty() ? nullptr : s.bias.data();
  try {
    int64_t row = 0;
    while (row < m) {
      const int64_t left = m - row;
      const int bucket =
          std::min(s.blocks > 1 ? kBlockedBucket : kBucketCount - 1, bucket_for(left));
      const int64_t rows = kBuckets[bucket];
      const int64_t valid = std::min(left, rows);
      const memory::desc src_md({rows, s.kb}, Dt::u8, Tag::ab);
      const memory::desc dst_md({rows, s.n}, Dt::s32, Tag::ab);
      for (int64_t b = 0; b < s.blocks; ++b) {
        uint8_t* block = q + (b * padded + row) * s.kb;
        if (valid < rows) {  // pad the last piece with code 128 (value 0)
          std::memset(block + valid * s.kb, 128, static_cast<size_t>((rows - valid) * s.kb));
        }
        const memory& weights = b == 0 ? s.p.packed : s.packed[static_cast<size_t>(b - 1)];
        execute(s.p, bucket, weights, src_md, block, dst_md, a);
        BRAID_CPU_DISPATCH(int8_epilogue, a, valid, s.n, sx + b * m + row,
                           s.col_scales.data() + b * s.n, s.col_offsets.data() + b * s.n, bias,
                           b > 0, y + row * s.n, threads);
      }
      row += valid;
    }
  } catch (const dnnl::error& e) {
    return onednn_error("GemmInt8::run", e);
  }
  return core::Status::ok();
}

}  // namespace braid::cpu
