// A Jinja2 template engine for chat templates, matching how Hugging Face transformers renders
// `tokenizer.chat_template`: jinja2's ImmutableSandboxedEnvironment with trim_blocks and
// lstrip_blocks, the loopcontrols extension, the globals raise_exception() and strftime_now(),
// and a tojson filter that is Python's json.dumps (no HTML escaping, keys in insertion order).
//
// What is implemented: every statement chat templates use ({% if %}, {% for %} with loop.* and
// else, {% set %} including namespaces and block sets, {% macro %}/{% call %}, {% filter %},
// {% with %}, {% break %}/{% continue %}, {% raw %}, comments, whitespace control), Python
// expressions and values with Python semantics (including jinja2's lazy, single-use generators
// from map/select/... and dict views), the jinja2 filters and tests listed in builtins, and the
// str/dict/list methods templates call. tests/golden/chat_templates holds the evidence: real
// templates and ~290 single-feature cases rendered by jinja2 itself.
//
// Known differences from CPython + jinja2, all outside what real chat templates do:
//   - integers are 64-bit (overflow is an error), no complex numbers;
//   - `|safe` and `|escape` return plain strings (no Markup type, which only matters when such
//     a value is later concatenated with another string);
//   - printing a generator shows "<generator object>" without Python's memory address;
//   - loop filters (`for x in xs if f(x)`) run before the loop body instead of interleaved;
//   - a macro that reads a top-level variable which the template assigns only later sees the
//     render context's value of that name where jinja2 sees undefined;
//   - recursive loops, template inheritance and includes are not supported (clear errors);
//   - Unicode case mapping uses the C library's one-to-one tables ('ß'.upper() is special-cased).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "braid/core/status.h"

namespace braid::text::jinja {

struct Program;

/// A wall-clock time without a time zone, like Python's naive datetime.
struct CivilTime {
  int year = 1970;
  int month = 1;   ///< 1..12
  int day = 1;     ///< 1..31
  int hour = 0;    ///< 0..23
  int minute = 0;  ///< 0..59
  int second = 0;  ///< 0..59
  int microsecond = 0;
};

/// Per-render settings and the budgets that keep a hostile template from running away.
struct RenderOptions {
  /// The time strftime_now() formats. Unset: the local time when render() is called.
  std::optional<CivilTime> now;
  /// Evaluation steps (statements, expressions, loop iterations, bulk work) before giving up.
  std::uint64_t max_steps = 10'000'000;
  /// Largest output, and largest single string or list a template may build.
  std::size_t max_output_bytes = std::size_t{16} << 20;
  /// Deepest nesting of macro calls. Rendering recurses natively: at the default depth a
  /// template needs up to about 1 MiB of stack (Linux threads get 8 MiB by default).
  int max_call_depth = 256;
};

/// A parsed template: parse once, render many times. Copies share the parsed program.
/// Thread-safe: render() may run concurrently on one Template.
class Template {
 public:
  /// Parses `source` (must be UTF-8). `name` appears in error messages ("chat_template:3:14").
  /// @return InvalidArgument for syntax errors, with line:column and what was expected;
  ///         NotSupported for valid jinja2 this engine lacks ({% include %}, recursive loops).
  static core::Result<Template> parse(std::string_view source, std::string name = "chat_template");

  /// Renders with the keys of the JSON object `context` as template variables. ordered_json keeps
  /// the key order of objects, which `tojson` and `for k in dict` observe; prefer it.
  /// @return the rendered text, or InvalidArgument for errors the template hits (undefined values
  ///         misused, type errors, raise_exception(msg) whose message is carried), OutOfRange
  ///         when a budget in `options` runs out, NotSupported for unimplemented features.
  core::Result<std::string> render(const nlohmann::ordered_json& context,
                                   const RenderOptions& options = {}) const;
  /// Same, for nlohmann::json (its objects iterate in sorted key order).
  core::Result<std::string> render(const nlohmann::json& context,
                                   const RenderOptions& options = {}) const;

  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace braid::text::jinja
