// Pieces shared by the filter files: argument helpers and the registry entry type.
#pragma once

#include <span>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/value.h"

namespace braid::text::jinja::detail {

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

/// Filters on text and numbers (filters_text.cpp) and on sequences (filters_sequence.cpp).
std::span<const FilterEntry> text_filters();
std::span<const FilterEntry> sequence_filters();

/// An integer argument of `filter`, or a TypeError naming it.
std::int64_t int_param(const Value& v, const char* filter);
/// jinja2's make_attrgetter: "a.b.0" walks getitem with each part (digits become ints).
Value get_path(Evaluator& ev, Value item, const Value& attribute);
/// jinja2's ignore_case: strings compare lower-cased unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive);

}  // namespace braid::text::jinja::detail
