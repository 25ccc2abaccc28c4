#include "cpu_ops.h"

#include <cstring>
#include <memory>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/core/dtype.h"
#include "braid/core/half.h"
#include "braid/core/quant.h"
#include "braid/cpu/attention.h"
#include "braid/cpu/elementwise.h"
#include "braid/cpu/gemm.h"
#include "braid/cpu/half_gemv.h"
#include "braid/cpu/norm.h"
#include "braid/cpu/quant_matmul.h"
#include "braid/cpu/rope.h"
#include "braid/cpu/softmax.h"
#include "braid/plugin_types.h"
#include "cpu_conv.h"
#include "cpu_copy.h"
#include "cpu_layout_ops.h"

namespace braid::cpu_plugin {
namespace {

// A kernel's failure becomes the ABI call's: NotSupported stays so, the rest are bad input
// (the kernels check their arguments, and compile checked the shapes).
void check(const core::Status& status, const char* op) {
  if (status.is_ok()) return;
  plugin::fail(status.code() == core::StatusCode::NotSupported ? BRAID_STATUS_NOT_SUPPORTED
                                                               : BRAID_STATUS_INVALID_ARGUMENT,
               "[cpu] ", op, ": ", status.message());
}

template <typename T>
T unwrap(core::Result<T> result, const char* op) {
  check(result.status(), op);
  return std::move(result).value();
}

float* f32(std::byte* p) { return reinterpret_cast<float*>(p); }

// W [n, k] of a float type in any layout, or of a GGUF block type core converts (Q4_1, Q5_0,
// Q5_1: the types the block kernels lack), as contiguous f32 rows in `out` (see widen_to_f32
// for why the caller keeps `out`).
void weights_f32(const braid_tensor_desc& w,
                 const std::byte* data,
                 std::vector<float>& out,
                 int threads) {
  if (!abi::is_block_type(w.dtype)) return widen_to_f32(w, data, out, threads);
  const int64_t n = w.shape[0], k = w.shape[1];
  out.resize(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i) {
    check(core::dequantize_row(static_cast<core::DType>(w.dtype), data + i * w.strides[0],
                               out.data() + i * k, k),
          "matmul");
  }
}

int64_t inner(const braid_tensor_desc& t) { return t.shape[t.rank - 1]; }

// From this many rows a product with GGUF weights in a weights buffer runs as int8 GEMM (oneDNN,
// activations quantized per 256-value K block) instead of the block kernel: 1.4-2.7x faster at
// 512 rows, 1.3-2.1x at 32 (bench/results/2026-11-23-cpu-prefill.md), for one s8 copy of the
// matrix beside the repacked one.
constexpr int64_t kInt8GemmRows = 32;

enum CacheKind { kPackedF32 = 0, kRepacked = 1, kInt8 = 2 };

template <typename T>
std::shared_ptr<T> shared(const OpTensors& io,
                          const cpu::WeightCache::Key& key,
                          const std::function<std::shared_ptr<T>()>& make) {
  return io.cache ? io.cache->get<T>(key, make) : make();
}

std::function<void()> prepare_matmul(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc& w = *node.in[1];
  const int64_t n = w.shape[0], k = w.shape[1];
  const int64_t m = abi::n_elements(*node.in[0]) / k;
  const float* x = f32(io.in[0]);
  const float* bias = io.in[2] ? f32(io.in[2]) : nullptr;
  float* y = f32(io.out);
  const bool constant = io.weights[1] && (bias == nullptr || io.weights[2]);
  // A few rows against F16/BF16 weights (decode): the halves are read in place, 2 bytes a
  // weight, instead of from an f32 copy at 4 (which would also double the model's memory).
  const bool half = w.dtype == abi::kF16 || w.dtype == abi::kBF16;
  if (half && m >= 1 && m <= cpu::kHalfGemvMaxRows && w.strides[1] == 2 && w.strides[0] % 2 == 0 &&
      (n == 1 || w.strides[0] / 2 >= k)) {
    const auto* halves = reinterpret_cast<const uint16_t*>(io.in[1]);
    const int64_t stride = n == 1 ? k : w.strides[0] / 2;
    const cpu::HalfType type = w.dtype == abi::kBF16 ? cpu::HalfType::BF16 : cpu::HalfType::F16;
    return [=] {
      check(cpu::half_gemv(type, halves, n, k, stride, x, m, bias, y, threads), "matmul");
    };
  }
  if (!cpu::quant_matmul_supports(static_cast<core::DType>(w.dtype))) {
    // The f32 GEMM packs W itself; rows that are not plain f32 are widened first (exact for
    // the float types; the dequantized values for Q4_1/Q5_0/Q5_1, which cost 4 bytes a weight).
    const braid_tensor_desc layout = w;
    const std::byte* raw = io.in[1];
    std::function<std::shared_ptr<cpu::GemmF32>()> create = [=] {
      // A dim of size 1 may carry any stride: one row is read as if packed.
      const int64_t ldw = n == 1 ? k : layout.strides[0] / 4;
      if (layout.dtype == abi::kF32 && layout.strides[1] == 4 && layout.strides[0] % 4 == 0 &&
          ldw >= k) {
        return std::shared_ptr<cpu::GemmF32>(unwrap(
            cpu::GemmF32::create(reinterpret_cast<const float*>(raw), n, k, ldw, bias), "matmul"));
      }
      thread_local std::vector<float> wide;
      weights_f32(layout, raw, wide, threads);
      return std::shared_ptr<cpu::GemmF32>(
          unwrap(cpu::GemmF32::create(wide.data(), n, k, k, bias), "matmul"));
    };
    if (constant) {
      const cpu::WeightCache::Key key{kPackedF32,   io.buffer_ids[1], raw, w.dtype, n, k,
                                      w.strides[0], io.buffer_ids[2], bias};
      std::shared_ptr<cpu::GemmF32> gemm = shared(io, key, create);
      return [=] { check(gemm->run(x, m, y, threads), "matmul"); };
    }
    // Weights that may change between runs are packed on every run.
    return [=] { check(create()->run(x, m, y, threads), "matmul"); };
  }
  cpu::GgufMatrix matrix;
  matrix.dtype = static_cast<core::DType>(w.dtype);
  matrix.n = n;
  matrix.k = k;
  matrix.data = io.in[1];
  matrix.row_stride = n == 1 ? abi::row_bytes(w.dtype, k) : w.strides[0];
  check(cpu::validate(matrix), "matmul");
  if (constant && m >= kInt8GemmRows) {
    const cpu::WeightCache::Key key{kInt8, io.buffer_ids[1],  matrix.data,      w.dtype, n,
                                    k,     matrix.row_stride, io.buffer_ids[2], bias};
    std::function<std::shared_ptr<cpu::GemmInt8>()> create =
        [=]() -> std::shared_ptr<cpu::GemmInt8> {
      auto gemm =
          cpu::GemmInt8::create_from_gguf(matrix.dtype, matrix.data, n, k, matrix.row_stride, bias);
      if (!gemm.ok() && gemm.status().code() == core::StatusCode::NotSupported) return nullptr;
      return std::shared_ptr<cpu::GemmInt8>(unwrap(std::move(gemm), "matmul"));
    };
    // nullptr: built without oneDNN's int8 GEMM; the block kernel below serves every size.
    if (std::shared_ptr<cpu::GemmInt8> gemm = shared(io, key, create)) {
      return [=] { check(gemm->run(x, m, y, threads), "matmul"); };
    }
  }
  auto activations = std::make_shared<cpu::ActivationBuffer>();
  check(activations->reserve(m, k), "matmul");
  if (io.weights[1]) {
    const cpu::WeightCache::Key key{kRepacked, io.buffer_ids[1],  matrix.data, w.dtype, n,
                                    k,         matrix.row_stride, 0,           nullptr};
    std::function<std::shared_ptr<cpu::RepackedMatrix>()> create = [=] {
      return std::make_shared<cpu::RepackedMatrix>(
          unwrap(cpu::RepackedMatrix::create(matrix, threads), "matmul"));
    };
    std::shared_ptr<cpu::RepackedMatrix> packed = shared(io, key, create);
    return [=] {
      auto a = unwrap(activations->quantize(x, m, k, k, threads), "matmul");
      check(cpu::quant_matmul(packed->view(), a, bias, y, n, threads), "matmul");
    };
  }
  return [=] {
    auto a = unwrap(activations->quantize(x, m, k, k, threads), "matmul");
    check(cpu::quant_matmul(matrix, a, bias, y, n, threads), "matmul");
  };
}

std::function<void()> prepare_binary(const NodeView& node, const OpTensors& io, int threads) {
  const cpu::BinaryOp op = node.op == BRAID_OP_ADD ? cpu::BinaryOp::Add : cpu::BinaryOp::Mul;
  const braid_tensor_desc& a = *node.in[0];
  const int64_t total = abi::n_elements(a);
  const int64_t block = broadcast_block(a, *node.in[1]);
  const int64_t n = inner(a);
  const float* x = f32(io.in[0]);
  const float* b = f32(io.in[1]);
  float* y = f32(io.out);
  if (block == n) {  // one row of b over every row of a: the kernel's own broadcast
    return [=] { check(cpu::binary(op, x, n, b, 0, y, n, total / n, n, threads), "add/mul"); };
  }
  return [=] {
    for (int64_t r = 0; r < total; r += block) {
      check(cpu::binary(op, x + r, block, b, 0, y + r, block, 1, block, threads), "add/mul");
    }
  };
}

std::function<void()> prepare_softmax(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc& a = *node.in[0];
  const int64_t total = abi::n_elements(a), n = inner(a);
  const float scale = node.params.softmax.scale;
  const float* x = f32(io.in[0]);
  float* y = f32(io.out);
  if (!io.in[1]) {
    return [=] {
      check(cpu::softmax(x, n, y, n, total / n, n, scale, nullptr, 0, threads), "softmax");
    };
  }
  const float* mask = f32(io.in[1]);
  const int64_t block = broadcast_block(a, *node.in[1]);
  if (block == n) {
    return
        [=] { check(cpu::softmax(x, n, y, n, total / n, n, scale, mask, 0, threads), "softmax"); };
  }
  return [=] {
    for (int64_t r = 0; r < total; r += block) {
      check(cpu::softmax(x + r, n, y + r, n, block / n, n, scale, mask, n, threads), "softmax");
    }
  };
}

std::function<void()> prepare_attention(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc q = unit_dims_packed(*node.in[0]);
  const braid_tensor_desc k = unit_dims_packed(*node.in[1]);
  const braid_tensor_desc v = unit_dims_packed(*node.in[2]);
  const braid_tensor_desc out = unit_dims_packed(*node.out);
  cpu::AttentionArgs args;
  args.n_q = q.shape[0];
  args.n_head = q.shape[1];
  args.head_dim = q.shape[2];
  args.n_kv = k.shape[0];
  args.n_head_kv = k.shape[1];
  args.head_dim_v = v.shape[2];
  args.q = f32(io.in[0]);
  args.q_stride = q.strides[0] / 4;
  const int64_t size = k.dtype == abi::kF32 ? 4 : 2;
  if (size == 4) {
    args.k_f32 = f32(io.in[1]);
    args.v_f32 = f32(io.in[2]);
  } else {
    args.k = reinterpret_cast<const uint16_t*>(io.in[1]);
    args.v = reinterpret_cast<const uint16_t*>(io.in[2]);
  }
  args.k_stride = k.strides[0] / size;
  args.k_head_stride = k.strides[1] / size;
  args.v_stride = v.strides[0] / size;
  args.v_head_stride = v.strides[1] / size;
  args.out = f32(io.out);
  args.out_stride = out.strides[0] / 4;
  args.scale = node.params.attention.scale;
  args.causal = node.params.attention.causal != 0;
  args.positions = reinterpret_cast<const int32_t*>(io.in[3]);
  if (io.in[4]) {
    args.mask = f32(io.in[4]);
    args.mask_stride = unit_dims_packed(*node.in[4]).strides[0] / 4;
  }
  const int32_t* valid = reinterpret_cast<const int32_t*>(io.in[5]);
  return [=]() mutable {
    if (valid) {
      const int32_t count = *valid;
      if (count < 0 || count > args.n_kv) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cpu] attention: valid KV count ", count,
                     " is outside 0..", args.n_kv);
      }
      args.n_kv_valid = count;
    }
    check(cpu::attention(args, threads), "attention");
  };
}

