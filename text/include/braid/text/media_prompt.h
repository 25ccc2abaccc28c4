// From rendered prompt text with media markers to the pieces a multimodal prompt is made of:
// token ids for the text between markers, and a slot for each image or recording, in order.
// The multimodal front end fills each slot with the model family's tokens and the media's
// embedding chunk; this file only knows text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/text/tokenizer.h"

namespace braid::text {

/// Token ids, or (media_index >= 0) the place of the media_index-th image or recording.
struct PromptPiece {
  std::vector<int32_t> tokens;
  int32_t media_index = -1;
  bool is_media() const { return media_index >= 0; }
};

/// Splits `prompt` at every kMediaMarker and tokenizes the text between markers, as llama.cpp's
/// mtmd does: each text span on its own, control-token text parsed, BOS (when the vocabulary
/// adds one) only before the first span. Empty text spans give no piece.
/// @return InvalidArgument when the number of markers is not `n_media` (naming both counts, so
///   a template that dropped an image is caught), or the tokenizer's error for a span.
core::Result<std::vector<PromptPiece>> split_media_prompt(const Tokenizer& tokenizer,
                                                          std::string_view prompt,
                                                          size_t n_media);

/// Tokenizes a family's glue text ("<start_of_image>", "\n") with control-token text parsed
/// and no BOS.
core::Result<std::vector<int32_t>> tokenize_glue(const Tokenizer& tokenizer, std::string_view text);

}  // namespace braid::text
