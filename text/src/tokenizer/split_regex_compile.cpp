// Parsing pre-tokenizer patterns and compiling them to SplitRegex programs.
#include <utility>

#include "tokenizer/split_regex.h"
#include "tokenizer/unicode.h"

namespace braid::text::detail {

using core::Result;
using core::Status;

namespace {

// ---- parse tree ---------------------------------------------------------------------------------

struct Node {
  enum class Kind { Empty, Class, Concat, Alt, Repeat, Look, Begin, End };
  Node() = default;
  explicit Node(Kind k) : kind(k) {}
  Kind kind = Kind::Empty;
  uint32_t cls = 0;  // Class
  std::vector<Node> kids;
  uint32_t min = 0, max = 0;  // Repeat
  bool greedy = true;         // Repeat
  bool negate = false;        // Look
};

bool nullable(const Node& node) {
  switch (node.kind) {
    case Node::Kind::Class:
      return false;
    case Node::Kind::Concat:
      for (const Node& kid : node.kids) {
        if (!nullable(kid)) return false;
      }
      return true;
    case Node::Kind::Alt:
      for (const Node& kid : node.kids) {
        if (nullable(kid)) return true;
      }
      return false;
    case Node::Kind::Repeat:
      return node.min == 0 || nullable(node.kids[0]);
    default:  // Empty, Look, Begin, End consume nothing
      return true;
  }
}

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<SplitRegex::CharClass>* classes)
      : pattern_(pattern), classes_(classes) {
    size_t pos = 0;
    while (pos < pattern.size()) {
      uint32_t cp = 0;
      size_t len = decode_utf8(pattern, pos, &cp);
      if (len == 0) {
        bad_utf8_ = true;
        break;
      }
      cps_.push_back(cp);
      pos += len;
    }
  }

  Result<Node> parse() {
    if (bad_utf8_) return error("is not valid UTF-8");
    BRAID_ASSIGN_OR_RETURN(Node node, parse_alt());
    if (at_ < cps_.size()) return error("unbalanced ')'");
    return node;
  }

 private:
  Status error(std::string_view what) const {
    return core::invalid_argument("[tokenizer] pre-tokenizer regex '", pattern_,
                                  "': at code point ", at_, ": ", what);
  }
  Status unsupported(std::string_view what) const {
    return core::not_supported("[tokenizer] pre-tokenizer regex '", pattern_, "': at code point ",
                               at_, ": ", what, " is not supported");
  }
  bool done() const { return at_ >= cps_.size(); }
  uint32_t peek(size_t ahead = 0) const {
    return at_ + ahead < cps_.size() ? cps_[at_ + ahead] : 0xFFFFFFFFu;
  }

