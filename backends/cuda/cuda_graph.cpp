#include "cuda_graph.h"

#include <cstring>

#include "braid/abi_layout.h"
#include "cuda_support.h"

namespace braid::cuda {
namespace {

braid_tensor_desc desc_of(const plugin::Tensor& t) {
  braid_tensor_desc d{};
  d.dtype = t.dtype;
  d.rank = t.rank;
  for (uint32_t i = 0; i < t.rank; ++i) {
    d.shape[i] = t.shape[i];
    d.strides[i] = t.strides[i];
  }
  return d;
}

uint64_t packed_bytes(const plugin::Tensor& t) {
  int64_t bytes = abi::row_bytes(t.dtype, t.shape[t.rank - 1]);
  for (uint32_t i = 0; i + 1 < t.rank; ++i) bytes *= t.shape[i];
  return static_cast<uint64_t>(bytes);
}

bool contiguous(const plugin::Tensor& t) { return abi::is_contiguous(desc_of(t)); }

// The tensor's dims and byte strides right-aligned in four slots (leading slots size 1).
Strided4 strided4(const plugin::Tensor& t, const int64_t* strides = nullptr) {
  Strided4 s;
  const uint32_t lead = 4 - t.rank;
  for (uint32_t i = 0; i < t.rank; ++i) {
    s.shape[lead + i] = t.shape[i];
    s.strides[lead + i] = strides ? strides[i] : t.strides[i];
  }
  return s;
}

Strided4 packed4(const plugin::Tensor& t) {
  const auto strides = abi::contiguous_strides(t.dtype, t.rank, t.shape.data());
  return strided4(t, strides.data());
}

void shape4(const plugin::Tensor& t, int64_t out[4]) {
  const uint32_t lead = 4 - t.rank;
  for (uint32_t i = 0; i < 4; ++i) out[i] = i < lead ? 1 : t.shape[i - lead];
}

Unary unary_of(uint32_t op) {
  switch (op) {
    case BRAID_OP_SILU:
      return Unary::Silu;
    case BRAID_OP_GELU:
      return Unary::Gelu;
    case BRAID_OP_GELU_TANH:
      return Unary::GeluTanh;
    case BRAID_OP_QUICK_GELU:
      return Unary::QuickGelu;
    default:
      return Unary::Scale;
  }
}

constexpr int64_t kMaxMatvecRows = 8;  // kernels_matmul.cu kMaxRows

}  // namespace

CudaGraph::CudaGraph(const plugin::Graph& graph, DeviceContext& context)
    : graph_(graph), context_(context) {
  pointers_.assign(graph_.tensors.size(), nullptr);
  for (size_t i = 0; i < graph_.tensors.size(); ++i) {
    const plugin::Tensor& t = graph_.tensors[i];
    if (t.buffer) pointers_[i] = static_cast<CudaBuffer*>(t.buffer)->data() + t.offset;
  }
  for (size_t n = 0; n < graph_.nodes.size(); ++n) add_node(graph_.nodes[n]);
  if (half_weights_bytes_) half_weights_ = DeviceMemory(half_weights_bytes_);
  if (half_inputs_bytes_) half_inputs_ = DeviceMemory(half_inputs_bytes_);
}

CudaGraph::~CudaGraph() {
  if (replay_) cudaGraphExecDestroy(replay_);
  if (captured_) cudaGraphDestroy(captured_);
}

uint8_t* CudaGraph::pointer(int32_t tensor) const { return pointers_[tensor]; }

uint8_t* CudaGraph::scratch(uint64_t bytes) {
  owned_.emplace_back(bytes);
  return owned_.back().data();
}

const uint8_t* CudaGraph::contiguous_input(int32_t index) {
  if (index < 0) return nullptr;
  const plugin::Tensor& t = graph_.tensors[index];
  if (contiguous(t) || abi::is_block_type(t.dtype)) return pointer(index);
  uint8_t* packed = scratch(packed_bytes(t));
  const uint8_t* source = pointer(index);
  const Strided4 from = strided4(t), to = packed4(t);
  const uint32_t dtype = t.dtype;
  steps_.push_back(
      [=](cudaStream_t s) { strided_convert(source, dtype, from, packed, dtype, to, s); });
  return packed;
}

uint8_t* CudaGraph::contiguous_output(int32_t index) {
  const plugin::Tensor& t = graph_.tensors[index];
  if (pointers_[index] == nullptr) {  // an intermediate: contiguous by the ABI's rule
    pointers_[index] = scratch(packed_bytes(t));
    return pointers_[index];
  }
  return contiguous(t) ? pointer(index) : scratch(packed_bytes(t));
}

void CudaGraph::finish_output(int32_t index, uint8_t* written) {
  uint8_t* target = pointer(index);
  if (written == target) return;
  const plugin::Tensor& t = graph_.tensors[index];
  const Strided4 from = packed4(t), to = strided4(t);
  const uint32_t dtype = t.dtype;
  steps_.push_back(
      [=](cudaStream_t s) { strided_convert(written, dtype, from, target, dtype, to, s); });
}

void CudaGraph::add_node(const plugin::Node& node) {
  const plugin::Tensor& out = graph_.tensors[node.output];
  const braid_op_params p = node.params;
  auto src = [&](uint32_t slot) -> const plugin::Tensor& {
    return graph_.tensors[node.input(slot)];
  };
  auto f32_in = [&](uint32_t slot) {
    return reinterpret_cast<const float*>(contiguous_input(node.input(slot)));
  };
  auto i32_in = [&](uint32_t slot) {
    return reinterpret_cast<const int32_t*>(contiguous_input(node.input(slot)));
  };
  const DeviceErrors errors = context_.errors;

  switch (node.op) {
    case BRAID_OP_MATMUL:
      add_matmul(node);
      return;
    case BRAID_OP_RESHAPE: {
      uint8_t* from = pointer(node.input(0));
      if (pointers_[node.output] == nullptr) {  // an intermediate: the same bytes, renamed
        pointers_[node.output] = from;
        return;
      }
      uint8_t* to = pointer(node.output);
      const uint64_t bytes = packed_bytes(out);
      steps_.push_back([=](cudaStream_t s) {
        check(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, s), "reshape copy");
      });
      return;
    }
    case BRAID_OP_COPY:
    case BRAID_OP_PERMUTE:
    case BRAID_OP_CONCAT: {
      if (pointers_[node.output] == nullptr) contiguous_output(node.output);
      uint8_t* target = pointer(node.output);
      const plugin::Tensor& a = src(0);
      const uint8_t* a_data = pointer(node.input(0));
      if (node.op == BRAID_OP_COPY && out.dtype == abi::kQ8_0) {
        const float* values = reinterpret_cast<const float*>(contiguous_input(node.input(0)));
        const int64_t inner = out.shape[out.rank - 1];
        const int64_t rows = abi::n_elements(desc_of(out)) / inner;
        // Contiguous, or rank 2 with any row stride (cuda_support.cpp declines the rest).
        const int64_t row_stride =
            contiguous(out) || out.rank == 1 ? abi::row_bytes(out.dtype, inner) : out.strides[0];
        steps_.push_back([=](cudaStream_t s) {
          quantize_rows_q8_0(values, rows, inner, target, row_stride, s);
        });
        return;
      }
      if (node.op == BRAID_OP_PERMUTE) {
        int64_t strides[BRAID_MAX_DIMS] = {};
        for (uint32_t i = 0; i < out.rank; ++i) strides[i] = a.strides[p.permute.axes[i]];
        const Strided4 from = strided4(out, strides), to = strided4(out);
        const uint32_t from_type = a.dtype, to_type = out.dtype;
        steps_.push_back([=](cudaStream_t s) {
          strided_convert(a_data, from_type, from, target, to_type, to, s);
        });
        return;
      }
      // COPY, and the first half of CONCAT: a into the front of the output.
      const Strided4 a_from = strided4(a), a_to = strided4(a, out.strides.data());
      const uint32_t a_type = a.dtype, out_type = out.dtype;
      steps_.push_back([=](cudaStream_t s) {
        strided_convert(a_data, a_type, a_from, target, out_type, a_to, s);
      });
      if (node.op == BRAID_OP_CONCAT) {
        const plugin::Tensor& b = src(1);
        const uint8_t* b_data = pointer(node.input(1));
        const int32_t axis = p.concat.axis;
        uint8_t* b_target = target + a.shape[axis] * out.strides[axis];
        const Strided4 b_from = strided4(b), b_to = strided4(b, out.strides.data());
        const uint32_t b_type = b.dtype;
        steps_.push_back([=](cudaStream_t s) {
          strided_convert(b_data, b_type, b_from, b_target, out_type, b_to, s);
        });
      }
      return;
    }
    case BRAID_OP_SET_ROWS: {
      const float* values = f32_in(0);
      const int32_t* rows = i32_in(1);
      const plugin::Tensor& values_t = src(0);
      const int64_t m = values_t.shape[0];
      const int64_t inner = abi::n_elements(desc_of(out)) / out.shape[0];
      uint8_t* dst = pointer(node.output);
      const int64_t n_dst_rows = out.shape[0], row_stride = out.strides[0];
      const uint32_t dtype = out.dtype;
      steps_.push_back([=](cudaStream_t s) {
        set_rows(values, m, inner, rows, dst, dtype, n_dst_rows, row_stride, errors, s);
      });
      return;
    }
    case BRAID_OP_GET_ROWS: {
      const plugin::Tensor& table = src(0);
      const uint8_t* table_data = pointer(node.input(0));
      const int32_t* rows = i32_in(1);
      float* y = reinterpret_cast<float*>(contiguous_output(node.output));
      const uint32_t dtype = table.dtype;
      const int64_t n_rows = table.shape[0], row_stride = table.strides[0];
      const int64_t m = out.shape[0], n = out.shape[1];
      steps_.push_back([=](cudaStream_t s) {
        get_rows(table_data, dtype, n_rows, row_stride, rows, m, n, y, errors, s);
      });
      finish_output(node.output, reinterpret_cast<uint8_t*>(y));
      return;
    }
    default:
      break;
  }

