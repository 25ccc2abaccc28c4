// Where each weight of a family lives in a source file: GGUF names (llama.cpp's converter) or
// Hugging Face names (transformers' state dict). The graph always uses the GGUF names.
#pragma once

#include <cstdint>
#include <string>

#include "braid/model/model_config.h"

namespace braid::model {

struct TensorNames {
  std::string token_embd, output_norm, output, rope_freqs;
};

struct LayerNames {
  std::string attn_norm, wq, wk, wv, wo, bq, bk, bv, bo, ffn_norm, w_gate, w_up, w_down;
};

/// Names of the whole-model tensors in a GGUF file (`gguf`) or an HF folder.
TensorNames tensor_names(ModelFamily family, bool gguf);
/// Names of layer `layer`'s tensors.
LayerNames layer_names(ModelFamily family, bool gguf, int64_t layer);

}  // namespace braid::model
