// quantize_gguf against core's reference quantizers: every tensor it writes must be byte for byte
// what quantize_row makes of the same rows, the dequantized weights must stay within each type's
// error bound, and the metadata must survive.
#include "braid/core/gguf_quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "braid/core/gguf_writer.h"
#include "braid/core/quant.h"
#include "test_paths.h"

namespace braid::core {
namespace {

constexpr int64_t kRows = 48;
constexpr int64_t kCols = 512;  // two K-quant super-blocks per row

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// A small llama-like file: one layer, F32 weights (or `weight_type`), a norm, some metadata.
std::filesystem::path write_input(const std::filesystem::path& dir,
                                  DType weight_type = DType::F32,
                                  uint32_t alignment = 32) {
  GgufWriter w(alignment);
  w.set("general.architecture", GgufValue{std::string("llama")});
  w.set("general.name", GgufValue{std::string("quantize test")});
  w.set("general.file_type", GgufValue{uint32_t{0}});
  w.set("llama.block_count", GgufValue{uint32_t{1}});
  w.set("llama.attention.head_count", GgufValue{uint32_t{4}});
  w.set("llama.rope.freq_base", GgufValue{500000.0f});
  w.set("tokenizer.ggml.tokens", gguf_array(std::vector<std::string>{"a", "b", "<s>"}));
  w.set("split.count", GgufValue{uint16_t{1}});
  uint32_t seed = 1;
  for (const char* name : {"blk.0.attn_q.weight", "blk.0.attn_v.weight", "blk.0.ffn_down.weight",
                           "output.weight", "token_embd.weight"}) {
    const auto values = gaussian(kRows * kCols, seed++);
    std::vector<std::byte> bytes(*dtype_row_bytes(weight_type, kRows * kCols));
    const uint64_t row_bytes = *dtype_row_bytes(weight_type, kCols);
    for (int64_t r = 0; r < kRows; ++r) {
      EXPECT_TRUE(
          quantize_row(weight_type, values.data() + r * kCols, bytes.data() + r * row_bytes, kCols)
              .is_ok());
    }
    EXPECT_TRUE(w.add_tensor(name, weight_type, {kRows, kCols}, bytes).is_ok());
  }
  std::vector<float> norm(kCols, 1.0f);
  EXPECT_TRUE(
      w.add_tensor("blk.0.attn_norm.weight", DType::F32, {kCols}, std::as_bytes(std::span(norm)))
          .is_ok());
  const auto path = dir / "in.gguf";
  EXPECT_TRUE(w.write(path).is_ok());
  return path;
}

// Relative RMS error bounds: the quantization step of each type on Gaussian weights (block
// maximum about 2.5 sigma; RMS error = step / sqrt(12)), with ~25 % headroom over what the
// reference routines give on these weights. Q8_0: step ~ 2.5/127; Q6_K ~ 2.5/32; Q5 types
// ~ 2.5/16; Q4 types ~ 2.5/8 (offsets and K-quant scale search do a little better).
double error_bound(DType t) {
  switch (t) {
    case DType::Q8_0:
      return 0.008;  // measured 0.0054
    case DType::Q6_K:
      return 0.025;  // 0.018
    case DType::Q5_K:
    case DType::Q5_1:
      return 0.05;  // 0.036, 0.038
    case DType::Q5_0:
      return 0.055;  // 0.043
    case DType::Q4_K:
      return 0.09;  // 0.072
    case DType::Q4_1:
      return 0.10;  // 0.079
    case DType::Q4_0:
      return 0.11;  // 0.087
    default:
      return 0.0;
  }
}

struct Compared {
  bool bytes_equal = true;
  double rel_rms = 0;
};

// Compares tensor `name` of `out` with the reference quantization of `in`'s (F32 or converted)
// rows.
Compared compare(const GgufFile& in, const GgufFile& out, const std::string& name) {
  const auto* ti = in.find_tensor(name);
  const auto* to = out.find_tensor(name);
  EXPECT_NE(ti, nullptr);
  EXPECT_NE(to, nullptr);
  const int64_t cols = ti->shape.back();
  const int64_t rows = ti->n_elements / cols;
  const auto src = in.tensor_data(*ti);
  const auto dst = out.tensor_data(*to);
  const uint64_t in_row = *dtype_row_bytes(ti->dtype, cols);
  const uint64_t out_row = *dtype_row_bytes(to->dtype, cols);
  EXPECT_EQ(dst.size(), out_row * rows);
  std::vector<float> x(cols), y(cols);
  std::vector<std::byte> ref(out_row);
  Compared c;
  double err = 0, sig = 0;
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(dequantize_row(ti->dtype, src.data() + r * in_row, x.data(), cols).is_ok());
    EXPECT_TRUE(quantize_row(to->dtype, x.data(), ref.data(), cols).is_ok());
    if (std::memcmp(ref.data(), dst.data() + r * out_row, out_row) != 0) c.bytes_equal = false;
    EXPECT_TRUE(dequantize_row(to->dtype, dst.data() + r * out_row, y.data(), cols).is_ok());
    for (int64_t i = 0; i < cols; ++i) {
      err += (x[i] - y[i]) * (x[i] - y[i]);
      sig += x[i] * x[i];
    }
  }
  c.rel_rms = std::sqrt(err / sig);
  return c;
}

TEST(GgufQuantize, EveryTypeEqualsTheReferenceQuantizerAndStaysWithinItsBound) {
  const auto dir = test::scratch_dir();
  const auto input = write_input(dir);
  auto in = GgufFile::open(input);
  ASSERT_TRUE(in.ok());
  for (const char* name : {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"}) {
    SCOPED_TRACE(name);
    // Pure: every weight gets the named type (Q4_K and Q5_K are otherwise the _M mixes).
    const auto recipe = *find_quant_recipe(std::string(name) == "Q4_K"   ? "Q4_K_S"
                                           : std::string(name) == "Q5_K" ? "Q5_K_S"
                                                                         : name);
    const auto out_path = dir / (std::string(name) + ".gguf");
    auto report = quantize_gguf(input, out_path, recipe,
                                QuantizeOptions{.threads = 3, .pure = true, .on_tensor = {}});
    ASSERT_TRUE(report.ok()) << report.status().to_string();
    auto out = GgufFile::open(out_path);
    ASSERT_TRUE(out.ok());
    const DType want = *dtype_from_name(name);
    for (const char* t : {"blk.0.attn_q.weight", "blk.0.attn_v.weight", "output.weight"}) {
      EXPECT_EQ(out->find_tensor(t)->dtype, want) << t;
      const Compared c = compare(*in, *out, t);
      EXPECT_TRUE(c.bytes_equal) << t;
      EXPECT_LT(c.rel_rms, error_bound(want)) << t;
      EXPECT_GT(c.rel_rms, 0.0) << t;  // the bound is not met by copying
    }
    EXPECT_EQ(out->find_tensor("blk.0.attn_norm.weight")->dtype, DType::F32);
    EXPECT_EQ(*out->get<uint32_t>("general.file_type"), recipe.file_type);
    EXPECT_EQ(*out->get<uint32_t>("general.quantization_version"), 2u);
  }
}

TEST(GgufQuantize, MixFollowsThePlanAndMetadataIsKept) {
  const auto dir = test::scratch_dir();
  const auto input = write_input(dir, DType::F32, 64);
  auto report = quantize_gguf(input, dir / "m.gguf", *find_quant_recipe("Q4_K_M"));
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  auto in = GgufFile::open(input);
  auto out = GgufFile::open(dir / "m.gguf");
  ASSERT_TRUE(in.ok() && out.ok());
  // One layer: use_more_bits(0, 1) holds, so attn_v and ffn_down are Q6_K; output is Q6_K.
  EXPECT_EQ(out->find_tensor("blk.0.attn_v.weight")->dtype, DType::Q6_K);
  EXPECT_EQ(out->find_tensor("blk.0.ffn_down.weight")->dtype, DType::Q6_K);
  EXPECT_EQ(out->find_tensor("blk.0.attn_q.weight")->dtype, DType::Q4_K);
  EXPECT_EQ(out->find_tensor("output.weight")->dtype, DType::Q6_K);
  EXPECT_EQ(out->find_tensor("token_embd.weight")->dtype, DType::Q4_K);
  for (const char* t : {"blk.0.attn_v.weight", "blk.0.attn_q.weight", "output.weight"}) {
    EXPECT_TRUE(compare(*in, *out, t).bytes_equal) << t;
  }
  // llama.cpp's order: tensors outside blocks first, by name, then block 0.
  std::vector<std::string> names;
  for (const auto& t : out->tensors()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"output.weight", "token_embd.weight",
                                             "blk.0.attn_norm.weight", "blk.0.attn_q.weight",
                                             "blk.0.attn_v.weight", "blk.0.ffn_down.weight"}));
  // Norms are copied byte for byte.
  const auto a = in->tensor_data(*in->find_tensor("blk.0.attn_norm.weight"));
  const auto b = out->tensor_data(*out->find_tensor("blk.0.attn_norm.weight"));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  // Metadata: every key kept with its value (split.* dropped), file type set, alignment kept.
  EXPECT_EQ(out->alignment(), 64u);
  for (const auto& kv : in->metadata()) {
    if (kv.key == "general.file_type" || kv.key.rfind("split.", 0) == 0) continue;
    const GgufValue* v = out->find(kv.key);
    ASSERT_NE(v, nullptr) << kv.key;
    EXPECT_EQ(v->type(), kv.value.type()) << kv.key;
    EXPECT_EQ(v->to_display_string(1000), kv.value.to_display_string(1000)) << kv.key;
  }
  EXPECT_FALSE(out->contains("split.count"));
  EXPECT_EQ(*out->get<uint32_t>("general.file_type"), 15u);
  EXPECT_EQ(report->n_elements, 5 * kRows * kCols + kCols);
  EXPECT_TRUE(report->requantized.empty());
}

