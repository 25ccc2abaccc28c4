// Python semantics for values: truthiness, ==, ordering, str()/repr(), len(), iteration, `in`.
// Failures throw TemplateError (see error.h) with messages modelled on Python's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jinja/value.h"

namespace braid::text::jinja {

/// Python bool(v); undefined is false.
bool truthy(const Value& v);

/// Python ==, deep for containers; undefined equals only undefined.
bool py_equal(const Value& a, const Value& b);

/// Python ordering: -1, 0 or 1; throws TypeError for unorderable pairs ('<' between str and int).
int py_compare(const Value& a, const Value& b);

/// Python type name: "str", "int", "list", "dict", "NoneType", ...
std::string type_name(const Value& v);

/// jinja2's description of an object in messages: "'dict object'"-style text without quotes.
std::string object_description(const Value& v);

/// Python str(v) and repr(v) (undefined prints as "").
std::string py_str(const Value& v);
std::string py_repr(const Value& v);
void append_str(std::string& out, const Value& v);
void append_repr(std::string& out, const Value& v);

/// Python list(v): list/tuple items, dict keys, string characters; undefined is empty.
std::vector<Value> iterate(const Value& v);

/// Python len(v).
std::int64_t py_len(const Value& v);

/// Python `item in container`.
bool contains(const Value& container, const Value& item);

/// Whether the value can be a dict key (hashable in Python).
bool is_hashable(const Value& v);

/// Throws the error an undefined value raises when misused.
[[noreturn]] void undefined_error(const Value& undefined);

}  // namespace braid::text::jinja
