// tiktoken rank files -> byte-level BPE vocabularies with derived merges.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "braid/text/vocab_import.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/unicode.h"

namespace braid::text {

using core::Result;
using core::Status;

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with optional '=' padding; false on any other character or a bad length.
bool decode_base64(std::string_view in, std::string* out) {
  out->clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = base64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace

TiktokenOptions llama3_tiktoken_options() {
  TiktokenOptions options;
  options.name = "llama3 tokenizer.model";
  options.pre = "llama-bpe";
  // meta-llama/llama-models models/llama3/tokenizer.py: these twelve, then reserved tokens up to
  // 256 specials in all, numbered from the first id after the ranks (128000).
  const char* named[] = {"<|begin_of_text|>",
                         "<|end_of_text|>",
                         "<|reserved_special_token_0|>",
                         "<|reserved_special_token_1|>",
                         "<|finetune_right_pad_id|>",
                         "<|step_id|>",
                         "<|start_header_id|>",
                         "<|end_header_id|>",
                         "<|eom_id|>",
                         "<|eot_id|>",
                         "<|python_tag|>",
                         "<|image|>"};
  constexpr int32_t kFirst = 128000;
  constexpr int kSpecials = 256;
  int32_t id = kFirst;
  for (const char* text : named) options.added_tokens.push_back({text, id++, TokenType::Control});
  for (int i = 2; id < kFirst + kSpecials; ++i) {
    options.added_tokens.push_back(
        {core::str_cat("<|reserved_special_token_", i, "|>"), id++, TokenType::Control});
  }
  options.bos_id = kFirst;      // <|begin_of_text|>
  options.eos_id = kFirst + 1;  // <|end_of_text|>
  options.pad_id = kFirst + 4;  // <|finetune_right_pad_id|>
  options.eom_id = kFirst + 8;  // <|eom_id|>
  options.eot_id = kFirst + 9;  // <|eot_id|>
  options.add_bos = true;
  return options;
}

TiktokenOptions qwen2_tiktoken_options() {
  TiktokenOptions options;
  options.name = "qwen.tiktoken";
  options.pre = "qwen2";
  options.added_tokens = {{"<|endoftext|>", 151643, TokenType::Control},
                          {"<|im_start|>", 151644, TokenType::Control},
                          {"<|im_end|>", 151645, TokenType::Control}};
  options.eos_id = 151643;
  options.pad_id = 151643;
  options.eot_id = 151645;
  return options;
}

Result<Vocab> vocab_from_tiktoken(std::string_view contents, const TiktokenOptions& options) {
  const std::string where = core::str_cat("[tokenizer] ", options.name, ": ");
  // 1. Ranks.
  std::vector<std::string> by_rank;
  std::vector<size_t> line_of_rank;
  size_t line_no = 0;
  std::string bytes;
  while (!contents.empty()) {
    ++line_no;
    const size_t eol = contents.find('\n');
    std::string_view line = contents.substr(0, eol);
    contents = eol == std::string_view::npos ? std::string_view() : contents.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return core::data_loss(where, "line ", line_no, ": expected '<base64> <rank>'");
    }
    if (!decode_base64(line.substr(0, space), &bytes) || bytes.empty()) {
      return core::data_loss(where, "line ", line_no, ": '", line.substr(0, space),
                             "' is not a non-empty base64 token");
    }
    const std::string_view rank_text = line.substr(space + 1);
    uint64_t rank = 0;
    if (rank_text.empty() || rank_text.size() > 9) {
      return core::data_loss(where, "line ", line_no, ": bad rank '", rank_text, "'");
    }
    for (char c : rank_text) {
      if (c < '0' || c > '9')
        return core::data_loss(where, "line ", line_no, ": bad rank '", rank_text, "'");
      rank = rank * 10 + static_cast<uint64_t>(c - '0');
    }
    if (rank >= by_rank.size()) {
      by_rank.resize(rank + 1);
      line_of_rank.resize(rank + 1, 0);
    }
    if (line_of_rank[rank] != 0) {
      return core::data_loss(where, "line ", line_no, ": rank ", rank, " already given on line ",
                             line_of_rank[rank]);
    }
    by_rank[rank] = bytes;
    line_of_rank[rank] = line_no;
  }
  if (by_rank.empty()) return core::data_loss(where, "no tokens");
  for (size_t rank = 0; rank < by_rank.size(); ++rank) {
    if (line_of_rank[rank] == 0) return core::data_loss(where, "rank ", rank, " is missing");
  }

  // 2. Merges: BPE over a token's bytes with only lower-ranked merges must end in two parts.
  // (A node map is fine here: this runs once per file.)
  std::unordered_map<std::string_view, int32_t> rank_of;
  rank_of.reserve(by_rank.size());
  for (size_t rank = 0; rank < by_rank.size(); ++rank) {
    if (!rank_of.emplace(std::string_view(by_rank[rank]), static_cast<int32_t>(rank)).second) {
      return core::data_loss(where, "line ", line_of_rank[rank], ": the token of rank ", rank,
                             " repeats rank ", rank_of[std::string_view(by_rank[rank])]);
    }
  }
  Vocab vocab;
  vocab.name = options.name;
  vocab.model = VocabModel::Bpe;
  vocab.pre = options.pre;
  // Every split of a token into two tokens is a merge, ranked by the token it makes (ties: by the
  // ranks of the left, then the right part). Merging adjacent pairs in this order is what tiktoken
  // does (lowest rank of the concatenation first); it is also how Hugging Face converts tiktoken
  // files (Llama 3's tokenizer.json has ~280k merges for 128k tokens). A single split per token
  // is not enough: 678 Llama 3 tokens are not reached by merging lower-ranked pairs.
  struct Split {
    int32_t left_rank;
    int32_t right_rank;
    uint32_t at;
  };
  std::vector<Split> splits;
  std::string merge;
  for (size_t rank = 0; rank < by_rank.size(); ++rank) {
    const std::string_view token = by_rank[rank];
    splits.clear();
    for (uint32_t at = 1; at < token.size(); ++at) {
      const auto left = rank_of.find(token.substr(0, at));
      if (left == rank_of.end()) continue;
      const auto right = rank_of.find(token.substr(at));
      if (right == rank_of.end()) continue;
      splits.push_back({left->second, right->second, at});
    }
    std::sort(splits.begin(), splits.end(), [](const Split& a, const Split& b) {
      return a.left_rank != b.left_rank ? a.left_rank < b.left_rank : a.right_rank < b.right_rank;
    });
    for (const Split& split : splits) {
      merge.clear();
      detail::append_byte_level(merge, token.substr(0, split.at));
      merge.push_back(' ');
      detail::append_byte_level(merge, token.substr(split.at));
      vocab.merges.push_back(merge);
    }
  }

  // 3. Pieces, then the added tokens (gaps filled with unused placeholders).
  vocab.tokens.reserve(by_rank.size() + options.added_tokens.size());
  for (const std::string& token : by_rank) {
    vocab.tokens.emplace_back();
    detail::append_byte_level(vocab.tokens.back(), token);
  }
  vocab.types.assign(vocab.tokens.size(), TokenType::Normal);
  for (const AddedToken& added : options.added_tokens) {
    if (added.id < 0 || static_cast<size_t>(added.id) < by_rank.size()) {
      return core::invalid_argument(where, "added token '", added.text, "' has id ", added.id,
                                    ", which is taken by the ranks (0..", by_rank.size() - 1, ")");
    }
    if (static_cast<size_t>(added.id) >= vocab.tokens.size()) {
      for (size_t id = vocab.tokens.size(); id <= static_cast<size_t>(added.id); ++id) {
        vocab.tokens.push_back(core::str_cat("[UNUSED_TOKEN_", id, "]"));
        vocab.types.push_back(TokenType::Unused);
      }
    } else if (vocab.types[added.id] != TokenType::Unused) {
      return core::invalid_argument(where, "added token '", added.text, "' reuses id ", added.id);
    }
    vocab.tokens[added.id] = added.text;
    vocab.types[added.id] = added.type;
  }
  vocab.bos_id = options.bos_id;
  vocab.eos_id = options.eos_id;
  vocab.eot_id = options.eot_id;
  vocab.eom_id = options.eom_id;
  vocab.pad_id = options.pad_id;
  vocab.add_bos = options.add_bos;
  vocab.add_eos = options.add_eos;
  return vocab;
}

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::io_error("[tokenizer] cannot open '", path.string(), "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return core::io_error("[tokenizer] cannot read '", path.string(), "'");
  return std::move(buffer).str();
}

}  // namespace braid::text
