// One key per prompt position, so that a conversation's next turn can keep the KV cache of the
// positions it shares with what was evaluated before (the usual case in a chat: the new prompt
// is the old one plus the reply and a new user message) and evaluate only the rest.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/prompt_chunk.h"

namespace braid::model {

/// A prompt and its keys: a token's key is its id; a row of an embedding chunk gets a negative
/// key from the chunk's index among the prompt's embedding chunks and the row's index in it.
/// Keys say nothing about what an embedding row holds, so they compare prompts that only grow
/// (a conversation whose earlier media never change), which is what a chat is.
struct KeyedPrompt {
  std::vector<PromptChunk> chunks;
  std::vector<int64_t> keys;  ///< one per position
};

/// Keys `chunks` as KeyedPrompt says.
KeyedPrompt key_prompt(std::vector<PromptChunk> chunks);

/// How many leading positions of a cache holding `cached` can stay for `next`: their common
/// prefix, moved back to the start of an embedding chunk it would cut (a chunk's rows are
/// evaluated together, some attend to each other), and at most next's length minus one (the
/// last position must be evaluated: its logits start the reply).
int64_t reusable_prefix(std::span<const int64_t> cached, const KeyedPrompt& next);

/// The chunks of `prompt` from position `from` on: token chunks cut where `from` falls, an
/// embedding chunk whole. Internal error when `from` falls inside an embedding chunk
/// (reusable_prefix never returns such a position).
core::Result<std::vector<PromptChunk>> chunks_from(const std::vector<PromptChunk>& prompt,
                                                   int64_t from);

}  // namespace braid::model
