// Prefill with block-quantized weights: the three ways the cpu backend could multiply a 512-token
// prompt by a GGUF weight matrix, at Llama-3.2-1B's shapes, for Q8_0, Q4_0, Q4_K and Q6_K.
//
//   build/bin/braid_cpu_prefill_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=prefill.json
//
//  - blocks:  cpu::quant_matmul on the repacked weights (the decode kernel, M rows at a time;
//             activations quantized per 32-value block);
//  - int8:    cpu::GemmInt8 built once from the GGUF rows (dequantized, requantized per row to s8,
//             packed by oneDNN); a call quantizes x per row and runs oneDNN's int8 matmul;
//  - f32:     every call dequantizes the weights to f32 and packs them for cpu::GemmF32 (what
//             "dequantize, then the f32 GEMM" costs without keeping an f32 copy of the model).
// Compute-bound (each weight is used 512 times), so one weight matrix per benchmark is fine.
// Also the encoders' convolutions (CLIP/SigLIP patch embeddings, Whisper's conv1/conv2) as
// im2col + GemmF32 against oneDNN's convolution primitive (when built with oneDNN).
// Counter flops/s = 2·M·N·K per second, to compare with braid_machine_limits' FMA and VNNI peaks.
#include <benchmark/benchmark.h>
#include <omp.h>

#ifdef BRAID_BENCH_ONEDNN
#include <dnnl.hpp>
#endif

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/quant.h"
#include "braid/cpu/cpu_features.h"
#include "braid/cpu/gemm.h"
#include "braid/cpu/im2col.h"
#include "braid/cpu/quant_matmul.h"
#include "cpu_bench_support.h"

