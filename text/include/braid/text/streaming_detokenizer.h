// Turning generated token ids into text one at a time, without ever emitting half a UTF-8
// character: byte-level and byte-fallback pieces can split a character across tokens.
#pragma once

#include <cstdint>
#include <string>

#include "braid/core/status.h"
#include "braid/text/tokenizer.h"

namespace braid::text {

/// Accumulates the pieces of a token stream and hands out only complete UTF-8 text.
///
/// Every string returned by push() and flush() is valid UTF-8, and their concatenation equals
/// Tokenizer::decode() of the same ids whenever that is valid UTF-8. Bytes that can never become
/// a valid character (0xFF, a stray continuation byte, an overlong or surrogate form) are replaced
/// by U+FFFD as soon as they are seen; an incomplete but still possible sequence (at most 3 bytes)
/// is held back until the next push() or flush().
///
/// Holds a reference to the Tokenizer, which must outlive it. Not thread-safe (one per stream).
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, DecodeOptions options = {});

  /// Appends the piece of `id`; returns the text that became complete (possibly "").
  /// @return OutOfRange for an id outside the vocabulary (the stream is left unchanged).
  core::Result<std::string> push(int32_t id);

  /// Ends the stream: returns held-back bytes, each incomplete sequence as one U+FFFD, and
  /// resets the detokenizer for a new stream.
  std::string flush();

 private:
  // Moves every complete or hopeless sequence from pending_ to `out`.
  void drain(std::string& out, bool at_end);

  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  std::string pending_;     // bytes not yet returned (an incomplete sequence)
  bool seen_text_ = false;  // a non-empty piece was seen (for strip_space_prefix)
};

}  // namespace braid::text
