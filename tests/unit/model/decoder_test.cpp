// The decoder session on tiny random models, on the reference backend and on cpu (with the
// reference as fallback): the same weights as a GGUF file (permuted Q/K, adjacent-pair rope) and
// as an HF folder (half-split rope) give the same logits; one-batch prefill equals token-by-token
// decode and small padded batches; KV types agree; snapshots restore; embedding chunks equal
// their token chunks; decode steps reuse the compiled graph; bad prompts are refused.
#include "braid/model/decoder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "braid/core/synthetic_model.h"
#include "braid/model/kv_snapshot_file.h"
#include "decoder_test_support.h"
#include "test_paths.h"
#include "tiny_model.h"

namespace braid::model {
namespace {

using test::TinySpec;

const std::vector<int32_t> kPrompt = {1, 17, 42, 5, 9, 63, 0, 28, 33, 7, 50, 2};

// Relative distance of two logit vectors: max |a - b| over max |b|.
double rel_diff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0, scale = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return worst / std::max(scale, 1e-30);
}

bool all_finite(std::span<const float> v) {
  for (float x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

class DecoderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    devices_ = test::decoder_devices(GetParam(), &why_);
    if (devices_.empty()) GTEST_SKIP() << GetParam() << " unavailable: " << why_;
    dir_ = test::scratch_dir();
  }

  std::unique_ptr<Decoder> open(const std::filesystem::path& path, DecoderOptions options = {}) {
    auto d = Decoder::load(path, devices_, options);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d.ok() ? std::move(d).value() : nullptr;
  }

  std::filesystem::path gguf(const TinySpec& spec, const std::string& name) {
    const auto path = dir_ / name;
    EXPECT_TRUE(test::write_tiny_gguf(spec, test::tiny_weights(spec), path).is_ok());
    return path;
  }

  // Logits of the last prompt row after prefill, then after each of `steps` greedy tokens.
  std::vector<std::vector<float>> run(Decoder& d, const std::vector<int32_t>& prompt, int steps) {
    std::vector<std::vector<float>> out;
    const PromptChunk chunk = TokenChunk{prompt};
    auto logits = d.eval(std::span(&chunk, 1));
    EXPECT_TRUE(logits.ok()) << logits.status().message();
    if (!logits.ok()) return out;
    out.emplace_back(logits->begin(), logits->end());
    for (int i = 0; i < steps; ++i) {
      const int32_t next =
          static_cast<int32_t>(std::max_element(logits->begin(), logits->end()) - logits->begin());
      logits = d.eval_token(next);
      EXPECT_TRUE(logits.ok()) << logits.status().message();
      if (!logits.ok()) return out;
      out.emplace_back(logits->begin(), logits->end());
    }
    return out;
  }

  std::string why_;
  std::vector<plugins::Device*> devices_;
  std::filesystem::path dir_;
};

TEST_P(DecoderTest, GgufAndFolderGiveTheSameLogits) {
  for (const std::string arch : {"llama", "qwen2"}) {
    SCOPED_TRACE(arch);
    TinySpec spec;
    spec.arch = arch;
    spec.tied = arch == "qwen2";
    const auto weights = test::tiny_weights(spec);
    const auto file = dir_ / (arch + ".gguf");
    const auto folder = dir_ / (arch + "-hf");
    ASSERT_TRUE(test::write_tiny_gguf(spec, weights, file).is_ok());
    ASSERT_TRUE(test::write_tiny_hf(spec, weights, folder).is_ok());
    DecoderOptions o{.n_ctx = 64, .kv_type = KvType::F32};
    auto a = open(file, o);
    auto b = open(folder, o);
    ASSERT_TRUE(a && b);
    const auto la = run(*a, kPrompt, 4);
    const auto lb = run(*b, kPrompt, 4);
    ASSERT_EQ(la.size(), 5u);
    ASSERT_EQ(lb.size(), 5u);
    for (size_t i = 0; i < la.size(); ++i) EXPECT_LT(rel_diff(la[i], lb[i]), 1e-4) << "step " << i;
  }
}

TEST_P(DecoderTest, PrefillBatchesMatchTokenByToken) {
  const auto path = gguf(TinySpec{}, "m.gguf");
  auto whole = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  auto small = open(path, {.n_ctx = 64, .kv_type = KvType::F32, .n_batch = 5});
  auto single = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  ASSERT_TRUE(whole && small && single);
  const auto a = run(*whole, kPrompt, 3);
  const auto b = run(*small, kPrompt, 3);  // batches of 5, 5, 2 rows, padded to 5, 5, 5
  std::span<const float> c;
  for (int32_t t : kPrompt) {
    auto logits = single->eval_token(t);
    ASSERT_TRUE(logits.ok()) << logits.status().message();
    c = *logits;
  }
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_LT(rel_diff(a[0], c), 1e-4);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LT(rel_diff(a[i], b[i]), 1e-4) << "step " << i;
  EXPECT_EQ(whole->n_past(), static_cast<int64_t>(kPrompt.size()) + 3);
}

TEST_P(DecoderTest, DecodeStepsReuseTheCompiledGraph) {
  auto d = open(gguf(TinySpec{}, "m.gguf"), {.n_ctx = 64});
  ASSERT_TRUE(d);
  run(*d, kPrompt, 2);
  const size_t compiled = d->scheduler().compile_count();
  const size_t plans = d->scheduler().plan_count();
  run(*d, {3}, 10);  // a one-token "prompt" is a decode step too
  EXPECT_EQ(d->scheduler().compile_count(), compiled);
  EXPECT_EQ(d->scheduler().plan_count(), plans);
}

TEST_P(DecoderTest, KvTypesGiveCloseLogits) {
  TinySpec spec;  // heads of 32 values, as a Q8_0 cache needs
  spec.n_head = 2;
  spec.n_head_kv = 1;
  const auto path = gguf(spec, "m.gguf");
  std::vector<std::vector<std::vector<float>>> results;
  for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0}) {
    auto d = open(path, {.n_ctx = 64, .kv_type = type});
    ASSERT_TRUE(d);
    results.push_back(run(*d, kPrompt, 4));
  }
  for (size_t i = 0; i < results[0].size(); ++i) {
    EXPECT_LT(rel_diff(results[1][i], results[0][i]), 2e-3) << "f16, step " << i;
    EXPECT_LT(rel_diff(results[2][i], results[0][i]), 3e-2) << "q8_0, step " << i;
  }
}

