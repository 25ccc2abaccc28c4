#include "braid/text/tokenizer.h"

#include <algorithm>
#include <utility>

#include "tokenizer/tokenizer_data.h"
#include "tokenizer/unicode.h"

namespace braid::text {

using core::Result;
using core::Status;

struct Tokenizer::Impl : detail::TokenizerData {};

namespace {

constexpr std::string_view kSpaceEscape = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string prefix(const Vocab& vocab) { return core::str_cat("[tokenizer] ", vocab.name, ": "); }

Status check_id(const Vocab& vocab, int32_t id, std::string_view key) {
  if (id == kNoToken || (id >= 0 && static_cast<size_t>(id) < vocab.tokens.size())) {
    return Status::ok();
  }
  return core::invalid_argument(prefix(vocab), key, " = ", id, " is outside the vocabulary of ",
                                vocab.tokens.size(), " tokens");
}

// The byte <0xXX> stands for, or -1 if `piece` is not of that form.
int byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else {
      return -1;
    }
  }
  return value;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, pos)) {
    out.append(s, pos, at - pos);
    out.append(to);
    pos = at + from.size();
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

// What token_to_piece returns for `id` when specials are rendered (llama.cpp's token_to_piece).
std::string render_piece(const Vocab& vocab, int32_t id) {
  const std::string& text = vocab.tokens[id];
  switch (vocab.types[id]) {
    case TokenType::Control:
    case TokenType::Unknown:
    case TokenType::UserDefined:
      return text;
    case TokenType::Normal: {
      std::string piece;
      if (vocab.model == VocabModel::Spm) {
        piece = text;
        replace_all(piece, kSpaceEscape, " ");
      } else {
        detail::byte_level_decode(text, piece);
      }
      return piece;
    }
    case TokenType::Byte: {
      const int value = byte_piece_value(text);
      return value >= 0 ? std::string(1, static_cast<char>(value)) : text;
    }
    case TokenType::Unused:
    case TokenType::Undefined:
      return {};
  }
  return {};
}

Status validate_and_fill(Vocab& vocab) {
  const size_t n = vocab.tokens.size();
  if (n == 0) return core::invalid_argument(prefix(vocab), "tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(INT32_MAX)) {
    return core::invalid_argument(prefix(vocab), "tokenizer.ggml.tokens has too many entries");
  }
  if (!vocab.scores.empty() && vocab.scores.size() != n) {
    return core::invalid_argument(prefix(vocab), "tokenizer.ggml.scores has ", vocab.scores.size(),
                                  " entries but tokenizer.ggml.tokens has ", n);
  }
  if (!vocab.types.empty() && vocab.types.size() != n) {
    return core::invalid_argument(prefix(vocab), "tokenizer.ggml.token_type has ",
                                  vocab.types.size(), " entries but tokenizer.ggml.tokens has ", n);
  }
  if (vocab.scores.empty()) vocab.scores.assign(n, 0.0f);
  if (vocab.types.empty()) vocab.types.assign(n, TokenType::Normal);
  for (size_t i = 0; i < n; ++i) {
    const auto type = static_cast<int32_t>(vocab.types[i]);
    if (type < 0 || type > static_cast<int32_t>(TokenType::Byte)) {
      return core::invalid_argument(prefix(vocab), "tokenizer.ggml.token_type[", i, "] = ", type,
                                    " is not a token type (0..6)");
    }
    // llama.cpp names empty pieces this way; they cannot be matched in text anyway.
    if (vocab.tokens[i].empty()) vocab.tokens[i] = core::str_cat("[EMPTY_", i, "]");
  }
  BRAID_TRY(check_id(vocab, vocab.bos_id, "tokenizer.ggml.bos_token_id"));
  BRAID_TRY(check_id(vocab, vocab.eos_id, "tokenizer.ggml.eos_token_id"));
  BRAID_TRY(check_id(vocab, vocab.eot_id, "tokenizer.ggml.eot_token_id"));
  BRAID_TRY(check_id(vocab, vocab.eom_id, "tokenizer.ggml.eom_token_id"));
  BRAID_TRY(check_id(vocab, vocab.unk_id, "tokenizer.ggml.unknown_token_id"));
  BRAID_TRY(check_id(vocab, vocab.pad_id, "tokenizer.ggml.padding_token_id"));
  if (vocab.add_bos && vocab.bos_id == kNoToken) {
    return core::invalid_argument(prefix(vocab),
                                  "tokenizer.ggml.add_bos_token is true but there is no "
                                  "tokenizer.ggml.bos_token_id");
  }
  if (vocab.add_eos && vocab.eos_id == kNoToken) {
    return core::invalid_argument(prefix(vocab),
                                  "tokenizer.ggml.add_eos_token is true but there is no "
                                  "tokenizer.ggml.eos_token_id");
  }
  if (vocab.model == VocabModel::Spm && !vocab.merges.empty()) {
    return core::not_supported(prefix(vocab), "an SPM (llama) vocabulary with ",
                               "tokenizer.ggml.merges is not supported");
  }
  return Status::ok();
}

Status build_bpe_tables(detail::TokenizerData& data) {
  const Vocab& vocab = data.vocab;
  for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const std::string& merge = vocab.merges[rank];
    // Split at the first space after the first character, as llama.cpp does.
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string::npos;
    if (space == std::string::npos) {
      return core::invalid_argument(prefix(vocab), "tokenizer.ggml.merges[", rank, "] = '", merge,
                                    "' is not of the form 'left right'");
    }
    const std::string_view left(merge.data(), space);
    const std::string_view right = std::string_view(merge).substr(space + 1);
    const auto find = [&](std::string_view piece) { return data.find_piece(piece); };
    const int32_t left_id = find(left);
    const int32_t right_id = find(right);
    if (left_id == kNoToken || right_id == kNoToken) {
      return core::invalid_argument(prefix(vocab), "tokenizer.ggml.merges[", rank, "] = '", merge,
                                    "': '", left_id == kNoToken ? left : right,
                                    "' is not a token of the vocabulary");
    }
    const int32_t result = find(std::string(left) + std::string(right));
    if (result == kNoToken) {
      return core::invalid_argument(prefix(vocab), "tokenizer.ggml.merges[", rank, "] = '", merge,
                                    "': the merged piece '", left, right,
                                    "' is not a token of the vocabulary");
    }
    // A repeated pair keeps its first (lowest) rank, as llama.cpp's map keeps the first.
    data.merges.insert(left_id, right_id, detail::BpeMerge{static_cast<int32_t>(rank), result});
  }
  const auto& tables = detail::byte_level_tables();
  for (int b = 0; b < 256; ++b) {
    data.byte_tokens[b] = data.find_piece(tables.byte_to_utf8[b]);
  }
  return Status::ok();
}

}  // namespace

