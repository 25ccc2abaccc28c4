// Which type each tensor gets under each recipe, against tables written from llama.cpp's rules.
//
// Source of the rules: llama.cpp src/llama-quant.cpp (ggml-org/llama.cpp, read at commit
// 007dbbf3fd17eefe9b47fee45f48f7ba5e62b714), llama_tensor_get_type_impl:
//   use_more_bits(i, n) = i < n/8 || i >= 7*n/8 || (i - n/8) % 3 == 2
//   Q4_K_M: attn_v  -> Q6_K if use_more_bits(i_attention_wv, n_attention_wv), else Q4_K
//           ffn_down -> Q6_K if use_more_bits(i_layer, n_layer), else Q4_K
//   Q5_K_M: the same layers at Q6_K, the rest Q5_K
//   Q4_K_S: attn_v of the first 4 layers and ffn_down of the first n/8 layers at Q5_K
//   output.weight (and token_embd.weight when there is no output.weight) -> Q6_K unless the
//   base type is Q8_0; Q8_0 when its rows do not fill the base type's blocks
//   tensor_type_fallback: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16
//   tensor_allows_quantization: 2+ dims, name ends in "weight", no "_norm.weight", no
//   position/patch embeddings.
#include "braid/core/quant_recipe.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "braid/core/synthetic_model.h"

