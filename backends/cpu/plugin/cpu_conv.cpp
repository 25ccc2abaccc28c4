// Why im2col + GEMM rather than oneDNN's convolution primitive: the GEMM is already packed and
// bucketed (gemm.h), works the same with or without oneDNN, and for the encoders' convolutions
// (ViT patch embeddings with kernel = stride, Whisper's kernel-3 conv1d) it measured as fast as
// the primitive (bench/results/2026-11-23-cpu-prefill.md); the patch matrix costs one pass over
// the input, small next to the product.
#include "cpu_conv.h"

#include <omp.h>

#include <cstring>
#include <memory>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/cpu/gemm.h"
#include "braid/cpu/im2col.h"
#include "braid/plugin_types.h"
#include "cpu_copy.h"

namespace braid::cpu_plugin {
namespace {

constexpr int64_t kParallelElements = int64_t{1} << 14;

cpu::ConvGeometry conv_geometry(const NodeView& node) {
  const braid_tensor_desc& x = *node.in[0];
  const braid_tensor_desc& wt = *node.in[1];
  const braid_tensor_desc& y = *node.out;
  cpu::ConvGeometry g;
  g.c_in = x.shape[0];
  g.x_c = x.strides[0];
  if (node.op == BRAID_OP_CONV2D) {
    g.h = x.shape[1];
    g.w = x.shape[2];
    g.kh = wt.shape[2];
    g.kw = wt.shape[3];
    g.h_out = y.shape[1];
    g.w_out = y.shape[2];
    g.stride_h = g.stride_w = node.params.conv.stride;
    g.pad_h = g.pad_w = node.params.conv.padding;
    g.x_h = x.strides[1];
    g.x_w = x.strides[2];
  } else {
    g.w = x.shape[1];
    g.kw = wt.shape[2];
    g.w_out = y.shape[1];
    g.stride_w = node.params.conv.stride;
    g.pad_w = node.params.conv.padding;
    g.x_w = x.strides[1];
  }
  return g;
}

void check(const core::Status& status) {
  if (!status.is_ok()) {
    plugin::fail(status.code() == core::StatusCode::NotSupported ? BRAID_STATUS_NOT_SUPPORTED
                                                                 : BRAID_STATUS_INVALID_ARGUMENT,
                 "[cpu] conv: ", status.message());
  }
}

std::shared_ptr<cpu::GemmF32> make_gemm(const braid_tensor_desc& w,
                                        const std::byte* data,
                                        int64_t n,
                                        int64_t k,
                                        const float* bias,
                                        int threads) {
  // The weights [c_out, c_in, (kh,) kw] as f32 rows [c_out, k].
  thread_local std::vector<float> rows;
  widen_to_f32(w, data, rows, threads);
  auto gemm = cpu::GemmF32::create(rows.data(), n, k, k, bias);
  check(gemm.status());
  return std::shared_ptr<cpu::GemmF32>(std::move(gemm).value());
}

}  // namespace

std::function<void()> prepare_conv(const NodeView& node, const OpTensors& io, int threads) {
  const cpu::ConvGeometry s = conv_geometry(node);
  const braid_tensor_desc w = *node.in[1], y = *node.out;
  const int64_t c_out = w.shape[0];
  const std::byte* x = io.in[0];
  const std::byte* w_data = io.in[1];
  const float* bias = io.in[2] ? reinterpret_cast<const float*>(io.in[2]) : nullptr;
  std::byte* out = io.out;
  std::shared_ptr<cpu::GemmF32> constant;
  if (io.weights[1] && (bias == nullptr || io.weights[2])) {
    constant = make_gemm(w, w_data, c_out, s.k(), bias, threads);
  }
  // The patch matrix and the product [positions, c_out], kept for every run.
  auto cols = std::make_shared<std::vector<float>>(static_cast<size_t>(s.positions() * s.k()));
  auto product = std::make_shared<std::vector<float>>(static_cast<size_t>(s.positions() * c_out));
  // The product read as the output's shape [c_out, positions...]: c_out is its innermost dim.
  int64_t from[BRAID_MAX_DIMS] = {4, 0, 0, 0};
  if (y.rank == 3) {
    from[1] = s.w_out * c_out * 4;
    from[2] = c_out * 4;
  } else {
    from[1] = c_out * 4;
  }
  return [=] {
    cpu::im2col(s, x, cols->data(), threads);
    const std::shared_ptr<cpu::GemmF32> gemm =
        constant ? constant : make_gemm(w, w_data, c_out, s.k(), bias, threads);
    check(gemm->run(cols->data(), s.positions(), product->data(), threads));
    convert_copy(reinterpret_cast<const std::byte*>(product->data()), abi::kF32, from, out,
                 abi::kF32, y.strides, y.shape, y.rank, threads);
  };
}

// dst[c, i, j] = mean of the kernel × kernel window at (i·kernel, j·kernel), in any layouts.
std::function<void()> prepare_avg_pool2d(const NodeView& node, const OpTensors& io, int threads) {
  const braid_tensor_desc a = *node.in[0], y = *node.out;
  const int64_t k = node.params.pool.kernel;
  const std::byte* src = io.in[0];
  std::byte* dst = io.out;
  return [=] {
    const int64_t channels = y.shape[0], h_out = y.shape[1], w_out = y.shape[2];
    const float inv = 1.0f / static_cast<float>(k * k);
    const int nt = abi::n_elements(a) >= kParallelElements ? threads : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
    for (int64_t r = 0; r < channels * h_out; ++r) {
      const int64_t c = r / h_out, i = r % h_out;
      const std::byte* base = src + c * a.strides[0] + i * k * a.strides[1];
      for (int64_t j = 0; j < w_out; ++j) {
        float sum = 0.0f;
        for (int64_t u = 0; u < k; ++u) {
          const std::byte* line = base + u * a.strides[1] + j * k * a.strides[2];
          for (int64_t v = 0; v < k; ++v) {
            float value;
            std::memcpy(&value, line + v * a.strides[2], 4);
            sum += value;
          }
        }
        const float mean = sum * inv;
        std::memcpy(dst + c * y.strides[0] + i * y.strides[1] + j * y.strides[2], &mean, 4);
      }
    }
  };
}

}  // namespace braid::cpu_plugin
