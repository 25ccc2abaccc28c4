// The tensor-type rules of llama.cpp's src/llama-quant.cpp (llama_tensor_get_type_impl,
// tensor_allows_quantization, tensor_type_fallback), restated for the recipes braid writes.
#include "braid/core/quant_recipe.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

namespace braid::core {
namespace {

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The block number of "blk.N.…", or -1 (sscanf's "blk.%d." as llama.cpp reads it).
int64_t block_of(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  int64_t value = 0;
  size_t i = 4;
  bool digits = false;
  bool negative = false;
  if (i < name.size() && (name[i] == '-' || name[i] == '+')) negative = name[i++] == '-';
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) {
    value = value * 10 + (name[i++] - '0');
    digits = true;
    if (value > (int64_t{1} << 40)) break;
  }
  if (!digits) return -1;
  return negative ? -value : value;
}

enum class Category {
  TokenEmbd,
  AttnQ,
  AttnK,
  AttnV,  // attn_v, and the fused attn_qkv / attn_kv_b that llama.cpp treats like it
  AttnQkv,
  AttnOutput,
  FfnUp,
  FfnGate,
  FfnDown,
  Output,
  Other,
};

Category category_of(const std::string& name) {
  if (name == "output.weight") return Category::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") {
    return Category::TokenEmbd;
  }
  if (contains(name, "attn_qkv.weight")) return Category::AttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Category::AttnV;
  if (contains(name, "attn_v.weight")) return Category::AttnV;
  if (contains(name, "attn_k.weight")) return Category::AttnK;
  if (contains(name, "attn_q.weight")) return Category::AttnQ;
  if (contains(name, "attn_output.weight")) return Category::AttnOutput;
  if (contains(name, "ffn_up")) return Category::FfnUp;
  if (contains(name, "ffn_gate")) return Category::FfnGate;
  if (contains(name, "ffn_down")) return Category::FfnDown;
  return Category::Other;
}

bool is_attn_v_like(Category c) { return c == Category::AttnV || c == Category::AttnQkv; }

// Tensors llama.cpp quantizes at all: 2+ dims, a name ending in "weight", and none of the small
// or precision-sensitive tensors it keeps (norms, routers, position and patch embeddings...).
bool allows_quantization(const TensorDesc& t) {
  if (t.shape.size() < 2) return false;
  const std::string& n = t.name;
  if (!ends_with(n, "weight")) return false;
  static constexpr std::string_view kKept[] = {
      "_norm.weight",
      "ffn_gate_inp.weight",
      "ffn_gate_tid2eid.weight",
      "altup",
      "laurel",
      "per_layer_model_proj",
      "ssm_conv1d",
      "shortconv.conv.weight",
      "indexer.k_proj.weight",
      "indexer.q_proj.weight",
      "time_mix_first.weight",
      "time_mix_w0.weight",
      "time_mix_w1.weight",
      "time_mix_w2.weight",
      "time_mix_v0.weight",
      "time_mix_v1.weight",
      "time_mix_v2.weight",
      "time_mix_a0.weight",
      "time_mix_a1.weight",
      "time_mix_a2.weight",
      "time_mix_g1.weight",
      "time_mix_g2.weight",
      "time_mix_decay_w1.weight",
      "time_mix_decay_w2.weight",
      "time_mix_lerp_fused.weight",
      "attn_rel_b.weight",
      ".position_embd",
      "sam.pos_embd",
      "sam.neck.",
      "sam.net_",
      ".rel_pos",
      ".patch_embd",
      ".patch_merger",
      "a.rvq.codebook",
      "mm.a.code_embd",
  };
  for (std::string_view kept : kKept) {
    if (contains(n, kept)) return false;
  }
  // BERT's absolute position and token-type embeddings.
  if (n == "position_embd.weight" || n == "token_types.weight") return false;
  return true;
}

bool fits(DType type, int64_t row) { return row % dtype_info(type).block_size == 0; }

struct MixState {
  const ModelFacts& facts;
  const QuantRecipe& recipe;
  bool tied_embeddings = true;
  int64_t n_attention_wv = 0;
  int64_t i_attention_wv = 0;
  int64_t i_ffn_down = 0;
};

// llama_tensor_get_type_impl for the recipes braid offers (no IQ, Q2_K or Q3_K mixes).
DType mix_type(MixState& s, const TensorDesc& t, Category cat) {
  const uint32_t ft = s.recipe.file_type;
  constexpr uint32_t kQ4KS = 14, kQ4KM = 15, kQ5KM = 17;
  const DType base = s.recipe.base;
  DType type = base;
  const bool falcon = s.facts.architecture == "falcon";
  if (cat == Category::Output || (s.tied_embeddings && cat == Category::TokenEmbd)) {
    if (falcon || !fits(base, t.shape.back())) return DType::Q8_0;
    return base == DType::Q8_0 ? DType::Q8_0 : DType::Q6_K;
  }
  if (cat == Category::TokenEmbd) return type;
  if (is_attn_v_like(cat)) {
    // (llama.cpp's separate rule for a fused attn_qkv is never reached: the attn_v rule, which
    // covers it too, comes first. braid follows what llama.cpp does.)
    if ((ft == kQ4KM || ft == kQ5KM) && use_more_bits(s.i_attention_wv, s.n_attention_wv)) {
      type = DType::Q6_K;
    } else if (ft == kQ4KS && s.i_attention_wv < 4) {
      type = DType::Q5_K;
    }
    // Llama 2/3 70B: eight query heads share each V head, so V is small; more bits are cheap.
    const bool llama_70b = s.facts.architecture == "llama" && s.facts.n_layer == 80 &&
                           s.facts.n_head != s.facts.n_head_kv;
    if (llama_70b && type == DType::Q4_K) type = DType::Q5_K;
    if (s.facts.n_expert == 8) type = DType::Q8_0;
    ++s.i_attention_wv;
    return type;
  }
  if (cat == Category::AttnK) {
    return s.facts.n_expert == 8 ? DType::Q8_0 : type;
  }
  if (cat == Category::FfnDown) {
    int64_t i_layer = s.i_ffn_down;
    const int64_t n_layer = s.facts.n_layer;
    if (s.facts.n_expert > 1) {
      // Expert tensors are not in layer order in every file: the name says the layer.
      const int64_t named = block_of(t.name);
      if (named >= 0) i_layer = named;
    }
    if (ft == kQ4KM) {
      if (falcon) {
        type = i_layer < n_layer / 16            ? DType::Q6_K
               : use_more_bits(i_layer, n_layer) ? DType::Q5_K
                                                 : DType::Q4_K;
      } else if (use_more_bits(i_layer, n_layer)) {
        type = DType::Q6_K;
      }
    } else if (ft == kQ5KM && use_more_bits(i_layer, n_layer)) {
      type = DType::Q6_K;
    } else if (ft == kQ4KS && !falcon && i_layer < n_layer / 8) {
      type = DType::Q5_K;
    }
    ++s.i_ffn_down;
    return type;
  }
  if (cat == Category::AttnOutput && !falcon && s.facts.n_expert == 8 &&
      (ft == kQ4KS || ft == kQ4KM)) {
    return DType::Q5_K;
  }
  return type;
}

// tensor_type_fallback: a type whose blocks fit the row, with a note saying why.
DType fallback_for(DType wanted, int64_t row, std::string* note) {
  if (fits(wanted, row)) return wanted;
  DType next = DType::F16;
  switch (wanted) {
    case DType::Q4_K:
      next = DType::Q5_0;
      break;
    case DType::Q5_K:
      next = DType::Q5_1;
      break;
    case DType::Q6_K:
      next = DType::Q8_0;
      break;
    default:
      break;
  }
  if (!fits(next, row)) next = DType::F16;
  *note = str_cat("rows of ", row, " values are not a multiple of ", dtype_name(wanted), "'s ",
                  dtype_info(wanted).block_size, ": ", dtype_name(next), " instead");
  return next;
}

}  // namespace

