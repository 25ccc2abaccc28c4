#include "synthetic_vocab.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace braid::core {
namespace {

// Token types as GGUF numbers them.
constexpr int32_t kNormal = 1;
constexpr int32_t kUnknown = 2;
constexpr int32_t kControl = 3;
constexpr int32_t kByte = 6;

// Common English words: enough merges that ordinary text does not fall apart into bytes.
const char* const kWords[] = {
    "the",     "and",    "that",     "have",     "for",    "not",   "with",  "you",     "this",
    "but",     "his",    "from",     "they",     "say",    "her",   "she",   "will",    "one",
    "all",     "would",  "there",    "their",    "what",   "out",   "about", "who",     "get",
    "which",   "when",   "make",     "can",      "like",   "time",  "just",  "him",     "know",
    "take",    "people", "into",     "year",     "your",   "good",  "some",  "could",   "them",
    "see",     "other",  "than",     "then",     "now",    "look",  "only",  "come",    "its",
    "over",    "think",  "also",     "back",     "after",  "use",   "two",   "how",     "our",
    "work",    "first",  "well",     "way",      "even",   "new",   "want",  "because", "any",
    "these",   "give",   "day",      "most",     "image",  "audio", "what",  "is",      "in",
    "picture", "sound",  "describe", "question", "answer", "hello", "world",
};

// GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest are shifted to
// code points from U+0100 so every byte has a visible, non-space symbol.
std::string byte_symbol(int byte) {
  const bool printable = (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
                         (byte >= 0xAE && byte <= 0xFF);
  int code_point = byte;
  if (!printable) {
    int shift = 0;
    for (int b = 0; b < byte; ++b) {
      const bool p =
          (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      if (!p) ++shift;
    }
    code_point = 256 + shift;
  }
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  std::set<std::string> known;

  void add(const std::string& piece, float score, int32_t type) {
    if (!known.insert(piece).second) return;
    tokens.push_back(piece);
    scores.push_back(score);
    types.push_back(type);
  }
};

// Byte-level BPE: 256 byte symbols, words built by left-to-right merges ("Ġ" marks a leading
// space in GPT-2's alphabet), then control tokens.
Vocab byte_level_vocab() {
  Vocab v;
  for (int b = 0; b < 256; ++b) v.add(byte_symbol(b), 0.0f, kNormal);
  const std::string space = byte_symbol(' ');
  for (const char* word : kWords) {
    for (const std::string& form : {std::string(word), space + word}) {
      // Split into symbols (the space symbol is two bytes of UTF-8).
      std::vector<std::string> symbols;
      size_t i = 0;
      if (form.rfind(space, 0) == 0) {
        symbols.push_back(space);
        i = space.size();
      }
      for (; i < form.size(); ++i) symbols.emplace_back(1, form[i]);
      std::string left = symbols[0];
      for (size_t s = 1; s < symbols.size(); ++s) {
        const std::string merged = left + symbols[s];
        if (!v.known.count(merged)) {
          v.merges.push_back(left + " " + symbols[s]);
          v.add(merged, 0.0f, kNormal);
        }
        left = merged;
      }
    }
  }
  return v;
}

// SentencePiece BPE: <unk>, <s>, </s>, the 256 byte-fallback pieces, then characters and words
// with "▁" for a space, scored so longer pieces win.
Vocab sentencepiece_vocab() {
  Vocab v;
  v.add("<unk>", 0.0f, kUnknown);
  v.add("<s>", 0.0f, kControl);
  v.add("</s>", 0.0f, kControl);
  for (int b = 0; b < 256; ++b) {
    char piece[8];
    std::snprintf(piece, sizeof(piece), "<0x%02X>", b);
    v.add(piece, 0.0f, kByte);
  }
  float score = -1.0f;
  v.add("\xE2\x96\x81", score, kNormal);  // "▁"
  for (char c = 0x21; c < 0x7F; ++c) v.add(std::string(1, c), score -= 0.01f, kNormal);
  for (const char* word : kWords) {
    const std::string w(word);
    for (size_t n = 2; n <= w.size(); ++n) v.add(w.substr(0, n), score -= 0.01f, kNormal);
    v.add("\xE2\x96\x81" + w, score -= 0.01f, kNormal);
  }
  return v;
}

// A ChatML-style template: simple, and uses only control tokens this vocabulary has.
constexpr const char* kChatTemplate =
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

Status add_synthetic_vocab(GgufWriter& writer, const TextModelShape& shape) {
  const bool byte_level = shape.tokenizer == "gpt2";
  if (!byte_level && shape.tokenizer != "llama") {
    return not_supported("[make-model] no synthetic vocabulary for tokenizer '", shape.tokenizer,
                         "'");
  }
  Vocab v = byte_level ? byte_level_vocab() : sentencepiece_vocab();
  const int64_t im_start = static_cast<int64_t>(v.tokens.size());
  v.add("<|im_start|>", 0.0f, kControl);
  v.add("<|im_end|>", 0.0f, kControl);
  if (byte_level) v.add("<|endoftext|>", 0.0f, kControl);
  if (static_cast<int64_t>(v.tokens.size()) > shape.n_vocab) {
    return invalid_argument("[make-model] vocabulary of ", shape.n_vocab, " is too small for the ",
                            v.tokens.size(), " base tokens");
  }
  for (int64_t i = 0; static_cast<int64_t>(v.tokens.size()) < shape.n_vocab; ++i) {
    v.add("<|reserved_" + std::to_string(i) + "|>", 0.0f, kControl);
  }
  writer.set("tokenizer.ggml.model", GgufValue{shape.tokenizer});
  if (byte_level) writer.set("tokenizer.ggml.pre", GgufValue{shape.pre_tokenizer});
  writer.set("tokenizer.ggml.tokens", gguf_array(v.tokens));
  if (!byte_level) writer.set("tokenizer.ggml.scores", gguf_array(v.scores));
  writer.set("tokenizer.ggml.token_type", gguf_array(v.types));
  if (byte_level) writer.set("tokenizer.ggml.merges", gguf_array(v.merges));
  const auto im_end = static_cast<uint32_t>(im_start + 1);
  if (byte_level) {
    writer.set("tokenizer.ggml.bos_token_id", GgufValue{static_cast<uint32_t>(im_start + 2)});
    writer.set("tokenizer.ggml.eos_token_id", GgufValue{im_end});
  } else {
    writer.set("tokenizer.ggml.unknown_token_id", GgufValue{uint32_t{0}});
    writer.set("tokenizer.ggml.bos_token_id", GgufValue{uint32_t{1}});
    writer.set("tokenizer.ggml.eos_token_id", GgufValue{uint32_t{2}});
  }
  writer.set("tokenizer.ggml.eot_token_id", GgufValue{im_end});
  writer.set("tokenizer.ggml.add_bos_token", GgufValue{true});
  writer.set("tokenizer.chat_template", GgufValue{std::string(kChatTemplate)});
  return Status::ok();
}

}  // namespace braid::core
