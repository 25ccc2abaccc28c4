// CUDA kernel benchmarks, timed with CUDA events on the benchmark's own stream (manual time):
// decode matvec over Llama-3.2-1B-shaped weights in each GGUF type, the half-precision prefill
// path (weight conversion + cuBLAS), and decode attention over a long KV cache. Each reports
// GB/s or TFLOP/s and, as "of_copy_bw", the fraction of the device-to-device copy bandwidth
// measured at start-up (the GPU's practical memory limit).
//
//   build/bin/braid_cuda_kernels_bench --benchmark_counters_tabular=true
//
// Without a usable GPU every benchmark reports an error and exits cleanly.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cuda_kernels.h"

namespace {

using braid::cuda::AttentionArgs;

bool gpu_ready() {
  static const bool ready = [] {
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
  }();
  return ready;
}

// Device memory for the duration of one benchmark, filled with a byte pattern that decodes to
// finite values in every format (0x11: small positive quants and fp16 scales ~2^-13).
struct Scratch {
  void* ptr = nullptr;
  explicit Scratch(size_t bytes) {
    if (cudaMalloc(&ptr, bytes) == cudaSuccess) cudaMemset(ptr, 0x11, bytes);
  }
  ~Scratch() { cudaFree(ptr); }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
};

// Device-to-device copy bandwidth in bytes/s (read + write), the denominator of of_copy_bw.
double copy_bandwidth() {
  static const double bandwidth = [] {
    const size_t bytes = size_t(1) << 30;
    Scratch a(bytes), b(bytes);
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    cudaMemcpy(b.ptr, a.ptr, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(start);
    for (int i = 0; i < 10; ++i) cudaMemcpy(b.ptr, a.ptr, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    return 2.0 * bytes * 10 / (ms / 1e3);
  }();
  return bandwidth;
}

// Runs `body` on a stream, timed with events, `state.iterations()` times.
template <typename Body>
void timed(benchmark::State& state, Body body) {
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  body(stream);  // warm-up
  for (auto _ : state) {
    cudaEventRecord(start, stream);
    body(stream);
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
}

int64_t row_bytes(uint32_t dtype, int64_t k) {
  switch (dtype) {
    case 0:
      return k * 4;
    case 1:
    case 30:
      return k * 2;
    case 8:
      return k / 32 * 34;
    case 2:
      return k / 32 * 18;
    case 12:
      return k / 256 * 144;
    case 13:
      return k / 256 * 176;
    case 14:
      return k / 256 * 210;
    default:
      return 0;
  }
}

// Args: dtype, n (output rows), k, m (activation rows).
void BM_Matvec(benchmark::State& state) {
  if (!gpu_ready()) return state.SkipWithError("no usable CUDA GPU");
  const auto dtype = static_cast<uint32_t>(state.range(0));
  const int64_t n = state.range(1), k = state.range(2), m = state.range(3);
  const int64_t w_row = row_bytes(dtype, k);
  Scratch w(size_t(n * w_row)), x(size_t(m * k * 4)), y(size_t(m * n * 4));
  cudaMemset(x.ptr, 0, size_t(m * k * 4));
  timed(state, [&](cudaStream_t s) {
    braid::cuda::matvec(x.as<float>(), m, k, w.ptr, dtype, w_row, n, nullptr, y.as<float>(), s);
  });
  const double bytes = double(n) * w_row;
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["of_copy_bw"] =
      benchmark::Counter(bytes / copy_bandwidth(), benchmark::Counter::kIsIterationInvariantRate);
}

// Prefill: m = 512 tokens through weights converted to F16 and cuBLAS. Args: dtype, n, k.
void BM_PrefillGemm(benchmark::State& state) {
  if (!gpu_ready()) return state.SkipWithError("no usable CUDA GPU");
  const auto dtype = static_cast<uint32_t>(state.range(0));
  const int64_t n = state.range(1), k = state.range(2), m = 512;
  const int64_t w_row = row_bytes(dtype, k);
  Scratch w(size_t(n * w_row)), w_half(size_t(n * k * 2)), x(size_t(m * k * 4)),
      x_half(size_t(m * k * 2)), y(size_t(m * n * 4));
  cublasHandle_t handle;
  cublasCreate(&handle);
  timed(state, [&](cudaStream_t s) {
    braid::cuda::weights_to_half(w.ptr, dtype, w_row, n, k, w_half.ptr, false, s);
    braid::cuda::f32_to_half(x.as<float>(), m * k, x_half.ptr, false, s);
    cublasSetStream(handle, s);
    const float alpha = 1, beta = 0;
    cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, int(n), int(m), int(k), &alpha, w_half.ptr,
                 CUDA_R_16F, int(k), x_half.ptr, CUDA_R_16F, int(k), &beta, y.ptr, CUDA_R_32F,
                 int(n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  });
  cublasDestroy(handle);
  state.counters["TFLOP/s"] =
      benchmark::Counter(2.0 * m * n * k / 1e12, benchmark::Counter::kIsIterationInvariantRate);
}

// Decode attention: one query, 32 heads of 64 over an F16 cache of `n_kv` rows, 8 KV heads.
void BM_DecodeAttention(benchmark::State& state) {
  if (!gpu_ready()) return state.SkipWithError("no usable CUDA GPU");
  const int64_t n_kv = state.range(0), n_head = 32, n_head_kv = 8, head_dim = 64;
  Scratch q(size_t(n_head * head_dim * 4)), k(size_t(n_kv * n_head_kv * head_dim * 2)),
      v(size_t(n_kv * n_head_kv * head_dim * 2)), out(size_t(n_head * head_dim * 4));
  Scratch flag(4);
  AttentionArgs a;
  a.q = q.as<float>();
  a.k = k.ptr;
  a.v = v.ptr;
  a.k_dtype = a.v_dtype = 1;
  a.k_row_stride = a.v_row_stride = n_head_kv * head_dim * 2;
  a.k_head_stride = a.v_head_stride = head_dim * 2;
  a.n_q = 1;
  a.n_head = n_head;
  a.head_dim = a.head_dim_v = head_dim;
  a.n_kv = n_kv;
  a.n_head_kv = n_head_kv;
  a.scale = 0.125f;
  a.out = out.as<float>();
  braid::cuda::DeviceErrors errors{flag.as<int32_t>(), nullptr};
  timed(state, [&](cudaStream_t s) { braid::cuda::attention(a, errors, s); });
  const double bytes = 2.0 * n_kv * n_head_kv * head_dim * 2;
  state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["of_copy_bw"] =
      benchmark::Counter(bytes / copy_bandwidth(), benchmark::Counter::kIsIterationInvariantRate);
}

// Llama-3.2-1B: ffn_up/gate 8192 x 2048, ffn_down 2048 x 8192, output 128256 x 2048.
void matvec_args(benchmark::internal::Benchmark* b) {
  for (int dtype : {1, 8, 2, 12, 13, 14}) {
    b->Args({dtype, 8192, 2048, 1});
    b->Args({dtype, 2048, 8192, 1});
    b->Args({dtype, 128256, 2048, 1});
  }
  b->Args({8, 8192, 2048, 8});
}

BENCHMARK(BM_Matvec)->Apply(matvec_args)->UseManualTime();
BENCHMARK(BM_PrefillGemm)->Args({8, 8192, 2048})->Args({12, 8192, 2048})->UseManualTime();
BENCHMARK(BM_DecodeAttention)->Arg(4096)->Arg(32768)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
