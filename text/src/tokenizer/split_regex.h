// A small backtracking regex engine over code points, for the pre-tokenizer patterns llama.cpp
// uses (GPT-2, Llama 3, Qwen2, DeepSeek, Falcon, ...).
//
// Why not std::regex or ICU's regex: std::regex has no Unicode classes (llama.cpp works around
// that by collapsing the text to one byte per category), and both are much slower than needed
// to tokenize megabytes per second. The patterns are fixed strings chosen by the pre-tokenizer
// name, so the engine only supports what they use:
//   alternation, groups (capturing groups match like (?:...)), (?=...), (?!...), ^, $,
//   quantifiers ? * + {n} {n,} {n,m} (greedy, or lazy with a trailing ?),
//   classes [...] and [^...] with ranges, \p{L} \p{Lu} \p{Ll} \p{Lt} \p{Lm} \p{Lo} \p{N} \p{Nd}
//   \p{P} \p{M} \p{S} (and \P{..}), \s \S, \d \w (ASCII, as in ECMAScript) and \D \W outside
//   classes, escapes \r \n \t \f \v \\ and escaped
//   punctuation, '.' (anything but a line break).
// Semantics are leftmost-first backtracking (ECMAScript, Perl, Python `regex`), applied to one
// fragment at a time: '$' and lookahead stop at the fragment's end, as in llama.cpp.
// \s is the Unicode White_Space property; \p{..} are ICU's general categories.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"

namespace braid::text::detail {

class SplitRegex {
 public:
  /// Compiles `pattern` (UTF-8). InvalidArgument/NotSupported naming the pattern and offset for
  /// syntax it does not handle, and for patterns that can match the empty string.
  static core::Result<SplitRegex> compile(std::string_view pattern);

  /// One fragment of the input: code points [begin, end).
  struct Span {
    uint32_t begin;
    uint32_t end;
  };

  /// Splits each of `fragments` of `cps` into the matches of this pattern and the unmatched runs
  /// between them (both kept, in order), appending to `out`. `cps` must already have non-ASCII
  /// white space replaced by U+000B (see prepare_for_matching).
  void split(const std::vector<uint32_t>& cps,
             const std::vector<Span>& fragments,
             std::vector<Span>* out) const;

  const std::string& pattern() const { return pattern_; }

  // Compiled form (public for the compiler in the .cpp file).
  struct CharClass {
    uint64_t ascii[2] = {0, 0};  // membership of U+0000..U+007F, negation applied
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // non-ASCII ranges, inclusive
    uint32_t category_mask = 0;                         // \p{..} items
    uint32_t not_category_mask = 0;                     // \P{..} items
    bool white_space = false;                           // \s item
    bool not_white_space = false;                       // \S item
    bool negated = false;
  };
  enum class Op : uint8_t {
    Class,        // a: class index
    Split,        // try a first, then b
    Jump,         // a
    Look,         // a: sub-program start, b: continuation, c: 1 for negative lookahead
    AssertBegin,  // ^
    AssertEnd,    // $
    Run,          // greedy run of class a, between b and c times (c = kUnbounded)
    Match,
  };
  struct Inst {
    Op op;
    uint32_t a = 0;
    uint32_t b = 0;
    uint32_t c = 0;
  };
  static constexpr uint32_t kUnbounded = UINT32_MAX;

 private:
  struct Frame {
    uint32_t pc;
    uint32_t pos;
    uint32_t run_min;  // for Run backtracking: smallest position still to try; else kUnbounded
  };
  bool matches_class(uint32_t index, uint32_t cp) const;
  // Runs the program from `pc` at `pos` over cps[0, n); on success sets *end.
  bool exec(uint32_t pc,
            uint32_t pos,
            const uint32_t* cps,
            uint32_t n,
            uint32_t* end,
            std::vector<Frame>& stack) const;

  std::string pattern_;
  std::vector<CharClass> classes_;
  std::vector<Inst> program_;
};

/// Code points of valid UTF-8 `text` with their byte offsets (offsets has size()+1 entries), and
/// non-ASCII white space replaced by U+000B for matching: llama.cpp does the same, so literal
/// characters in a pattern never match white space such as U+3000.
void prepare_for_matching(std::string_view text,
                          std::vector<uint32_t>* cps,
                          std::vector<uint32_t>* offsets);

}  // namespace braid::text::detail