  // The F32 ops: contiguous inputs in, one contiguous result out (scattered if strided).
  float* y = reinterpret_cast<float*>(contiguous_output(node.output));
  const int64_t n_out = abi::n_elements(desc_of(out));
  switch (node.op) {
    case BRAID_OP_ADD:
    case BRAID_OP_MUL: {
      const float* a = f32_in(0);
      const float* b = f32_in(1);
      int64_t as[4], bs[4];
      shape4(src(0), as);
      shape4(src(1), bs);
      const bool is_add = node.op == BRAID_OP_ADD;
      steps_.push_back([=](cudaStream_t s) {
        int64_t a4[4] = {as[0], as[1], as[2], as[3]}, b4[4] = {bs[0], bs[1], bs[2], bs[3]};
        binary(is_add, a, a4, b, b4, y, s);
      });
      break;
    }
    case BRAID_OP_SCALE:
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU: {
      const float* x = f32_in(0);
      const Unary kind = unary_of(node.op);
      const float scale = p.scale.scale, bias = p.scale.bias;
      steps_.push_back([=](cudaStream_t s) { unary(kind, x, y, n_out, scale, bias, s); });
      break;
    }
    case BRAID_OP_SWIGLU: {
      const float* gate = f32_in(0);
      const float* up = f32_in(1);
      steps_.push_back([=](cudaStream_t s) { swiglu(gate, up, y, n_out, s); });
      break;
    }
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM: {
      const float* x = f32_in(0);
      const float* weight = node.input(1) >= 0 ? f32_in(1) : nullptr;
      const float* bias = node.input(2) >= 0 ? f32_in(2) : nullptr;
      const int64_t n = out.shape[out.rank - 1];
      const float eps = p.norm.eps;
      const bool layer = node.op == BRAID_OP_LAYER_NORM;
      steps_.push_back(
          [=](cudaStream_t s) { norm_rows(x, y, n_out / n, n, weight, bias, eps, layer, s); });
      break;
    }
    case BRAID_OP_SOFTMAX: {
      const float* x = f32_in(0);
      const float* mask = node.input(1) >= 0 ? f32_in(1) : nullptr;
      int64_t xs[4], ms[4] = {1, 1, 1, 1};
      shape4(src(0), xs);
      if (mask) shape4(src(1), ms);
      const float scale = p.softmax.scale;
      steps_.push_back([=](cudaStream_t s) {
        int64_t x4[4] = {xs[0], xs[1], xs[2], xs[3]}, m4[4] = {ms[0], ms[1], ms[2], ms[3]};
        softmax_rows(x, y, x4, scale, mask, m4, s);
      });
      break;
    }
    case BRAID_OP_ROPE: {
      const float* x = f32_in(0);
      const int32_t* positions = i32_in(1);
      const float* factors = node.input(2) >= 0 ? f32_in(2) : nullptr;
      const int64_t n_tokens = out.shape[0], n_heads = out.shape[1], head_dim = out.shape[2];
      const braid_rope_params r = p.rope;
      steps_.push_back([=](cudaStream_t s) {
        rope(x, y, n_tokens, n_heads, head_dim, positions, factors, r.n_rot,
             r.mode == BRAID_ROPE_ADJACENT, r.freq_base, r.freq_scale, s);
      });
      break;
    }
    case BRAID_OP_ATTENTION: {
      AttentionArgs a;
      const plugin::Tensor& q = src(0);
      const plugin::Tensor& k = src(1);
      const plugin::Tensor& v = src(2);
      a.q = f32_in(0);
      a.k = pointer(node.input(1));
      a.v = pointer(node.input(2));
      a.k_dtype = k.dtype;
      a.v_dtype = v.dtype;
      a.k_row_stride = k.strides[0];
      a.k_head_stride = k.strides[1];
      a.v_row_stride = v.strides[0];
      a.v_head_stride = v.strides[1];
      a.n_q = q.shape[0];
      a.n_head = q.shape[1];
      a.head_dim = q.shape[2];
      a.n_kv = k.shape[0];
      a.n_head_kv = k.shape[1];
      a.head_dim_v = v.shape[2];
      a.positions = node.input(3) >= 0 ? i32_in(3) : nullptr;
      a.mask = node.input(4) >= 0 ? f32_in(4) : nullptr;
      a.n_valid = node.input(5) >= 0 ? i32_in(5) : nullptr;
      a.scale = p.attention.scale;
      a.causal = p.attention.causal != 0;
      a.out = y;
      steps_.push_back([=](cudaStream_t s) { attention(a, errors, s); });
      break;
    }
    case BRAID_OP_CONV1D: {
      const plugin::Tensor& x_t = src(0);
      const plugin::Tensor& w_t = src(1);
      const float* x = f32_in(0);
      const uint8_t* w = pointer(node.input(1));
      const float* bias = node.input(2) >= 0 ? f32_in(2) : nullptr;
      const int64_t c_in = x_t.shape[0], l = x_t.shape[1], c_out = w_t.shape[0], k = w_t.shape[2];
      const int64_t l_out = out.shape[1];
      const uint32_t w_type = w_t.dtype;
      const int32_t stride = p.conv.stride, padding = p.conv.padding;
      steps_.push_back([=](cudaStream_t s) {
        conv1d(x, c_in, l, w, w_type, c_out, k, bias, stride, padding, y, l_out, s);
      });
      break;
    }
    case BRAID_OP_CONV2D: {
      const plugin::Tensor& x_t = src(0);
      const plugin::Tensor& w_t = src(1);
      const float* x = f32_in(0);
      const uint8_t* w = pointer(node.input(1));
      const float* bias = node.input(2) >= 0 ? f32_in(2) : nullptr;
      const int64_t c_in = x_t.shape[0], h = x_t.shape[1], wd = x_t.shape[2];
      const int64_t c_out = w_t.shape[0], kh = w_t.shape[2], kw = w_t.shape[3];
      const int64_t h_out = out.shape[1], w_out = out.shape[2];
      const uint32_t w_type = w_t.dtype;
      const int32_t stride = p.conv.stride, padding = p.conv.padding;
      steps_.push_back([=](cudaStream_t s) {
        conv2d(x, c_in, h, wd, w, w_type, c_out, kh, kw, bias, stride, padding, y, h_out, w_out, s);
      });
      break;
    }
    case BRAID_OP_AVG_POOL2D: {
      const plugin::Tensor& x_t = src(0);
      const float* x = f32_in(0);
      const int64_t c = x_t.shape[0], h = x_t.shape[1], w = x_t.shape[2];
      const int32_t kernel = p.pool.kernel;
      steps_.push_back([=](cudaStream_t s) { avg_pool2d(x, c, h, w, kernel, y, s); });
      break;
    }
    default:
      plugin::fail(BRAID_STATUS_NOT_SUPPORTED, "[cuda] op ", abi::op_name(node.op),
                   " is not implemented");
  }
  finish_output(node.output, reinterpret_cast<uint8_t*>(y));
}

