// Direct convolutions and average pooling over F32 activations. Each thread computes one output
// value; weights may be F32, F16 or BF16 (mmproj files often keep them in F16). Patch embeddings
// (kernel = stride) and Whisper's kernel-3 convolutions are small enough that this is not the
// bottleneck of an encoder; an implicit-GEMM version is the step after.
#include "cuda_kernels.h"
#include "kernels_common.cuh"

namespace braid::cuda {
namespace {

__global__ void conv1d_kernel(const float* x,
                              int64_t c_in,
                              int64_t l,
                              const void* w,
                              uint32_t w_dtype,
                              int64_t c_out,
                              int64_t k,
                              const float* bias,
                              int32_t stride,
                              int32_t padding,
                              float* y,
                              int64_t l_out) {
  const int64_t total = c_out * l_out;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = t / l_out, p = t % l_out;
    float sum = bias ? bias[o] : 0.0f;
    for (int64_t c = 0; c < c_in; ++c) {
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = p * stride - padding + j;
        if (at < 0 || at >= l) continue;
        sum += x[c * l + at] * load_plain(w, w_dtype, (o * c_in + c) * k + j);
      }
    }
    y[t] = sum;
  }
}

__global__ void conv2d_kernel(const float* x,
                              int64_t c_in,
                              int64_t h,
                              int64_t w,
                              const void* weight,
                              uint32_t w_dtype,
                              int64_t c_out,
                              int64_t kh,
                              int64_t kw,
                              const float* bias,
                              int32_t stride,
                              int32_t padding,
                              float* y,
                              int64_t h_out,
                              int64_t w_out) {
  const int64_t total = c_out * h_out * w_out;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = t / (h_out * w_out), oy = (t / w_out) % h_out, ox = t % w_out;
    float sum = bias ? bias[o] : 0.0f;
    for (int64_t c = 0; c < c_in; ++c) {
      for (int64_t ky = 0; ky < kh; ++ky) {
        const int64_t iy = oy * stride - padding + ky;
        if (iy < 0 || iy >= h) continue;
        for (int64_t kx = 0; kx < kw; ++kx) {
          const int64_t ix = ox * stride - padding + kx;
          if (ix < 0 || ix >= w) continue;
          sum += x[(c * h + iy) * w + ix] *
                 load_plain(weight, w_dtype, ((o * c_in + c) * kh + ky) * kw + kx);
        }
      }
    }
    y[t] = sum;
  }
}

__global__ void avg_pool2d_kernel(const float* x,
                                  int64_t c,
                                  int64_t h,
                                  int64_t w,
                                  int32_t kernel,
                                  float* y,
                                  int64_t h_out,
                                  int64_t w_out) {
  const int64_t total = c * h_out * w_out;
  const float inv = 1.0f / static_cast<float>(kernel * kernel);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = t / (h_out * w_out), oy = (t / w_out) % h_out, ox = t % w_out;
    float sum = 0.0f;
    for (int32_t ky = 0; ky < kernel; ++ky) {
      for (int32_t kx = 0; kx < kernel; ++kx) {
        sum += x[(ch * h + oy * kernel + ky) * w + ox * kernel + kx];
      }
    }
    y[t] = sum * inv;
  }
}

}  // namespace

void conv1d(const float* x,
            int64_t c_in,
            int64_t l,
            const void* w,
            uint32_t w_dtype,
            int64_t c_out,
            int64_t k,
            const float* bias,
            int32_t stride,
            int32_t padding,
            float* y,
            int64_t l_out,
            cudaStream_t stream) {
  const int64_t total = c_out * l_out;
  if (total == 0) return;
  conv1d_kernel<<<grid_for(total, 128), 128, 0, stream>>>(x, c_in, l, w, w_dtype, c_out, k, bias,
                                                          stride, padding, y, l_out);
}

void conv2d(const float* x,
            int64_t c_in,
            int64_t h,
            int64_t w,
            const void* weight,
            uint32_t w_dtype,
            int64_t c_out,
            int64_t kh,
            int64_t kw,
            const float* bias,
            int32_t stride,
            int32_t padding,
            float* y,
            int64_t h_out,
            int64_t w_out,
            cudaStream_t stream) {
  const int64_t total = c_out * h_out * w_out;
  if (total == 0) return;
  conv2d_kernel<<<grid_for(total, 128), 128, 0, stream>>>(
      x, c_in, h, w, weight, w_dtype, c_out, kh, kw, bias, stride, padding, y, h_out, w_out);
}

void avg_pool2d(const float* x,
                int64_t c,
                int64_t h,
                int64_t w,
                int32_t kernel,
                float* y,
                cudaStream_t stream) {
  const int64_t h_out = h / kernel, w_out = w / kernel;
  const int64_t total = c * h_out * w_out;
  if (total == 0) return;
  avg_pool2d_kernel<<<grid_for(total, 256), 256, 0, stream>>>(x, c, h, w, kernel, y, h_out, w_out);
}

}  // namespace braid::cuda
