// `braid make-model`: what it writes must load and describe the architecture it claims.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "braid/core/gguf.h"
#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using nlohmann::json;

TEST(MakeModelCli, TinyLlamaLoadsWithTheShapesItClaims) {
  const auto out = scratch_dir() / "tiny.gguf";
  auto made =
      run_braid({"make-model", "llama-3.2-1b", "--tiny", "--type", "Q8_0", "-o", out.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto r = run_braid({"info", "--json", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json info = json::parse(r.out);
  EXPECT_EQ(info["architecture"], "llama");
  EXPECT_EQ(info["file_type"], "Q8_0");
  const auto& hp = info["hyperparameters"];
  const int64_t n_embd = hp["llama.embedding_length"], n_layer = hp["llama.block_count"];
  const int64_t n_ff = hp["llama.feed_forward_length"], n_vocab = hp["llama.vocab_size"];
  const int64_t n_head = hp["llama.attention.head_count"];
  const int64_t n_head_kv = hp["llama.attention.head_count_kv"];
  EXPECT_EQ(n_head / n_head_kv, 4);  // Llama 3.2 1B's GQA ratio kept
  EXPECT_EQ(info["tokenizer"]["vocab_size"], n_vocab);
  EXPECT_TRUE(info["tokenizer"]["chat_template"].get<bool>());
  // Parameters from the shapes: embeddings (tied output), per layer 2 norms, Q/K/V/O, 3 FFN.
  const int64_t head_dim = n_embd / n_head;
  const int64_t per_layer =
      2 * n_embd + n_embd * n_embd * 2 + 2 * n_embd * n_head_kv * head_dim + 3 * n_embd * n_ff;
  const int64_t rope_freqs = head_dim / 2;
  EXPECT_EQ(info["n_params"], n_vocab * n_embd + n_layer * per_layer + n_embd + rope_freqs);

  // The weights are the type asked for, and the norms F32.
  auto file = core::GgufFile::open(out);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->find_tensor("blk.1.ffn_down.weight")->dtype, core::DType::Q8_0);
  EXPECT_EQ(file->find_tensor("blk.1.ffn_down.weight")->shape,
            (std::vector<int64_t>{n_embd, n_ff}));
  EXPECT_EQ(file->find_tensor("output_norm.weight")->dtype, core::DType::F32);
  EXPECT_EQ(file->find_tensor("output.weight"), nullptr);  // tied
}

TEST(MakeModelCli, SameSeedSameFile) {
  const auto dir = scratch_dir();
  for (const char* name : {"a.gguf", "b.gguf"}) {
    ASSERT_EQ(run_braid({"make-model", "qwen2.5-0.5b", "--tiny", "--seed", "7", "-o",
                         (dir / name).string()})
                  .exit_code,
              0);
  }
  auto a = core::GgufFile::open(dir / "a.gguf");
  auto b = core::GgufFile::open(dir / "b.gguf");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->file_size(), b->file_size());
  const auto* bias = a->find_tensor("blk.0.attn_q.bias");  // Qwen2 keeps Q/K/V biases
  ASSERT_NE(bias, nullptr);
  auto da = a->tensor_data(*bias);
  auto db = b->tensor_data(*b->find_tensor("blk.0.attn_q.bias"));
  EXPECT_TRUE(std::equal(da.begin(), da.end(), db.begin()));
}

TEST(MakeModelCli, BadRequests) {
  const auto dir = scratch_dir();
  const auto out = (dir / "m.gguf").string();
  EXPECT_EQ(run_braid({"make-model", "gpt-5", "-o", out}).exit_code, 2);
  EXPECT_EQ(
      run_braid({"make-model", "llama-3.2-1b", "--tiny", "--type", "Q9_9", "-o", out}).exit_code,
      2);
  EXPECT_EQ(run_braid({"make-model", "llama-3.2-1b", "--tiny"}).exit_code, 2);  // no -o
  ASSERT_EQ(run_braid({"make-model", "llama-3.2-1b", "--tiny", "-o", out}).exit_code, 0);
  auto again = run_braid({"make-model", "llama-3.2-1b", "--tiny", "-o", out});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  EXPECT_EQ(run_braid({"make-model", "llama-3.2-1b", "--tiny", "--force", "-o", out}).exit_code, 0);
  // A folder that does not exist: an error, and no partial file anywhere.
  auto nowhere =
      run_braid({"make-model", "llama-3.2-1b", "--tiny", "-o", (dir / "no/such/m.gguf").string()});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));
}

}  // namespace
}  // namespace braid::test
