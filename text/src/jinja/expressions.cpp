// Expression evaluation and jinja2's sandboxed attribute/item access.
#include "braid/core/status.h"
#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/operators.h"
#include "jinja/utf8.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {

// Each nested expression costs a few native stack frames; this bounds the recursion well inside
// a default thread stack.
constexpr int kMaxEvalDepth = 2000;

bool compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::Eq:
      return py_equal(a, b);
    case CompareOp::Ne:
      return !py_equal(a, b);
    case CompareOp::Lt:
      return py_compare(a, b) < 0;
    case CompareOp::Le:
      return py_compare(a, b) <= 0;
    case CompareOp::Gt:
      return py_compare(a, b) > 0;
    case CompareOp::Ge:
      return py_compare(a, b) >= 0;
    case CompareOp::In:
      return contains(b, a);
    case CompareOp::NotIn:
      return !contains(b, a);
  }
  return false;
}

}  // namespace

Value Evaluator::eval(const Expr& expr) {
  if (++eval_depth_ > kMaxEvalDepth) {
    --eval_depth_;
    fail(ErrorKind::Limit, "expressions nest too deeply while rendering", expr.pos);
  }
  struct DepthRestore {
    int& depth;
    ~DepthRestore() { --depth; }
  } restore{eval_depth_};
  charge(1);
  try {
    return eval_inner(expr);
  } catch (TemplateError& e) {
    e.set_pos_if_unknown(expr.pos);
    throw;
  }
}

