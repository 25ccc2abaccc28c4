// The syntax tree the parser builds and the evaluator walks. Nodes mirror jinja2's (nodes.py),
// trimmed to what the engine implements.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/error.h"
#include "jinja/value.h"

namespace braid::text::jinja {

// ---- expressions -----------------------------------------------------------------------------

enum class ExprKind {
  Const,
  Name,
  List,  ///< list or tuple literal
  Dict,
  GetAttr,  ///< x.name
  GetItem,  ///< x[key], x.0
  Slice,    ///< x[start:stop:step]
  Call,
  Filter,
  Test,
  Unary,
  Binary,
  Compare,
  Cond,  ///< a if b else c
};

struct Expr {
  Expr(ExprKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Expr() = default;
  ExprKind kind;
  SourcePos pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct ArgExprs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    ///< *args
  ExprPtr star_kwargs;  ///< **kwargs
};

struct ConstExpr : Expr {
  ConstExpr(SourcePos p, Value v) : Expr(ExprKind::Const, p), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(SourcePos p, std::string n) : Expr(ExprKind::Name, p), name(std::move(n)) {}
  std::string name;
};

struct ListExpr : Expr {
  ListExpr(SourcePos p, bool t) : Expr(ExprKind::List, p), tuple(t) {}
  std::vector<ExprPtr> items;
  bool tuple;
};

struct DictExpr : Expr {
  explicit DictExpr(SourcePos p) : Expr(ExprKind::Dict, p) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct GetAttrExpr : Expr {
  GetAttrExpr(SourcePos p, ExprPtr o, std::string a)
      : Expr(ExprKind::GetAttr, p), object(std::move(o)), attr(std::move(a)) {}
  ExprPtr object;
  std::string attr;
};

struct GetItemExpr : Expr {
  GetItemExpr(SourcePos p, ExprPtr o, ExprPtr k)
      : Expr(ExprKind::GetItem, p), object(std::move(o)), key(std::move(k)) {}
  ExprPtr object;
  ExprPtr key;
};

struct SliceExpr : Expr {
  SliceExpr(SourcePos p, ExprPtr o) : Expr(ExprKind::Slice, p), object(std::move(o)) {}
  ExprPtr object;
  ExprPtr start, stop, step;  ///< each may be null
};

struct CallExpr : Expr {
  CallExpr(SourcePos p, ExprPtr c) : Expr(ExprKind::Call, p), callee(std::move(c)) {}
  ExprPtr callee;
  ArgExprs args;
};

/// `operand | name(args)`. In {% filter %} and {% set x | f %} blocks the innermost operand is
/// null and stands for the block's rendered text.
struct FilterExpr : Expr {
  FilterExpr(SourcePos p, ExprPtr o, std::string n)
      : Expr(ExprKind::Filter, p), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  ArgExprs args;
};

struct TestExpr : Expr {
  TestExpr(SourcePos p, ExprPtr o, std::string n)
      : Expr(ExprKind::Test, p), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  ArgExprs args;
};

enum class UnaryOp { Not, Neg, Pos };

struct UnaryExpr : Expr {
  UnaryExpr(SourcePos p, UnaryOp o, ExprPtr e)
      : Expr(ExprKind::Unary, p), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, And, Or };

struct BinaryExpr : Expr {
  BinaryExpr(SourcePos p, BinaryOp o, ExprPtr l, ExprPtr r)
      : Expr(ExprKind::Binary, p), op(o), left(std::move(l)), right(std::move(r)) {}
  BinaryOp op;
  ExprPtr left, right;
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

/// A chain `a < b <= c`, evaluated pairwise like Python.
struct CompareExpr : Expr {
  CompareExpr(SourcePos p, ExprPtr f) : Expr(ExprKind::Compare, p), first(std::move(f)) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

struct CondExpr : Expr {
  CondExpr(SourcePos p, ExprPtr t, ExprPtr a, ExprPtr b)
      : Expr(ExprKind::Cond, p),
        test(std::move(t)),
        then_expr(std::move(a)),
        else_expr(std::move(b)) {}
  ExprPtr test, then_expr, else_expr;  ///< else_expr may be null (yields undefined)
};

// ---- statements ------------------------------------------------------------------------------

enum class StmtKind {
  Data,
  Print,
  If,
  For,
  Set,
  SetBlock,
  Macro,
  CallBlock,
  FilterBlock,
  With,
  Break,
  Continue,
  Scope,  ///< {% block %} in a template without inheritance, {% generation %}
};

struct Stmt {
  Stmt(StmtKind k, SourcePos p) : kind(k), pos(p) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  SourcePos pos;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

/// Where `set`, `for` and `with` store values: a name, a tuple of targets, or `ns.attr`.
struct Target {
  enum class Kind { Name, Tuple, Attribute };
  Kind kind = Kind::Name;
  std::string name;  ///< the variable (for Attribute: the namespace variable)
  std::string attr;
  std::vector<Target> items;
  SourcePos pos;
};

struct DataStmt : Stmt {
  DataStmt(SourcePos p, std::string t) : Stmt(StmtKind::Data, p), text(std::move(t)) {}
  std::string text;
};

struct PrintStmt : Stmt {
  PrintStmt(SourcePos p, ExprPtr e) : Stmt(StmtKind::Print, p), expr(std::move(e)) {}
  ExprPtr expr;
};

struct IfStmt : Stmt {
  explicit IfStmt(SourcePos p) : Stmt(StmtKind::If, p) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  ///< if, then each elif
  Body else_body;
};

struct ForStmt : Stmt {
  explicit ForStmt(SourcePos p) : Stmt(StmtKind::For, p) {}
  Target target;
  ExprPtr iterable;
  ExprPtr filter;  ///< `for x in xs if cond`; may be null
  Body body;
  Body else_body;
  bool uses_loop = false;  ///< the body names `loop`; otherwise the loop object is not built
};

struct SetStmt : Stmt {
  explicit SetStmt(SourcePos p) : Stmt(StmtKind::Set, p) {}
  Target target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {
  explicit SetBlockStmt(SourcePos p) : Stmt(StmtKind::SetBlock, p) {}
  Target target;
  ExprPtr filter;  ///< may be null
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  ///< may be null
};

/// What a macro body refers to without declaring, which decides the extra arguments it takes.
struct MacroUses {
  bool caller = false;
  bool varargs = false;
  bool kwargs = false;
};

struct MacroStmt : Stmt {
  explicit MacroStmt(SourcePos p) : Stmt(StmtKind::Macro, p) {}
  std::string name;
  std::vector<MacroParam> params;
  Body body;
  MacroUses uses;
};

struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(SourcePos p) : Stmt(StmtKind::CallBlock, p) {}
  std::vector<MacroParam> params;  ///< the caller's parameters: {% call(x) m() %}
  ExprPtr call;                    ///< a CallExpr
  Body body;
  MacroUses uses;
};

struct FilterBlockStmt : Stmt {
  explicit FilterBlockStmt(SourcePos p) : Stmt(StmtKind::FilterBlock, p) {}
  ExprPtr filter;
  Body body;
};

struct WithStmt : Stmt {
  explicit WithStmt(SourcePos p) : Stmt(StmtKind::With, p) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};

struct ScopeStmt : Stmt {
  explicit ScopeStmt(SourcePos p) : Stmt(StmtKind::Scope, p) {}
  Body body;
};

/// A parsed template.
struct Program {
  std::string name;  ///< for messages
  Body body;
};

}  // namespace braid::text::jinja
