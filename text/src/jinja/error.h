// Errors inside the engine.
//
// Parsing and rendering recurse deeply (expressions inside filters inside macros inside loops), so
// internally an error unwinds as a C++ exception; Template::parse and Template::render catch it at
// the library edge and turn it into a braid::core::Status. No exception leaves the library.
#pragma once

#include <string>
#include <utility>

namespace braid::text::jinja {

/// A place in the template source: 1-based line and column (in code points). 0 = unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
};

enum class ErrorKind {
  Syntax,       ///< the template text is malformed (jinja2's TemplateSyntaxError)
  Runtime,      ///< a Python TypeError/ValueError/... equivalent while rendering
  Undefined,    ///< an operation on an undefined value (jinja2's UndefinedError)
  Raised,       ///< the template called raise_exception(message)
  Limit,        ///< a step, size or depth budget ran out
  Unsupported,  ///< valid jinja2 that this engine does not implement
};

class TemplateError {
 public:
  TemplateError(ErrorKind kind, std::string message, SourcePos pos = {})
      : kind_(kind), message_(std::move(message)), pos_(pos) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  SourcePos pos() const { return pos_; }
  /// Records where the error happened, unless a more precise (inner) place is already known.
  void set_pos_if_unknown(SourcePos pos) {
    if (!pos_.known()) pos_ = pos;
  }

 private:
  ErrorKind kind_;
  std::string message_;
  SourcePos pos_;
};

[[noreturn]] inline void fail(ErrorKind kind, std::string message, SourcePos pos = {}) {
  throw TemplateError(kind, std::move(message), pos);
}
/// A Python-style runtime error (TypeError, ValueError, ZeroDivisionError, ...).
[[noreturn]] inline void runtime_error(std::string message) {
  fail(ErrorKind::Runtime, std::move(message));
}

}  // namespace braid::text::jinja
