#include "jinja/parser.h"

#include <initializer_list>
#include <vector>

#include "jinja/lexer.h"

namespace braid::text::jinja {

namespace {

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

  // Parses until a {% name %} tag whose name is in `end_tags` (left unconsumed, positioned on the
  // name) or the end of the template.
  Body subparse(std::initializer_list<std::string_view> end_tags) {
    Body body;
    while (true) {
      const Token& t = cur();
      switch (t.kind) {
        case TokenKind::Data:
          body.push_back(std::make_unique<DataStmt>(t.pos, t.text));
          advance();
          break;
        case TokenKind::VariableBegin: {
          const SourcePos pos = advance().pos;
          ExprPtr expr = parse_tuple(false, true, {}, false);
          if (cur().kind != TokenKind::VariableEnd) {
            error("expected '}}' to end the expression, got " + describe(cur()));
          }
          advance();
          body.push_back(std::make_unique<PrintStmt>(pos, std::move(expr)));
          break;
        }
        case TokenKind::BlockBegin: {
          advance();
          if (cur().kind == TokenKind::Name) {
            for (std::string_view end : end_tags) {
              if (cur().text == end) return body;
            }
          }
          const std::string tag = cur().kind == TokenKind::Name ? cur().text : "";
          body.push_back(parse_statement());
          expect_block_end(tag);
          break;
        }
        case TokenKind::Eof:
          return body;
        default:
          error("unexpected " + describe(t));
      }
    }
  }

  // jinja2's parse_statements: the rest of the opening tag, then the body up to an end tag.
  Body parse_body(std::string_view tag,
                  std::initializer_list<std::string_view> end_tags,
                  bool drop_end) {
    skip_op(":");
    expect_block_end(tag);
    Body body = subparse(end_tags);
    if (cur().kind == TokenKind::Eof) {
      std::string wanted;
      for (std::string_view end : end_tags) {
        wanted += (wanted.empty() ? "'" : " or '") + std::string(end) + "'";
      }
      const OpenTag& open = open_tags_.back();
      error("unexpected end of template: expected " + wanted + " to close the '" + open.name +
            "' tag opened at line " + std::to_string(open.pos.line) + ", column " +
            std::to_string(open.pos.column));
    }
    if (drop_end) advance();
    return body;
  }

  StmtPtr parse_statement() {
    const Token& t = cur();
    if (t.kind != TokenKind::Name) error("expected a tag name after '{%', got " + describe(t));
    DepthGuard guard(*this, t.pos);
    const std::string name = t.text;
    const SourcePos pos = t.pos;
    if (name == "for" || name == "if" || name == "set" || name == "macro" || name == "call" ||
        name == "filter" || name == "with" || name == "block" || name == "generation") {
      open_tags_.push_back({name, pos});
      StmtPtr stmt = parse_open_tag(name);
      open_tags_.pop_back();
      return stmt;
    }
    if (name == "print") {
      advance();
      auto list = std::make_unique<ListExpr>(pos, true);
      while (cur().kind != TokenKind::BlockEnd) {
        if (!list->items.empty()) expect_op(",");
        list->items.push_back(parse_expression(true));
      }
      // {% print a, b %} prints each expression in turn.
      auto scope = std::make_unique<ScopeStmt>(pos);
      for (auto& item : list->items) {
        scope->body.push_back(std::make_unique<PrintStmt>(pos, std::move(item)));
      }
      return scope;
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) error_at("'" + name + "' used outside of a for loop", pos);
      advance();
      return std::make_unique<Stmt>(name == "break" ? StmtKind::Break : StmtKind::Continue, pos);
    }
    if (name == "include" || name == "import" || name == "from" || name == "extends") {
      fail(ErrorKind::Unsupported,
           "'{% " + name + " %}' needs a template loader, which chat templates do not have", pos);
    }
    if (name == "autoescape") {
      fail(ErrorKind::Unsupported, "'{% autoescape %}' is not supported", pos);
    }
    std::string message = "unknown tag '" + name + "'";
    if (!open_tags_.empty()) {
      message += "; the innermost open block is '" + open_tags_.back().name + "' (line " +
                 std::to_string(open_tags_.back().pos.line) + ")";
    } else if (name.rfind("end", 0) == 0 || name == "else" || name == "elif") {
      message += ": no open block expects it";
    } else if (name == "do") {
      message += " (Hugging Face does not enable jinja2's 'do' extension)";
    }
    error_at(message, pos);
  }