namespace braid::core {
namespace {

// For 16 layers: n/8 = 2, 7n/8 = 14, and (i - 2) % 3 == 2 for i = 4, 7, 10, 13.
const std::set<int> kMoreBits16 = {0, 1, 4, 7, 10, 13, 14, 15};

std::vector<TensorDesc> synthetic_descs(const TextModelShape& shape) {
  GgufWriter writer;
  SyntheticOptions options;
  options.weight_type = DType::F16;
  EXPECT_TRUE(add_synthetic_text_model(writer, shape, options).is_ok());
  std::vector<TensorDesc> descs;
  for (const auto& t : writer.tensor_infos()) descs.push_back({t.name, t.dtype, t.shape});
  return descs;
}

TextModelShape sixteen_layers(bool tied) {
  TextModelShape s = tiny_variant(*find_text_shape("llama-3.1-8b"));
  s.n_layer = 16;
  s.tied_output = tied;
  return s;
}

std::map<std::string, DType> plan_map(const std::vector<TensorDesc>& descs,
                                      const TextModelShape& s,
                                      std::string_view recipe) {
  ModelFacts facts{s.architecture, s.n_layer, s.n_head, s.n_head_kv, 0};
  std::map<std::string, DType> out;
  for (const auto& p : plan_quantization(descs, facts, *find_quant_recipe(recipe))) {
    out[p.name] = p.to;
  }
  return out;
}

// The table for a 16-layer model, written out from the rules above.
std::map<std::string, DType> expected_table(std::string_view recipe, bool tied) {
  std::map<std::string, DType> t;
  const bool q5 = recipe.substr(0, 2) == "Q5";
  const DType base = q5 ? DType::Q5_K : DType::Q4_K;
  for (int i = 0; i < 16; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    for (const char* n : {"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"}) {
      t[p + n + ".weight"] = base;
    }
    DType v = base, down = base;
    if (recipe == "Q4_K_M" || recipe == "Q5_K_M") {
      if (kMoreBits16.count(i)) v = down = DType::Q6_K;
    } else if (recipe == "Q4_K_S") {
      if (i < 4) v = DType::Q5_K;
      if (i < 2) down = DType::Q5_K;
    }
    t[p + "attn_v.weight"] = v;
    t[p + "ffn_down.weight"] = down;
    t[p + "attn_norm.weight"] = DType::F32;
    t[p + "ffn_norm.weight"] = DType::F32;
  }
  t["output_norm.weight"] = DType::F32;
  t["rope_freqs.weight"] = DType::F32;
  t["token_embd.weight"] = tied ? DType::Q6_K : base;
  if (!tied) t["output.weight"] = DType::Q6_K;
  return t;
}

TEST(QuantRecipe, UseMoreBitsIsHalfOfSixteenLayers) {
  std::set<int> got;
  for (int i = 0; i < 16; ++i) {
    if (use_more_bits(i, 16)) got.insert(i);
  }
  EXPECT_EQ(got, kMoreBits16);
}

TEST(QuantRecipe, KQuantMixesOnSixteenLayersMatchLlamaCppTables) {
  for (bool tied : {false, true}) {
    const auto shape = sixteen_layers(tied);
    const auto descs = synthetic_descs(shape);
    for (const char* recipe : {"Q4_K_M", "Q4_K_S", "Q5_K_M", "Q5_K_S"}) {
      SCOPED_TRACE(std::string(recipe) + (tied ? " tied" : " untied"));
      const auto got = plan_map(descs, shape, recipe);
      const auto want = expected_table(recipe, tied);
      ASSERT_EQ(got.size(), want.size());
      for (const auto& [name, type] : want) {
        ASSERT_TRUE(got.count(name)) << name;
        EXPECT_EQ(dtype_name(got.at(name)), dtype_name(type)) << name;
      }
    }
  }
}

TEST(QuantRecipe, OrderOfTensorsDoesNotChangeTheMix) {
  // llama.cpp counts attn_v tensors in layer order (blk.10 after blk.9), not in name order.
  const auto shape = sixteen_layers(false);
  auto descs = synthetic_descs(shape);
  std::reverse(descs.begin(), descs.end());
  EXPECT_EQ(plan_map(descs, shape, "Q4_K_M"), expected_table("Q4_K_M", false));
}

TEST(QuantRecipe, SingleTypesAndTheOutputTensor) {
  const auto shape = sixteen_layers(false);
  const auto descs = synthetic_descs(shape);
  // Q8_0 keeps output at Q8_0; the legacy types send it to Q6_K as llama.cpp does.
  auto q8 = plan_map(descs, shape, "Q8_0");
  EXPECT_EQ(q8["output.weight"], DType::Q8_0);
  EXPECT_EQ(q8["blk.3.attn_v.weight"], DType::Q8_0);
  EXPECT_EQ(q8["token_embd.weight"], DType::Q8_0);
  auto q40 = plan_map(descs, shape, "Q4_0");
  EXPECT_EQ(q40["output.weight"], DType::Q6_K);
  EXPECT_EQ(q40["blk.0.ffn_down.weight"], DType::Q4_0);
  auto q6 = plan_map(descs, shape, "Q6_K");
  EXPECT_EQ(q6["blk.5.attn_q.weight"], DType::Q6_K);
  auto f16 = plan_map(descs, shape, "F16");
  EXPECT_EQ(f16["output.weight"], DType::F16);
  EXPECT_EQ(f16["blk.0.attn_norm.weight"], DType::F32);
}

TEST(QuantRecipe, PureGivesTheBaseTypeEverywhere) {
  const auto shape = sixteen_layers(false);
  ModelFacts facts{shape.architecture, shape.n_layer, shape.n_head, shape.n_head_kv, 0};
  for (const auto& p : plan_quantization(synthetic_descs(shape), facts,
                                         *find_quant_recipe("Q4_K_M"), PlanOptions{.pure = true})) {
    if (p.from == DType::F32) continue;  // norms
    EXPECT_EQ(p.to, DType::Q4_K) << p.name;
  }
}

TEST(QuantRecipe, RowsThatDoNotFillBlocksFallBack) {
  ModelFacts facts{"qwen2", 1, 14, 2, 0};
  std::vector<TensorDesc> descs = {
      {"blk.0.attn_q.weight", DType::F16, {896, 896}},      // 896 % 256 != 0, % 32 == 0
      {"blk.0.attn_v.weight", DType::F16, {128, 896}},      // Q6_K (more bits) -> Q8_0
      {"blk.0.ffn_up.weight", DType::F16, {100, 100}},      // nothing but F16 fits
      {"output.weight", DType::F16, {1000, 896}},           // Q8_0: rows do not fill Q4_K
      {"blk.0.attn_q.bias", DType::F32, {896}},             // 1-D: kept
      {"v.position_embd.weight", DType::F16, {577, 1024}},  // kept as it is
  };
  const auto plans = plan_quantization(descs, facts, *find_quant_recipe("Q4_K_M"));
  EXPECT_EQ(plans[0].to, DType::Q5_0);
  EXPECT_TRUE(plans[0].fallback);
  EXPECT_NE(plans[0].note.find("896"), std::string::npos) << plans[0].note;
  EXPECT_EQ(plans[1].to, DType::Q8_0);
  EXPECT_EQ(plans[2].to, DType::F16);
  EXPECT_EQ(plans[3].to, DType::Q8_0);
  EXPECT_FALSE(plans[3].fallback);
  EXPECT_EQ(plans[4].to, DType::F32);
  EXPECT_EQ(plans[5].to, DType::F16);
  // Legacy types have no llama.cpp fallback; braid uses F16.
  const auto q8 = plan_quantization({{"blk.0.ffn_up.weight", DType::F32, {4, 100}}}, facts,
                                    *find_quant_recipe("Q8_0"));
  EXPECT_EQ(q8[0].to, DType::F16);
}

TEST(QuantRecipe, MmprojKeepsEmbeddingsAndNormsAndUsesTheBaseType) {
  ModelFacts facts{"clip", 0, 0, 0, 0};
  std::vector<TensorDesc> descs = {
      {"v.patch_embd.weight", DType::F16, {1024, 3, 14, 14}},
      {"v.position_embd.weight", DType::F16, {577, 1024}},
      {"v.class_embd", DType::F32, {1024}},
      {"v.blk.0.ln1.weight", DType::F32, {1024}},
      {"v.blk.0.attn_v.weight", DType::F16, {1024, 1024}},
      {"mm.0.weight", DType::F16, {4096, 1024}},
      {"a.conv1d.1.weight", DType::F16, {1280, 128, 3}},
  };
  const auto plans = plan_quantization(descs, facts, *find_quant_recipe("Q4_K_M"));
  EXPECT_EQ(plans[0].to, DType::F16);
  EXPECT_EQ(plans[1].to, DType::F16);
  EXPECT_EQ(plans[2].to, DType::F32);
  EXPECT_EQ(plans[3].to, DType::F32);
  EXPECT_EQ(plans[4].to, DType::Q4_K);  // no Q6_K bump in an encoder
  EXPECT_EQ(plans[5].to, DType::Q4_K);
  EXPECT_EQ(plans[6].to, DType::F16);  // a convolution kernel
}

TEST(QuantRecipe, NamesAndAliases) {
  EXPECT_EQ(find_quant_recipe("q4_k_m")->file_type, 15u);
  EXPECT_EQ(find_quant_recipe("Q4_K")->name, "Q4_K_M");
  EXPECT_EQ(find_quant_recipe("Q5_K")->name, "Q5_K_M");
  EXPECT_EQ(find_quant_recipe("Q8_0")->file_type, 7u);
  EXPECT_EQ(find_quant_recipe("Q6_K")->file_type, 18u);
  EXPECT_EQ(find_quant_recipe("BF16")->file_type, 32u);
  EXPECT_FALSE(find_quant_recipe("Q9_9"));
  EXPECT_FALSE(find_quant_recipe("IQ2_XS"));
}

}  // namespace
}  // namespace braid::core
