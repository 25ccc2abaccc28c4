// cpu::quant_matmul (plain GGUF rows and repacked tiles) against core's reference codecs:
//   - the activation codes equal quantize_activation_row_reference bit for bit;
//   - y agrees, to f32 rounding, with Σ dequantize_row(W) · (dequantized activation codes) summed
//   in
//     double (the kernels' integer arithmetic is exact, so only accumulation order differs);
//   - y is within the stated error of Σ dequantize_row(W) · x: at most Σ_k |W[n,k]| · d_b / 2,
//     half an activation step per value.
// Each on both code paths, odd shapes (N = 1, 3, 17; K not a multiple of 256 where the type
// allows), M = 1..5 (the kernels' row groups), strided inputs and outputs, real quantized weights
// and blocks of random bytes (every code and scale value).
#include "braid/cpu/quant_matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "braid/core/half.h"
#include "braid/core/quant.h"
#include "isa_param.h"

namespace braid::cpu {
namespace {

using core::DType;

constexpr float kGuard = -12345.0f;  // output padding that must stay untouched

struct Weights {
  DType dtype;
  int64_t n, k, row_stride;
  std::vector<uint8_t> bytes;      // GGUF rows, row_stride apart
  std::vector<float> dequantized;  // n × k, by core::dequantize_row
  GgufMatrix matrix() const { return {dtype, n, k, bytes.data(), row_stride}; }
};

int64_t row_bytes(DType dtype, int64_t k) {
  return static_cast<int64_t>(*core::dtype_row_bytes(dtype, static_cast<uint64_t>(k)));
}

// Real weights: Gaussian values quantized by the reference quantizer. Rows are 8 bytes further
// apart than needed, so a stride bug shows.
Weights quantized_weights(DType dtype, int64_t n, int64_t k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  Weights w{dtype, n, k, row_bytes(dtype, k) + 8, {}, {}};
  w.bytes.assign(static_cast<size_t>(w.row_stride * n), 0xcd);
  w.dequantized.resize(static_cast<size_t>(n * k));
  std::vector<float> row(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    for (auto& v : row) v = normal(rng);
    uint8_t* dst = w.bytes.data() + i * w.row_stride;
    EXPECT_TRUE(core::quantize_row(dtype, row.data(), dst, k).is_ok());
    EXPECT_TRUE(core::dequantize_row(dtype, dst, w.dequantized.data() + i * k, k).is_ok());
  }
  return w;
}

// Random bytes everywhere except the fp16 scales, which get finite values of either sign: every
// code, every packed sub-block scale and min, Q8_0's -128.
Weights random_block_weights(DType dtype, int64_t n, int64_t k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(-0.01f, 0.01f);
  const auto& info = core::dtype_info(dtype);
  Weights w{dtype, n, k, row_bytes(dtype, k), {}, {}};
  w.bytes.resize(static_cast<size_t>(w.row_stride * n));
  for (auto& b : w.bytes) b = static_cast<uint8_t>(byte(rng));
  const int64_t blocks = n * k / info.block_size;
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* block = w.bytes.data() + b * info.block_bytes;
    auto put = [&](size_t offset) {
      const uint16_t h = core::f32_to_fp16(scale(rng));
      std::memcpy(block + offset, &h, 2);
    };
    if (dtype == DType::Q6_K) {
      put(info.block_bytes - 2);
    } else {
      put(0);
      if (dtype == DType::Q4_K || dtype == DType::Q5_K) put(2);
    }
  }
  w.dequantized.resize(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(core::dequantize_row(dtype, w.bytes.data() + i * w.row_stride,
                                     w.dequantized.data() + i * k, k)
                    .is_ok());
  }
  return w;
}

std::vector<float> activations(int64_t m, int64_t k, int64_t ldx, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(m * ldx), 1e30f);  // padding that must not be read
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t j = 0; j < k; ++j) {
      float v = normal(rng);
      if (j % 97 == 5) v *= 20;  // outlier channels, as real activations have
      x[r * ldx + j] = v;
    }
  }
  return x;
}

