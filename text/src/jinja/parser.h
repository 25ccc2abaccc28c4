// Builds the syntax tree from tokens with jinja2's grammar and operator precedence.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "jinja/ast.h"

namespace braid::text::jinja {

/// Parses a whole template. Throws TemplateError (Syntax, or Unsupported for valid jinja2 this
/// engine does not implement, such as {% include %}) with the line and column of the problem.
std::unique_ptr<Program> parse_program(std::string_view source, std::string name);

}  // namespace braid::text::jinja
