// Running SplitRegex programs: backtracking matching and fragment splitting.
#include "tokenizer/split_regex.h"

#include <utility>

#include "tokenizer/unicode.h"

namespace braid::text::detail {

using core::Result;
using core::Status;

bool SplitRegex::matches_class(uint32_t index, uint32_t cp) const {
  const CharClass& cls = classes_[index];
  if (cp < 0x80) return (cls.ascii[cp >> 6] >> (cp & 63)) & 1;
  bool in = false;
  for (const auto& [lo, hi] : cls.ranges) {
    if (cp >= lo && cp <= hi) {
      in = true;
      break;
    }
  }
  if (!in && (cls.category_mask | cls.not_category_mask | cls.white_space | cls.not_white_space)) {
    const CodepointInfo info = codepoint_info(cp);
    in = category_in(cls.category_mask, info.category) ||
         (cls.not_category_mask != 0 && !category_in(cls.not_category_mask, info.category)) ||
         (cls.white_space && info.white_space) || (cls.not_white_space && !info.white_space);
  }
  return cls.negated ? !in : in;
}

bool SplitRegex::exec(uint32_t start_pc,
                      uint32_t start_pos,
                      const uint32_t* cps,
                      uint32_t n,
                      uint32_t* end,
                      std::vector<Frame>& stack) const {
  const size_t base = stack.size();
  stack.push_back({start_pc, start_pos, kUnbounded});
  while (stack.size() > base) {
    Frame frame = stack.back();
    stack.pop_back();
    uint32_t pc = frame.pc;
    uint32_t pos = frame.pos;
    if (frame.run_min != kUnbounded && pos > frame.run_min) {
      // Backtracking into a greedy run: next time, give back one more character.
      stack.push_back({pc, pos - 1, frame.run_min});
    }
    bool failed = false;
    while (!failed) {
      const Inst& inst = program_[pc];
      switch (inst.op) {
        case Op::Class:
          if (pos < n && matches_class(inst.a, cps[pos])) {
            ++pc, ++pos;
          } else {
            failed = true;
          }
          break;
        case Op::Split:
          stack.push_back({inst.b, pos, kUnbounded});
          pc = inst.a;
          break;
        case Op::Jump:
          pc = inst.a;
          break;
        case Op::Look: {
          uint32_t ignored = 0;
          // Lookarounds are atomic: their own backtracking ends when they decide.
          const bool found = exec(inst.a, pos, cps, n, &ignored, stack);
          if (found != (inst.c != 0)) {
            pc = inst.b;
          } else {
            failed = true;
          }
          break;
        }
        case Op::AssertBegin:
          if (pos == 0) {
            ++pc;
          } else {
            failed = true;
          }
          break;
        case Op::AssertEnd:
          if (pos == n) {
            ++pc;
          } else {
            failed = true;
          }
          break;
        case Op::Run: {
          uint32_t count = 0;
          while (count < inst.c && pos + count < n && matches_class(inst.a, cps[pos + count])) {
            ++count;
          }
          if (count < inst.b) {
            failed = true;
            break;
          }
          if (count > inst.b) stack.push_back({pc + 1, pos + count - 1, pos + inst.b});
          pos += count;
          ++pc;
          break;
        }
        case Op::Match:
          *end = pos;
          stack.resize(base);
          return true;
      }
    }
  }
  return false;
}

void SplitRegex::split(const std::vector<uint32_t>& cps,
                       const std::vector<Span>& fragments,
                       std::vector<Span>* out) const {
  std::vector<Frame> stack;
  stack.reserve(64);
  for (const Span& fragment : fragments) {
    const uint32_t* base = cps.data() + fragment.begin;
    const uint32_t n = fragment.end - fragment.begin;
    uint32_t gap_start = 0;
    uint32_t pos = 0;
    while (pos < n) {
      uint32_t end = 0;
      if (exec(0, pos, base, n, &end, stack)) {
        if (pos > gap_start) out->push_back({fragment.begin + gap_start, fragment.begin + pos});
        out->push_back({fragment.begin + pos, fragment.begin + end});
        pos = gap_start = end;  // end > pos: the pattern cannot match empty
      } else if (program_[0].op == Op::Run && program_[0].c == kUnbounded &&
                 matches_class(program_[0].a, base[pos])) {
        // The pattern starts with an unbounded greedy run of a class (\s+$, \p{N}+...). From any
        // later start inside the same run, the run can only end at positions already tried from
        // here, and what follows it cannot see where it began: those starts fail too. Skipping
        // them keeps long runs linear instead of quadratic.
        do {
          ++pos;
        } while (pos < n && matches_class(program_[0].a, base[pos]));
      } else {
        ++pos;
      }
    }
    if (gap_start < n) out->push_back({fragment.begin + gap_start, fragment.end});
  }
}

void prepare_for_matching(std::string_view text,
                          std::vector<uint32_t>* cps,
                          std::vector<uint32_t>* offsets) {
  cps->clear();
  offsets->clear();
  cps->reserve(text.size());
  offsets->reserve(text.size() + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = static_cast<uint8_t>(text[pos]);
    size_t len = 1;
    if (cp >= 0x80) {
      len = decode_utf8(text, pos, &cp);
      if (len == 0) {  // callers pass valid UTF-8; be safe anyway
        cp = kReplacementChar;
        len = 1;
      }
      if (codepoint_info(cp).white_space) cp = 0x0B;
    }
    cps->push_back(cp);
    offsets->push_back(static_cast<uint32_t>(pos));
    pos += len;
  }
  offsets->push_back(static_cast<uint32_t>(text.size()));
}

}  // namespace braid::text::detail