TEST(GgufQuantize, ThreadCountDoesNotChangeTheBytes) {
  const auto dir = test::scratch_dir();
  const auto input = write_input(dir, DType::F16);
  const auto recipe = *find_quant_recipe("Q5_K_M");
  ASSERT_TRUE(
      quantize_gguf(input, dir / "t1.gguf", recipe, {.threads = 1, .pure = false, .on_tensor = {}})
          .ok());
  ASSERT_TRUE(
      quantize_gguf(input, dir / "t5.gguf", recipe, {.threads = 5, .pure = false, .on_tensor = {}})
          .ok());
  std::ifstream f1(dir / "t1.gguf", std::ios::binary), f5(dir / "t5.gguf", std::ios::binary);
  const std::string s1((std::istreambuf_iterator<char>(f1)), {});
  const std::string s5((std::istreambuf_iterator<char>(f5)), {});
  EXPECT_FALSE(s1.empty());
  EXPECT_EQ(s1, s5);
}

TEST(GgufQuantize, QuantizedInputIsDequantizedAndQuantizedAgain) {
  const auto dir = test::scratch_dir();
  const auto input = write_input(dir, DType::Q8_0);
  auto report = quantize_gguf(input, dir / "r.gguf", *find_quant_recipe("Q4_0"));
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_FALSE(report->requantized.empty());
  auto in = GgufFile::open(input);
  auto out = GgufFile::open(dir / "r.gguf");
  ASSERT_TRUE(in.ok() && out.ok());
  EXPECT_EQ(out->find_tensor("blk.0.attn_q.weight")->dtype, DType::Q4_0);
  EXPECT_TRUE(compare(*in, *out, "blk.0.attn_q.weight").bytes_equal);
  // Same type in and out: copied, not requantized.
  auto same = quantize_gguf(input, dir / "s.gguf", *find_quant_recipe("Q8_0"));
  ASSERT_TRUE(same.ok());
  auto s = GgufFile::open(dir / "s.gguf");
  const auto a = in->tensor_data(*in->find_tensor("blk.0.attn_q.weight"));
  const auto b = s->tensor_data(*s->find_tensor("blk.0.attn_q.weight"));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
}