void CudaGraph::add_matmul(const plugin::Node& node) {
  const plugin::Tensor& x_t = graph_.tensors[node.input(0)];
  const plugin::Tensor& w_t = graph_.tensors[node.input(1)];
  const float* x = reinterpret_cast<const float*>(contiguous_input(node.input(0)));
  const uint8_t* w = pointer(node.input(1));
  const float* bias = node.input(2) >= 0
                          ? reinterpret_cast<const float*>(contiguous_input(node.input(2)))
                          : nullptr;
  float* y = reinterpret_cast<float*>(contiguous_output(node.output));
  const int64_t k = x_t.shape[x_t.rank - 1];
  const int64_t m = abi::n_elements(desc_of(x_t)) / k;
  const int64_t n = w_t.shape[0];
  const uint32_t w_type = w_t.dtype;
  const int64_t w_row_stride = w_t.strides[0];

  if (m <= kMaxMatvecRows) {
    steps_.push_back(
        [=](cudaStream_t s) { matvec(x, m, k, w, w_type, w_row_stride, n, bias, y, s); });
  } else if (w_type == abi::kF32) {
    cublasHandle_t handle = context_.cublas;
    const int lda = static_cast<int>(w_row_stride / 4);
    steps_.push_back([=](cudaStream_t s) {
      check(cublasSetStream(handle, s), "cublasSetStream");
      const float alpha = 1.0f, beta = 0.0f;
      // Row-major y[m,n] = x[m,k] w[n,k]^T is column-major y^T = w^T' x^T: op(A) = T on w.
      check(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m),
                         static_cast<int>(k), &alpha, w, CUDA_R_32F, lda, x, CUDA_R_32F,
                         static_cast<int>(k), &beta, y, CUDA_R_32F, static_cast<int>(n),
                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "cublasGemmEx (F32)");
      if (bias) add_bias(y, m, n, bias, s);
    });
  } else {
    // Tensor cores: weights as F16 (BF16 for BF16 files), activations rounded to the same type,
    // F32 accumulation and output.
    const bool bf16 = w_type == abi::kBF16;
    const bool weights_ready = (w_type == abi::kF16 || w_type == abi::kBF16);
    if (!weights_ready) half_weights_bytes_ = std::max<uint64_t>(half_weights_bytes_, n * k * 2);
    half_inputs_bytes_ = std::max<uint64_t>(half_inputs_bytes_, m * k * 2);
    cublasHandle_t handle = context_.cublas;
    const int lda = weights_ready ? static_cast<int>(w_row_stride / 2) : static_cast<int>(k);
    const cudaDataType type = bf16 ? CUDA_R_16BF : CUDA_R_16F;
    steps_.push_back([=, this](cudaStream_t s) {
      const void* w_half = w;
      if (!weights_ready) {
        weights_to_half(w, w_type, w_row_stride, n, k, half_weights_.data(), bf16, s);
        w_half = half_weights_.data();
      }
      f32_to_half(x, m * k, half_inputs_.data(), bf16, s);
      check(cublasSetStream(handle, s), "cublasSetStream");
      const float alpha = 1.0f, beta = 0.0f;
      check(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m),
                         static_cast<int>(k), &alpha, w_half, type, lda, half_inputs_.data(), type,
                         static_cast<int>(k), &beta, y, CUDA_R_32F, static_cast<int>(n),
                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "cublasGemmEx (half)");
      if (bias) add_bias(y, m, n, bias, s);
    });
  }
  finish_output(node.output, reinterpret_cast<uint8_t*>(y));
}

void CudaGraph::run(cudaStream_t stream) {
  if (replay_ && !capturing_) {
    check(cudaGraphLaunch(replay_, stream), "cudaGraphLaunch");
    return;
  }
  for (const Step& step : steps_) step(stream);
  check(cudaGetLastError(), "kernel launch");
}

void CudaGraph::begin_capture(cudaStream_t stream) {
  if (replay_) {
    cudaGraphExecDestroy(replay_);
    replay_ = nullptr;
  }
  if (captured_) {
    cudaGraphDestroy(captured_);
    captured_ = nullptr;
  }
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  capturing_ = true;
}

void CudaGraph::end_capture(cudaStream_t stream) {
  capturing_ = false;
  check(cudaStreamEndCapture(stream, &captured_), "cudaStreamEndCapture");
  check(cudaGraphInstantiate(&replay_, captured_, 0), "cudaGraphInstantiate");
}

}  // namespace braid::cuda
