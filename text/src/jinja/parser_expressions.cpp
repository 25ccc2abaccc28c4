// Expressions, from the conditional expression down to literals, subscripts, calls, filters
// and tests.
#include "jinja/parser_impl.h"

namespace braid::text::jinja::detail {

ExprPtr Parser::parse_tuple(bool simplified,
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

ExprPtr Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(*this, cur().pos);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
  SourcePos pos = cur().pos;
  ExprPtr expr = parse_or();
  int links = 0;
  while (skip_name("if")) {
    count_link(links);
    ExprPtr test = parse_or();
    ExprPtr else_expr;
    if (skip_name("else")) else_expr = parse_condexpr();
    expr = std::make_unique<CondExpr>(pos, std::move(test), std::move(expr), std::move(else_expr));
    pos = cur().pos;
  }
  return expr;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  int links = 0;
  while (is_name(cur(), "or")) {
    count_link(links);
    const SourcePos pos = advance().pos;
    left = std::make_unique<BinaryExpr>(pos, BinaryOp::Or, std::move(left), parse_and());
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  int links = 0;
  while (is_name(cur(), "and")) {
    count_link(links);
    const SourcePos pos = advance().pos;
    left = std::make_unique<BinaryExpr>(pos, BinaryOp::And, std::move(left), parse_not());
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (is_name(cur(), "not")) {
    const SourcePos pos = advance().pos;
    DepthGuard guard(*this, pos);
    return std::make_unique<UnaryExpr>(pos, UnaryOp::Not, parse_not());
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
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

ExprPtr Parser::parse_math1() {
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

ExprPtr Parser::parse_concat() {
  ExprPtr left = parse_math2();
  int links = 0;
  while (is_op(cur(), "~")) {
    count_link(links);
    const SourcePos pos = advance().pos;
    left = std::make_unique<BinaryExpr>(pos, BinaryOp::Concat, std::move(left), parse_math2());
  }
  return left;
}

ExprPtr Parser::parse_math2() {
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
ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  int links = 0;
  while (is_op(cur(), "**")) {
    count_link(links);
    const SourcePos pos = advance().pos;
    left = std::make_unique<BinaryExpr>(pos, BinaryOp::Pow, std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
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

ExprPtr Parser::parse_primary() {
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

void Parser::note_name_use(const std::string& name) {
  if (name == "loop" && !for_uses_.empty()) *for_uses_.back() = true;
  if (macro_uses_.empty()) return;
  MacroUses* uses = macro_uses_.back();
  if (name == "caller") uses->caller = true;
  if (name == "varargs") uses->varargs = true;
  if (name == "kwargs") uses->kwargs = true;
}

ExprPtr Parser::parse_list() {
  auto list = std::make_unique<ListExpr>(advance().pos, false);
  while (!is_op(cur(), "]")) {
    if (!list->items.empty()) expect_op(",");
    if (is_op(cur(), "]")) break;
    list->items.push_back(parse_expression(true));
  }
  expect_op("]");
  return list;
}

ExprPtr Parser::parse_dict() {
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

ExprPtr Parser::parse_postfix(ExprPtr node) {
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

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
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

Parser::Subscribed Parser::parse_subscribed() {
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

ExprPtr Parser::parse_subscript(ExprPtr node) {
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

ArgExprs Parser::parse_call_args() {
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

ExprPtr Parser::parse_call(ExprPtr callee) {
  const SourcePos pos = callee->pos;  // errors point at the function, not at '('

  auto call = std::make_unique<CallExpr>(pos, std::move(callee));
  call->args = parse_call_args();
  return call;
}

std::string Parser::parse_dotted_name(std::string_view what) {
  std::string name = expect_name(what).text;
  while (is_op(cur(), ".")) {
    advance();
    name += "." + expect_name(what).text;
  }
  return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
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

ExprPtr Parser::parse_test(ExprPtr node) {
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

}  // namespace braid::text::jinja::detail
