#include "braid/model/media_layout.h"

#include <array>
#include <utility>

namespace braid::model {

namespace {

struct KnownWrapping {
  std::string_view projector_type;
  MediaWrapping wrapping;
};

// llama.cpp's mtmd conventions for the families braid runs. LLaVA's mlp and Ultravox put the
// embeddings in the prompt bare.
const std::array<KnownWrapping, 5>& known_wrappings() {
  static const std::array<KnownWrapping, 5> table = {{
      {"mlp", {}},
      {"gemma3", {"<start_of_image>", "<end_of_image>", false}},
      {"idefics3", {"", "", true}},
      {"ultravox", {}},
      {"qwen2a", {"<|audio_bos|>", "<|audio_eos|>", false}},
  }};
  return table;
}

void append_text(std::vector<MediaPart>& parts, std::string text) {
  if (text.empty()) return;
  if (!parts.empty()) {
    if (auto* last = std::get_if<std::string>(&parts.back())) {
      *last += text;
      return;
    }
  }
  parts.emplace_back(std::move(text));
}

}  // namespace

core::Result<MediaWrapping> media_wrapping(std::string_view projector_type) {
  std::string known;
  for (const KnownWrapping& entry : known_wrappings()) {
    if (entry.projector_type == projector_type) return entry.wrapping;
    known += known.empty() ? "" : ", ";
    known += entry.projector_type;
  }
  return core::not_supported("[mmproj] projector type '", projector_type,
                             "' is not supported; braid knows: ", known);
}

core::Result<std::vector<MediaPart>> lay_out_media(const EncodedMedia& media,
                                                   const MediaWrapping& wrapping) {
  std::vector<MediaPart> parts;
  append_text(parts, wrapping.begin);
  const bool tiled = wrapping.idefics3_tiles && media.grid_rows > 0 && media.grid_cols > 0;
  if (!tiled) {
    for (const EmbeddingChunk& chunk : media.chunks) parts.emplace_back(chunk);
  } else {
    const size_t n_tiles = size_t(media.grid_rows) * size_t(media.grid_cols);
    const size_t expected = n_tiles + (media.has_global_tile ? 1 : 0);
    if (media.chunks.size() != expected) {
      return core::invalid_argument("[media] a ", media.grid_rows, "x", media.grid_cols,
                                    " tile grid",
                                    media.has_global_tile ? " plus a global image" : "", " needs ",
                                    expected, " chunks, the encoder made ", media.chunks.size());
    }
    for (int32_t r = 0; r < media.grid_rows; ++r) {
      for (int32_t c = 0; c < media.grid_cols; ++c) {
        append_text(parts, "<fake_token_around_image><row_" + std::to_string(r + 1) + "_col_" +
                               std::to_string(c + 1) + ">");
        parts.emplace_back(media.chunks[size_t(r) * media.grid_cols + c]);
      }
      if (r + 1 < media.grid_rows) append_text(parts, "\n");  // between rows, not after the last
    }
    if (media.has_global_tile) {
      append_text(parts, "\n\n<fake_token_around_image><global-img>");
      parts.emplace_back(media.chunks.back());
      append_text(parts, "<fake_token_around_image>");
    }
  }
  append_text(parts, wrapping.end);
  return parts;
}

void append_tokens(std::vector<PromptChunk>& prompt, const std::vector<int32_t>& tokens) {
  if (tokens.empty()) return;
  if (!prompt.empty()) {
    if (auto* last = std::get_if<TokenChunk>(&prompt.back())) {
      last->tokens.insert(last->tokens.end(), tokens.begin(), tokens.end());
      return;
    }
  }
  prompt.emplace_back(TokenChunk{tokens});
}

core::Status append_media_parts(std::vector<PromptChunk>& prompt,
                                std::vector<MediaPart> parts,
                                const GlueTokenizer& tokenize) {
  for (MediaPart& part : parts) {
    if (auto* text = std::get_if<std::string>(&part)) {
      BRAID_ASSIGN_OR_RETURN(std::vector<int32_t> ids, tokenize(*text));
      append_tokens(prompt, ids);
    } else {
      prompt.emplace_back(std::move(std::get<EmbeddingChunk>(part)));
    }
  }
  return core::Status::ok();
}

}  // namespace braid::model