  Result<Node> parse_alt() {
    Node alt{Node::Kind::Alt};
    BRAID_ASSIGN_OR_RETURN(Node first, parse_concat());
    alt.kids.push_back(std::move(first));
    while (!done() && peek() == '|') {
      ++at_;
      BRAID_ASSIGN_OR_RETURN(Node next, parse_concat());
      alt.kids.push_back(std::move(next));
    }
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Result<Node> parse_concat() {
    Node seq{Node::Kind::Concat};
    while (!done() && peek() != '|' && peek() != ')') {
      BRAID_ASSIGN_OR_RETURN(Node atom, parse_atom());
      BRAID_ASSIGN_OR_RETURN(Node repeated, parse_quantifier(std::move(atom)));
      seq.kids.push_back(std::move(repeated));
    }
    if (seq.kids.empty()) return Node{Node::Kind::Empty};
    if (seq.kids.size() == 1) return std::move(seq.kids[0]);
    return seq;
  }

  Result<uint32_t> parse_number() {
    if (done() || peek() < '0' || peek() > '9') return error("expected a number in {}");
    uint32_t v = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > 100000) return error("repeat count too large");
      ++at_;
    }
    return v;
  }

  Result<Node> parse_quantifier(Node atom) {
    if (done()) return atom;
    uint32_t min = 0, max = 0;
    const uint32_t c = peek();
    if (c == '?') {
      min = 0, max = 1, ++at_;
    } else if (c == '*') {
      min = 0, max = SplitRegex::kUnbounded, ++at_;
    } else if (c == '+') {
      min = 1, max = SplitRegex::kUnbounded, ++at_;
    } else if (c == '{') {
      ++at_;
      BRAID_ASSIGN_OR_RETURN(min, parse_number());
      max = min;
      if (peek() == ',') {
        ++at_;
        if (peek() == '}') {
          max = SplitRegex::kUnbounded;
        } else {
          BRAID_ASSIGN_OR_RETURN(max, parse_number());
        }
      }
      if (peek() != '}') return error("expected '}'");
      ++at_;
      if (max < min) return error("{n,m} with m < n");
    } else {
      return atom;
    }
    if (atom.kind == Node::Kind::Look || atom.kind == Node::Kind::Begin ||
        atom.kind == Node::Kind::End || atom.kind == Node::Kind::Empty) {
      return error("quantifier after an assertion");
    }
    Node rep{Node::Kind::Repeat};
    rep.min = min;
    rep.max = max;
    if (peek() == '?') {
      rep.greedy = false;
      ++at_;
    } else if (peek() == '+') {
      return unsupported("a possessive quantifier");
    }
    if (rep.max == SplitRegex::kUnbounded && nullable(atom)) {
      return unsupported("an unbounded repeat of something that can match empty");
    }
    rep.kids.push_back(std::move(atom));
    return rep;
  }

  Node class_node(SplitRegex::CharClass cls) {
    classes_->push_back(std::move(cls));
    Node node{Node::Kind::Class};
    node.cls = static_cast<uint32_t>(classes_->size() - 1);
    return node;
  }

  Result<Node> parse_atom() {
    const uint32_t c = peek();
    if (c == '(') {
      ++at_;
      Node group;
      if (peek() == '?') {
        const uint32_t kind = peek(1);
        if (kind == ':') {
          at_ += 2;
          BRAID_ASSIGN_OR_RETURN(group, parse_alt());
        } else if (kind == '=' || kind == '!') {
          at_ += 2;
          Node look{Node::Kind::Look};
          look.negate = kind == '!';
          BRAID_ASSIGN_OR_RETURN(Node body, parse_alt());
          look.kids.push_back(std::move(body));
          group = std::move(look);
        } else {
          return unsupported("this (? group");
        }
      } else {
        BRAID_ASSIGN_OR_RETURN(group, parse_alt());  // capturing: matched like (?:...)
      }
      if (peek() != ')') return error("missing ')'");
      ++at_;
      return group;
    }
    if (c == ')') return error("unbalanced ')'");
    if (c == '[') return parse_class();
    if (c == '^') {
      ++at_;
      return Node{Node::Kind::Begin};
    }
    if (c == '$') {
      ++at_;
      return Node{Node::Kind::End};
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') return error("quantifier without an atom");
    SplitRegex::CharClass cls;
    if (c == '.') {
      ++at_;
      cls.negated = true;
      add_cp(cls, '\n');
      add_cp(cls, '\r');
      cls.ranges.push_back({0x2028, 0x2029});
      finish(cls);
      return class_node(std::move(cls));
    }
    if (c == '\\') {
      BRAID_TRY(parse_escape(cls, /*in_class=*/false));
    } else {
      ++at_;
      add_cp(cls, c);
    }
    finish(cls);
    return class_node(std::move(cls));
  }

  static void add_cp(SplitRegex::CharClass& cls, uint32_t cp) { add_range(cls, cp, cp); }
  static void add_range(SplitRegex::CharClass& cls, uint32_t lo, uint32_t hi) {
    for (uint32_t cp = lo; cp <= hi && cp < 0x80; ++cp) cls.ascii[cp >> 6] |= 1ull << (cp & 63);
    if (hi >= 0x80) cls.ranges.push_back({lo < 0x80 ? 0x80 : lo, hi});
  }

  // Folds the category and white-space items into the ASCII bitmap and applies negation there.
  // (Non-ASCII code points are tested item by item at match time.)
  static void finish(SplitRegex::CharClass& cls) {
    for (uint32_t cp = 0; cp < 0x80; ++cp) {
      const CodepointInfo info = codepoint_info(cp);
      bool in = (cls.ascii[cp >> 6] >> (cp & 63)) & 1;
      in = in || category_in(cls.category_mask, info.category) ||
           (cls.not_category_mask != 0 && !category_in(cls.not_category_mask, info.category)) ||
           (cls.white_space && info.white_space) || (cls.not_white_space && !info.white_space);
      if (cls.negated) in = !in;
      const uint64_t bit = 1ull << (cp & 63);
      cls.ascii[cp >> 6] = in ? (cls.ascii[cp >> 6] | bit) : (cls.ascii[cp >> 6] & ~bit);
    }
  }

  // Parses one escape at '\\' into `cls` (a class item, or the whole class outside brackets).
  // Sets *single to the code point when the escape is one literal character.
  Status parse_escape(SplitRegex::CharClass& cls, bool in_class, uint32_t* single = nullptr) {
    ++at_;  // the backslash
    if (done()) return error("trailing backslash");
    const uint32_t e = peek();
    ++at_;
    auto literal = [&](uint32_t cp) {
      add_cp(cls, cp);
      if (single) *single = cp;
      return Status::ok();
    };
    switch (e) {
      case 'r':
        return literal('\r');
      case 'n':
        return literal('\n');
      case 't':
        return literal('\t');
      case 'f':
        return literal('\f');
      case 'v':
        return literal('\v');
      case 's':
        cls.white_space = true;
        return Status::ok();
      case 'S':
        cls.not_white_space = true;
        return Status::ok();
      case 'd':
        add_range(cls, '0', '9');
        return Status::ok();
      case 'w':
        add_range(cls, '0', '9');
        add_range(cls, 'A', 'Z');
        add_range(cls, 'a', 'z');
        add_cp(cls, '_');
        return Status::ok();
      case 'D':
      case 'W':
        if (in_class) return unsupported("\\D or \\W inside a class");
        cls.negated = true;
        add_range(cls, '0', '9');
        if (e == 'W') {
          add_range(cls, 'A', 'Z');
          add_range(cls, 'a', 'z');
          add_cp(cls, '_');
        }
        return Status::ok();
      case 'p':
      case 'P': {
        if (peek() != '{') return error("expected '{' after \\p");
        ++at_;
        std::string name;
        while (!done() && peek() != '}') {
          if (peek() >= 0x80) return error("bad \\p{} name");
          name.push_back(static_cast<char>(peek()));
          ++at_;
        }
        if (done()) return error("missing '}' after \\p{");
        ++at_;
        bool ok = false;
        const uint32_t mask = category_mask(name, &ok);
        if (!ok) return unsupported("\\p{" + name + "}");
        if (e == 'p') {
          cls.category_mask |= mask;
        } else {
          if (cls.not_category_mask != 0) return unsupported("two \\P{} items in one class");
          cls.not_category_mask = mask;
        }
        return Status::ok();
      }
      default:
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
          return unsupported(std::string("the escape \\") + static_cast<char>(e));
        }
        return literal(e);  // escaped punctuation, or any non-ASCII character
    }
  }

  Result<Node> parse_class() {
    ++at_;  // '['
    SplitRegex::CharClass cls;
    if (peek() == '^') {
      cls.negated = true;
      ++at_;
    }
    bool first = true;
    while (true) {
      if (done()) return error("missing ']'");
      uint32_t c = peek();
      if (c == ']' && !first) {
        ++at_;
        break;
      }
      first = false;
      uint32_t lo = 0;
      bool is_char = true;
      if (c == '\\') {
        lo = 0xFFFFFFFFu;
        BRAID_TRY(parse_escape(cls, /*in_class=*/true, &lo));
        is_char = lo != 0xFFFFFFFFu;
      } else {
        ++at_;
        lo = c;
        add_cp(cls, c);
      }
      // A range "a-b" (a '-' first, last or after a class escape is literal).
      if (is_char && peek() == '-' && peek(1) != ']' && peek(1) != 0xFFFFFFFFu) {
        ++at_;
        uint32_t hi = peek();
        if (hi == '\\') {
          hi = 0xFFFFFFFFu;
          SplitRegex::CharClass scratch;
          BRAID_TRY(parse_escape(scratch, /*in_class=*/true, &hi));
          if (hi == 0xFFFFFFFFu) return error("a class escape cannot end a range");
        } else {
          ++at_;
        }
        if (hi < lo) return error("range out of order");
        add_range(cls, lo, hi);
      }
    }
    finish(cls);
    return class_node(std::move(cls));
  }

  std::string_view pattern_;
  std::vector<SplitRegex::CharClass>* classes_;
  std::vector<uint32_t> cps_;
  size_t at_ = 0;
  bool bad_utf8_ = false;
};

