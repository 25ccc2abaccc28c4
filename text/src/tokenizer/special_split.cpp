// Matching special-token text in the input before tokenization.
#include "tokenizer/tokenizer_data.h"

namespace braid::text::detail {

std::vector<Fragment> split_special(const TokenizerData& data,
                                    std::string_view text,
                                    bool parse_special) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({text, kNoToken});
  std::vector<Fragment> next;
  for (int32_t id : data.specials) {
    const TokenType type = data.vocab.types[id];
    if (!parse_special && (type == TokenType::Control || type == TokenType::Unknown)) continue;
    const std::string& needle = data.vocab.tokens[id];
    // Most special tokens never occur: look before rebuilding the list.
    bool found = false;
    for (const Fragment& fragment : fragments) {
      if (fragment.token == kNoToken && fragment.text.find(needle) != std::string_view::npos) {
        found = true;
        break;
      }
    }
    if (!found) continue;
    next.clear();
    for (const Fragment& fragment : fragments) {
      if (fragment.token != kNoToken) {
        next.push_back(fragment);
        continue;
      }
      std::string_view rest = fragment.text;
      size_t at = rest.find(needle);
      while (at != std::string_view::npos) {
        if (at > 0) next.push_back({rest.substr(0, at), kNoToken});
        next.push_back({std::string_view(), id});
        rest = rest.substr(at + needle.size());
        at = rest.find(needle);
      }
      if (!rest.empty()) next.push_back({rest, kNoToken});
    }
    std::swap(fragments, next);
  }
  return fragments;
}

}  // namespace braid::text::detail
