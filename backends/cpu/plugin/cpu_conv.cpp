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
#include "braid/plugin_types.h"
#include "cpu_copy.h"

namespace braid::cpu_plugin {
namespace {

constexpr int64_t kParallelElements = int64_t{1} << 14;

// One spatial geometry for both ops: conv1d is conv2d with height 1 (kernel, stride and padding
// along the width only).
struct ConvShape {
  int64_t c_in = 0, c_out = 0;
  int64_t h = 1, w = 1, kh = 1, kw = 1, h_out = 1, w_out = 1;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0;
  int64_t x_c = 0, x_h = 0, x_w = 0;  // byte strides of the input
  int64_t k() const { return c_in * kh * kw; }
  int64_t positions() const { return h_out * w_out; }
};

ConvShape conv_shape(const NodeView& node) {
  const braid_tensor_desc& x = *node.in[0];
  const braid_tensor_desc& wt = *node.in[1];
  const braid_tensor_desc& y = *node.out;
  ConvShape s;
  s.c_in = x.shape[0];
  s.c_out = wt.shape[0];
  s.x_c = x.strides[0];
  if (node.op == BRAID_OP_CONV2D) {
    s.h = x.shape[1];
    s.w = x.shape[2];
    s.kh = wt.shape[2];
    s.kw = wt.shape[3];
    s.h_out = y.shape[1];
    s.w_out = y.shape[2];
    s.sh = s.sw = node.params.conv.stride;
    s.ph = s.pw = node.params.conv.padding;
    s.x_h = x.strides[1];
    s.x_w = x.strides[2];
  } else {
    s.w = x.shape[1];
    s.kw = wt.shape[2];
    s.w_out = y.shape[1];
    s.sw = node.params.conv.stride;
    s.pw = node.params.conv.padding;
    s.x_w = x.strides[1];
  }
  return s;
}

// cols[p, (c, i, j)] = x[c, oy·sh − ph + i, ox·sw − pw + j], zero outside the input.
void im2col(const ConvShape& s, const std::byte* x, float* cols, int threads) {
  const int64_t k = s.k(), positions = s.positions();
  const int nt = positions * k >= kParallelElements ? threads : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t p = 0; p < positions; ++p) {
    const int64_t oy = p / s.w_out, ox = p % s.w_out;
    float* row = cols + p * k;
    for (int64_t c = 0; c < s.c_in; ++c) {
      for (int64_t i = 0; i < s.kh; ++i) {
        float* out = row + (c * s.kh + i) * s.kw;
        const int64_t iy = oy * s.sh - s.ph + i;
        if (iy < 0 || iy >= s.h) {
          std::memset(out, 0, static_cast<size_t>(s.kw) * sizeof(float));
          continue;
        }
        const std::byte* line = x + c * s.x_c + iy * s.x_h;
        const int64_t ix0 = ox * s.sw - s.pw;
        if (ix0 >= 0 && ix0 + s.kw <= s.w && s.x_w == 4) {  // the whole window inside, packed
          std::memcpy(out, line + ix0 * 4, static_cast<size_t>(s.kw) * sizeof(float));
          continue;
        }
        for (int64_t j = 0; j < s.kw; ++j) {
          const int64_t ix = ix0 + j;
          if (ix < 0 || ix >= s.w) {
            out[j] = 0.0f;
          } else {
            std::memcpy(&out[j], line + ix * s.x_w, 4);
          }
        }
      }
    }
  }
}

// The weights [c_out, c_in, (kh,) kw] of any float type and layout as f32 rows [c_out, k].
std::vector<float> weights_f32(const braid_tensor_desc& w, const std::byte* data) {
  const auto strides = abi::contiguous_strides(abi::kF32, w.rank, w.shape);
  std::vector<float> out(static_cast<size_t>(abi::n_elements(w)));
  convert_copy(data, w.dtype, w.strides, reinterpret_cast<std::byte*>(out.data()), abi::kF32,
               strides.data(), w.shape, w.rank);
  return out;
}

void check(const core::Status& status) {
  if (!status.is_ok()) {
    plugin::fail(status.code() == core::StatusCode::NotSupported ? BRAID_STATUS_NOT_SUPPORTED
                                                                 : BRAID_STATUS_INVALID_ARGUMENT,
                 "[cpu] conv: ", status.message());
  }
}

std::shared_ptr<cpu::GemmF32> make_gemm(
    const braid_tensor_desc& w, const std::byte* data, int64_t n, int64_t k, const float* bias) {
  const std::vector<float> rows = weights_f32(w, data);
  auto gemm = cpu::GemmF32::create(rows.data(), n, k, k, bias);
  check(gemm.status());
  return std::shared_ptr<cpu::GemmF32>(std::move(gemm).value());
}

}  // namespace

std::function<void()> prepare_conv(const NodeView& node, const OpTensors& io, int threads) {
  const ConvShape s = conv_shape(node);
  const braid_tensor_desc w = *node.in[1], y = *node.out;
  const std::byte* x = io.in[0];
  const std::byte* w_data = io.in[1];
  const float* bias = io.in[2] ? reinterpret_cast<const float*>(io.in[2]) : nullptr;
  std::byte* out = io.out;
  std::shared_ptr<cpu::GemmF32> constant;
  if (io.weights[1] && (bias == nullptr || io.weights[2])) {
    constant = make_gemm(w, w_data, s.c_out, s.k(), bias);
  }
  // The patch matrix and the product [positions, c_out], kept for every run.
  auto cols = std::make_shared<std::vector<float>>(static_cast<size_t>(s.positions() * s.k()));
  auto product = std::make_shared<std::vector<float>>(static_cast<size_t>(s.positions() * s.c_out));
  // The product read as the output's shape [c_out, positions...]: c_out is its innermost dim.
  int64_t from[BRAID_MAX_DIMS] = {4, 0, 0, 0};
  if (y.rank == 3) {
    from[1] = s.w_out * s.c_out * 4;
    from[2] = s.c_out * 4;
  } else {
    from[1] = s.c_out * 4;
  }
  return [=] {
    im2col(s, x, cols->data(), threads);
    const std::shared_ptr<cpu::GemmF32> gemm =
        constant ? constant : make_gemm(w, w_data, s.c_out, s.k(), bias);
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
