// Renders a parsed Program: walks statements, evaluates expressions with jinja2's scoping rules,
// and enforces the render budgets. One Evaluator per render call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "braid/text/jinja/template.h"
#include "jinja/ast.h"
#include "jinja/value.h"

namespace braid::text::jinja {

/// Variables of one frame. jinja2 opens a frame for each for loop, macro call, block set,
/// {% filter %} and {% with %}; {% if %} does not. Lookups walk to the parent frames.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* find_local(std::string_view name) const;
  void set(const std::string& name, Value value);
  const std::shared_ptr<Scope>& parent() const { return parent_; }

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

class Evaluator {
 public:
  /// `context` holds the render variables (from JSON). Both must outlive the evaluator.
  Evaluator(const Program& program, const Dict& context, const RenderOptions& options);
  ~Evaluator();

  /// Renders the whole template. Throws TemplateError.
  std::string render();

  // ---- services for filters, tests, methods and globals --------------------------------------

  /// Counts `steps` against the budget; throws a Limit error when it runs out.
  void charge(std::uint64_t steps);
  /// Charges for the size of a freshly built value and rejects values over the size cap.
  void charge_for(const Value& result);
  std::size_t max_size() const { return options_.max_output_bytes; }
  const RenderOptions& options() const { return options_; }

  Value call(const Value& callee, CallArgs& args);
  Value apply_filter(const std::string& name, const Value& operand, CallArgs& args);
  bool apply_test(const std::string& name, const Value& operand, CallArgs& args);
  /// jinja2's sandboxed getattr (x.name) and getitem (x[key]).
  Value get_attr(const Value& object, const std::string& name);
  Value get_item(const Value& object, const Value& key);
  /// A new namespace() object, owned by this render.
  std::shared_ptr<Namespace> make_namespace();

 private:
  enum class Flow { Normal, Break, Continue };
  class ScopeGuard;
  class CaptureGuard;

  Flow exec_body(const Body& body);
  Flow exec(const Stmt& stmt);
  Flow exec_for(const ForStmt& stmt);
  void exec_call_block(const CallBlockStmt& stmt);
  void assign(const Target& target, const Value& value, Scope& scope);
  std::string capture(const Body& body, std::shared_ptr<Scope> scope);
  void write(std::string_view text);
  void write_value(const Value& value);

  Value eval(const Expr& expr);
  Value eval_inner(const Expr& expr);
  Value eval_filter(const FilterExpr& filter, const Value& block_input);
  Value eval_compare(const CompareExpr& expr);
  CallArgs eval_args(const ArgExprs& args);
  Value lookup(const std::string& name) const;

  Value make_macro(const std::string& name,
                   const std::vector<MacroParam>* params,
                   const Body* body,
                   MacroUses uses);
  Value invoke_macro(const std::string& name,
                     const std::vector<MacroParam>& params,
                     const Body& body,
                     MacroUses uses,
                     const std::weak_ptr<Scope>& closure,
                     CallArgs& args);

  const Program& program_;
  const Dict& context_;
  const RenderOptions& options_;
  std::shared_ptr<Scope> scope_;
  std::string* out_ = nullptr;
  std::uint64_t steps_ = 0;
  int eval_depth_ = 0;
  int call_depth_ = 0;
  // Namespaces can be made to reference themselves; clearing them at the end breaks the cycle.
  std::vector<std::shared_ptr<Namespace>> namespaces_;
};

}  // namespace braid::text::jinja
