// Loading Llama-family models: hyperparameters from GGUF and config.json, the rope convention
// chosen per source, and clear errors for missing tensors, wrong shapes, truncated files and
// architectures the decoder does not run.
#include <gtest/gtest.h>

#include "braid/core/gguf.h"
#include "braid/model/model_weights.h"
#include "test_paths.h"
#include "tiny_model.h"

namespace braid::model {
namespace {

using test::TinySpec;

// The test's scratch folder (scratch_dir() empties it on every call, so ask once).
const std::filesystem::path& scratch() {
  static std::string test_name;
  static std::filesystem::path dir;
  const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  if (name != test_name) {
    test_name = name;
    dir = test::scratch_dir();
  }
  return dir;
}

std::filesystem::path write_gguf(const TinySpec& spec, const std::string& file) {
  const auto path = scratch() / file;
  const core::Status st = test::write_tiny_gguf(spec, test::tiny_weights(spec), path);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return path;
}

TEST(ModelLoading, Stories260kHyperparameters) {
  BRAID_SHARED_FILE_OR_SKIP(path, "tinyllama-stories260K/stories260K.gguf");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ModelConfig& c = (*model)->config();
  EXPECT_EQ(c.family, ModelFamily::Llama);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.n_layer, 5);
  EXPECT_EQ(c.n_head, 8);
  EXPECT_EQ(c.n_head_kv, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.n_ff, 172);
  EXPECT_EQ(c.n_vocab, 512);
  EXPECT_EQ(c.n_ctx_train, 2048);
  EXPECT_EQ(c.n_rot, 8);
  EXPECT_FLOAT_EQ(c.rms_norm_eps, 1e-5f);
  EXPECT_EQ(c.rope_mode, BRAID_ROPE_ADJACENT);  // llama-arch GGUF: permuted Q/K rows
  EXPECT_FALSE((*model)->tied());
  EXPECT_EQ((*model)->layers().size(), 5u);
  EXPECT_EQ((*model)->weight_type_name(), "F32");
  // Weights are read in place: spans into the file's mapping, all of the file's tensor bytes.
  EXPECT_GT((*model)->weight_bytes(), 1'000'000u);
  EXPECT_LT((*model)->weight_bytes(), 1'185'376u);
}

TEST(ModelLoading, ReadInReportsProgressUpToTheWeightBytes) {
  BRAID_SHARED_FILE_OR_SKIP(path, "tinyllama-stories260K/stories260K.gguf");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  (*model)->read_in([&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  // Under 64 MiB of weights: one call, at the end, with every byte done.
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, (*model)->weight_bytes());
  EXPECT_EQ(calls[0].second, (*model)->weight_bytes());
}

TEST(ModelLoading, RopeConventionPerSource) {
  TinySpec qwen;
  qwen.arch = "qwen2";
  qwen.tied = true;
  auto q = Model::load(write_gguf(qwen, "qwen.gguf"));
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ((*q)->config().rope_mode, BRAID_ROPE_HALF_SPLIT);
  EXPECT_TRUE((*q)->config().qkv_bias);
  EXPECT_TRUE((*q)->tied());
  EXPECT_EQ((*q)->output().name, "token_embd.weight");
  EXPECT_TRUE((*q)->layers()[1].bv.present());

  TinySpec llama;
  const auto dir = scratch() / "hf";
  ASSERT_TRUE(test::write_tiny_hf(llama, test::tiny_weights(llama), dir).is_ok());
  auto h = Model::load(dir);
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ((*h)->config().rope_mode, BRAID_ROPE_HALF_SPLIT);  // HF: unpermuted
  EXPECT_EQ((*h)->config().n_head_kv, 2);
  EXPECT_FALSE((*h)->tied());
  EXPECT_EQ((*h)->layers()[0].wq.name, "blk.0.attn_q.weight");
}

TEST(ModelLoading, MissingTensorIsNamed) {
  TinySpec spec;
  spec.skip = {"blk.1.attn_k.weight"};
  const auto path = write_gguf(spec, "missing.gguf");
  auto model = Model::load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::NotFound);
  const std::string m = model.status().message();
  EXPECT_NE(m.find("missing.gguf"), std::string::npos) << m;
  EXPECT_NE(m.find("'blk.1.attn_k.weight' is missing"), std::string::npos) << m;
}

TEST(ModelLoading, MissingTensorInFolderIsNamed) {
  TinySpec spec;
  spec.skip = {"blk.0.ffn_up.weight"};
  const auto dir = scratch() / "hf";
  ASSERT_TRUE(test::write_tiny_hf(spec, test::tiny_weights(spec), dir).is_ok());
  auto model = Model::load(dir);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("'model.layers.0.mlp.up_proj.weight' is missing"),
            std::string::npos)
      << model.status().message();
}

TEST(ModelLoading, WrongShapeNamesExpectedAndFound) {
  TinySpec spec;  // K has n_head_kv * head_dim = 32 rows
  spec.reshaped = {{"blk.1.attn_k.weight", {64, 64}}};
  auto model = Model::load(write_gguf(spec, "shape.gguf"));
  ASSERT_FALSE(model.ok());
  const std::string m = model.status().message();
  EXPECT_NE(m.find("shape.gguf: tensor 'blk.1.attn_k.weight': expected shape [32, 64], found "
                   "[64, 64]"),
            std::string::npos)
      << m;

  TinySpec norm;
  norm.reshaped = {{"output_norm.weight", {63}}};
  auto bad_norm = Model::load(write_gguf(norm, "norm.gguf"));
  ASSERT_FALSE(bad_norm.ok());
  EXPECT_NE(bad_norm.status().message().find("expected shape [64], found [63]"), std::string::npos)
      << bad_norm.status().message();
}

