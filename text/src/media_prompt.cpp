#include "braid/text/media_prompt.h"

#include <string>

#include "braid/text/chat_prompt.h"

namespace braid::text {

core::Result<std::vector<PromptPiece>> split_media_prompt(const Tokenizer& tokenizer,
                                                          std::string_view prompt,
                                                          size_t n_media) {
  const std::string_view marker = kMediaMarker;
  std::vector<std::string_view> spans;
  size_t start = 0;
  for (size_t at = prompt.find(marker); at != std::string_view::npos;
       at = prompt.find(marker, start)) {
    spans.push_back(prompt.substr(start, at - start));
    start = at + marker.size();
  }
  spans.push_back(prompt.substr(start));
  const size_t n_markers = spans.size() - 1;
  if (n_markers != n_media) {
    return core::invalid_argument("[prompt] the prompt has ", n_markers, " media marker",
                                  n_markers == 1 ? "" : "s", " (", marker, ") but ", n_media,
                                  " image/audio input", n_media == 1 ? " was" : "s were",
                                  " given: each input needs exactly one marker");
  }
  std::vector<PromptPiece> pieces;
  for (size_t i = 0; i < spans.size(); ++i) {
    // BOS belongs before the first span even when that span is empty (a prompt that starts
    // with an image still starts with BOS).
    const bool first = i == 0;
    if (!spans[i].empty() || first) {
      BRAID_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                             tokenizer.encode(spans[i], /*add_special=*/first,
                                              /*parse_special=*/true));
      if (!ids.empty()) pieces.push_back(PromptPiece{std::move(ids), -1});
    }
    if (i < n_markers) pieces.push_back(PromptPiece{{}, static_cast<int32_t>(i)});
  }
  return pieces;
}

core::Result<std::vector<int32_t>> tokenize_glue(const Tokenizer& tokenizer,
                                                 std::string_view text) {
  return tokenizer.encode(text, /*add_special=*/false, /*parse_special=*/true);
}

}  // namespace braid::text