// ---- code generation ----------------------------------------------------------------------------

class Compiler {
 public:
  explicit Compiler(std::vector<SplitRegex::Inst>* program) : program_(program) {}

  uint32_t emit(SplitRegex::Op op, uint32_t a = 0, uint32_t b = 0, uint32_t c = 0) {
    program_->push_back({op, a, b, c});
    return static_cast<uint32_t>(program_->size() - 1);
  }
  uint32_t here() const { return static_cast<uint32_t>(program_->size()); }
  SplitRegex::Inst& at(uint32_t pc) { return (*program_)[pc]; }

  void compile(const Node& node) {
    using Op = SplitRegex::Op;
    switch (node.kind) {
      case Node::Kind::Empty:
        break;
      case Node::Kind::Class:
        emit(Op::Class, node.cls);
        break;
      case Node::Kind::Begin:
        emit(Op::AssertBegin);
        break;
      case Node::Kind::End:
        emit(Op::AssertEnd);
        break;
      case Node::Kind::Concat:
        for (const Node& kid : node.kids) compile(kid);
        break;
      case Node::Kind::Alt: {
        // split L1, next; L1: kid0; jmp end; next: split L2, next2; ... last: kidN
        std::vector<uint32_t> jumps;
        for (size_t i = 0; i < node.kids.size(); ++i) {
          if (i + 1 < node.kids.size()) {
            const uint32_t split = emit(Op::Split);
            at(split).a = here();
            compile(node.kids[i]);
            jumps.push_back(emit(Op::Jump));
            at(split).b = here();
          } else {
            compile(node.kids[i]);
          }
        }
        for (uint32_t j : jumps) at(j).a = here();
        break;
      }
      case Node::Kind::Look: {
        const uint32_t look = emit(Op::Look, 0, 0, node.negate ? 1 : 0);
        at(look).a = here();
        compile(node.kids[0]);
        emit(Op::Match);
        at(look).b = here();
        break;
      }
      case Node::Kind::Repeat: {
        const Node& body = node.kids[0];
        if (body.kind == Node::Kind::Class && node.greedy) {
          // The common case (\p{L}+, \s*, \p{N}{1,3}): one instruction that backtracks a
          // character at a time instead of a split per character.
          emit(Op::Run, body.cls, node.min, node.max);
          break;
        }
        for (uint32_t i = 0; i < node.min; ++i) compile(body);
        if (node.max == SplitRegex::kUnbounded) {
          const uint32_t loop = emit(Op::Split);
          const uint32_t body_start = here();
          compile(body);
          emit(Op::Jump, loop);
          set_split(loop, body_start, here(), node.greedy);
        } else {
          std::vector<uint32_t> splits;
          for (uint32_t i = node.min; i < node.max; ++i) {
            const uint32_t split = emit(Op::Split);
            splits.push_back(split);
            const uint32_t body_start = here();
            compile(body);
            at(split).a = body_start;
          }
          for (uint32_t split : splits) set_split(split, at(split).a, here(), node.greedy);
        }
        break;
      }
    }
  }

 private:
  void set_split(uint32_t split, uint32_t body, uint32_t out, bool greedy) {
    at(split).a = greedy ? body : out;
    at(split).b = greedy ? out : body;
  }
  std::vector<SplitRegex::Inst>* program_;
};

}  // namespace

Result<SplitRegex> SplitRegex::compile(std::string_view pattern) {
  SplitRegex regex;
  regex.pattern_ = std::string(pattern);
  Parser parser(pattern, &regex.classes_);
  BRAID_ASSIGN_OR_RETURN(Node root, parser.parse());
  if (nullable(root)) {
    return core::not_supported("[tokenizer] pre-tokenizer regex '", pattern,
                               "' can match the empty string");
  }
  Compiler compiler(&regex.program_);
  compiler.compile(root);
  compiler.emit(Op::Match);
  return regex;
}

}  // namespace braid::text::detail
