#include "braid/text/vocab.h"

#include <array>
#include <optional>
#include <utility>

#include "tokenizer/pre_tokenizer.h"

namespace braid::text {

using core::GgufFile;
using core::Result;
using core::Status;

std::string_view token_type_name(TokenType type) {
  switch (type) {
    case TokenType::Undefined:
      return "undefined";
    case TokenType::Normal:
      return "normal";
    case TokenType::Unknown:
      return "unknown";
    case TokenType::Control:
      return "control";
    case TokenType::UserDefined:
      return "user-defined";
    case TokenType::Unused:
      return "unused";
    case TokenType::Byte:
      return "byte";
  }
  return "invalid";
}

std::string_view vocab_model_name(VocabModel model) {
  return model == VocabModel::Spm ? "llama" : "gpt2";
}

namespace {

constexpr int64_t kUnsetId = 0xFFFFFFFF;  // converters write u32 -1 for "no such token"

// Reads an optional token id key. Absent, u32 -1 and i32 -1 mean "none".
Result<std::optional<int32_t>> read_id(const GgufFile& file, std::string_view key, size_t n) {
  BRAID_ASSIGN_OR_RETURN(std::optional<int64_t> value, file.get_optional<int64_t>(key));
  if (!value || *value == kUnsetId || *value == -1) return std::optional<int32_t>{};
  if (*value < 0 || static_cast<uint64_t>(*value) >= n) {
    return core::out_of_range(file.key_context(key), ": token id ", *value,
                              " is outside the vocabulary of ", n, " tokens");
  }
  return std::optional<int32_t>{static_cast<int32_t>(*value)};
}

// llama.cpp finds the end-of-turn and end-of-message tokens by their text when the file does
// not name them. Earlier entries win here (llama.cpp takes whichever its hash map yields first).
constexpr std::array<std::string_view, 10> kEotTexts = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<EOT>",
    "_<EOT>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "<end_of_utterance>"};

int32_t find_text(const std::vector<std::string>& tokens, std::string_view text) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == text) return static_cast<int32_t>(i);
  }
  return kNoToken;
}

}  // namespace

Result<Vocab> vocab_from_gguf(const GgufFile& file) {
  Vocab vocab;
  vocab.name = file.name();
  BRAID_ASSIGN_OR_RETURN(std::string model, file.get<std::string>("tokenizer.ggml.model"));
  if (model == "llama") {
    vocab.model = VocabModel::Spm;
  } else if (model == "gpt2") {
    vocab.model = VocabModel::Bpe;
  } else {
    return core::not_supported(file.key_context("tokenizer.ggml.model"), ": tokenizer model '",
                               model, "' is not supported (braid handles 'llama' and 'gpt2')");
  }
  BRAID_ASSIGN_OR_RETURN(std::optional<std::string> pre,
                         file.get_optional<std::string>("tokenizer.ggml.pre"));
  if (vocab.model == VocabModel::Bpe) vocab.pre = pre.value_or("default");

  BRAID_ASSIGN_OR_RETURN(vocab.tokens, file.get<std::vector<std::string>>("tokenizer.ggml.tokens"));
  const size_t n = vocab.tokens.size();

  // Scores are f32 arrays; llama.cpp also accepts i32.
  if (const core::GgufValue* scores = file.find("tokenizer.ggml.scores")) {
    const auto* array = std::get_if<core::GgufArray>(&scores->data);
    if (array && array->element_type == core::GgufValueType::I32) {
      BRAID_ASSIGN_OR_RETURN(auto ints, file.get<std::vector<int32_t>>("tokenizer.ggml.scores"));
      vocab.scores.assign(ints.begin(), ints.end());
    } else {
      BRAID_ASSIGN_OR_RETURN(vocab.scores, file.get<std::vector<float>>("tokenizer.ggml.scores"));
    }
  }
  BRAID_ASSIGN_OR_RETURN(std::optional<std::vector<int32_t>> types,
                         file.get_optional<std::vector<int32_t>>("tokenizer.ggml.token_type"));
  if (types) {
    vocab.types.reserve(types->size());
    for (int32_t t : *types) vocab.types.push_back(static_cast<TokenType>(t));
  }
  BRAID_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> merges,
                         file.get_optional<std::vector<std::string>>("tokenizer.ggml.merges"));
  if (merges) vocab.merges = std::move(*merges);
  if (vocab.model == VocabModel::Bpe && !merges) {
    return core::not_found(file.key_context("tokenizer.ggml.merges"),
                           " is missing (a gpt2 vocabulary needs its merges)");
  }

  // Defaults first (llama.cpp's), then whatever the file says.
  if (vocab.model == VocabModel::Spm) {
    const auto in_range = [&](int32_t id) { return static_cast<size_t>(id) < n ? id : kNoToken; };
    vocab.bos_id = in_range(1);
    vocab.eos_id = in_range(2);
    vocab.unk_id = in_range(0);
    vocab.add_bos = true;
    vocab.add_space_prefix = true;
  } else {
    BRAID_ASSIGN_OR_RETURN(detail::PreTokenizerInfo info, detail::find_pre_tokenizer(vocab.pre));
    vocab.add_bos = info.add_bos;
  }
  const std::pair<std::string_view, int32_t*> id_keys[] = {
      {"tokenizer.ggml.bos_token_id", &vocab.bos_id},
      {"tokenizer.ggml.eos_token_id", &vocab.eos_id},
      {"tokenizer.ggml.eot_token_id", &vocab.eot_id},
      {"tokenizer.ggml.eom_token_id", &vocab.eom_id},
      {"tokenizer.ggml.unknown_token_id", &vocab.unk_id},
      {"tokenizer.ggml.padding_token_id", &vocab.pad_id},
  };
  for (const auto& [key, id] : id_keys) {
    if (!file.contains(key)) continue;
    BRAID_ASSIGN_OR_RETURN(std::optional<int32_t> value, read_id(file, key, n));
    *id = value.value_or(kNoToken);
  }
  const std::pair<std::string_view, bool*> flag_keys[] = {
      {"tokenizer.ggml.add_bos_token", &vocab.add_bos},
      {"tokenizer.ggml.add_eos_token", &vocab.add_eos},
      {"tokenizer.ggml.add_space_prefix", &vocab.add_space_prefix},
  };
  for (const auto& [key, flag] : flag_keys) {
    BRAID_ASSIGN_OR_RETURN(std::optional<bool> value, file.get_optional<bool>(key));
    if (value) *flag = *value;
  }
  if (vocab.eot_id == kNoToken) {
    for (std::string_view text : kEotTexts) {
      vocab.eot_id = find_text(vocab.tokens, text);
      if (vocab.eot_id != kNoToken) break;
    }
  }
  if (vocab.eom_id == kNoToken) vocab.eom_id = find_text(vocab.tokens, "<|eom_id|>");
  return vocab;
}

}  // namespace braid::text
