// `braid quantize` and `braid make-model --type <mix>` as a user runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "braid/core/gguf.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(QuantizeCli, QuantizesAMadeModelAndReportsSizes) {
  const auto dir = scratch_dir();
  const auto f16 = (dir / "f16.gguf").string();
  ASSERT_EQ(run_braid({"make-model", "llama-3.1-8b", "--tiny", "-o", f16}).exit_code, 0);
  const auto q = (dir / "q.gguf").string();
  auto r = run_braid({"quantize", f16, q, "Q4_K_M", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bits per weight"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time"), std::string::npos);
  EXPECT_NE(r.err.find("blk.1.ffn_down.weight"), std::string::npos) << r.err;  // progress
  auto file = core::GgufFile::open(q);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(*file->get<uint32_t>("general.file_type"), 15u);
  EXPECT_EQ(file->find_tensor("output.weight")->dtype, core::DType::Q6_K);  // 8B is untied
  // Two layers: use_more_bits(0, 2) is false, use_more_bits(1, 2) true (1 >= 7 * 2 / 8).
  EXPECT_EQ(file->find_tensor("blk.0.attn_v.weight")->dtype, core::DType::Q4_K);
  EXPECT_EQ(file->find_tensor("blk.1.attn_v.weight")->dtype, core::DType::Q6_K);
  EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->dtype, core::DType::Q4_K);
  EXPECT_EQ(file->find_tensor("rope_freqs.weight")->dtype, core::DType::F32);

  // `braid info` reads the result.
  auto info = run_braid({"info", q});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("Q4_K_M"), std::string::npos);
}

TEST(QuantizeCli, MakeModelWithAMixEqualsQuantizingTheF32Model) {
  // make-model --type Q4_K_M draws the same random weights and types them as quantize would:
  // quantizing its F32 twin gives the same file, byte for byte.
  const auto dir = scratch_dir();
  const auto mix = (dir / "mix.gguf").string();
  const auto f32 = (dir / "f32.gguf").string();
  const auto q = (dir / "q.gguf").string();
  ASSERT_EQ(
      run_braid({"make-model", "qwen2.5-0.5b", "--tiny", "--type", "Q4_K_M", "-o", mix}).exit_code,
      0);
  ASSERT_EQ(
      run_braid({"make-model", "qwen2.5-0.5b", "--tiny", "--type", "F32", "-o", f32}).exit_code, 0);
  ASSERT_EQ(run_braid({"quantize", f32, q, "Q4_K_M"}).exit_code, 0);
  auto a = core::GgufFile::open(mix);
  auto b = core::GgufFile::open(q);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->tensors().size(), b->tensors().size());
  for (const auto& t : a->tensors()) {
    const auto* u = b->find_tensor(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(t.dtype, u->dtype) << t.name;
    const auto x = a->tensor_data(t);
    const auto y = b->tensor_data(*u);
    EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << t.name;
  }
  EXPECT_EQ(*a->get<uint32_t>("general.file_type"), 15u);
}

TEST(QuantizeCli, BadRequests) {
  const auto dir = scratch_dir();
  const auto in = (dir / "in.gguf").string();
  ASSERT_EQ(run_braid({"make-model", "llama-3.2-1b", "--tiny", "-o", in}).exit_code, 0);
  const auto out = (dir / "out.gguf").string();

  auto unknown = run_braid({"quantize", in, out, "Q9_9"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("Q4_K_M"), std::string::npos) << unknown.err;  // lists known types

  auto same = run_braid({"quantize", in, in, "Q8_0"});
  EXPECT_EQ(same.exit_code, 1);
  EXPECT_NE(same.err.find("is the input"), std::string::npos) << same.err;

  auto nodir = run_braid({"quantize", in, (dir / "missing" / "o.gguf").string(), "Q8_0"});
  EXPECT_EQ(nodir.exit_code, 1);
  EXPECT_NE(nodir.err.find("does not exist"), std::string::npos) << nodir.err;

  auto noinput = run_braid({"quantize", (dir / "none.gguf").string(), out, "Q8_0"});
  EXPECT_EQ(noinput.exit_code, 1);

  const auto truncated = dir / "truncated.gguf";
  {
    const std::string bytes = file_bytes(in);
    std::ofstream(truncated, std::ios::binary).write(bytes.data(), 2000);
  }
  auto cut = run_braid({"quantize", truncated.string(), out, "Q8_0"});
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("truncated.gguf"), std::string::npos) << cut.err;
  EXPECT_FALSE(std::filesystem::exists(out));

  ASSERT_EQ(run_braid({"quantize", in, out, "Q8_0"}).exit_code, 0);
  auto exists = run_braid({"quantize", in, out, "Q8_0"});
  EXPECT_EQ(exists.exit_code, 1);
  EXPECT_NE(exists.err.find("--force"), std::string::npos);
  EXPECT_EQ(run_braid({"quantize", in, out, "Q6_K", "--force"}).exit_code, 0);

  EXPECT_EQ(run_braid({"quantize", in, out}).exit_code, 2);
  EXPECT_EQ(run_braid({"quantize", in, out, "Q8_0", "--threads", "0"}).exit_code, 2);
}

}  // namespace
}  // namespace braid::test