namespace {

using braid::core::DType;
namespace cpu = braid::cpu;

using Shape = braid::bench::GemmShape;

constexpr Shape kShapes[] = {
    {"llama3.2_1b/prefill512/attn_q", 512, 2048, 2048},
    {"llama3.2_1b/prefill512/ffn_up", 512, 8192, 2048},
    {"llama3.2_1b/prefill512/ffn_down", 512, 2048, 8192},
    // Where the cpu backend switches from the block kernel to int8 GEMM (kInt8GemmRows = 32).
    {"llama3.2_1b/prefill16/ffn_up", 16, 8192, 2048},
    {"llama3.2_1b/prefill32/ffn_up", 32, 8192, 2048},
};

constexpr DType kTypes[] = {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K};

enum class Path { Blocks, Int8, F32 };

// W [n, k] quantized to `dtype` rows.
std::vector<uint8_t> gguf_weights(DType dtype, int64_t n, int64_t k, int64_t* row_bytes) {
  *row_bytes = static_cast<int64_t>(*braid::core::dtype_row_bytes(dtype, k));
  const std::vector<float> w = braid::bench::normal_values(n * k, 0.02f, 7);
  std::vector<uint8_t> out(static_cast<size_t>(n * *row_bytes));
  for (int64_t i = 0; i < n; ++i) {
    (void)braid::core::quantize_row(dtype, w.data() + i * k, out.data() + i * *row_bytes, k);
  }
  return out;
}

void prefill_bench(benchmark::State& state, Shape shape, DType dtype, Path path) {
  const int threads = static_cast<int>(state.range(0));
  int64_t row_bytes = 0;
  const std::vector<uint8_t> w = gguf_weights(dtype, shape.n, shape.k, &row_bytes);
  const std::vector<float> x = braid::bench::normal_values(shape.m * shape.k, 1.0f, 3);
  std::vector<float> y(static_cast<size_t>(shape.m * shape.n));
  const cpu::GgufMatrix matrix{dtype, shape.n, shape.k, w.data(), row_bytes};

  std::function<braid::core::Status()> call;
  std::unique_ptr<cpu::RepackedMatrix> repacked;
  cpu::ActivationBuffer activations;
  std::unique_ptr<cpu::GemmInt8> int8;
  std::vector<float> wide(static_cast<size_t>(shape.n * shape.k));
  std::string label;
  switch (path) {
    case Path::Blocks: {
      auto r = cpu::RepackedMatrix::create(matrix, threads);
      if (!r.ok()) return state.SkipWithError(r.status().to_string().c_str());
      repacked = std::make_unique<cpu::RepackedMatrix>(std::move(r).value());
      call = [&] {
        auto a = activations.quantize(x.data(), shape.m, shape.k, shape.k, threads);
        if (!a.ok()) return a.status();
        return cpu::quant_matmul(repacked->view(), *a, nullptr, y.data(), shape.n, threads);
      };
      label = "repacked blocks";
      break;
    }
    case Path::Int8: {
      auto g =
          cpu::GemmInt8::create_from_gguf(dtype, w.data(), shape.n, shape.k, row_bytes, nullptr);
      if (!g.ok()) return state.SkipWithError(g.status().to_string().c_str());
      int8 = std::move(g).value();
      call = [&] { return int8->run(x.data(), shape.m, y.data(), threads); };
      label = int8->implementation();
      break;
    }
    case Path::F32:
      call = [&]() -> braid::core::Status {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t i = 0; i < shape.n; ++i) {
          (void)braid::core::dequantize_row(dtype, w.data() + i * row_bytes,
                                            wide.data() + i * shape.k, shape.k);
        }
        auto g = cpu::GemmF32::create(wide.data(), shape.n, shape.k, shape.k, nullptr);
        if (!g.ok()) return g.status();
        return (*g)->run(x.data(), shape.m, y.data(), threads);
      };
      label = "dequantize + pack + f32 GEMM per call";
      break;
  }
  if (auto s = call(); !s.is_ok()) return state.SkipWithError(s.to_string().c_str());  // warm
  for (auto _ : state) {
    const auto status = call();
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["flops/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(shape.m) *
          static_cast<double>(shape.n) * static_cast<double>(shape.k),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.SetLabel(label);
}

// ---- convolutions: im2col + GemmF32 (what the cpu backend runs) against oneDNN's primitive ----

struct ConvShape {
  const char* name;
  int64_t c_in, h, w, c_out, kernel, stride, padding;
  bool one_d;
};

constexpr ConvShape kConvShapes[] = {
    {"clip_vit_l14_336/patch_embed", 3, 336, 336, 1024, 14, 14, 0, false},
    {"siglip_so400m_384/patch_embed", 3, 384, 384, 1152, 14, 14, 0, false},
    {"whisper_large_v3_enc/conv1", 128, 1, 3000, 1280, 3, 1, 1, true},
    {"whisper_large_v3_enc/conv2", 1280, 1, 3000, 1280, 3, 2, 1, true},
};

int64_t conv_out(int64_t size, const ConvShape& c) {
  return (size + 2 * c.padding - c.kernel) / c.stride + 1;
}

double conv_flops(const ConvShape& c) {
  const int64_t kh = c.one_d ? 1 : c.kernel;
  const int64_t ho = c.one_d ? 1 : conv_out(c.h, c);
  return 2.0 * static_cast<double>(c.c_out * ho * conv_out(c.w, c) * c.c_in * kh * c.kernel);
}

// im2col, the GEMM into [positions, c_out], and the transpose to [c_out, positions] the plugin
// does with its strided copy (here a plain loop).
void conv_im2col_bench(benchmark::State& state, ConvShape c) {
  const int threads = static_cast<int>(state.range(0));
  cpu::ConvGeometry g;
  g.c_in = c.c_in;
  g.h = c.h;
  g.w = c.w;
  g.kh = c.one_d ? 1 : c.kernel;
  g.kw = c.kernel;
  g.h_out = c.one_d ? 1 : conv_out(c.h, c);
  g.w_out = conv_out(c.w, c);
  g.stride_h = c.one_d ? 1 : c.stride;
  g.stride_w = c.stride;
  g.pad_h = c.one_d ? 0 : c.padding;
  g.pad_w = c.padding;
  g.x_c = c.h * c.w * 4;
  g.x_h = c.w * 4;
  g.x_w = 4;
  const std::vector<float> x = braid::bench::normal_values(c.c_in * c.h * c.w, 1.0f, 5);
  const std::vector<float> w = braid::bench::normal_values(c.c_out * g.k(), 0.02f, 6);
  auto gemm = cpu::GemmF32::create(w.data(), c.c_out, g.k(), g.k(), nullptr);
  if (!gemm.ok()) return state.SkipWithError(gemm.status().to_string().c_str());
  std::vector<float> cols(static_cast<size_t>(g.positions() * g.k()));
  std::vector<float> product(static_cast<size_t>(g.positions() * c.c_out)), y(product.size());
  for (auto _ : state) {
    cpu::im2col(g, reinterpret_cast<const std::byte*>(x.data()), cols.data(), threads);
    (void)(*gemm)->run(cols.data(), g.positions(), product.data(), threads);
    const int64_t positions = g.positions();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t o = 0; o < c.c_out; ++o) {
      for (int64_t p = 0; p < positions; ++p) y[o * positions + p] = product[p * c.c_out + o];
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["flops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * conv_flops(c),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.SetLabel((*gemm)->implementation());
}

#ifdef BRAID_BENCH_ONEDNN
// oneDNN's convolution with format_tag::any (a plain nchw source falls to a reference kernel,
// see CPU-NOTES): the source reordered from plain nchw and the result back to plain inside the
// timed call, as a backend holding plain tensors would have to.
void conv_onednn_bench(benchmark::State& state, ConvShape c) {
  using dnnl::memory;
  using Tag = memory::format_tag;
  const int threads = static_cast<int>(state.range(0));
  omp_set_num_threads(threads);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const int64_t kh = c.one_d ? 1 : c.kernel, ho = c.one_d ? 1 : conv_out(c.h, c);
  const int64_t wo = conv_out(c.w, c);
  const memory::dims src_dims = {1, c.c_in, c.h, c.w}, w_dims = {c.c_out, c.c_in, kh, c.kernel};
  const memory::dims dst_dims = {1, c.c_out, ho, wo};
  const memory::dims strides = {c.one_d ? 1 : c.stride, c.stride};
  const memory::dims pads = {c.one_d ? 0 : c.padding, c.padding};
  const auto any = [](const memory::dims& d) {
    return memory::desc(d, memory::data_type::f32, Tag::any);
  };
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                             dnnl::algorithm::convolution_direct, any(src_dims),
                                             any(w_dims), any(dst_dims), strides, pads, pads);
  const dnnl::convolution_forward::primitive_desc pd(desc, engine);
  std::vector<float> x = braid::bench::normal_values(c.c_in * c.h * c.w, 1.0f, 5);
  std::vector<float> w = braid::bench::normal_values(c.c_out * c.c_in * kh * c.kernel, 0.02f, 6);
  std::vector<float> y(static_cast<size_t>(c.c_out * ho * wo));
  memory user_src({src_dims, memory::data_type::f32, Tag::nchw}, engine, x.data());
  memory user_w({w_dims, memory::data_type::f32, Tag::oihw}, engine, w.data());
  memory user_dst({dst_dims, memory::data_type::f32, Tag::nchw}, engine, y.data());
  memory src(pd.src_desc(), engine), weights(pd.weights_desc(), engine), dst(pd.dst_desc(), engine);
  dnnl::reorder(user_w, weights).execute(stream, user_w, weights);
  const dnnl::convolution_forward conv(pd);
  const dnnl::reorder to_src(user_src, src), from_dst(dst, user_dst);
  for (auto _ : state) {
    to_src.execute(stream, user_src, src);
    conv.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    from_dst.execute(stream, dst, user_dst);
    stream.wait();
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["flops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * conv_flops(c),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  state.SetLabel(pd.impl_info_str());
}
#endif

}  // namespace

int main(int argc, char** argv) {
  for (const ConvShape& c : kConvShapes) {
    benchmark::RegisterBenchmark((std::string("conv/") + c.name + "/im2col_gemm").c_str(),
                                 conv_im2col_bench, c)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
#ifdef BRAID_BENCH_ONEDNN
    benchmark::RegisterBenchmark((std::string("conv/") + c.name + "/onednn").c_str(),
                                 conv_onednn_bench, c)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
#endif
  }
  for (const Shape& shape : kShapes) {
    for (DType dtype : kTypes) {
      for (const auto& [path, name] :
           {std::pair{Path::Blocks, "blocks"}, std::pair{Path::Int8, "int8"},
            std::pair{Path::F32, "f32"}}) {
        const std::string id = std::string("prefill/") + shape.name + "/" +
                               std::string(braid::core::dtype_name(dtype)) + "/" + name;
        benchmark::RegisterBenchmark(id.c_str(), prefill_bench, shape, dtype, path)
            ->ArgName("threads")
            ->Arg(1)
            ->Arg(2)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  return braid::bench::run_cpu_benchmarks(argc, argv);
}