TEST_P(DecoderTest, SnapshotRestoresTheSequence) {
  const auto path = gguf(TinySpec{}, "m.gguf");
  auto d = open(path, {.n_ctx = 64});
  ASSERT_TRUE(d);
  run(*d, kPrompt, 0);
  auto snapshot = d->save_state();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().message();
  EXPECT_EQ(snapshot->n_past, static_cast<int64_t>(kPrompt.size()));
  const auto after = run(*d, {4, 5}, 2);
  d->clear();
  run(*d, {9, 9, 9}, 1);  // overwrite the first rows
  ASSERT_TRUE(d->load_state(*snapshot).is_ok());
  const auto again = run(*d, {4, 5}, 2);
  ASSERT_EQ(after.size(), again.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], again[i]) << "step " << i;

  // Into a fresh decoder with a longer context.
  auto other = open(path, {.n_ctx = 128});
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->load_state(*snapshot).is_ok());
  const auto fresh = run(*other, {4, 5}, 2);
  for (size_t i = 0; i < after.size(); ++i) EXPECT_LT(rel_diff(fresh[i], after[i]), 1e-5);
  auto f32 = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  EXPECT_FALSE(f32->load_state(*snapshot).is_ok());

  // Through a file, and refused for another model.
  const std::string fingerprint = model_fingerprint(d->model());
  ASSERT_TRUE(write_kv_snapshot(dir_ / "s.kv", *snapshot, fingerprint).is_ok());
  auto back = read_kv_snapshot(dir_ / "s.kv", fingerprint);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->data, snapshot->data);
  EXPECT_EQ(back->n_past, snapshot->n_past);
  EXPECT_FALSE(read_kv_snapshot(dir_ / "s.kv", fingerprint + "x").ok());
  // The app's state travels in the header.
  std::string state = "stale";
  ASSERT_TRUE(read_kv_snapshot(dir_ / "s.kv", fingerprint, &state).ok());
  EXPECT_EQ(state, "");
  ASSERT_TRUE(
      write_kv_snapshot(dir_ / "s.kv", *snapshot, fingerprint, "{\"messages\": []}").is_ok());
  ASSERT_TRUE(read_kv_snapshot(dir_ / "s.kv", fingerprint, &state).ok());
  EXPECT_EQ(state, "{\"messages\": []}");
  std::filesystem::resize_file(dir_ / "s.kv", std::filesystem::file_size(dir_ / "s.kv") - 1);
  EXPECT_EQ(read_kv_snapshot(dir_ / "s.kv", fingerprint).status().code(),
            core::StatusCode::DataLoss);
}

