// Parity of matmul (every weight dtype), row gathers, convolutions and pooling.
#include "parity.h"

namespace braid::test {
namespace {

using abi::kF32;

const std::vector<uint32_t> kWeightTypes = {abi::kF32,  abi::kF16,  abi::kBF16, abi::kQ8_0,
                                            abi::kQ4_0, abi::kQ4_1, abi::kQ5_0, abi::kQ5_1,
                                            abi::kQ4_K, abi::kQ5_K, abi::kQ6_K};

struct MatmulShape {
  std::vector<int64_t> src0;  // [..., m, k]
  int64_t n;
  bool bias;
};

// Shapes for a weight type: odd sizes for plain types, whole blocks for quantized ones.
std::vector<MatmulShape> matmul_shapes(uint32_t dtype) {
  const uint32_t block = abi::dtype_facts(dtype)->block_size;
  if (block == 1) {
    return {{{1, 1}, 1, false},  {{3, 17}, 5, true}, {{17, 4097}, 33, true},
            {{5, 64}, 1, false}, {{64}, 3, true},    {{2, 3, 40}, 7, false}};
  }
  if (block == 32) {
    // 40 and 48 rows: a prompt, past the cpu backend's switch to int8 GEMM for weights buffers.
    return {{{1, 32}, 1, false},   {{3, 96}, 17, true},  {{17, 4096}, 33, false},
            {{2, 3, 64}, 5, true}, {{40, 96}, 17, true}, {{2, 24, 160}, 9, false}};
  }
  return {
      {{1, 256}, 3, true}, {{17, 4096}, 33, false}, {{2, 3, 512}, 5, false}, {{40, 512}, 19, true}};
}

class LinearParity : public Parity {};

TEST_P(LinearParity, MatmulEveryWeightType) {
  uint64_t seed = 100;
  for (uint32_t dtype : kWeightTypes) {
    for (const MatmulShape& s : matmul_shapes(dtype)) {
      const int64_t k = s.src0.back();
      OpCase c;
      c.op = BRAID_OP_MATMUL;
      c.inputs = {HostTensor::random(kF32, s.src0, ++seed),
                  HostTensor::random(dtype, {s.n, k}, ++seed)};
      if (s.bias) c.inputs.push_back(HostTensor::random(kF32, {s.n}, ++seed));
      std::vector<int64_t> out = s.src0;
      out.back() = s.n;
      c.label = "matmul " + describe(*c.inputs[0]) + " x " + describe(*c.inputs[1]) +
                (s.bias ? " + bias" : "");
      c.output = GraphTensor::output(kF32, out);
      check_layouts(c, tolerance(c.op, dtype),
                    {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
      check(c, tolerance(c.op, dtype), Layout::Contiguous, Layout::PaddedRows);
    }
  }
  finish();
}

// Transformer activations carry a few channels tens of times larger than the rest: a kernel that
// quantizes a whole row of activations with one scale loses the small values to the large one.
// A prompt's worth of rows (past the cpu backend's int8 GEMM switch), weights in weights buffers.
TEST_P(LinearParity, MatmulWithOutlierChannels) {
  uint64_t seed = 150;
  for (uint32_t dtype : {abi::kQ8_0, abi::kQ4_0, abi::kQ4_K, abi::kQ6_K}) {
    const int64_t m = 48, k = 1024, n = 24;
    std::vector<float> x = HostTensor::random(kF32, {m, k}, ++seed).to_f32();
    for (int64_t r = 0; r < m; ++r) {
      x[r * k + 7] = 60.0f;
      x[r * k + 700] = -45.0f;
    }
    OpCase c;
    c.op = BRAID_OP_MATMUL;
    c.inputs = {HostTensor::from_f32(kF32, {m, k}, x),
                HostTensor::random(dtype, {n, k}, ++seed, -0.05f, 0.05f)};
    c.weight_inputs = 0b10;
    c.label = "matmul with outlier channels x " + describe(*c.inputs[1]);
    c.output = GraphTensor::output(kF32, {m, n});
    check(c, tolerance(c.op, dtype));
  }
  finish();
}

TEST_P(LinearParity, GetRowsEveryTableType) {
  uint64_t seed = 200;
  for (uint32_t dtype : kWeightTypes) {
    const int64_t n = abi::dtype_facts(dtype)->block_size == 256 ? 512 : 64;
    for (int64_t n_rows : {1, 37}) {
      OpCase c;
      c.op = BRAID_OP_GET_ROWS;
      std::vector<int32_t> rows = {0, static_cast<int32_t>(n_rows - 1), 0,
                                   static_cast<int32_t>(n_rows / 2),
                                   static_cast<int32_t>(n_rows / 3)};
      c.inputs = {HostTensor::random(dtype, {n_rows, n}, ++seed, -3.0f, 3.0f),
                  HostTensor::from_i32({5}, rows)};
      c.label = "get_rows of " + describe(*c.inputs[0]);
      c.output = GraphTensor::output(kF32, {5, n});
      check_layouts(c, tolerance(c.op, dtype), {Layout::Contiguous, Layout::PaddedRows});
      check(c, tolerance(c.op, dtype), Layout::Contiguous, Layout::PaddedRows);
    }
  }
  finish();
}

TEST_P(LinearParity, Conv1dStrideAndPadding) {
  struct Case {
    int64_t c_in, length, c_out, kernel;
    int32_t stride, padding;
  };
  uint64_t seed = 300;
  for (const Case& s : {Case{1, 1, 1, 1, 1, 0}, Case{3, 17, 5, 3, 1, 1}, Case{3, 17, 5, 3, 2, 1},
                        Case{8, 64, 16, 3, 2, 0}, Case{2, 9, 3, 9, 1, 0}}) {
    for (uint32_t wtype : {abi::kF32, abi::kF16}) {
      for (bool bias : {false, true}) {
        OpCase c;
        c.op = BRAID_OP_CONV1D;
        c.params.conv = {s.stride, s.padding};
        c.inputs = {HostTensor::random(kF32, {s.c_in, s.length}, ++seed),
                    HostTensor::random(wtype, {s.c_out, s.c_in, s.kernel}, ++seed)};
        if (bias) c.inputs.push_back(HostTensor::random(kF32, {s.c_out}, ++seed));
        const int64_t l_out = (s.length + 2 * s.padding - s.kernel) / s.stride + 1;
        c.label = core::str_cat("conv1d ", describe(*c.inputs[0]), " * ", describe(*c.inputs[1]),
                                " stride ", s.stride, " padding ", s.padding);
        c.output = GraphTensor::output(kF32, {s.c_out, l_out});
        check_layouts(c, tolerance(c.op, wtype), {Layout::Contiguous, Layout::PaddedRows});
      }
    }
  }
  finish();
}

TEST_P(LinearParity, Conv2dPatchEmbeddingAndPadded) {
  struct Case {
    int64_t c_in, height, width, c_out, kernel;
    int32_t stride, padding;
  };
  uint64_t seed = 400;
  for (const Case& s : {Case{3, 28, 28, 8, 14, 14, 0}, Case{2, 9, 9, 4, 3, 1, 1},
                        Case{3, 17, 13, 5, 4, 4, 0}, Case{1, 1, 1, 1, 1, 1, 0}}) {
    for (uint32_t wtype : {abi::kF32, abi::kF16}) {
      OpCase c;
      c.op = BRAID_OP_CONV2D;
      c.params.conv = {s.stride, s.padding};
      c.inputs = {HostTensor::random(kF32, {s.c_in, s.height, s.width}, ++seed),
                  HostTensor::random(wtype, {s.c_out, s.c_in, s.kernel, s.kernel}, ++seed),
                  HostTensor::random(kF32, {s.c_out}, ++seed)};
      const int64_t h_out = (s.height + 2 * s.padding - s.kernel) / s.stride + 1;
      const int64_t w_out = (s.width + 2 * s.padding - s.kernel) / s.stride + 1;
      c.label = core::str_cat("conv2d ", describe(*c.inputs[0]), " * ", describe(*c.inputs[1]),
                              " stride ", s.stride, " padding ", s.padding);
      c.output = GraphTensor::output(kF32, {s.c_out, h_out, w_out});
      check_layouts(c, tolerance(c.op, wtype),
                    {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter});
    }
  }
  finish();
}

TEST_P(LinearParity, AvgPool2d) {
  struct Case {
    int64_t channels, height, width;
    int32_t kernel;
  };
  for (const Case& s : {Case{5, 8, 8, 2}, Case{3, 17, 17, 4}, Case{1, 1, 1, 1}, Case{2, 7, 9, 3}}) {
    OpCase c;
    c.op = BRAID_OP_AVG_POOL2D;
    c.params.pool.kernel = s.kernel;
    c.inputs = {HostTensor::random(kF32, {s.channels, s.height, s.width}, 500)};
    c.label = core::str_cat("avg_pool2d ", describe(*c.inputs[0]), " kernel ", s.kernel);
    c.output = GraphTensor::output(kF32, {s.channels, s.height / s.kernel, s.width / s.kernel});
    check_layouts(
        c, tolerance(c.op),
        {Layout::Contiguous, Layout::PaddedRows, Layout::SwappedOuter, Layout::InnerStrided});
  }
  finish();
}

BRAID_PARITY_SUITE(LinearParity);

}  // namespace
}  // namespace braid::test
