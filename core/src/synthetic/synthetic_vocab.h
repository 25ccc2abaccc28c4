// Vocabularies for random-weight models: valid for their tokenizer kind (every byte encodable,
// merges that name existing tokens), padded with control tokens to the architecture's size.
#pragma once

#include "braid/core/gguf_writer.h"
#include "braid/core/synthetic_model.h"

namespace braid::core {

/// Adds tokenizer.ggml.* and tokenizer.chat_template for `shape` to `writer`.
Status add_synthetic_vocab(GgufWriter& writer, const TextModelShape& shape);

}  // namespace braid::core
