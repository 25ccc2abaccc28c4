// Statements: {% if %}, {% for %}, {% set %}, {% macro %}, ... and the template body.
#include "jinja/parser.h"

#include "jinja/parser_impl.h"

namespace braid::text::jinja {
namespace detail {

// Parses until a {% name %} tag whose name is in `end_tags` (left unconsumed, positioned on the
// name) or the end of the template.
Body Parser::subparse(std::initializer_list<std::string_view> end_tags) {
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
Body Parser::parse_body(std::string_view tag,
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

StmtPtr Parser::parse_statement() {
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

StmtPtr Parser::parse_open_tag(const std::string& name) {
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

StmtPtr Parser::parse_for() {
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

StmtPtr Parser::parse_if() {
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

StmtPtr Parser::parse_set() {
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

std::vector<MacroParam> Parser::parse_signature() {
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
Body Parser::parse_macro_body(std::string_view tag, std::string_view end, MacroUses* uses) {
  const int saved = loop_depth_;
  loop_depth_ = 0;
  macro_uses_.push_back(uses);
  Body body = parse_body(tag, {end}, true);
  macro_uses_.pop_back();
  loop_depth_ = saved;
  return body;
}

StmtPtr Parser::parse_macro() {
  auto stmt = std::make_unique<MacroStmt>(advance().pos);
  stmt->name = expect_name("a macro name").text;
  stmt->params = parse_signature();
  stmt->body = parse_macro_body("macro", "endmacro", &stmt->uses);
  return stmt;
}

StmtPtr Parser::parse_call_block() {
  auto stmt = std::make_unique<CallBlockStmt>(advance().pos);
  if (is_op(cur(), "(")) stmt->params = parse_signature();
  stmt->call = parse_expression(true);
  if (stmt->call->kind != ExprKind::Call) error_at("expected a call in '{% call %}'", stmt->pos);
  stmt->body = parse_macro_body("call", "endcall", &stmt->uses);
  return stmt;
}

StmtPtr Parser::parse_filter_block() {
  auto stmt = std::make_unique<FilterBlockStmt>(advance().pos);
  stmt->filter = parse_filter(nullptr, true);
  const int saved = loop_depth_;
  loop_depth_ = 0;
  stmt->body = parse_body("filter", {"endfilter"}, true);
  loop_depth_ = saved;
  return stmt;
}

StmtPtr Parser::parse_with() {
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
Target Parser::parse_assign_target(bool with_namespace,
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

Target Parser::parse_target_primary() {
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

bool Parser::is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
  const Token& t = cur();
  if (t.kind == TokenKind::VariableEnd || t.kind == TokenKind::BlockEnd || is_op(t, ")")) {
    return true;
  }
  for (std::string_view name : extra_end) {
    if (is_name(t, name)) return true;
  }
  return false;
}

}  // namespace detail

std::unique_ptr<Program> parse_program(std::string_view source, std::string name) {
  auto program = std::make_unique<Program>();
  program->name = std::move(name);
  detail::Parser parser(tokenize(source));
  program->body = parser.parse_template();
  return program;
}

}  // namespace braid::text::jinja