Result<Tokenizer> Tokenizer::create(Vocab vocab) {
  BRAID_TRY(validate_and_fill(vocab));
  auto impl = std::make_unique<Impl>();
  impl->vocab = std::move(vocab);
  const Vocab& v = impl->vocab;
  const int32_t n = static_cast<int32_t>(v.tokens.size());

  impl->piece_index.reserve(n);
  for (int32_t id = 0; id < n; ++id) {
    const int32_t earlier = impl->piece_index.insert(v.tokens, id);
    if (earlier != kNoToken) {
      return core::invalid_argument(prefix(v), "tokenizer.ggml.tokens[", id, "] = '", v.tokens[id],
                                    "' duplicates tokenizer.ggml.tokens[", earlier, "]");
    }
  }

  impl->byte_tokens.fill(kNoToken);
  if (v.model == VocabModel::Bpe) {
    BRAID_ASSIGN_OR_RETURN(detail::PreTokenizer pre, detail::PreTokenizer::create(v.pre));
    impl->pre_name = std::string(pre.info().name);
    impl->pre.emplace(std::move(pre));
    BRAID_TRY(build_bpe_tables(*impl));
  } else {
    impl->spm_split_before_spaces = true;
    for (int32_t id = 0; id < n; ++id) {
      const int value = byte_piece_value(v.tokens[id]);
      if (v.types[id] == TokenType::Byte && value >= 0) impl->byte_tokens[value] = id;
      if (v.types[id] == TokenType::Normal || v.types[id] == TokenType::UserDefined) {
        const std::string_view piece = v.tokens[id];
        for (size_t at = piece.find(kSpaceEscape, 1); at != std::string_view::npos;
             at = piece.find(kSpaceEscape, at + 1)) {
          if (at < kSpaceEscape.size() ||
              piece.substr(at - kSpaceEscape.size(), kSpaceEscape.size()) != kSpaceEscape) {
            impl->spm_split_before_spaces = false;
          }
        }
      }
    }
  }

  impl->pieces.resize(n);
  impl->special_piece.resize(n);
  for (int32_t id = 0; id < n; ++id) {
    impl->pieces[id] = render_piece(v, id);
    const TokenType type = v.types[id];
    impl->special_piece[id] = type == TokenType::Control || type == TokenType::Unknown;
    if (type == TokenType::Control || type == TokenType::Unknown ||
        type == TokenType::UserDefined) {
      impl->specials.push_back(id);
    }
  }
  std::stable_sort(impl->specials.begin(), impl->specials.end(),
                   [&](int32_t a, int32_t b) { return v.tokens[a].size() > v.tokens[b].size(); });
  return Tokenizer(std::move(impl));
}

