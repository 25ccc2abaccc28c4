// Statements, scopes, macros and budgets. Expressions are in expressions.cpp.
#include "jinja/evaluator.h"

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/value_ops.h"

namespace braid::text::jinja {

const Value* Scope::find_local(std::string_view name) const {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return nullptr;
}

void Scope::set(const std::string& name, Value value) {
  for (auto& [key, existing] : vars_) {
    if (key == name) {
      existing = std::move(value);
      return;
    }
  }
  vars_.emplace_back(name, std::move(value));
}

// Makes `scope` current for the guard's lifetime.
class Evaluator::ScopeGuard {
 public:
  ScopeGuard(Evaluator& ev, std::shared_ptr<Scope> scope) : ev_(ev), saved_(std::move(ev.scope_)) {
    ev_.scope_ = std::move(scope);
  }
  ~ScopeGuard() { ev_.scope_ = std::move(saved_); }

 private:
  Evaluator& ev_;
  std::shared_ptr<Scope> saved_;
};

// Sends output to `buffer` for the guard's lifetime.
class Evaluator::CaptureGuard {
 public:
  CaptureGuard(Evaluator& ev, std::string* buffer) : ev_(ev), saved_(ev.out_) { ev_.out_ = buffer; }
  ~CaptureGuard() { ev_.out_ = saved_; }

