// The tensor names of the families the decoder runs. Llama (with Mistral, SmolLM2, TinyLlama)
// and Qwen2 share one naming scheme in both formats; Qwen2 adds the Q/K/V biases, which
// ModelConfig::qkv_bias asks for; Llama with attention_bias has those and an output bias.
#include "model_family.h"

#include "braid/core/status.h"

namespace braid::model {

TensorNames tensor_names(ModelFamily /*family*/, bool gguf) {
  if (gguf)
    return {"token_embd.weight", "output_norm.weight", "output.weight", "rope_freqs.weight"};
  return {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight", ""};
}

LayerNames layer_names(ModelFamily /*family*/, bool gguf, int64_t layer) {
  if (gguf) {
    const std::string b = core::str_cat("blk.", layer, ".");
    return {b + "attn_norm.weight", b + "attn_q.weight",      b + "attn_k.weight",
            b + "attn_v.weight",    b + "attn_output.weight", b + "attn_q.bias",
            b + "attn_k.bias",      b + "attn_v.bias",        b + "attn_output.bias",
            b + "ffn_norm.weight",  b + "ffn_gate.weight",    b + "ffn_up.weight",
            b + "ffn_down.weight"};
  }
  const std::string b = core::str_cat("model.layers.", layer, ".");
  return {b + "input_layernorm.weight",  b + "self_attn.q_proj.weight",
          b + "self_attn.k_proj.weight", b + "self_attn.v_proj.weight",
          b + "self_attn.o_proj.weight", b + "self_attn.q_proj.bias",
          b + "self_attn.k_proj.bias",   b + "self_attn.v_proj.bias",
          b + "self_attn.o_proj.bias",   b + "post_attention_layernorm.weight",
          b + "mlp.gate_proj.weight",    b + "mlp.up_proj.weight",
          b + "mlp.down_proj.weight"};
}

}  // namespace braid::model