Result<Tokenizer> Tokenizer::from_gguf(const core::GgufFile& file) {
  BRAID_ASSIGN_OR_RETURN(Vocab vocab, vocab_from_gguf(file));
  return create(std::move(vocab));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text,
                                               bool add_special,
                                               bool parse_special) const {
  EncodeOptions options;
  options.add_special = add_special;
  options.parse_special = parse_special;
  return encode(text, options);
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text,
                                               const EncodeOptions& options) const {
  const detail::TokenizerData& data = *impl_;
  const Vocab& v = data.vocab;
  std::string replaced;
  const size_t bad = detail::find_invalid_utf8(text);
  if (bad != std::string_view::npos) {
    if (options.invalid_utf8 == InvalidUtf8::Error) {
      return core::invalid_argument(prefix(v), "input text is not valid UTF-8 at byte offset ",
                                    bad);
    }
    replaced = detail::replace_invalid_utf8(text);
    text = replaced;
  }

  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (options.add_special && v.add_bos) out.push_back(v.bos_id);
  const std::vector<detail::Fragment> fragments =
      detail::split_special(data, text, options.parse_special);

  if (v.model == VocabModel::Spm) {
    // The dummy prefix goes before the first text and before text that follows a special token
    // (llama.cpp's is_prev_special), then spaces become U+2581.
    bool prev_special = true;
    std::string escaped;
    detail::SpmScratch scratch;
    for (const detail::Fragment& fragment : fragments) {
      if (fragment.token != kNoToken) {
        out.push_back(fragment.token);
        prev_special = true;
        continue;
      }
      escaped.clear();
      if (v.add_space_prefix && prev_special) escaped += kSpaceEscape;
      for (char c : fragment.text) {
        if (c == ' ') {
          escaped += kSpaceEscape;
        } else {
          escaped.push_back(c);
        }
      }
      BRAID_TRY(detail::spm_encode(data, escaped, scratch, &out));
      prev_special = false;
    }
  } else {
    detail::BpeScratch scratch;
    for (const detail::Fragment& fragment : fragments) {
      if (fragment.token != kNoToken) {
        out.push_back(fragment.token);
      } else {
        detail::bpe_encode(data, fragment.text, scratch, &out);
      }
    }
  }
  if (options.add_special && v.add_eos) out.push_back(v.eos_id);
  return out;
}

Result<std::string_view> Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  if (id < 0 || id >= size()) {
    return core::out_of_range(prefix(impl_->vocab), "token id ", id, " is outside [0, ", size(),
                              ")");
  }
  if (impl_->special_piece[id] && !render_special) return std::string_view();
  return std::string_view(impl_->pieces[id]);
}

Result<std::string> Tokenizer::decode(std::span<const int32_t> ids,
                                      const DecodeOptions& options) const {
  std::string out;
  bool strip = options.strip_space_prefix && impl_->vocab.add_space_prefix;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto piece = token_to_piece(ids[i], options.render_special);
    if (!piece.ok()) return piece.status().with_context(core::str_cat("decode: ids[", i, "]"));
    std::string_view text = *piece;
    if (text.empty()) continue;
    if (strip && text.front() == ' ') text.remove_prefix(1);
    strip = false;
    out.append(text);
  }
  return out;
}

const std::string& Tokenizer::name() const { return impl_->vocab.name; }
VocabModel Tokenizer::model() const { return impl_->vocab.model; }
const std::string& Tokenizer::pre() const { return impl_->pre_name; }
int32_t Tokenizer::size() const { return static_cast<int32_t>(impl_->vocab.tokens.size()); }
int32_t Tokenizer::bos_id() const { return impl_->vocab.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->vocab.eos_id; }
int32_t Tokenizer::eot_id() const { return impl_->vocab.eot_id; }
int32_t Tokenizer::eom_id() const { return impl_->vocab.eom_id; }
int32_t Tokenizer::unk_id() const { return impl_->vocab.unk_id; }
int32_t Tokenizer::pad_id() const { return impl_->vocab.pad_id; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
bool Tokenizer::add_space_prefix() const { return impl_->vocab.add_space_prefix; }

bool Tokenizer::is_end_of_generation(int32_t id) const {
  const Vocab& v = impl_->vocab;
  return id != kNoToken && (id == v.eos_id || id == v.eot_id || id == v.eom_id);
}

Result<std::string_view> Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= size()) {
    return core::out_of_range(prefix(impl_->vocab), "token id ", id, " is outside [0, ", size(),
                              ")");
  }
  return std::string_view(impl_->vocab.tokens[id]);
}

Result<TokenType> Tokenizer::token_type(int32_t id) const {
  BRAID_TRY(token_text(id));
  return impl_->vocab.types[id];
}

Result<float> Tokenizer::token_score(int32_t id) const {
  BRAID_TRY(token_text(id));
  return impl_->vocab.scores[id];
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  const int32_t id = impl_->find_piece(text);
  if (id == kNoToken) return std::nullopt;
  return id;
}

}  // namespace braid::text