TEST(ModelLoading, TruncatedFileIsRefused) {
  const auto path = write_gguf(TinySpec{}, "whole.gguf");
  const auto size = std::filesystem::file_size(path);
  const auto cut = scratch() / "cut.gguf";
  std::filesystem::copy_file(path, cut);
  std::filesystem::resize_file(cut, size - 100);
  auto model = Model::load(cut);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("cut.gguf"), std::string::npos)
      << model.status().message();
}

TEST(ModelLoading, UnsupportedArchitectureIsNamed) {
  core::GgufWriter writer;
  writer.set("general.architecture", core::GgufValue{std::string("gpt2")});
  const auto path = scratch() / "gpt2.gguf";
  ASSERT_TRUE(writer.write(path).is_ok());
  auto model = Model::load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), core::StatusCode::NotSupported);
  EXPECT_NE(model.status().message().find("'gpt2'"), std::string::npos);
}

TEST(ModelLoading, InconsistentHeadsAreRefused) {
  auto path = scratch() / "heads.gguf";
  ASSERT_TRUE(test::write_tiny_gguf(TinySpec{}, test::tiny_weights(TinySpec{}), path).is_ok());
  auto file = core::GgufFile::open(path);
  ASSERT_TRUE(file.ok());
  // Rewrite with a bad head count: the config check runs before any tensor is looked at.
  core::GgufWriter bad;
  for (const auto& kv : file->metadata()) bad.set(kv.key, kv.value);
  bad.set("llama.attention.head_count_kv", core::GgufValue{uint32_t{3}});
  const auto bad_path = scratch() / "bad_heads.gguf";
  ASSERT_TRUE(bad.write(bad_path).is_ok());
  auto model = Model::load(bad_path);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("not a multiple of 3 KV heads"), std::string::npos)
      << model.status().message();
}

TEST(ModelLoading, Llama3RopeFactorsMatchTheConverter) {
  // The values llama.cpp's converter writes for Llama 3.2 1B (base 500000, factor 32, low 1,
  // high 4, original context 8192): the first frequencies keep 1, the last are divided by 32.
  ModelConfig c;
  c.n_rot = 64;
  c.rope_freq_base = 500000.0f;
  c.llama3_rope = {32.0f, 1.0f, 4.0f, 8192};
  const std::vector<float> f = llama3_rope_freqs(c);
  ASSERT_EQ(f.size(), 32u);
  EXPECT_FLOAT_EQ(f[0], 1.0f);
  EXPECT_FLOAT_EQ(f[31], 32.0f);
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
}

TEST(ModelLoading, TransformersConfigForms) {
  // transformers 5 writes rope settings under rope_parameters.
  auto cfg = core::HfConfig::parse(R"({"model_type": "llama", "vocab_size": 64, "hidden_size": 64,
      "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2,
      "intermediate_size": 96, "max_position_embeddings": 256, "rms_norm_eps": 1e-6,
      "head_dim": 16, "tie_word_embeddings": true,
      "rope_parameters": {"rope_theta": 500000.0, "rope_type": "llama3", "factor": 8.0,
        "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 64}})",
                                   "config.json");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  auto c = config_from_hf(*cfg);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FLOAT_EQ(c->rope_freq_base, 500000.0f);
  EXPECT_FLOAT_EQ(c->llama3_rope.factor, 8.0f);
  EXPECT_EQ(c->llama3_rope.original_context, 64);
  EXPECT_TRUE(c->tied_output);
  EXPECT_EQ(c->rope_mode, BRAID_ROPE_HALF_SPLIT);

  // Older configs: rope_theta and rope_scaling at the top; Mistral's sliding window.
  cfg = core::HfConfig::parse(R"({"model_type": "mistral", "vocab_size": 64, "hidden_size": 64,
      "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2,
      "intermediate_size": 96, "rope_theta": 1000000.0, "rope_scaling": null,
      "sliding_window": 4096})",
                              "config.json");
  ASSERT_TRUE(cfg.ok());
  c = config_from_hf(*cfg);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FLOAT_EQ(c->rope_freq_base, 1e6f);
  EXPECT_EQ(c->sliding_window, 4096);

  cfg = core::HfConfig::parse(R"({"model_type": "qwen2", "vocab_size": 64, "hidden_size": 64,
      "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2,
      "intermediate_size": 96, "use_sliding_window": false, "sliding_window": 32768,
      "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "yarn", "factor": 4.0}})",
                              "config.json");
  ASSERT_TRUE(cfg.ok());
  c = config_from_hf(*cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'yarn'"), std::string::npos);

  // attention_bias: Q/K/V and output biases; mlp_bias is not in the graph and is refused.
  const std::string llama = R"({"model_type": "llama", "vocab_size": 64, "hidden_size": 64,
      "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 96, )";
  cfg = core::HfConfig::parse(llama + R"("attention_bias": true})", "config.json");
  ASSERT_TRUE(cfg.ok());
  c = config_from_hf(*cfg);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_TRUE(c->attn_out_bias);
  cfg = core::HfConfig::parse(llama + R"("mlp_bias": true})", "config.json");
  ASSERT_TRUE(cfg.ok());
  c = config_from_hf(*cfg);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), core::StatusCode::NotSupported);
  EXPECT_NE(c.status().message().find("mlp_bias"), std::string::npos);

  cfg = core::HfConfig::parse(R"({"model_type": "gemma3", "vocab_size": 64})", "config.json");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(config_from_hf(*cfg).status().code(), core::StatusCode::NotSupported);
}

}  // namespace
}  // namespace braid::model
