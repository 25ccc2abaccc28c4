// The published hyperparameters of the text models braid generates stand-ins for (from each
// model's config.json).
#include "braid/core/synthetic_model.h"

namespace braid::core {

const std::vector<TextModelShape>& known_text_shapes() {
  static const std::vector<TextModelShape> shapes = [] {
    std::vector<TextModelShape> list;
    TextModelShape llama32_1b;
    llama32_1b.name = "llama-3.2-1b";
    llama32_1b.architecture = "llama";
    llama32_1b.tokenizer = "gpt2";
    llama32_1b.pre_tokenizer = "llama-bpe";
    llama32_1b.n_vocab = 128256;
    llama32_1b.n_embd = 2048;
    llama32_1b.n_layer = 16;
    llama32_1b.n_head = 32;
    llama32_1b.n_head_kv = 8;
    llama32_1b.n_ff = 8192;
    llama32_1b.n_ctx_train = 131072;
    llama32_1b.rope_freq_base = 500000.0f;
    llama32_1b.tied_output = true;
    llama32_1b.rope_scaling_factor = 32.0f;
    list.push_back(llama32_1b);

    TextModelShape llama32_3b = llama32_1b;
    llama32_3b.name = "llama-3.2-3b";
    llama32_3b.n_embd = 3072;
    llama32_3b.n_layer = 28;
    llama32_3b.n_head = 24;
    list.push_back(llama32_3b);

    TextModelShape llama31_8b = llama32_1b;
    llama31_8b.name = "llama-3.1-8b";
    llama31_8b.n_embd = 4096;
    llama31_8b.n_layer = 32;
    llama31_8b.n_head = 32;
    llama31_8b.n_ff = 14336;
    llama31_8b.tied_output = false;
    llama31_8b.rope_scaling_factor = 8.0f;
    list.push_back(llama31_8b);

    TextModelShape tinyllama;
    tinyllama.name = "tinyllama-1.1b";
    tinyllama.architecture = "llama";
    tinyllama.tokenizer = "llama";
    tinyllama.n_vocab = 32000;
    tinyllama.n_embd = 2048;
    tinyllama.n_layer = 22;
    tinyllama.n_head = 32;
    tinyllama.n_head_kv = 4;
    tinyllama.n_ff = 5632;
    tinyllama.n_ctx_train = 2048;
    list.push_back(tinyllama);

    TextModelShape qwen;
    qwen.name = "qwen2.5-0.5b";
    qwen.architecture = "qwen2";
    qwen.tokenizer = "gpt2";
    qwen.pre_tokenizer = "qwen2";
    qwen.n_vocab = 151936;
    qwen.n_embd = 896;
    qwen.n_layer = 24;
    qwen.n_head = 14;
    qwen.n_head_kv = 2;
    qwen.n_ff = 4864;
    qwen.n_ctx_train = 32768;
    qwen.rope_freq_base = 1000000.0f;
    qwen.rms_norm_eps = 1e-6f;
    qwen.tied_output = true;
    qwen.qkv_bias = true;
    list.push_back(qwen);
    return list;
  }();
  return shapes;
}

Result<TextModelShape> find_text_shape(const std::string& name) {
  std::string known;
  for (const auto& shape : known_text_shapes()) {
    if (shape.name == name) return shape;
    known += (known.empty() ? "" : ", ") + shape.name;
  }
  return not_found("[make-model] unknown architecture '", name, "'; known: ", known);
}

TextModelShape tiny_variant(const TextModelShape& shape) {
  TextModelShape tiny = shape;
  tiny.name = shape.name + "-tiny";
  const int64_t group = shape.n_head / shape.n_head_kv;  // keep the GQA ratio
  tiny.n_vocab = 1024;
  tiny.n_embd = 256;
  tiny.n_layer = 2;
  tiny.n_head_kv = group >= 4 ? 1 : 2;
  tiny.n_head = tiny.n_head_kv * group;
  while (tiny.n_embd % tiny.n_head != 0) --tiny.n_head;  // keep head_dim whole
  tiny.n_ff = 512;
  tiny.n_ctx_train = 2048;
  return tiny;
}

}  // namespace braid::core