// Checks one product against both references; `y` is m rows, ldy apart.
void expect_close(const Weights& w,
                  const std::vector<float>& x,
                  int64_t ldx,
                  const QuantizedActivations& a,
                  const std::vector<float>& bias,
                  const std::vector<float>& y,
                  int64_t ldy,
                  const char* what) {
  const int64_t m = a.rows, n = w.n, k = w.k;
  const int64_t blocks = a.k_padded / 32;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      double exact = 0, magnitude = 0, truth = 0, bound = 0;
      for (int64_t i = 0; i < k; ++i) {
        const double wv = w.dequantized[j * k + i];
        const double d = a.d[r * blocks + i / 32];
        const double xq = d * a.q[r * a.k_padded + i];
        exact += wv * xq;
        magnitude += std::fabs(wv * xq);
        truth += wv * x[r * ldx + i];
        bound += std::fabs(wv) * d / 2;
      }
      const double bias_j = bias.empty() ? 0.0 : bias[j];
      const double got = y[r * ldy + j];
      ASSERT_NEAR(got, exact + bias_j, 2e-6 * magnitude + 1e-6 * std::fabs(bias_j) + 1e-30)
          << what << " " << core::dtype_name(w.dtype) << " n=" << n << " k=" << k << " row " << r
          << " col " << j;
      ASSERT_NEAR(got, truth + bias_j, bound + 2e-6 * magnitude + 1e-6 * std::fabs(bias_j))
          << what << " (vs the f32 activations)";
    }
    for (int64_t j = n; j < ldy; ++j) ASSERT_EQ(y[r * ldy + j], kGuard) << what << ": wrote past n";
  }
}

void run_both_layouts(const Weights& w, int64_t m, bool with_bias, uint32_t seed) {
  const int64_t ldx = w.k + 3, ldy = w.n + 2;
  const auto x = activations(m, w.k, ldx, seed);
  std::vector<float> bias;
  if (with_bias) {
    for (int64_t j = 0; j < w.n; ++j) bias.push_back(0.25f * static_cast<float>(j % 7) - 0.5f);
  }
  ActivationBuffer buffer;
  auto a = buffer.quantize(x.data(), m, w.k, ldx, 2);
  ASSERT_TRUE(a.ok()) << a.status().to_string();

  std::vector<float> y(static_cast<size_t>(m * ldy), kGuard);
  auto status =
      quant_matmul(w.matrix(), *a, bias.empty() ? nullptr : bias.data(), y.data(), ldy, 2);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  expect_close(w, x, ldx, *a, bias, y, ldy, "gguf rows");

  auto packed = RepackedMatrix::create(w.matrix(), 2);
  ASSERT_TRUE(packed.ok()) << packed.status().to_string();
  std::fill(y.begin(), y.end(), kGuard);
  status = quant_matmul(packed->view(), *a, bias.empty() ? nullptr : bias.data(), y.data(), ldy, 2);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  expect_close(w, x, ldx, *a, bias, y, ldy, "repacked");
}

class QuantMatmulTest : public test::IsaTest {};

TEST_P(QuantMatmulTest, ActivationCodesMatchTheScalarDefinition) {
  for (int64_t k : {1, 31, 32, 100, 256, 1000}) {
    const int64_t m = 3, ldx = k + 1;
    const auto x = activations(m, k, ldx, 7);
    ActivationBuffer buffer;
    auto a = buffer.quantize(x.data(), m, k, ldx, 2);
    ASSERT_TRUE(a.ok());
    const int64_t kp = quant_padded_k(k), blocks = kp / 32;
    ASSERT_EQ(a->k_padded, kp);
    for (int64_t r = 0; r < m; ++r) {
      std::vector<int8_t> q(static_cast<size_t>(kp));
      std::vector<float> d(static_cast<size_t>(blocks));
      std::vector<int32_t> s32(static_cast<size_t>(blocks)), s16(static_cast<size_t>(2 * blocks));
      quantize_activation_row_reference(x.data() + r * ldx, k, q.data(), d.data(), s32.data(),
                                        s16.data());
      ASSERT_EQ(std::memcmp(q.data(), a->q + r * kp, static_cast<size_t>(kp)), 0) << "k=" << k;
      for (int64_t b = 0; b < blocks; ++b) {
        ASSERT_EQ(d[b], a->d[r * blocks + b]);
        ASSERT_EQ(s32[b], a->sum32[r * blocks + b]);
        ASSERT_EQ(s16[2 * b], a->sum16[r * 2 * blocks + 2 * b]);
        ASSERT_EQ(s16[2 * b + 1], a->sum16[r * 2 * blocks + 2 * b + 1]);
      }
    }
  }
}

