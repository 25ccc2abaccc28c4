// The recursive-descent parser shared by parser.cpp (statements) and parser_expressions.cpp
// (expressions). It follows jinja2's grammar (jinja2/parser.py) and operator precedence.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace braid::text::jinja::detail {

// Deeper nesting than this is surely not a chat template and would risk the native stack.
constexpr int kMaxNesting = 200;
constexpr int kMaxChain = 500;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body parse_template() {
    Body body = subparse({});
    if (cur().kind != TokenKind::Eof) error("unexpected " + describe(cur()));
    return body;
  }

 private:
  struct OpenTag {
    std::string name;
    SourcePos pos;
  };

  class DepthGuard {
   public:
    DepthGuard(Parser& p, SourcePos pos) : p_(p) {
      if (++p_.depth_ > kMaxNesting) {
        fail(ErrorKind::Limit, "template nests more than 200 levels deep", pos);
      }
    }
    ~DepthGuard() { --p_.depth_; }

   private:
    Parser& p_;
  };

  // ---- token helpers -------------------------------------------------------------------------

  const Token& cur() const { return tokens_[index_]; }
  const Token& look() const { return tokens_[index_ + 1 < tokens_.size() ? index_ + 1 : index_]; }
  const Token& advance() {
    const Token& t = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return t;
  }
  static bool is_op(const Token& t, std::string_view op) {
    return t.kind == TokenKind::Operator && t.text == op;
  }
  static bool is_name(const Token& t, std::string_view name) {
    return t.kind == TokenKind::Name && t.text == name;
  }
  bool skip_op(std::string_view op) {
    if (!is_op(cur(), op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!is_name(cur(), name)) return false;
    advance();
    return true;
  }

  [[noreturn]] void error(const std::string& message) const {
    fail(ErrorKind::Syntax, message, cur().pos);
  }
  [[noreturn]] void error_at(const std::string& message, SourcePos pos) const {
    fail(ErrorKind::Syntax, message, pos);
  }

  // Left-deep chains (a + b + c ..., x|f|g ..., a.b.c ...) are walked recursively when rendering,
  // so their length is bounded like nesting.
  void count_link(int& links) const {
    if (++links > kMaxChain) {
      fail(ErrorKind::Limit, "expression chains more than 500 operators", cur().pos);
    }
  }

  void expect_op(std::string_view op) {
    if (!skip_op(op)) error("expected '" + std::string(op) + "', got " + describe(cur()));
  }
  const Token& expect_name(std::string_view what) {
    if (cur().kind != TokenKind::Name) {
      error("expected " + std::string(what) + ", got " + describe(cur()));
    }
    return advance();
  }
  void expect_block_end(std::string_view tag) {
    if (cur().kind != TokenKind::BlockEnd) {
      error("expected '%}' to end the '" + std::string(tag) + "' tag, got " + describe(cur()));
    }
    advance();
  }

  // ---- statements ----------------------------------------------------------------------------

  Body subparse(std::initializer_list<std::string_view> end_tags);
  Body parse_body(std::string_view tag,
                  std::initializer_list<std::string_view> end_tags,
                  bool drop_end);
  StmtPtr parse_statement();
  StmtPtr parse_open_tag(const std::string& name);
  StmtPtr parse_for();
  StmtPtr parse_if();
  StmtPtr parse_set();
  std::vector<MacroParam> parse_signature();
  Body parse_macro_body(std::string_view tag, std::string_view end, MacroUses* uses);
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();
  Target parse_assign_target(bool with_namespace,
                             std::initializer_list<std::string_view> extra_end);
  Target parse_target_primary();
  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const;

  // ---- expressions ---------------------------------------------------------------------------

  ExprPtr parse_tuple(bool simplified,
                      bool with_condexpr,
                      std::initializer_list<std::string_view> extra_end,
                      bool explicit_parens);
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  void note_name_use(const std::string& name);
  ExprPtr parse_list();
  ExprPtr parse_dict();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);

  struct Subscribed {
    bool is_slice = false;
    ExprPtr expr, start, stop, step;
  };

  Subscribed parse_subscribed();
  ExprPtr parse_subscript(ExprPtr node);
  ArgExprs parse_call_args();
  ExprPtr parse_call(ExprPtr callee);
  std::string parse_dotted_name(std::string_view what);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  ExprPtr parse_test(ExprPtr node);

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<OpenTag> open_tags_;
  std::vector<MacroUses*> macro_uses_;
  std::vector<bool*> for_uses_;
};

}  // namespace braid::text::jinja::detail