const std::vector<QuantRecipe>& quant_recipes() {
  static const std::vector<QuantRecipe> recipes = {
      {"Q4_0", 2, DType::Q4_0, "4.5 bpw, legacy"},
      {"Q4_1", 3, DType::Q4_1, "5.0 bpw, legacy"},
      {"Q5_0", 8, DType::Q5_0, "5.5 bpw, legacy"},
      {"Q5_1", 9, DType::Q5_1, "6.0 bpw, legacy"},
      {"Q8_0", 7, DType::Q8_0, "8.5 bpw"},
      {"Q4_K_S", 14, DType::Q4_K, "Q4_K, a few early layers at Q5_K"},
      {"Q4_K_M", 15, DType::Q4_K, "Q4_K, half of attn_v/ffn_down at Q6_K (Q4_K is an alias)"},
      {"Q5_K_S", 16, DType::Q5_K, "Q5_K"},
      {"Q5_K_M", 17, DType::Q5_K, "Q5_K, half of attn_v/ffn_down at Q6_K (Q5_K is an alias)"},
      {"Q6_K", 18, DType::Q6_K, "6.56 bpw"},
      {"F16", 1, DType::F16, "no quantization"},
      {"BF16", 32, DType::BF16, "no quantization"},
      {"F32", 0, DType::F32, "no quantization"},
  };
  return recipes;
}

