#include "braid/core/gguf_writer.h"
#include "braid/text/vocab.h"

namespace braid::text {

void add_vocab_to_gguf(core::GgufWriter& writer, const Vocab& vocab) {
  using core::GgufValue;
  writer.set("tokenizer.ggml.model", GgufValue{std::string(vocab_model_name(vocab.model))});
  if (vocab.model == VocabModel::Bpe) {
    writer.set("tokenizer.ggml.pre",
               GgufValue{vocab.pre.empty() ? std::string("default") : vocab.pre});
  }
  writer.set("tokenizer.ggml.tokens", core::gguf_array(vocab.tokens));
  if (!vocab.scores.empty()) writer.set("tokenizer.ggml.scores", core::gguf_array(vocab.scores));
  if (!vocab.types.empty()) {
    std::vector<int32_t> types;
    types.reserve(vocab.types.size());
    for (auto type : vocab.types) types.push_back(static_cast<int32_t>(type));
    writer.set("tokenizer.ggml.token_type", core::gguf_array(types));
  }
  if (!vocab.merges.empty()) writer.set("tokenizer.ggml.merges", core::gguf_array(vocab.merges));
  const std::pair<const char*, int32_t> ids[] = {
      {"tokenizer.ggml.bos_token_id", vocab.bos_id},
      {"tokenizer.ggml.eos_token_id", vocab.eos_id},
      {"tokenizer.ggml.eot_token_id", vocab.eot_id},
      {"tokenizer.ggml.eom_token_id", vocab.eom_id},
      {"tokenizer.ggml.unknown_token_id", vocab.unk_id},
      {"tokenizer.ggml.padding_token_id", vocab.pad_id},
  };
  for (const auto& [key, id] : ids) {
    if (id != kNoToken) writer.set(key, GgufValue{static_cast<uint32_t>(id)});
  }
  writer.set("tokenizer.ggml.add_bos_token", GgufValue{vocab.add_bos});
  writer.set("tokenizer.ggml.add_eos_token", GgufValue{vocab.add_eos});
  if (vocab.model == VocabModel::Spm) {
    writer.set("tokenizer.ggml.add_space_prefix", GgufValue{vocab.add_space_prefix});
  }
}

}  // namespace braid::text
