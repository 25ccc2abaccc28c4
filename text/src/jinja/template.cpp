// The library edge: parse/render entry points that turn internal errors into Status values.
#include "braid/text/jinja/template.h"

#include <new>

#include "braid/core/status.h"
#include "jinja/ast.h"
#include "jinja/error.h"
#include "jinja/evaluator.h"
#include "jinja/json_bridge.h"
#include "jinja/parser.h"
#include "jinja/strftime.h"
#include "jinja/utf8.h"

namespace braid::text::jinja {

namespace {

core::Status to_status(const TemplateError& e, const std::string& name) {
  std::string where = core::str_cat("[jinja] ", name);
  if (e.pos().known()) where = core::str_cat(where, ":", e.pos().line, ":", e.pos().column);
  switch (e.kind()) {
    case ErrorKind::Syntax:
      return core::invalid_argument(where, ": syntax error: ", e.message());
    case ErrorKind::Raised:
      return core::invalid_argument(where, ": raise_exception: ", e.message());
    case ErrorKind::Undefined:
      return core::invalid_argument(where, ": undefined: ", e.message());
    case ErrorKind::Runtime:
      return core::invalid_argument(where, ": ", e.message());
    case ErrorKind::Limit:
      return core::out_of_range(where, ": limit exceeded: ", e.message());
    case ErrorKind::Unsupported:
      return core::not_supported(where, ": not supported: ", e.message());
  }
  return core::internal_error(where, ": ", e.message());
}

template <typename Json>
core::Result<std::string> render_json(const std::shared_ptr<const Program>& program,
                                      const Json& context,
                                      const RenderOptions& options) {
  const std::string& name = program->name;
  if (!context.is_object()) {
    return core::invalid_argument(
        "[jinja] ", name, ": the render context must be a JSON object, got ", context.type_name());
  }
  if (options.now && !is_valid_civil_time(*options.now)) {
    return core::invalid_argument("[jinja] ", name,
                                  ": RenderOptions::now is not a valid date and time");
  }
  try {
    const Value variables = from_json(context);
    Evaluator evaluator(*program, variables.as_dict(), options);
    return evaluator.render();
  } catch (const TemplateError& e) {
    return to_status(e, name);
  } catch (const std::bad_alloc&) {
    return core::Status(core::StatusCode::OutOfMemory,
                        "[jinja] " + name + ": out of memory while rendering");
  } catch (const std::exception& e) {
    return core::internal_error("[jinja] ", name, ": unexpected error: ", e.what());
  }
}

}  // namespace

core::Result<Template> Template::parse(std::string_view source, std::string name) {
  const std::size_t bad = utf8::first_invalid(source);
  if (bad != std::string_view::npos) {
    return core::invalid_argument("[jinja] ", name, ": template is not valid UTF-8 (byte ", bad,
                                  ")");
  }
  try {
    return Template(parse_program(source, name));
  } catch (const TemplateError& e) {
    return to_status(e, name);
  } catch (const std::bad_alloc&) {
    return core::Status(core::StatusCode::OutOfMemory,
                        "[jinja] " + name + ": out of memory while parsing");
  } catch (const std::exception& e) {
    return core::internal_error("[jinja] ", name, ": unexpected error: ", e.what());
  }
}

core::Result<std::string> Template::render(const nlohmann::ordered_json& context,
                                           const RenderOptions& options) const {
  return render_json(program_, context, options);
}

core::Result<std::string> Template::render(const nlohmann::json& context,
                                           const RenderOptions& options) const {
  return render_json(program_, context, options);
}

const std::string& Template::name() const { return program_->name; }

}  // namespace braid::text::jinja