std::function<void()> prepare_rope(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc& a = *node.in[0];
  const braid_rope_params& p = node.params.rope;
  cpu::RopeParams params;
  params.mode = p.mode == BRAID_ROPE_ADJACENT ? cpu::RopeMode::Adjacent : cpu::RopeMode::HalfSplit;
  params.n_rot = p.n_rot;
  params.freq_base = p.freq_base;
  params.freq_scale = p.freq_scale;
  params.freq_factors = io.in[2] ? f32(io.in[2]) : nullptr;
  const int64_t t = a.shape[0], h = a.shape[1], d = a.shape[2];
  const float* x = f32(io.in[0]);
  const int32_t* pos = reinterpret_cast<const int32_t*>(io.in[1]);
  float* y = f32(io.out);
  return [=] { check(cpu::rope(x, y, t, h, d, h * d, pos, params, threads), "rope"); };
}

// dst[rows[i]] = src[i] for the m rows of src (any trailing shape), converting dtype.
std::function<void()> prepare_set_rows(const NodeView& node, const OpTensors& io) {
  const braid_tensor_desc from = *node.in[0], index = *node.in[1], to = *node.out;
  const std::byte* src = io.in[0];
  const std::byte* rows = io.in[1];
  std::byte* dst = io.out;
  return [=] {
    const int64_t m = from.shape[0], n_rows = to.shape[0];
    for (int64_t i = 0; i < m; ++i) {  // every index checked before any row is written
      int32_t r;
      std::memcpy(&r, rows + i * index.strides[0], 4);
      if (r < 0 || r >= n_rows) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cpu] set_rows: index ", r, " (entry ", i,
                     ") is outside [0, ", n_rows, ")");
      }
    }
    for (int64_t i = 0; i < m; ++i) {
      int32_t r;
      std::memcpy(&r, rows + i * index.strides[0], 4);
      if (!convert_copy(src + i * from.strides[0], from.dtype, from.strides + 1,
                        dst + r * to.strides[0], to.dtype, to.strides + 1, from.shape + 1,
                        from.rank - 1)) {
        plugin::fail(BRAID_STATUS_INVALID_ARGUMENT, "[cpu] set_rows: row ", i,
                     " has a non-finite value, which ", abi::dtype_name(to.dtype), " cannot store");
      }
    }
  };
}

}  // namespace

