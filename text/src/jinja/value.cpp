#include "jinja/value.h"

#include "jinja/value_ops.h"

namespace braid::text::jinja {

namespace {
// Below this size a linear scan beats hashing (the loop dict has 13 keys).
constexpr std::size_t kIndexThreshold = 32;
}  // namespace

Value Value::undefined(std::string message) {
  Value v;
  v.data_ = UndefinedData{std::make_shared<const std::string>(std::move(message))};
  return v;
}

Value Value::none() {
  Value v;
  v.data_ = NoneData{};
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.data_ = b;
  return v;
}

Value Value::integer(std::int64_t i) {
  Value v;
  v.data_ = i;
  return v;
}

Value Value::floating(double f) {
  Value v;
  v.data_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.data_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.data_ = std::make_shared<const List>(List{std::move(items), false, nullptr});
  return v;
}

Value Value::view(std::vector<Value> items, const char* type) {
  Value v;
  v.data_ = std::make_shared<const List>(List{std::move(items), false, type});
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.data_ = std::make_shared<const List>(List{std::move(items), true, nullptr});
  return v;
}

Value Value::dict(Dict d) {
  Value v;
  v.data_ = std::make_shared<const Dict>(std::move(d));
  return v;
}

Value Value::namespace_object(std::shared_ptr<Namespace> ns) {
  Value v;
  v.data_ = std::move(ns);
  return v;
}

Value Value::function(std::string name, std::function<Value(Evaluator&, CallArgs&)> fn) {
  Value v;
  v.data_ = std::make_shared<const Function>(Function{std::move(name), std::move(fn)});
  return v;
}

Value Value::iterator(std::vector<Value> items, std::string type) {
  Value v;
  v.data_ =
      std::make_shared<IteratorState>(IteratorState{std::move(items), 0, std::move(type), nullptr});
  return v;
}

std::vector<Value> IteratorState::drain() {
  std::vector<Value> rest(items.begin() + static_cast<std::ptrdiff_t>(position), items.end());
  position = items.size();
  if (error) throw *error;
  return rest;
}

const Value* IteratorState::next() {
  if (position < items.size()) return &items[position++];
  if (error) throw *error;
  return nullptr;
}

bool Value::is_tuple() const { return is_list() && as_list().is_tuple; }
bool Value::is_view() const { return is_list() && as_list().view != nullptr; }

std::int64_t Value::as_int() const {
  if (is_bool()) return as_bool() ? 1 : 0;
  return std::get<std::int64_t>(data_);
}

double Value::as_double() const {
  if (is_float()) return std::get<double>(data_);
  return static_cast<double>(as_int());
}

const std::vector<Value>& Value::items() const { return as_list().items; }

const std::string& Value::undefined_message() const {
  static const std::string kGeneric = "value is undefined";
  const auto& data = std::get<UndefinedData>(data_);
  return data.message ? *data.message : kGeneric;
}

const Value* Dict::find(std::string_view key) const {
  if (!string_index_.empty()) {
    auto it = string_index_.find(std::string(key));
    return it == string_index_.end() ? nullptr : &items_[it->second].second;
  }
  for (const auto& [k, v] : items_) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : items_) {
    if (!k.is_string() && py_equal(k, key)) return &v;
  }
  return nullptr;
}

void Dict::set(Value key, Value value) {
  if (const Value* existing = find(key)) {
    const_cast<Value&>(*existing) = std::move(value);
    return;
  }
  items_.emplace_back(std::move(key), std::move(value));
  if (!string_index_.empty()) {
    index_string_key(items_.size() - 1);
  } else if (items_.size() >= kIndexThreshold) {
    for (std::size_t i = 0; i < items_.size(); ++i) index_string_key(i);
  }
}

void Dict::append_new(Value key, Value value) {
  items_.emplace_back(std::move(key), std::move(value));
  if (!string_index_.empty()) {
    index_string_key(items_.size() - 1);
  } else if (items_.size() >= kIndexThreshold) {
    for (std::size_t i = 0; i < items_.size(); ++i) index_string_key(i);
  }
}

void Dict::index_string_key(std::size_t position) {
  const Value& key = items_[position].first;
  if (key.is_string()) string_index_.emplace(key.as_string(), position);
}

}  // namespace braid::text::jinja
