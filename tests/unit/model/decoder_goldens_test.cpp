// Checks the committed decoder goldens (tests/golden/decoder, made by
// tests/scripts/make_decoder_goldens.py) are consistent and readable by braid's own readers:
// expected.json and logits.bin agree, the greedy tokens are the argmax the Sampler picks, the
// GGUF and HF files open, and the GGUF Q/K rows are the HF rows permuted for adjacent-pair RoPE.
// The decoder's tests compare their logits against these files.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/core/half.h"
#include "braid/core/hf_folder.h"
#include "braid/model/sampler.h"
#include "test_paths.h"

namespace braid::model {
namespace {

namespace fs = std::filesystem;

struct Golden {
  nlohmann::json expected;
  std::vector<float> logits;  // [n_positions, n_vocab]
  int64_t n_positions = 0;
  int64_t n_vocab = 0;
};

Golden load_golden(const fs::path& dir) {
  Golden g;
  std::ifstream json_in(dir / "expected.json");
  EXPECT_TRUE(json_in) << dir;
  g.expected = nlohmann::json::parse(json_in);
  g.n_positions = g.expected["logits"]["shape"][0].get<int64_t>();
  g.n_vocab = g.expected["logits"]["shape"][1].get<int64_t>();
  const fs::path bin = dir / g.expected["logits"]["file"].get<std::string>();
  EXPECT_EQ(fs::file_size(bin), static_cast<uintmax_t>(g.n_positions * g.n_vocab * 4)) << bin;
  g.logits.resize(static_cast<size_t>(g.n_positions * g.n_vocab));
  std::ifstream in(bin, std::ios::binary);
  in.read(reinterpret_cast<char*>(g.logits.data()),
          static_cast<std::streamsize>(g.logits.size() * 4));
  EXPECT_TRUE(in) << bin;
  return g;
}

// Element (row, col) of a 2-D F16 or F32 tensor as float.
float element(std::span<const std::byte> data, bool f16, int64_t cols, int64_t row, int64_t col) {
  const size_t index = static_cast<size_t>(row * cols + col);
  if (f16) {
    uint16_t bits;
    std::memcpy(&bits, data.data() + index * 2, 2);
    return core::fp16_to_f32(bits);
  }
  float value;
  std::memcpy(&value, data.data() + index * 4, 4);
  return value;
}

class DecoderGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(DecoderGolden, LogitsAndGreedyTokensAgree) {
  const Golden g = load_golden(test::golden_dir() / "decoder" / GetParam());
  const auto tokens = g.expected["tokens"].get<std::vector<int32_t>>();
  const auto greedy = g.expected["greedy"].get<std::vector<int32_t>>();
  const int64_t n_prompt = g.expected["n_prompt"].get<int64_t>();
  ASSERT_EQ(static_cast<int64_t>(tokens.size()), g.n_positions);
  ASSERT_EQ(n_prompt + static_cast<int64_t>(greedy.size()), g.n_positions);
  SamplingParams greedy_params;
  greedy_params.temperature = 0.0f;
  Sampler sampler(greedy_params);
  for (size_t step = 0; step < greedy.size(); ++step) {
    const int64_t row = n_prompt - 1 + static_cast<int64_t>(step);
    const std::span<const float> logits(g.logits.data() + row * g.n_vocab,
                                        static_cast<size_t>(g.n_vocab));
    EXPECT_EQ(sampler.sample(logits), greedy[step]) << "step " << step;
    EXPECT_EQ(tokens[static_cast<size_t>(n_prompt) + step], greedy[step]);
  }
}

TEST_P(DecoderGolden, FilesOpenAndQkRowsArePermutedForLlama) {
  const fs::path dir = test::golden_dir() / "decoder" / GetParam();
  const Golden g = load_golden(dir);
  auto folder = core::HfFolder::open(dir / "hf");
  ASSERT_TRUE(folder.ok()) << folder.status().to_string();
  for (const auto& [type, entry] : g.expected["gguf"].items()) {
    auto file = core::GgufFile::open(dir / entry["file"].get<std::string>());
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    auto arch = file->get<std::string>("general.architecture");
    ASSERT_TRUE(arch.ok());
    auto vocab = file->get<uint32_t>(*arch + ".vocab_size");
    ASSERT_TRUE(vocab.ok());
    EXPECT_EQ(*vocab, g.n_vocab);
    if (type == "q8_0") continue;  // values checked by the script's numpy forward
    const bool f16 = type == "f16";
    const int64_t n_head = *file->get<uint32_t>(*arch + ".attention.head_count");
    const int64_t n_head_kv = *file->get<uint32_t>(*arch + ".attention.head_count_kv");
    for (const auto& [which, heads] : {std::pair{"q", n_head}, std::pair{"k", n_head_kv}}) {
      const auto* gguf_tensor = file->find_tensor(std::string("blk.1.attn_") + which + ".weight");
      const auto* hf_tensor =
          folder->find(std::string("model.layers.1.self_attn.") + which + "_proj.weight");
      ASSERT_NE(gguf_tensor, nullptr);
      ASSERT_NE(hf_tensor, nullptr);
      ASSERT_EQ(gguf_tensor->shape, hf_tensor->shape);
      const int64_t rows = hf_tensor->shape[0], cols = hf_tensor->shape[1];
      const int64_t d = rows / heads;
      const auto gguf_data = file->tensor_data(*gguf_tensor);
      for (int64_t r = 0; r < rows; ++r) {
        // llama: GGUF row h*d + 2i + j holds HF row h*d + j*d/2 + i; qwen2: unpermuted.
        const int64_t h = r / d, within = r % d;
        const int64_t src = *arch == "llama" ? h * d + (within % 2) * (d / 2) + within / 2 : r;
        for (int64_t c = 0; c < cols; ++c) {
          ASSERT_EQ(element(gguf_data, f16, cols, r, c),
                    element(hf_tensor->data, true, cols, src, c))
              << which << " row " << r << " col " << c;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models,
    DecoderGolden,
    ::testing::Values("llama_gqa", "llama31_tied", "mistral_swa", "qwen2", "llama_bias"),
    [](const auto& instance) { return instance.param; });

}  // namespace
}  // namespace braid::model