std::function<void()> prepare(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc& a = *node.in[0];
  const int64_t total = abi::n_elements(a);
  const float* x = f32(io.in[0]);
  float* y = f32(io.out);
  switch (node.op) {
    case BRAID_OP_MATMUL:
      return prepare_matmul(node, io, threads);
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
      return prepare_binary(node, io, threads);
    case BRAID_OP_SOFTMAX:
      return prepare_softmax(node, io, threads);
    case BRAID_OP_ATTENTION:
      return prepare_attention(node, io, threads);
    case BRAID_OP_ROPE:
      return prepare_rope(node, io, threads);
    case BRAID_OP_SCALE: {
      const float s = node.params.scale.scale, b = node.params.scale.bias;
      return [=] { check(cpu::scale(x, y, total, s, b, threads), "scale"); };
    }
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU: {
      const cpu::Activation f = node.op == BRAID_OP_SILU        ? cpu::Activation::Silu
                                : node.op == BRAID_OP_GELU      ? cpu::Activation::Gelu
                                : node.op == BRAID_OP_GELU_TANH ? cpu::Activation::GeluTanh
                                                                : cpu::Activation::QuickGelu;
      return [=] { check(cpu::activation(f, x, y, total, threads), "activation"); };
    }
    case BRAID_OP_SWIGLU: {
      const float* up = f32(io.in[1]);
      return [=] { check(cpu::swiglu(x, up, y, total, threads), "swiglu"); };
    }
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM: {
      const int64_t n = inner(a);
      const float eps = node.params.norm.eps;
      const float* w = io.in[1] ? f32(io.in[1]) : nullptr;
      const float* b = io.in[2] ? f32(io.in[2]) : nullptr;
      if (node.op == BRAID_OP_RMS_NORM) {
        return [=] { check(cpu::rms_norm(x, n, w, y, n, total / n, n, eps, threads), "rms_norm"); };
      }
      return [=] {
        check(cpu::layer_norm(x, n, w, b, y, n, total / n, n, eps, threads), "layer_norm");
      };
    }
    case BRAID_OP_COPY:
      return prepare_copy(node, io, threads);
    case BRAID_OP_GET_ROWS:
      return prepare_get_rows(node, io, threads);
    case BRAID_OP_PERMUTE:
      return prepare_permute(node, io, threads);
    case BRAID_OP_CONCAT:
      return prepare_concat(node, io, threads);
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D:
      return prepare_conv(node, io, threads);
    case BRAID_OP_AVG_POOL2D:
      return prepare_avg_pool2d(node, io, threads);
    case BRAID_OP_SET_ROWS:
      return prepare_set_rows(node, io);
    case BRAID_OP_RESHAPE: {
      int64_t bytes = abi::row_bytes(a.dtype, inner(a));
      for (uint32_t d = 0; d + 1 < a.rank; ++d) bytes *= a.shape[d];
      const std::byte* src = io.in[0];
      std::byte* dst = io.out;
      return [=] { std::memcpy(dst, src, static_cast<size_t>(bytes)); };
    }
    default:
      plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "[cpu] op ", node.op, " has no cpu kernel");
  }
}

}  // namespace braid::cpu_plugin