  StmtPtr parse_open_tag(const std::string& name) {
    if (name == "for") return parse_for();
    if (name == "if") return parse_if();
    if (name == "set") return parse_set();
    if (name == "macro") return parse_macro();
    if (name == "call") return parse_call_block();
    if (name == "filter") return parse_filter_block();
    if (name == "with") return parse_with();
    // block / generation: render the body in its own scope.
    const SourcePos pos = advance().pos;
    auto scope = std::make_unique<ScopeStmt>(pos);
    if (name == "block") {
      const std::string block_name = expect_name("a block name").text;
      while (skip_name("scoped") || skip_name("required")) {
      }
      scope->body = parse_body("block", {"endblock"}, true);
      if (cur().kind == TokenKind::Name) {
        if (cur().text != block_name) error("mismatched block name in 'endblock'");
        advance();
      }
    } else {
      scope->body = parse_body(name, {"end" + std::string("generation")}, true);
    }
    return scope;
  }

  StmtPtr parse_for() {
    auto stmt = std::make_unique<ForStmt>(advance().pos);
    stmt->target = parse_assign_target(false, {"in"});
    if (!skip_name("in")) error("expected 'in' in the for loop, got " + describe(cur()));
    stmt->iterable = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) stmt->filter = parse_expression(true);
    if (is_name(cur(), "recursive")) {
      fail(ErrorKind::Unsupported, "recursive for loops are not supported", cur().pos);
    }
    ++loop_depth_;
    for_uses_.push_back(&stmt->uses_loop);
    stmt->body = parse_body("for", {"endfor", "else"}, false);
    for_uses_.pop_back();
    --loop_depth_;
    if (advance().text == "else") {
      stmt->else_body = parse_body("for", {"endfor"}, true);
    }
    return stmt;
  }

  StmtPtr parse_if() {
    auto stmt = std::make_unique<IfStmt>(advance().pos);
    while (true) {
      ExprPtr test = parse_tuple(false, false, {}, false);
      Body body = parse_body("if", {"elif", "else", "endif"}, false);
      stmt->branches.emplace_back(std::move(test), std::move(body));
      const std::string next = advance().text;
      if (next == "elif") continue;
      if (next == "else") stmt->else_body = parse_body("if", {"endif"}, true);
      break;
    }
    return stmt;
  }

  StmtPtr parse_set() {
    const SourcePos pos = advance().pos;
    Target target = parse_assign_target(true, {});
    if (skip_op("=")) {
      auto stmt = std::make_unique<SetStmt>(pos);
      stmt->target = std::move(target);
      stmt->value = parse_tuple(false, true, {}, false);
      return stmt;
    }
    auto stmt = std::make_unique<SetBlockStmt>(pos);
    stmt->target = std::move(target);
    if (is_op(cur(), "|")) stmt->filter = parse_filter(nullptr, false);
    const int saved = loop_depth_;
    loop_depth_ = 0;
    stmt->body = parse_body("set", {"endset"}, true);
    loop_depth_ = saved;
    return stmt;
  }

  std::vector<MacroParam> parse_signature() {
    std::vector<MacroParam> params;
    expect_op("(");
    bool seen_default = false;
    while (!is_op(cur(), ")")) {
      if (!params.empty()) expect_op(",");
      MacroParam param;
      param.name = expect_name("a parameter name").text;
      if (skip_op("=")) {
        param.default_value = parse_expression(true);
        seen_default = true;
      } else if (seen_default) {
        error("non-default argument follows default argument");
      }
      params.push_back(std::move(param));
    }
    expect_op(")");
    return params;
  }

  // Parses a macro-like body, tracking which implicit names (caller, varargs, kwargs) it uses.
  Body parse_macro_body(std::string_view tag, std::string_view end, MacroUses* uses) {
    const int saved = loop_depth_;
    loop_depth_ = 0;
    macro_uses_.push_back(uses);
    Body body = parse_body(tag, {end}, true);
    macro_uses_.pop_back();
    loop_depth_ = saved;
    return body;
  }

  StmtPtr parse_macro() {
    auto stmt = std::make_unique<MacroStmt>(advance().pos);
    stmt->name = expect_name("a macro name").text;
    stmt->params = parse_signature();
    stmt->body = parse_macro_body("macro", "endmacro", &stmt->uses);
    return stmt;
  }

  StmtPtr parse_call_block() {
    auto stmt = std::make_unique<CallBlockStmt>(advance().pos);
    if (is_op(cur(), "(")) stmt->params = parse_signature();
    stmt->call = parse_expression(true);
    if (stmt->call->kind != ExprKind::Call) error_at("expected a call in '{% call %}'", stmt->pos);
    stmt->body = parse_macro_body("call", "endcall", &stmt->uses);
    return stmt;
  }

  StmtPtr parse_filter_block() {
    auto stmt = std::make_unique<FilterBlockStmt>(advance().pos);
    stmt->filter = parse_filter(nullptr, true);
    const int saved = loop_depth_;
    loop_depth_ = 0;
    stmt->body = parse_body("filter", {"endfilter"}, true);
    loop_depth_ = saved;
    return stmt;
  }

  StmtPtr parse_with() {
    auto stmt = std::make_unique<WithStmt>(advance().pos);
    while (cur().kind != TokenKind::BlockEnd) {
      if (!stmt->assignments.empty()) expect_op(",");
      Target target = parse_assign_target(false, {});
      expect_op("=");
      stmt->assignments.emplace_back(std::move(target), parse_expression(true));
    }
    stmt->body = parse_body("with", {"endwith"}, true);
    return stmt;
  }

  // jinja2's parse_assign_target: a name, `ns.attr` (for set), or a tuple of names.
  Target parse_assign_target(bool with_namespace,
                             std::initializer_list<std::string_view> extra_end) {
    Target target;
    target.pos = cur().pos;
    if (with_namespace && cur().kind == TokenKind::Name && is_op(look(), ".")) {
      target.kind = Target::Kind::Attribute;
      target.name = advance().text;
      advance();
      target.attr = expect_name("an attribute name").text;
      return target;
    }
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(parse_target_primary());
      if (is_op(cur(), ",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (items.empty()) error("expected an assignment target, got " + describe(cur()));
      return std::move(items[0]);
    }
    target.kind = Target::Kind::Tuple;
    target.items = std::move(items);
    return target;
  }

  Target parse_target_primary() {
    const Token& t = cur();
    if (t.kind == TokenKind::Name) {
      if (t.text == "true" || t.text == "false" || t.text == "none" || t.text == "True" ||
          t.text == "False" || t.text == "None") {
        error("can't assign to the constant '" + t.text + "'");
      }
      Target target;
      target.pos = t.pos;
      target.name = advance().text;
      return target;
    }
    if (is_op(t, "(")) {
      advance();
      Target inner = parse_assign_target(false, {});
      expect_op(")");
      return inner;
    }
    error("can't assign to " + describe(t));
  }

  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
    const Token& t = cur();
    if (t.kind == TokenKind::VariableEnd || t.kind == TokenKind::BlockEnd || is_op(t, ")")) {
      return true;
    }
    for (std::string_view name : extra_end) {
      if (is_name(t, name)) return true;
    }
    return false;
  }

  // ---- expressions ---------------------------------------------------------------------------

  ExprPtr parse_tuple(bool simplified,
                      bool with_condexpr,
                      std::initializer_list<std::string_view> extra_end,
                      bool explicit_parens) {
    const SourcePos pos = cur().pos;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
      if (is_op(cur(), ",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) error("expected an expression, got " + describe(cur()));
    }
    auto tuple = std::make_unique<ListExpr>(pos, true);
    tuple->items = std::move(items);
    return tuple;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this, cur().pos);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    SourcePos pos = cur().pos;
    ExprPtr expr = parse_or();
    int links = 0;
    while (skip_name("if")) {
      count_link(links);
      ExprPtr test = parse_or();
      ExprPtr else_expr;
      if (skip_name("else")) else_expr = parse_condexpr();
      expr =
          std::make_unique<CondExpr>(pos, std::move(test), std::move(expr), std::move(else_expr));
      pos = cur().pos;
    }
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    int links = 0;
    while (is_name(cur(), "or")) {
      count_link(links);
      const SourcePos pos = advance().pos;
      left = std::make_unique<BinaryExpr>(pos, BinaryOp::Or, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    int links = 0;
    while (is_name(cur(), "and")) {
      count_link(links);
      const SourcePos pos = advance().pos;
      left = std::make_unique<BinaryExpr>(pos, BinaryOp::And, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name(cur(), "not")) {
      const SourcePos pos = advance().pos;
      DepthGuard guard(*this, pos);
      return std::make_unique<UnaryExpr>(pos, UnaryOp::Not, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const SourcePos pos = cur().pos;
    ExprPtr first = parse_math1();
    std::unique_ptr<CompareExpr> cmp;
    while (true) {
      CompareOp op;
      const Token& t = cur();
      if (is_op(t, "==")) {
        op = CompareOp::Eq;
      } else if (is_op(t, "!=")) {
        op = CompareOp::Ne;
      } else if (is_op(t, "<")) {
        op = CompareOp::Lt;
      } else if (is_op(t, "<=")) {
        op = CompareOp::Le;
      } else if (is_op(t, ">")) {
        op = CompareOp::Gt;
      } else if (is_op(t, ">=")) {
        op = CompareOp::Ge;
      } else if (is_name(t, "in")) {
        op = CompareOp::In;
      } else if (is_name(t, "not") && is_name(look(), "in")) {
        advance();
        op = CompareOp::NotIn;
      } else {
        break;
      }
      advance();
      if (!cmp) cmp = std::make_unique<CompareExpr>(pos, std::move(first));
      cmp->rest.emplace_back(op, parse_math1());
    }
    if (!cmp) return first;
    return cmp;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    int links = 0;
    while (is_op(cur(), "+") || is_op(cur(), "-")) {
      count_link(links);
      const Token& t = advance();
      const BinaryOp op = t.text == "+" ? BinaryOp::Add : BinaryOp::Sub;
      left = std::make_unique<BinaryExpr>(t.pos, op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    int links = 0;
    while (is_op(cur(), "~")) {
      count_link(links);
      const SourcePos pos = advance().pos;
      left = std::make_unique<BinaryExpr>(pos, BinaryOp::Concat, std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    int links = 0;
    while (true) {
      BinaryOp op;
      if (is_op(cur(), "*")) {
        op = BinaryOp::Mul;
      } else if (is_op(cur(), "/")) {
        op = BinaryOp::Div;
      } else if (is_op(cur(), "//")) {
        op = BinaryOp::FloorDiv;
      } else if (is_op(cur(), "%")) {
        op = BinaryOp::Mod;
      } else {
        break;
      }
      count_link(links);
      const SourcePos pos = advance().pos;
      left = std::make_unique<BinaryExpr>(pos, op, std::move(left), parse_pow());
    }
    return left;
  }

  // jinja2's ** is left-associative and binds looser than unary minus: -2 ** 2 == 4.
  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    int links = 0;
    while (is_op(cur(), "**")) {
      count_link(links);
      const SourcePos pos = advance().pos;
      left = std::make_unique<BinaryExpr>(pos, BinaryOp::Pow, std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    const Token& t = cur();
    DepthGuard guard(*this, t.pos);
    ExprPtr node;
    if (is_op(t, "-") || is_op(t, "+")) {
      const UnaryOp op = t.text == "-" ? UnaryOp::Neg : UnaryOp::Pos;
      const SourcePos pos = advance().pos;
      node = std::make_unique<UnaryExpr>(pos, op, parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    const SourcePos pos = t.pos;
    switch (t.kind) {
      case TokenKind::Name: {
        const std::string& n = t.text;
        ExprPtr node;
        if (n == "true" || n == "True") {
          node = std::make_unique<ConstExpr>(pos, Value::boolean(true));
        } else if (n == "false" || n == "False") {
          node = std::make_unique<ConstExpr>(pos, Value::boolean(false));
        } else if (n == "none" || n == "None") {
          node = std::make_unique<ConstExpr>(pos, Value::none());
        } else {
          note_name_use(n);
          node = std::make_unique<NameExpr>(pos, n);
        }
        advance();
        return node;
      }
      case TokenKind::String: {
        std::string text;
        while (cur().kind == TokenKind::String) text += advance().text;
        return std::make_unique<ConstExpr>(pos, Value::string(std::move(text)));
      }
      case TokenKind::Integer:
        return std::make_unique<ConstExpr>(pos, Value::integer(advance().int_value));
      case TokenKind::Float:
        return std::make_unique<ConstExpr>(pos, Value::floating(advance().float_value));
      case TokenKind::Operator:
        if (t.text == "(") {
          advance();
          ExprPtr inner = parse_tuple(false, true, {}, true);
          expect_op(")");
          return inner;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default:
        break;
    }
    error("unexpected " + describe(t) + " where an expression was expected");
  }

  void note_name_use(const std::string& name) {
    if (name == "loop" && !for_uses_.empty()) *for_uses_.back() = true;
    if (macro_uses_.empty()) return;
    MacroUses* uses = macro_uses_.back();
    if (name == "caller") uses->caller = true;
    if (name == "varargs") uses->varargs = true;
    if (name == "kwargs") uses->kwargs = true;
  }

  ExprPtr parse_list() {
    auto list = std::make_unique<ListExpr>(advance().pos, false);
    while (!is_op(cur(), "]")) {
      if (!list->items.empty()) expect_op(",");
      if (is_op(cur(), "]")) break;
      list->items.push_back(parse_expression(true));
    }
    expect_op("]");
    return list;
  }

  ExprPtr parse_dict() {
    auto dict = std::make_unique<DictExpr>(advance().pos);
    while (!is_op(cur(), "}")) {
      if (!dict->items.empty()) expect_op(",");
      if (is_op(cur(), "}")) break;
      ExprPtr key = parse_expression(true);
      expect_op(":");
      dict->items.emplace_back(std::move(key), parse_expression(true));
    }
    expect_op("}");
    return dict;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    int links = 0;
    while (true) {
      count_link(links);
      if (is_op(cur(), ".") || is_op(cur(), "[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op(cur(), "(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    int links = 0;
    while (true) {
      count_link(links);
      if (is_op(cur(), "|")) {
        node = parse_filter(std::move(node), false);
      } else if (is_name(cur(), "is")) {
        node = parse_test(std::move(node));
      } else if (is_op(cur(), "(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  struct Subscribed {
    bool is_slice = false;
    ExprPtr expr, start, stop, step;
  };

  Subscribed parse_subscribed() {
    Subscribed s;
    if (is_op(cur(), ":")) {
      advance();
    } else {
      ExprPtr node = parse_expression(true);
      if (!is_op(cur(), ":")) {
        s.expr = std::move(node);
        return s;
      }
      advance();
      s.start = std::move(node);
    }
    s.is_slice = true;
    if (!is_op(cur(), ":") && !is_op(cur(), "]") && !is_op(cur(), ",")) {
      s.stop = parse_expression(true);
    }
    if (skip_op(":")) {
      if (!is_op(cur(), "]") && !is_op(cur(), ",")) s.step = parse_expression(true);
    }
    return s;
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = advance();
    const SourcePos pos = t.pos;
    if (t.text == ".") {
      const Token& attr = cur();
      if (attr.kind == TokenKind::Name) {
        return std::make_unique<GetAttrExpr>(pos, std::move(node), advance().text);
      }
      if (attr.kind == TokenKind::Integer) {
        auto key = std::make_unique<ConstExpr>(attr.pos, Value::integer(advance().int_value));
        return std::make_unique<GetItemExpr>(pos, std::move(node), std::move(key));
      }
      error("expected a name or number after '.', got " + describe(attr));
    }
    std::vector<Subscribed> args;
    while (!is_op(cur(), "]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    if (args.size() == 1 && args[0].is_slice) {
      auto slice = std::make_unique<SliceExpr>(pos, std::move(node));
      slice->start = std::move(args[0].start);
      slice->stop = std::move(args[0].stop);
      slice->step = std::move(args[0].step);
      return slice;
    }
    if (args.size() == 1) {
      return std::make_unique<GetItemExpr>(pos, std::move(node), std::move(args[0].expr));
    }
    auto tuple = std::make_unique<ListExpr>(pos, true);
    for (auto& arg : args) {
      if (arg.is_slice)
        fail(ErrorKind::Unsupported, "multi-dimensional slices are not supported", pos);
      tuple->items.push_back(std::move(arg.expr));
    }
    return std::make_unique<GetItemExpr>(pos, std::move(node), std::move(tuple));
  }

  ArgExprs parse_call_args() {
    const SourcePos pos = cur().pos;
    expect_op("(");
    ArgExprs args;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) error_at("invalid syntax for function call expression", pos);
    };
    while (!is_op(cur(), ")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(cur(), ")")) break;
      }
      if (is_op(cur(), "*")) {
        ensure(!args.star_args && !args.star_kwargs);
        advance();
        args.star_args = parse_expression(true);
      } else if (is_op(cur(), "**")) {
        ensure(!args.star_kwargs);
        advance();
        args.star_kwargs = parse_expression(true);
      } else if (cur().kind == TokenKind::Name && is_op(look(), "=")) {
        ensure(!args.star_kwargs);
        std::string key = advance().text;
        advance();
        args.keyword.emplace_back(std::move(key), parse_expression(true));
      } else {
        ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
        args.positional.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
    return args;
  }

  ExprPtr parse_call(ExprPtr callee) {
    const SourcePos pos = callee->pos;  // errors point at the function, not at '('

    auto call = std::make_unique<CallExpr>(pos, std::move(callee));
    call->args = parse_call_args();
    return call;
  }

  std::string parse_dotted_name(std::string_view what) {
    std::string name = expect_name(what).text;
    while (is_op(cur(), ".")) {
      advance();
      name += "." + expect_name(what).text;
    }
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    int links = 0;
    while (is_op(cur(), "|") || start_inline) {
      count_link(links);
      if (!start_inline) advance();
      start_inline = false;
      const SourcePos pos = cur().pos;
      auto filter =
          std::make_unique<FilterExpr>(pos, std::move(node), parse_dotted_name("a filter name"));
      if (is_op(cur(), "(")) filter->args = parse_call_args();
      node = std::move(filter);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const SourcePos pos = advance().pos;  // 'is'
    const bool negated = skip_name("not");
    auto test = std::make_unique<TestExpr>(pos, std::move(node), parse_dotted_name("a test name"));
    const Token& t = cur();
    if (is_op(t, "(")) {
      test->args = parse_call_args();
    } else if ((t.kind == TokenKind::Name || t.kind == TokenKind::String ||
                t.kind == TokenKind::Integer || t.kind == TokenKind::Float || is_op(t, "[") ||
                is_op(t, "{")) &&
               !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
      // jinja2 accepts one bare argument: `x is divisibleby 3`, `x is sameas false`.
      if (is_name(t, "is")) error("you cannot chain multiple tests with 'is'");
      test->args.positional.push_back(parse_postfix(parse_primary()));
    }
    if (!negated) return test;
    return std::make_unique<UnaryExpr>(pos, UnaryOp::Not, std::move(test));
  }

  std::vector<Token> tokens_;
  std::size_t index_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<OpenTag> open_tags_;
  std::vector<MacroUses*> macro_uses_;
  std::vector<bool*> for_uses_;
};

}  // namespace

std::unique_ptr<Program> parse_program(std::string_view source, std::string name) {
  auto program = std::make_unique<Program>();
  program->name = std::move(name);
  Parser parser(tokenize(source));
  program->body = parser.parse_template();
  return program;
}

}  // namespace braid::text::jinja
