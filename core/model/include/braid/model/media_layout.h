// How each projector family places an encoded image or recording in the prompt: the text that
// wraps it and, for tiled images, the text between tiles. The conventions are those of
// llama.cpp's mtmd, so prompts and answers carry over between the two runtimes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/prompt_chunk.h"

namespace braid::model {

/// What an encoder made of one image or recording.
struct EncodedMedia {
  /// In encoding order: the tiles row by row, then the global (whole-image) tile when there is
  /// one; a single chunk for untiled images; one chunk per 30 s window for audio.
  std::vector<EmbeddingChunk> chunks;
  int32_t grid_rows = 0;  ///< tiled images: the tile grid (0: not tiled)
  int32_t grid_cols = 0;
  bool has_global_tile = false;
};

/// Text around media, by projector family.
struct MediaWrapping {
  std::string begin;  ///< before the media ("<start_of_image>", "<|audio_bos|>")
  std::string end;    ///< after it
  /// Idefics3 / SmolVLM tiling: "<fake_token_around_image><row_R_col_C>" before each tile, "\n"
  /// between rows, then "\n\n<fake_token_around_image><global-img>" global
  /// "<fake_token_around_image>".
  bool idefics3_tiles = false;
};

/// The wrapping for a projector type as mmproj files name it (clip.projector_type,
/// clip.vision.projector_type or clip.audio.projector_type): "mlp", "gemma3", "idefics3",
/// "ultravox", "qwen2a", … NotSupported names the type and lists the known ones.
core::Result<MediaWrapping> media_wrapping(std::string_view projector_type);

/// Text to tokenize, or embedding rows.
using MediaPart = std::variant<std::string, EmbeddingChunk>;

/// The parts that stand in the prompt for `media`, wrapped as `wrapping` says. InvalidArgument
/// when a tiled layout's chunk count does not match its grid.
core::Result<std::vector<MediaPart>> lay_out_media(const EncodedMedia& media,
                                                   const MediaWrapping& wrapping);

/// Turns text (glue between media) into token ids: special-token text parsed, no BOS.
using GlueTokenizer = std::function<core::Result<std::vector<int32_t>>(std::string_view)>;

/// Appends `parts` to `prompt`, tokenizing text with `tokenize` and merging adjacent token
/// chunks, so the decoder sees as few chunks as possible.
core::Status append_media_parts(std::vector<PromptChunk>& prompt,
                                std::vector<MediaPart> parts,
                                const GlueTokenizer& tokenize);

/// Appends token ids to `prompt`, merged into a token chunk at its end when there is one.
void append_tokens(std::vector<PromptChunk>& prompt, const std::vector<int32_t>& tokens);

}  // namespace braid::model