Value Evaluator::eval_inner(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::Const:
      return static_cast<const ConstExpr&>(expr).value;
    case ExprKind::Name:
      return lookup(static_cast<const NameExpr&>(expr).name);
    case ExprKind::List: {
      const auto& e = static_cast<const ListExpr&>(expr);
      std::vector<Value> items;
      items.reserve(e.items.size());
      for (const ExprPtr& item : e.items) items.push_back(eval(*item));
      return e.tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    case ExprKind::Dict: {
      const auto& e = static_cast<const DictExpr&>(expr);
      Dict dict;
      for (const auto& [key_expr, value_expr] : e.items) {
        Value key = eval(*key_expr);
        if (!is_hashable(key)) runtime_error("unhashable type: '" + type_name(key) + "'");
        dict.set(std::move(key), eval(*value_expr));
      }
      return Value::dict(std::move(dict));
    }
    case ExprKind::GetAttr: {
      const auto& e = static_cast<const GetAttrExpr&>(expr);
      return get_attr(eval(*e.object), e.attr);
    }
    case ExprKind::GetItem: {
      const auto& e = static_cast<const GetItemExpr&>(expr);
      const Value object = eval(*e.object);
      return get_item(object, eval(*e.key));
    }
    case ExprKind::Slice: {
      const auto& e = static_cast<const SliceExpr&>(expr);
      const Value object = eval(*e.object);
      const Value start = e.start ? eval(*e.start) : Value::none();
      const Value stop = e.stop ? eval(*e.stop) : Value::none();
      const Value step = e.step ? eval(*e.step) : Value::none();
      Value sliced = slice_value(object, start, stop, step);
      charge_for(sliced);
      return sliced;
    }
    case ExprKind::Call: {
      const auto& e = static_cast<const CallExpr&>(expr);
      const Value callee = eval(*e.callee);
      CallArgs args = eval_args(e.args);
      return call(callee, args);
    }
    case ExprKind::Filter:
      return eval_filter(static_cast<const FilterExpr&>(expr), Value());
    case ExprKind::Test: {
      const auto& e = static_cast<const TestExpr&>(expr);
      const Value operand = eval(*e.operand);
      CallArgs args = eval_args(e.args);
      return Value::boolean(apply_test(e.name, operand, args));
    }
    case ExprKind::Unary: {
      const auto& e = static_cast<const UnaryExpr&>(expr);
      const Value operand = eval(*e.operand);
      if (e.op == UnaryOp::Not) return Value::boolean(!truthy(operand));
      return unary_op(e.op, operand);
    }
    case ExprKind::Binary: {
      const auto& e = static_cast<const BinaryExpr&>(expr);
      Value left = eval(*e.left);
      if (e.op == BinaryOp::And) return truthy(left) ? eval(*e.right) : left;
      if (e.op == BinaryOp::Or) return truthy(left) ? left : eval(*e.right);
      const Value right = eval(*e.right);
      Value result = binary_op(e.op, left, right, options_.max_output_bytes);
      charge_for(result);
      return result;
    }
    case ExprKind::Compare:
      return eval_compare(static_cast<const CompareExpr&>(expr));
    case ExprKind::Cond: {
      const auto& e = static_cast<const CondExpr&>(expr);
      if (truthy(eval(*e.test))) return eval(*e.then_expr);
      if (e.else_expr) return eval(*e.else_expr);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.pos.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

Value Evaluator::eval_compare(const CompareExpr& expr) {
  Value left = eval(*expr.first);
  for (const auto& [op, right_expr] : expr.rest) {
    Value right = eval(*right_expr);
    if (!compare(op, left, right)) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

CallArgs Evaluator::eval_args(const ArgExprs& exprs) {
  CallArgs args;
  for (const ExprPtr& e : exprs.positional) args.positional.push_back(eval(*e));
  if (exprs.star_args) {
    for (Value& v : iterate(eval(*exprs.star_args))) args.positional.push_back(std::move(v));
  }
  for (const auto& [name, e] : exprs.keyword) args.keyword.emplace_back(name, eval(*e));
  if (exprs.star_kwargs) {
    const Value extra = eval(*exprs.star_kwargs);
    if (!extra.is_dict())
      runtime_error("argument after ** must be a mapping, not " + type_name(extra));
    for (const auto& [key, value] : extra.as_dict().items()) {
      if (!key.is_string()) runtime_error("keywords must be strings");
      args.keyword.emplace_back(key.as_string(), value);
    }
  }
  return args;
}

Value Evaluator::eval_filter(const FilterExpr& filter, const Value& block_input) {
  // In a chain x|f|g the operand of g is x|f; at the bottom of a {% filter %} or {% set %} block
  // chain there is no operand and the block's text stands in.
  Value operand;
  if (!filter.operand) {
    operand = block_input;
  } else if (filter.operand->kind == ExprKind::Filter) {
    try {
      operand = eval_filter(static_cast<const FilterExpr&>(*filter.operand), block_input);
    } catch (TemplateError& e) {
      e.set_pos_if_unknown(filter.operand->pos);
      throw;
    }
  } else {
    operand = eval(*filter.operand);
  }
  CallArgs args = eval_args(filter.args);
  try {
    return apply_filter(filter.name, operand, args);
  } catch (TemplateError& e) {
    e.set_pos_if_unknown(filter.pos);
    throw;
  }
}

Value Evaluator::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) undefined_error(callee);
  if (!callee.is_function()) runtime_error("'" + type_name(callee) + "' object is not callable");
  charge(1);
  Value result = callee.as_function().call(*this, args);
  charge_for(result);
  return result;
}

Value Evaluator::apply_filter(const std::string& name, const Value& operand, CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (!fn) {
    if (is_unimplemented_filter(name)) {
      fail(ErrorKind::Unsupported, "the jinja2 filter '" + name + "' is not supported");
    }
    fail(ErrorKind::Syntax, "no filter named '" + name + "'");
  }
  Value result = fn(*this, operand, args);
  charge_for(result);
  return result;
}

bool Evaluator::apply_test(const std::string& name, const Value& operand, CallArgs& args) {
  const TestFn fn = find_test(name);
  if (!fn) {
    if (is_unimplemented_test(name)) {
      fail(ErrorKind::Unsupported, "the jinja2 test '" + name + "' is not supported");
    }
    fail(ErrorKind::Syntax, "no test named '" + name + "'");
  }
  return fn(*this, operand, args);
}

// jinja2's SandboxedEnvironment.getattr: a method or attribute of the object first, then an item
// with that name, else undefined.
Value Evaluator::get_attr(const Value& object, const std::string& name) {
  if (object.is_undefined()) undefined_error(object);
  if (auto method = find_method(object, name)) return *method;
  if (object.is_dict()) {
    if (const Value* v = object.as_dict().find(std::string_view(name))) return *v;
  } else if (object.is_namespace()) {
    if (const Value* v = object.as_namespace().attrs.find(std::string_view(name))) return *v;
  }
  return Value::undefined(
      core::str_cat("'", object_description(object), "' has no attribute '", name, "'"));
}

// jinja2's SandboxedEnvironment.getitem: the item first; for string keys, then an attribute.
Value Evaluator::get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) undefined_error(object);
  if (object.is_dict()) {
    if (is_hashable(key)) {
      if (const Value* v = object.as_dict().find(key)) return *v;
    }
  } else if ((object.is_sequence() || object.is_string()) && key.is_integral()) {
    std::int64_t i = key.as_int();
    if (object.is_list()) {
      const auto n = static_cast<std::int64_t>(object.items().size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return object.items()[static_cast<std::size_t>(i)];
    } else {
      const std::string& s = object.as_string();
      const auto n = static_cast<std::int64_t>(utf8::length(s));
      if (i < 0) i += n;
      if (i >= 0 && i < n) {
        std::size_t pos = 0;
        for (std::int64_t k = 0; k < i; ++k) utf8::decode_next(s, pos);
        const std::size_t start = pos;
        utf8::decode_next(s, pos);
        return Value::string(s.substr(start, pos - start));
      }
    }
  }
  if (key.is_string()) {
    if (auto method = find_method(object, key.as_string())) return *method;
    if (object.is_namespace()) {
      if (const Value* v = object.as_namespace().attrs.find(key)) return *v;
    }
    return Value::undefined(core::str_cat("'", object_description(object), "' has no attribute '",
                                          key.as_string(), "'"));
  }
  return Value::undefined(object_description(object) + " has no element " + py_repr(key));
}

}  // namespace braid::text::jinja