TEST_P(DecoderTest, TruncateKeepsThePrefix) {
  // Truncating to the prompt and decoding again gives the logits of decoding right after it.
  const auto path = gguf(TinySpec{}, "m.gguf");
  auto d = open(path, {.n_ctx = 64});
  ASSERT_TRUE(d);
  run(*d, kPrompt, 0);
  const auto after = run(*d, {4, 5}, 2);
  run(*d, {7, 8, 9}, 1);
  d->truncate(static_cast<int64_t>(kPrompt.size()));
  EXPECT_EQ(d->n_past(), static_cast<int64_t>(kPrompt.size()));
  const auto again = run(*d, {4, 5}, 2);
  ASSERT_EQ(after.size(), again.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], again[i]) << "step " << i;
  d->truncate(1000);  // longer than the sequence: nothing changes
  EXPECT_EQ(d->n_past(), static_cast<int64_t>(kPrompt.size()) + 4);  // 2 prompt rows, 2 steps
}

TEST_P(DecoderTest, EmbeddingChunksEqualTheirTokens) {
  TinySpec spec;
  const auto weights = test::tiny_weights(spec);
  const auto path = dir_ / "m.gguf";
  ASSERT_TRUE(test::write_tiny_gguf(spec, weights, path).is_ok());
  auto a = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  auto b = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  ASSERT_TRUE(a && b);
  const auto want = run(*a, kPrompt, 0);
  // The middle of the prompt as embedding rows (the token_embd rows of those tokens).
  const auto& table = weights.at("token_embd.weight").values;
  EmbeddingChunk e{
      .n_rows = 4, .n_embd = spec.n_embd, .data = {}, .causal = true, .source = "test"};
  for (int i = 3; i < 7; ++i) {
    const auto row = table.begin() + kPrompt[i] * spec.n_embd;
    e.data.insert(e.data.end(), row, row + spec.n_embd);
  }
  const std::vector<PromptChunk> chunks = {TokenChunk{{kPrompt.begin(), kPrompt.begin() + 3}}, e,
                                           TokenChunk{{kPrompt.begin() + 7, kPrompt.end()}}};
  auto got = b->eval(chunks);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_LT(rel_diff(*got, want[0]), 1e-5);

  // A non-causal chunk differs (its rows see each other) but stays finite.
  b->clear();
  std::vector<PromptChunk> bidirectional = chunks;
  std::get<EmbeddingChunk>(bidirectional[1]).causal = false;
  got = b->eval(bidirectional);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_TRUE(all_finite(*got));
  EXPECT_GT(rel_diff(*got, want[0]), 1e-4);
}

