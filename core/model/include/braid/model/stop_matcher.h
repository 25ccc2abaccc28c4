// Stop strings over streamed text.
//
// Generation produces text a token piece at a time, and a stop string can straddle pieces
// ("Obs" + "erv" + "ation:"). The matcher holds back the tail of the text that could still become
// the start of a stop string, releases everything that cannot, and reports the first stop string
// that appears together with the text that came before it (which is released; the stop string
// itself never is).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace braid::model {

/// What one StopMatcher::push() produced.
struct StopMatch {
  /// Text that is safe to show now. When `stopped`, this is the text before the stop string
  /// (not yet released by earlier calls), and nothing after it.
  std::string text;
  /// True once a stop string appeared.
  bool stopped = false;
  /// Which stop string matched (index into the list given to the constructor); valid when
  /// `stopped`.
  size_t stop_index = 0;
};

/// Finds stop strings in text that arrives in pieces. Byte-based: stop strings and pieces are
/// compared as bytes, so a UTF-8 stop string matches however the pieces split its characters.
/// Not thread-safe; one per generated sequence.
class StopMatcher {
 public:
  /// Empty strings in `stop_strings` are ignored (they would match before any text). Indices
  /// reported in StopMatch::stop_index refer to this list as given, empty entries included.
  explicit StopMatcher(std::vector<std::string> stop_strings);

  /// Appends a piece of generated text. Returns the text that can be shown now; text that might
  /// be the beginning of a stop string stays held back until later pieces settle it. As soon as
  /// a stop string is complete the result has `stopped` set; among stop strings complete in the
  /// text, the one starting earliest wins (the one listed first when two start at the same byte).
  /// Every later push() returns nothing.
  StopMatch push(std::string_view piece);

  /// End of generation without a stop: returns the held-back text (nothing if stopped).
  std::string flush();

  /// Forgets held-back text and the stopped state.
  void reset();

  bool stopped() const { return stopped_; }
  /// Bytes currently held back.
  size_t held_back() const { return pending_.size(); }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace braid::model
