// The values a template computes with, modelled on the Python objects jinja2 hands around.
//
// Lists, tuples, dicts and strings are immutable and shared (copying a Value is cheap): the
// sandbox Hugging Face renders in (ImmutableSandboxedEnvironment) forbids mutating them anyway.
// The only mutable object is the namespace(), whose attributes `{% set ns.x = ... %}` assigns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "jinja/error.h"

namespace braid::text::jinja {

class Value;
class Evaluator;
struct List;
class Dict;
struct Namespace;
struct Function;
struct IteratorState;

/// Arguments of a call: positional values, then keyword values in the order written.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

class Value {
 public:
  enum class Kind {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Dict,
    Namespace,
    Function,
    Iterator,  ///< a Python generator/iterator: single use, always true, no len()
  };

  /// An undefined value whose use fails with "'x' is undefined" style messages.
  Value() = default;
  static Value undefined(std::string message);
  static Value none();
  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  static Value floating(double f);
  static Value string(std::string s);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  /// A dict view ("dict_keys", "dict_values", "dict_items"): iterable with len(), but printed
  /// differently and not subscriptable.
  static Value view(std::vector<Value> items, const char* type);
  static Value dict(Dict d);
  static Value namespace_object(std::shared_ptr<Namespace> ns);
  static Value function(std::string name, std::function<Value(Evaluator&, CallArgs&)> fn);
  /// An iterator over `items` that Python would call `type` ("generator",
  /// "list_reverseiterator"). jinja2's map/select/unique/batch/items/... filters return these.
  static Value iterator(std::vector<Value> items, std::string type);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }  ///< list, tuple or dict view
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_namespace() const { return kind() == Kind::Namespace; }
  bool is_function() const { return kind() == Kind::Function; }
  bool is_iterator() const { return kind() == Kind::Iterator; }
  bool is_tuple() const;
  bool is_view() const;
  /// A plain list or a tuple (what Python can index, slice, concatenate and repeat).
  bool is_sequence() const { return is_list() && !is_view(); }
  /// bool, int or float (Python's numbers.Number; bool is an int in Python).
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  /// bool or int (usable as an integer index or count).
  bool is_integral() const { return is_bool() || is_int(); }

  bool as_bool() const { return std::get<bool>(data_); }
  std::int64_t as_int() const;  ///< int, or bool as 0/1
  double as_double() const;     ///< int, bool or float as a double
  const std::string& as_string() const { return *std::get<StringPtr>(data_); }
  const List& as_list() const { return *std::get<ListPtr>(data_); }
  const std::vector<Value>& items() const;  ///< elements of a list or tuple
  const Dict& as_dict() const { return *std::get<DictPtr>(data_); }
  Namespace& as_namespace() const { return *std::get<NamespacePtr>(data_); }
  const Function& as_function() const { return *std::get<FunctionPtr>(data_); }
  IteratorState& as_iterator() const { return *std::get<IteratorPtr>(data_); }
  /// Why this value is undefined (used in the error raised when it is misused).
  const std::string& undefined_message() const;

 private:
  struct UndefinedData {
    std::shared_ptr<const std::string> message;
  };
  struct NoneData {};
  using StringPtr = std::shared_ptr<const std::string>;
  using ListPtr = std::shared_ptr<const List>;
  using DictPtr = std::shared_ptr<const Dict>;
  using NamespacePtr = std::shared_ptr<Namespace>;
  using FunctionPtr = std::shared_ptr<const Function>;
  using IteratorPtr = std::shared_ptr<IteratorState>;

  std::variant<UndefinedData,
               NoneData,
               bool,
               std::int64_t,
               double,
               StringPtr,
               ListPtr,
               DictPtr,
               NamespacePtr,
               FunctionPtr,
               IteratorPtr>
      data_;
};

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  const char* view = nullptr;  ///< the dict view type name, for views
};

/// An insertion-ordered mapping with Python key equality (1, 1.0 and True are the same key).
class Dict {
 public:
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  /// Replaces the value of an existing key in place (keeping its position) or appends.
  void set(Value key, Value value);
  /// Appends a key known to be absent (no duplicate check; for building fixed-shape dicts).
  void append_new(Value key, Value value);
  void reserve(std::size_t n) { items_.reserve(n); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<std::pair<Value, Value>>& items() const { return items_; }

 private:
  void index_string_key(std::size_t position);

  std::vector<std::pair<Value, Value>> items_;
  // String keys only, built once the dict is large enough that a linear scan would hurt.
  std::unordered_map<std::string, std::size_t> string_index_;
};

/// jinja2's namespace(): the one mutable object, so loops can carry state outward.
struct Namespace {
  Dict attrs;
};

/// The items a generator has left. Iterating consumes them, as in Python; jinja2's filters are
/// lazy, which only matters for when errors appear and is otherwise reproduced by computing the
/// items up front.
struct IteratorState {
  std::vector<Value> items;
  std::size_t position = 0;
  std::string type;  ///< Python's type name, for messages
  /// Raised once `items` run out: the error the lazy computation would have hit at that point.
  std::shared_ptr<const TemplateError> error;

  /// Takes all remaining items (throws `error`, if any).
  std::vector<Value> drain();
  /// The next item, or nullptr at the end (throws `error` at the end, if any).
  const Value* next();
};

struct Function {
  std::string name;  ///< for messages: "range", "macro 'foo'", "str.split"
  std::function<Value(Evaluator&, CallArgs&)> call;
};

}  // namespace braid::text::jinja
