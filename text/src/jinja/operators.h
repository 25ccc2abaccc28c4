// Python's arithmetic and sequence operators on template values (+ - * / // % ** ~, unary
// minus, slicing). Results larger than `max_size` (bytes for strings, elements for lists) fail
// with a Limit error instead of exhausting memory.
#pragma once

#include <cstddef>
#include <optional>

#include "jinja/ast.h"
#include "jinja/value.h"

namespace braid::text::jinja {

/// a <op> b for every BinaryOp except And/Or (which short-circuit in the evaluator).
Value binary_op(BinaryOp op, const Value& a, const Value& b, std::size_t max_size);

/// -v and +v.
Value unary_op(UnaryOp op, const Value& v);

/// v[start:stop:step] for lists, tuples and strings. jinja2 compiles slices to plain Python
/// subscripts, so every failure is Python's TypeError/ValueError (or undefined's error).
Value slice_value(const Value& v, const Value& start, const Value& stop, const Value& step);

/// Python's rules for clamping slice bounds: fills the absolute start and the element count.
void adjust_slice(std::int64_t length,
                  std::optional<std::int64_t> start,
                  std::optional<std::int64_t> stop,
                  std::int64_t step,
                  std::int64_t* first,
                  std::int64_t* count);

}  // namespace braid::text::jinja