TEST_P(DecoderTest, AllLogitsMatchStepByStep) {
  const auto path = gguf(TinySpec{}, "m.gguf");
  auto a = open(path, {.n_ctx = 64, .kv_type = KvType::F32, .n_batch = 8});
  auto b = open(path, {.n_ctx = 64, .kv_type = KvType::F32});
  ASSERT_TRUE(a && b);
  const PromptChunk chunk = TokenChunk{kPrompt};
  auto all = a->eval_all(std::span(&chunk, 1));
  ASSERT_TRUE(all.ok()) << all.status().message();
  const size_t n_vocab = static_cast<size_t>(a->n_vocab());
  ASSERT_EQ(all->size(), kPrompt.size() * n_vocab);
  for (size_t i = 0; i < kPrompt.size(); ++i) {
    auto logits = b->eval_token(kPrompt[i]);
    ASSERT_TRUE(logits.ok());
    EXPECT_LT(rel_diff(std::span(*all).subspan(i * n_vocab, n_vocab), *logits), 1e-4) << i;
  }
}

TEST_P(DecoderTest, SyntheticModelsOfRealShapesDecode) {
  for (const std::string name : {"llama-3.2-1b", "qwen2.5-0.5b"}) {
    SCOPED_TRACE(name);
    auto shape = core::find_text_shape(name);
    ASSERT_TRUE(shape.ok());
    const core::TextModelShape tiny = core::tiny_variant(*shape);
    for (core::DType type : {core::DType::F16, core::DType::Q8_0}) {
      const auto path = dir_ / (name + std::string(core::dtype_name(type)) + ".gguf");
      ASSERT_TRUE(
          core::write_synthetic_text_model(
              path, tiny, core::SyntheticOptions{.weight_type = type, .seed = 42, .recipe = {}})
              .is_ok());
      auto d = open(path, {.n_ctx = 64});
      ASSERT_TRUE(d);
      EXPECT_EQ(d->model().tied(), shape->tied_output);
      EXPECT_EQ(d->model().rope_freqs().present(), shape->rope_scaling_factor > 0.0f);
      const auto logits = run(*d, {1, 2, 3, 4, 5}, 3);
      ASSERT_EQ(logits.size(), 4u);
      for (const auto& l : logits) EXPECT_TRUE(all_finite(l));
    }
  }
}

TEST_P(DecoderTest, BadPromptsAreRefused) {
  auto d = open(gguf(TinySpec{}, "m.gguf"), {.n_ctx = 8});
  ASSERT_TRUE(d);
  const std::vector<PromptChunk> empty = {TokenChunk{}};
  EXPECT_NE(d->eval(empty).status().message().find("empty"), std::string::npos);
  const PromptChunk long_prompt = TokenChunk{std::vector<int32_t>(9, 1)};
  auto too_long = d->eval(std::span(&long_prompt, 1));
  EXPECT_EQ(too_long.status().code(), core::StatusCode::OutOfRange);
  EXPECT_EQ(d->n_past(), 0);
  EXPECT_FALSE(d->eval_token(64).ok());  // vocabulary of 64
  const PromptChunk bad_id = TokenChunk{{1, -3}};
  EXPECT_FALSE(d->eval(std::span(&bad_id, 1)).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(d->eval_token(1).ok());
  EXPECT_EQ(d->eval_token(1).status().code(), core::StatusCode::OutOfRange);  // context full
  // Context longer than the model's, bad batch size.
  EXPECT_FALSE(Decoder::load(dir_ / "m.gguf", devices_, {.n_ctx = 4096}).ok());
  EXPECT_FALSE(Decoder::load(dir_ / "m.gguf", devices_, {.n_ctx = 8, .n_batch = 0}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, DecoderTest, ::testing::Values("reference", "cpu"));

}  // namespace
}  // namespace braid::model
