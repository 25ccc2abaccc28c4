// Whole-model parity: the same random-weight model of Llama 3.2 1B's structure (tiny variant:
// GQA 4:1, tied output, Llama 3.1 rope factors) and of Qwen2.5's (Q/K/V biases) decoded on cpu
// (with the reference as fallback) and on the reference alone, for several weight types. The cpu
// backend computes in f32 (F16 weights) or with int8 activations (block types), so the bounds
// differ per type.
#include <gtest/gtest.h>

#include <cmath>

#include "braid/core/synthetic_model.h"
#include "braid/model/decoder.h"
#include "decoder_test_support.h"
#include "test_paths.h"

namespace braid::model {
namespace {

std::vector<std::vector<float>> decode(Decoder& d, int steps) {
  std::vector<std::vector<float>> out;
  const PromptChunk prompt = TokenChunk{{1, 100, 200, 300, 400, 500, 600}};
  auto logits = d.eval(std::span(&prompt, 1));
  for (int i = 0; logits.ok(); ++i) {
    out.emplace_back(logits->begin(), logits->end());
    if (i == steps) break;
    const auto next = std::max_element(logits->begin(), logits->end()) - logits->begin();
    logits = d.eval_token(static_cast<int32_t>(next));
  }
  EXPECT_TRUE(logits.ok()) << logits.status().message();
  return out;
}

TEST(BackendParity, CpuMatchesReferenceOnRealShapes) {
  BRAID_DEVICES_OR_SKIP(cpu, "cpu");
  BRAID_DEVICES_OR_SKIP(reference, "reference");
  const auto dir = test::scratch_dir();
  // Measured (2026-11-23): F16 ~5e-7; Q8_0 and Q4_K ~4e-3 (int8 activations on cpu).
  struct Case {
    core::DType type;
    double bound;  // max |cpu - reference| / max |reference|
  };
  for (const std::string name : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    for (const Case c : {Case{core::DType::F16, 1e-5}, Case{core::DType::Q8_0, 1.5e-2},
                         Case{core::DType::Q4_K, 1.5e-2}}) {
      SCOPED_TRACE(name + " " + std::string(core::dtype_name(c.type)));
      const auto path = dir / (name + ".gguf");
      const auto shape = core::tiny_variant(core::find_text_shape(name).value());
      ASSERT_TRUE(
          core::write_synthetic_text_model(
              path, shape, core::SyntheticOptions{.weight_type = c.type, .seed = 42, .recipe = {}})
              .is_ok());
      auto model = Model::load(path);
      ASSERT_TRUE(model.ok()) << model.status().message();
      auto on_cpu = Decoder::create(*model, cpu, {.n_ctx = 32});
      auto on_ref = Decoder::create(*model, reference, {.n_ctx = 32});
      ASSERT_TRUE(on_cpu.ok() && on_ref.ok());
      const auto a = decode(**on_cpu, 3);
      const auto b = decode(**on_ref, 3);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        double worst = 0, scale = 0;
        for (size_t j = 0; j < a[i].size(); ++j) {
          worst = std::max(worst, std::fabs(static_cast<double>(a[i][j]) - b[i][j]));
          scale = std::max(scale, std::fabs(static_cast<double>(b[i][j])));
        }
        EXPECT_LT(worst / scale, c.bound) << "step " << i;
      }
    }
  }
}

}  // namespace
}  // namespace braid::model
