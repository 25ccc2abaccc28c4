// Quantization recipes: the file types `braid quantize` writes ("Q4_K_M", "Q8_0") and the rule that
// picks each tensor's storage type, following llama.cpp's llama-quant.cpp (non-imatrix path), so
// a model quantized by braid has the same tensor types as one quantized by llama-quantize.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::core {

/// A file type braid can write.
struct QuantRecipe {
  std::string_view name;  ///< "Q4_K_M", as llama.cpp names the file type
  uint32_t file_type;     ///< the llama_ftype value written as general.file_type
  DType base;             ///< the type most weights get
  std::string_view summary;
};

/// Every recipe, in the order --help lists them.
const std::vector<QuantRecipe>& quant_recipes();

/// The recipe called `name` (case-insensitive). "Q4_K" and "Q5_K" are the _M mixes, as in
/// llama-quantize. nullopt when unknown.
std::optional<QuantRecipe> find_quant_recipe(std::string_view name);

/// A tensor as the planner sees it. `shape` is outermost first (GgufTensorInfo's order), so the
/// row length is shape.back().
struct TensorDesc {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
};

/// What the planner needs to know about the model (from the GGUF metadata).
struct ModelFacts {
  std::string architecture;  ///< general.architecture ("llama", "qwen2", "clip")
  int64_t n_layer = 0;       ///< {arch}.block_count (0 when absent)
  int64_t n_head = 0;        ///< {arch}.attention.head_count (0 when absent or per-layer)
  int64_t n_head_kv = 0;     ///< {arch}.attention.head_count_kv
  int64_t n_expert = 0;      ///< {arch}.expert_count
};

/// One tensor's fate.
struct TensorPlan {
  std::string name;
  DType from = DType::F32;
  DType to = DType::F32;
  /// Why `to` differs from the recipe's base type, when it does for a reason worth telling the
  /// user ("row of 896 values is not a multiple of Q4_K's 256: Q5_0"); empty otherwise.
  std::string note;
  bool fallback = false;  ///< `to` was chosen because the preferred type's blocks do not fit
};

struct PlanOptions {
  /// Every quantizable tensor gets the recipe's base type (llama-quantize --pure): no mix
  /// rules, no Q6_K output; shape fallbacks still apply.
  bool pure = false;
};

/// Chooses each tensor's type, llama.cpp's way:
/// - only tensors of 2+ dims whose name ends in "weight" are quantized, never norms
///   ("_norm.weight"), expert routers (ffn_gate_inp), position/patch embeddings or the other
///   tensors llama.cpp keeps as they are; the rest keep their type (norms and biases stay F32);
/// - output.weight (and token_embd.weight when the output is tied to it) becomes Q6_K unless the
///   base type is Q8_0, or Q8_0 when its rows do not fill the base type's blocks;
/// - Q4_K_M / Q5_K_M: attn_v and ffn_down at Q6_K where use_more_bits(i, n) holds (the first
///   and last eighth of the layers and every third layer between); Q4_K_S: attn_v of the first 4
///   layers and ffn_down of the first eighth at Q5_K; 8-expert models and 70B Llama get
///   llama.cpp's extra bumps;
/// - a row length that is not a multiple of the chosen type's block falls back: Q4_K → Q5_0,
///   Q5_K → Q5_1, Q6_K → Q8_0, then F16 (llama.cpp refuses the legacy types; braid uses F16).
/// mmproj files (architecture "clip") get the base type for every quantizable 2-D weight; their
/// convolution kernels, patch and position embeddings and norms keep their type.
/// Tensors are visited in llama.cpp's order (layer number, then name), which the counters of
/// the mix rules depend on; the result is in the input order.
std::vector<TensorPlan> plan_quantization(const std::vector<TensorDesc>& tensors,
                                          const ModelFacts& facts,
                                          const QuantRecipe& recipe,
                                          const PlanOptions& options = {});

/// llama.cpp's "use more bits" rule for layer `i` of `n`.
bool use_more_bits(int64_t i, int64_t n);

/// llama.cpp's tensor order: tensors outside blocks first, then by block number, each group by
/// name. Returns true when `a` goes before `b`.
bool llama_tensor_order_less(const std::string& a, const std::string& b);

}  // namespace braid::core