TEST_P(QuantMatmulTest, LegacyTypesAtOddShapes) {
  for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
    for (int64_t n : {1, 3, 17, 40}) {
      for (int64_t k : {32, 96, 320}) {
        SCOPED_TRACE(::testing::Message() << core::dtype_name(dtype) << " n=" << n << " k=" << k);
        const auto w = quantized_weights(dtype, n, k, static_cast<uint32_t>(n * 1000 + k));
        for (int64_t m : {1, 2, 3, 5}) run_both_layouts(w, m, m == 2, static_cast<uint32_t>(m));
      }
    }
  }
}

TEST_P(QuantMatmulTest, KQuantsAtOddShapes) {
  for (DType dtype : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    for (int64_t n : {1, 3, 17}) {
      for (int64_t k : {256, 768}) {
        SCOPED_TRACE(::testing::Message() << core::dtype_name(dtype) << " n=" << n << " k=" << k);
        const auto w = quantized_weights(dtype, n, k, static_cast<uint32_t>(n * 1000 + k));
        for (int64_t m : {1, 2, 3, 5}) run_both_layouts(w, m, m == 3, static_cast<uint32_t>(m));
      }
    }
  }
}

TEST_P(QuantMatmulTest, RandomBlocksCoverEveryCodeAndScale) {
  for (DType dtype : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    SCOPED_TRACE(core::dtype_name(dtype));
    const int64_t k = core::dtype_info(dtype).block_size == 32 ? 1024 : 1024;
    const auto w = random_block_weights(dtype, 33, k, 99);
    run_both_layouts(w, 1, false, 5);
    run_both_layouts(w, 4, true, 6);
  }
}

TEST_P(QuantMatmulTest, ManyRowsTakeSeveralPasses) {
  const auto w = quantized_weights(DType::Q4_K, 20, 512, 3);
  run_both_layouts(w, 11, true, 8);
}

TEST(QuantMatmulErrors, RejectsBadShapesAndTypes) {
  if (best_supported_isa() == Isa::None) GTEST_SKIP() << "no AVX2";
  const auto w = quantized_weights(DType::Q8_0, 4, 64, 1);
  std::vector<float> x(128, 1.0f), y(8, 0.0f);
  ActivationBuffer buffer;
  auto a = buffer.quantize(x.data(), 1, 128, 128);
  ASSERT_TRUE(a.ok());
  // k mismatch.
  EXPECT_EQ(quant_matmul(w.matrix(), *a, nullptr, y.data(), 4).code(),
            core::StatusCode::InvalidArgument);
  auto a64 = buffer.quantize(x.data(), 1, 64, 64);
  ASSERT_TRUE(a64.ok());
  // Output stride below n.
  EXPECT_EQ(quant_matmul(w.matrix(), *a64, nullptr, y.data(), 3).code(),
            core::StatusCode::InvalidArgument);
  // A partial block, a short stride, an unsupported type.
  GgufMatrix bad = w.matrix();
  bad.k = 48;
  EXPECT_EQ(validate(bad).code(), core::StatusCode::InvalidArgument);
  bad = w.matrix();
  bad.row_stride = 10;
  EXPECT_EQ(validate(bad).code(), core::StatusCode::InvalidArgument);
  bad = w.matrix();
  bad.dtype = DType::Q4_1;
  EXPECT_EQ(validate(bad).code(), core::StatusCode::NotSupported);
  EXPECT_EQ(RepackedMatrix::create(bad).status().code(), core::StatusCode::NotSupported);
  EXPECT_EQ(buffer.quantize(x.data(), 0, 64, 64).status().code(),
            core::StatusCode::InvalidArgument);
  // Misaligned repacked data.
  RepackedView view{DType::Q8_0, 4, 64, reinterpret_cast<const uint8_t*>(x.data()) + 4};
  EXPECT_EQ(quant_matmul(view, *a64, nullptr, y.data(), 4).code(),
            core::StatusCode::InvalidArgument);
}

TEST(QuantMatmulErrors, RepackedSizes) {
  EXPECT_EQ(*repacked_bytes(DType::Q8_0, 17, 96), 2 * 2 * 1088);
  EXPECT_EQ(*repacked_bytes(DType::Q4_0, 16, 64), 576);
  EXPECT_EQ(*repacked_bytes(DType::Q4_K, 16, 512), 2 * 2368);
  EXPECT_EQ(*repacked_bytes(DType::Q5_K, 1, 256), 2880);
  EXPECT_EQ(*repacked_bytes(DType::Q6_K, 33, 256), 3 * 3392);
  EXPECT_FALSE(repacked_bytes(DType::Q6_K, 16, 100).ok());
}

BRAID_INSTANTIATE_ISA_TESTS(QuantMatmulTest);

}  // namespace
}  // namespace braid::cpu