TEST(GgufQuantize, BadInputGivesClearErrors) {
  const auto dir = test::scratch_dir();
  const auto input = write_input(dir);
  const auto recipe = *find_quant_recipe("Q8_0");
  // The output is the input.
  auto same = quantize_gguf(input, input, recipe);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.status().code(), StatusCode::InvalidArgument);
  EXPECT_NE(same.status().message().find("is the input"), std::string::npos);
  // A truncated input.
  const auto truncated = dir / "truncated.gguf";
  std::filesystem::copy_file(input, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(input) - 100);
  auto cut = quantize_gguf(truncated, dir / "cut.gguf", recipe);
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("truncated.gguf"), std::string::npos)
      << cut.status().to_string();
  EXPECT_FALSE(std::filesystem::exists(dir / "cut.gguf"));
  // An output folder that does not exist.
  auto nodir = quantize_gguf(input, dir / "no" / "such" / "out.gguf", recipe);
  ASSERT_FALSE(nodir.ok());
  EXPECT_NE(nodir.status().message().find("no/such"), std::string::npos)
      << nodir.status().to_string();
  // Weights that are not finite cannot be quantized: named, and nothing is left behind.
  GgufWriter w;
  w.set("general.architecture", GgufValue{std::string("llama")});
  std::vector<float> bad(64, 1.0f);
  bad[40] = std::nanf("");
  ASSERT_TRUE(
      w.add_tensor("blk.0.attn_q.weight", DType::F32, {2, 32}, std::as_bytes(std::span(bad)))
          .is_ok());
  ASSERT_TRUE(w.write(dir / "nan.gguf").is_ok());
  auto nan = quantize_gguf(dir / "nan.gguf", dir / "nan_q.gguf", recipe);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().code(), StatusCode::DataLoss);
  EXPECT_NE(nan.status().message().find("blk.0.attn_q.weight"), std::string::npos);
  EXPECT_NE(nan.status().message().find("row 1"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "nan_q.gguf"));
  EXPECT_FALSE(std::filesystem::exists(dir / "nan_q.gguf.partial"));
}

}  // namespace
}  // namespace braid::core