std::optional<QuantRecipe> find_quant_recipe(std::string_view name) {
  if (same_name(name, "Q4_K")) name = "Q4_K_M";
  if (same_name(name, "Q5_K")) name = "Q5_K_M";
  for (const auto& recipe : quant_recipes()) {
    if (same_name(recipe.name, name)) return recipe;
  }
  return std::nullopt;
}

bool use_more_bits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

bool llama_tensor_order_less(const std::string& a, const std::string& b) {
  const int64_t la = block_of(a);
  const int64_t lb = block_of(b);
  if (la != lb) return la < lb;
  return a < b;
}

std::vector<TensorPlan> plan_quantization(const std::vector<TensorDesc>& tensors,
                                          const ModelFacts& facts,
                                          const QuantRecipe& recipe,
                                          const PlanOptions& options) {
  MixState state{facts, recipe};
  for (const auto& t : tensors) {
    const Category cat = category_of(t.name);
    if (is_attn_v_like(cat)) ++state.n_attention_wv;
    if (cat == Category::Output) state.tied_embeddings = false;
  }
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return llama_tensor_order_less(tensors[a].name, tensors[b].name);
  });

  const bool quantized_base = dtype_info(recipe.base).quantized;
  const bool mixes = quantized_base && !options.pure && facts.architecture != "clip";
  std::vector<TensorPlan> plans(tensors.size());
  for (size_t index : order) {
    const TensorDesc& t = tensors[index];
    TensorPlan& plan = plans[index];
    plan.name = t.name;
    plan.from = t.dtype;
    plan.to = t.dtype;
    if (!allows_quantization(t)) continue;
    // Encoders (mmproj) quantize their 2-D matrices only; convolution kernels (3-D and 4-D)
    // keep their type, as llama.cpp's clip quantizer did.
    if (facts.architecture == "clip" && t.shape.size() != 2) continue;
    DType type = recipe.base;
    if (mixes) type = mix_type(state, t, category_of(t.name));
    if (quantized_base) {
      std::string note;
      const DType fitted = fallback_for(type, t.shape.back(), &note);
      if (fitted != type) {
        plan.fallback = true;
        plan.note = std::move(note);
      }
      type = fitted;
    }
    plan.to = type;
  }
  return plans;
}

}  // namespace braid::core