 private:
  Evaluator& ev_;
  std::string* saved_;
};

Evaluator::Evaluator(const Program& program, const Dict& context, const RenderOptions& options)
    : program_(program),
      context_(context),
      options_(options),
      scope_(std::make_shared<Scope>(nullptr)) {}

Evaluator::~Evaluator() {
  for (auto& ns : namespaces_) ns->attrs = Dict();
}

std::string Evaluator::render() {
  std::string out;
  CaptureGuard capture_guard(*this, &out);
  exec_body(program_.body);
  return out;
}

void Evaluator::charge(std::uint64_t steps) {
  steps_ += steps;
  if (steps_ > options_.max_steps) {
    fail(ErrorKind::Limit, "the template ran for more than " + std::to_string(options_.max_steps) +
                               " steps (an endless or very long loop?)");
  }
}

void Evaluator::charge_for(const Value& v) {
  std::size_t size = 0;
  if (v.is_string()) {
    size = v.as_string().size();
    charge(size / 64);
  } else if (v.is_list()) {
    size = v.items().size();
    charge(size / 4);
  } else if (v.is_dict()) {
    size = v.as_dict().size();
    charge(size / 4);
  }
  if (size > options_.max_output_bytes) {
    fail(ErrorKind::Limit, "a value of " + std::to_string(size) +
                               " bytes/items exceeds the size limit of " +
                               std::to_string(options_.max_output_bytes));
  }
}

std::shared_ptr<Namespace> Evaluator::make_namespace() {
  auto ns = std::make_shared<Namespace>();
  namespaces_.push_back(ns);
  return ns;
}

void Evaluator::write(std::string_view text) {
  out_->append(text);
  if (out_->size() > options_.max_output_bytes) {
    fail(ErrorKind::Limit,
         "the output exceeds the limit of " + std::to_string(options_.max_output_bytes) + " bytes");
  }
}

void Evaluator::write_value(const Value& value) {
  if (value.is_string()) return write(value.as_string());
  std::string text;
  append_str(text, value);
  write(text);
}

Evaluator::Flow Evaluator::exec_body(const Body& body) {
  for (const StmtPtr& stmt : body) {
    const Flow flow = exec(*stmt);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

std::string Evaluator::capture(const Body& body, std::shared_ptr<Scope> scope) {
  std::string buffer;
  CaptureGuard capture_guard(*this, &buffer);
  ScopeGuard scope_guard(*this, std::move(scope));
  exec_body(body);
  return buffer;
}

Evaluator::Flow Evaluator::exec(const Stmt& stmt) {
  charge(1);
  try {
    switch (stmt.kind) {
      case StmtKind::Data:
        write(static_cast<const DataStmt&>(stmt).text);
        return Flow::Normal;
      case StmtKind::Print:
        write_value(eval(*static_cast<const PrintStmt&>(stmt).expr));
        return Flow::Normal;
      case StmtKind::If: {
        const auto& s = static_cast<const IfStmt&>(stmt);
        for (const auto& [test, body] : s.branches) {
          if (truthy(eval(*test))) return exec_body(body);
        }
        return exec_body(s.else_body);
      }
      case StmtKind::For:
        return exec_for(static_cast<const ForStmt&>(stmt));
      case StmtKind::Set: {
        const auto& s = static_cast<const SetStmt&>(stmt);
        assign(s.target, eval(*s.value), *scope_);
        return Flow::Normal;
      }
      case StmtKind::SetBlock: {
        const auto& s = static_cast<const SetBlockStmt&>(stmt);
        Value text = Value::string(capture(s.body, std::make_shared<Scope>(scope_)));
        if (s.filter) text = eval_filter(static_cast<const FilterExpr&>(*s.filter), text);
        assign(s.target, text, *scope_);
        return Flow::Normal;
      }
      case StmtKind::Macro: {
        const auto& s = static_cast<const MacroStmt&>(stmt);
        scope_->set(s.name, make_macro(s.name, &s.params, &s.body, s.uses));
        return Flow::Normal;
      }
      case StmtKind::CallBlock:
        exec_call_block(static_cast<const CallBlockStmt&>(stmt));
        return Flow::Normal;
      case StmtKind::FilterBlock: {
        const auto& s = static_cast<const FilterBlockStmt&>(stmt);
        const Value text = Value::string(capture(s.body, std::make_shared<Scope>(scope_)));
        write_value(eval_filter(static_cast<const FilterExpr&>(*s.filter), text));
        return Flow::Normal;
      }
      case StmtKind::With: {
        const auto& s = static_cast<const WithStmt&>(stmt);
        std::vector<Value> values;
        for (const auto& assignment : s.assignments) values.push_back(eval(*assignment.second));
        auto scope = std::make_shared<Scope>(scope_);
        for (std::size_t i = 0; i < values.size(); ++i) {
          assign(s.assignments[i].first, values[i], *scope);
        }
        ScopeGuard guard(*this, std::move(scope));
        return exec_body(s.body);
      }
      case StmtKind::Break:
        return Flow::Break;
      case StmtKind::Continue:
        return Flow::Continue;
      case StmtKind::Scope: {
        ScopeGuard guard(*this, std::make_shared<Scope>(scope_));
        exec_body(static_cast<const ScopeStmt&>(stmt).body);
        return Flow::Normal;
      }
    }
  } catch (TemplateError& e) {
    e.set_pos_if_unknown(stmt.pos);
    throw;
  }
  return Flow::Normal;
}

namespace {

// jinja2's LoopContext as a dict, rebuilt for each iteration. The keys and the cycle()/changed()
// functions are made once per loop; loops are the hot path of every chat template.
struct LoopKeys {
  Value index0 = Value::string("index0"), index = Value::string("index"),
        revindex0 = Value::string("revindex0"), revindex = Value::string("revindex"),
        first = Value::string("first"), last = Value::string("last"),
        length = Value::string("length"), depth0 = Value::string("depth0"),
        depth = Value::string("depth"), previtem = Value::string("previtem"),
        nextitem = Value::string("nextitem"), cycle = Value::string("cycle"),
        changed = Value::string("changed");
  Value no_previous = Value::undefined("there is no previous item");
  Value no_next = Value::undefined("there is no next item");
};

const LoopKeys& loop_keys() {
  static const LoopKeys keys;
  return keys;
}

struct LoopFunctions {
  std::shared_ptr<std::int64_t> index0 = std::make_shared<std::int64_t>(0);
  Value cycle, changed;

  LoopFunctions() {
    cycle = Value::function("loop.cycle", [index0 = index0](Evaluator&, CallArgs& args) -> Value {
      if (args.positional.empty()) runtime_error("no items for cycling given");
      return args.positional[static_cast<std::size_t>(*index0) % args.positional.size()];
    });
    auto last = std::make_shared<Value>();
    changed = Value::function("loop.changed", [last](Evaluator&, CallArgs& args) -> Value {
      Value current = Value::tuple(args.positional);
      if (!last->is_undefined() && py_equal(*last, current)) return Value::boolean(false);
      *last = std::move(current);
      return Value::boolean(true);
    });
  }
};

Value make_loop(const std::vector<Value>& items, std::size_t i, const LoopFunctions& functions) {
  const LoopKeys& k = loop_keys();
  const auto n = static_cast<std::int64_t>(items.size());
  const auto index0 = static_cast<std::int64_t>(i);
  *functions.index0 = index0;
  Dict loop;
  loop.reserve(13);
  loop.append_new(k.index0, Value::integer(index0));
  loop.append_new(k.index, Value::integer(index0 + 1));
  loop.append_new(k.revindex0, Value::integer(n - index0 - 1));
  loop.append_new(k.revindex, Value::integer(n - index0));
  loop.append_new(k.first, Value::boolean(i == 0));
  loop.append_new(k.last, Value::boolean(index0 == n - 1));
  loop.append_new(k.length, Value::integer(n));
  loop.append_new(k.depth0, Value::integer(0));
  loop.append_new(k.depth, Value::integer(1));
  loop.append_new(k.previtem, i > 0 ? items[i - 1] : k.no_previous);
  loop.append_new(k.nextitem, i + 1 < items.size() ? items[i + 1] : k.no_next);
  loop.append_new(k.cycle, functions.cycle);
  loop.append_new(k.changed, functions.changed);
  return Value::dict(std::move(loop));
}

}  // namespace

Evaluator::Flow Evaluator::exec_for(const ForStmt& stmt) {
  const Value iterable = eval(*stmt.iterable);
  std::vector<Value> items = iterate(iterable);
  charge(items.size() / 4);
  const std::shared_ptr<Scope> outer = scope_;
  if (stmt.filter) {
    std::vector<Value> kept;
    for (Value& item : items) {
      charge(1);
      auto filter_scope = std::make_shared<Scope>(outer);
      assign(stmt.target, item, *filter_scope);
      ScopeGuard guard(*this, std::move(filter_scope));
      if (truthy(eval(*stmt.filter))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    ScopeGuard guard(*this, std::make_shared<Scope>(outer));
    exec_body(stmt.else_body);
    return Flow::Normal;
  }
  const LoopFunctions functions;
  for (std::size_t i = 0; i < items.size(); ++i) {
    charge(1);
    // jinja2 gives every iteration a fresh frame over the enclosing one: a {% set %} in the body
    // lasts until the end of that iteration only.
    auto iteration = std::make_shared<Scope>(outer);
    if (stmt.uses_loop) iteration->set("loop", make_loop(items, i, functions));
    assign(stmt.target, items[i], *iteration);
    ScopeGuard guard(*this, std::move(iteration));
    if (exec_body(stmt.body) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Evaluator::assign(const Target& target, const Value& value, Scope& scope) {
  switch (target.kind) {
    case Target::Kind::Name:
      scope.set(target.name, value);
      return;
    case Target::Kind::Tuple: {
      const std::vector<Value> items = iterate(value);
      const std::size_t want = target.items.size();
      if (items.size() < want) {
        fail(ErrorKind::Runtime,
             "not enough values to unpack (expected " + std::to_string(want) + ", got " +
                 std::to_string(items.size()) + ")",
             target.pos);
      }
      if (items.size() > want) {
        fail(ErrorKind::Runtime,
             "too many values to unpack (expected " + std::to_string(want) + ")", target.pos);
      }
      for (std::size_t i = 0; i < want; ++i) assign(target.items[i], items[i], scope);
      return;
    }
    case Target::Kind::Attribute: {
      const Value ns = lookup(target.name);
      if (!ns.is_namespace()) {
        fail(ErrorKind::Runtime,
             "cannot assign attribute '" + target.attr + "' on '" + target.name +
                 "': it is not a namespace() object",
             target.pos);
      }
      ns.as_namespace().attrs.set(Value::string(target.attr), value);
      return;
    }
  }
}

Value Evaluator::lookup(const std::string& name) const {
  for (const Scope* s = scope_.get(); s != nullptr; s = s->parent().get()) {
    if (const Value* v = s->find_local(name)) return *v;
  }
  if (const Value* v = context_.find(std::string_view(name))) return *v;
  if (auto global = find_global(name)) return *global;
  return Value::undefined("'" + name + "' is undefined");
}

Value Evaluator::make_macro(const std::string& name,
                            const std::vector<MacroParam>* params,
                            const Body* body,
                            MacroUses uses) {
  std::weak_ptr<Scope> closure = scope_;
  return Value::function(
      "macro '" + name + "'",
      [name, params, body, uses, closure](Evaluator& ev, CallArgs& args) -> Value {
        return ev.invoke_macro(name, *params, *body, uses, closure, args);
      });
}

Value Evaluator::invoke_macro(const std::string& name,
                              const std::vector<MacroParam>& params,
                              const Body& body,
                              MacroUses uses,
                              const std::weak_ptr<Scope>& closure,
                              CallArgs& args) {
  std::shared_ptr<Scope> parent = closure.lock();
  if (!parent) {
    runtime_error("macro '" + name + "' was called after the block that defined it ended");
  }
  if (call_depth_ >= options_.max_call_depth) {
    fail(ErrorKind::Limit, "macro calls nest deeper than " +
                               std::to_string(options_.max_call_depth) + " (endless recursion?)");
  }
  auto scope = std::make_shared<Scope>(parent);
  std::vector<bool> bound(params.size(), false);
  std::vector<Value> varargs;
  for (std::size_t i = 0; i < args.positional.size(); ++i) {
    if (i < params.size()) {
      scope->set(params[i].name, args.positional[i]);
      bound[i] = true;
    } else if (uses.varargs) {
      varargs.push_back(args.positional[i]);
    } else {
      runtime_error("macro '" + name + "' takes not more than " + std::to_string(params.size()) +
                    " argument(s)");
    }
  }
  Dict kwargs;
  Value caller = Value::undefined("no caller defined");
  for (auto& [key, value] : args.keyword) {
    std::size_t i = 0;
    while (i < params.size() && params[i].name != key) ++i;
    if (i < params.size()) {
      if (bound[i])
        runtime_error("macro '" + name + "' got multiple values for argument '" + key + "'");
      scope->set(key, value);
      bound[i] = true;
    } else if (key == "caller" && uses.caller) {
      caller = value;
    } else if (uses.kwargs) {
      kwargs.set(Value::string(key), value);
    } else {
      runtime_error("macro '" + name + "' takes no keyword argument '" + key + "'");
    }
  }
  if (uses.varargs) scope->set("varargs", Value::tuple(std::move(varargs)));
  if (uses.kwargs) scope->set("kwargs", Value::dict(std::move(kwargs)));
  if (uses.caller) scope->set("caller", caller);
  ++call_depth_;
  struct DepthRestore {
    int& depth;
    ~DepthRestore() { --depth; }
  } restore{call_depth_};
  {
    // Defaults are evaluated at call time inside the macro's frame, so they can use earlier
    // parameters.
    ScopeGuard guard(*this, scope);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (bound[i]) continue;
      if (params[i].default_value) {
        scope->set(params[i].name, eval(*params[i].default_value));
      } else {
        scope->set(params[i].name,
                   Value::undefined("parameter '" + params[i].name + "' was not provided"));
      }
    }
  }
  return Value::string(capture(body, scope));
}

void Evaluator::exec_call_block(const CallBlockStmt& stmt) {
  const auto& call = static_cast<const CallExpr&>(*stmt.call);
  const Value callee = eval(*call.callee);
  CallArgs args = eval_args(call.args);
  args.keyword.emplace_back("caller", make_macro("caller", &stmt.params, &stmt.body, stmt.uses));
  write_value(this->call(callee, args));
}

}  // namespace braid::text::jinja
