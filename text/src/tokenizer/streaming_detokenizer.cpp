#include "braid/text/streaming_detokenizer.h"

#include "tokenizer/unicode.h"

namespace braid::text {

namespace {

// True when `s` (starting with a non-ASCII byte) is the beginning of a valid UTF-8 sequence that
// more bytes could complete.
bool incomplete_prefix(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(0);
  size_t need = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return false;
  }
  if (s.size() >= need) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    const uint8_t b = byte(i);
    if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return false;
  }
  return true;
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(&tokenizer), options_(options) {}

core::Result<std::string> StreamingDetokenizer::push(int32_t id) {
  BRAID_ASSIGN_OR_RETURN(std::string_view piece,
                         tokenizer_->token_to_piece(id, options_.render_special));
  std::string out;
  if (piece.empty()) return out;
  if (!seen_text_ && options_.strip_space_prefix && tokenizer_->add_space_prefix() &&
      piece.front() == ' ') {
    piece.remove_prefix(1);
  }
  seen_text_ = true;
  pending_.append(piece);
  drain(out, /*at_end=*/false);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out;
  drain(out, /*at_end=*/true);
  pending_.clear();
  seen_text_ = false;
  return out;
}

void StreamingDetokenizer::drain(std::string& out, bool at_end) {
  size_t pos = 0;
  while (pos < pending_.size()) {
    if (static_cast<uint8_t>(pending_[pos]) < 0x80) {
      out.push_back(pending_[pos++]);
      continue;
    }
    uint32_t cp = 0;
    const size_t len = detail::decode_utf8(pending_, pos, &cp);
    if (len > 0) {
      out.append(pending_, pos, len);
      pos += len;
      continue;
    }
    const std::string_view rest = std::string_view(pending_).substr(pos);
    if (incomplete_prefix(rest)) {
      if (!at_end) break;  // wait for the rest of the character
      detail::append_utf8(out, detail::kReplacementChar);
      pos = pending_.size();
      break;
    }
    detail::append_utf8(out, detail::kReplacementChar);  // can never become valid
    ++pos;
  }
  pending_.erase(0, pos);
}

}  // namespace braid::text
