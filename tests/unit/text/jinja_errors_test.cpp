// Bad input gives a clear Status: syntax errors with line:column and what was expected, unknown
// names with their position, raise_exception() messages, and the step/size/depth budgets.
#include <gtest/gtest.h>

#include <string>

#include "braid/text/jinja/template.h"

namespace braid::text::jinja {
namespace {

using core::StatusCode;
using nlohmann::ordered_json;

core::Status render_status(const std::string& source,
                           const ordered_json& context = ordered_json::object(),
                           const RenderOptions& options = {}) {
  auto tmpl = Template::parse(source);
  if (!tmpl.ok()) return tmpl.status();
  return tmpl->render(context, options).status();
}

void expect_error(const core::Status& s, StatusCode code, const std::string& fragment) {
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_NE(s.message().find(fragment), std::string::npos)
      << "expected '" << fragment << "' in: " << s.message();
  EXPECT_EQ(s.message().rfind("[jinja] chat_template", 0), 0u) << s.message();
}

TEST(JinjaErrors, SyntaxErrorsNamePositionAndExpectation) {
  expect_error(
      render_status("line1\n  {{ 1 + }}"), StatusCode::InvalidArgument,
      "chat_template:2:10: syntax error: unexpected '}}' where an expression was expected");
  expect_error(
      render_status("{% if x %}oops"), StatusCode::InvalidArgument,
      "expected 'elif' or 'else' or 'endif' to close the 'if' tag opened at line 1, column 4");
  expect_error(render_status("{% for x in y %}{% endif %}"), StatusCode::InvalidArgument,
               ":1:20: syntax error: unknown tag 'endif'; the innermost open block is 'for'");
  expect_error(render_status("{{ (1 }}"), StatusCode::InvalidArgument,
               ":1:7: syntax error: unexpected '}', expected ')'");
  expect_error(render_status("{% set x = 1 foo %}"), StatusCode::InvalidArgument,
               "expected '%}' to end the 'set' tag, got name 'foo'");
  expect_error(render_status("{{ 'abc }}"), StatusCode::InvalidArgument,
               ":1:4: syntax error: unterminated string literal");
  expect_error(render_status("a\n{# never"), StatusCode::InvalidArgument,
               ":2:1: syntax error: missing end of comment");
  expect_error(render_status("{% raw %}x"), StatusCode::InvalidArgument,
               "missing end of raw directive");
  expect_error(render_status("{% frob %}"), StatusCode::InvalidArgument,
               ":1:4: syntax error: unknown tag 'frob'");
  expect_error(render_status("{% break %}"), StatusCode::InvalidArgument,
               "'break' used outside of a for loop");
  expect_error(render_status("{% macro f(a=1, b) %}{% endmacro %}"), StatusCode::InvalidArgument,
               "non-default argument follows default argument");
  expect_error(render_status("{{ 1 }} {{ $ }}"), StatusCode::InvalidArgument,
               ":1:12: syntax error: unexpected character '$'");
  expect_error(render_status("{% do x %}"), StatusCode::InvalidArgument, "'do' extension");
}

TEST(JinjaErrors, UnknownFiltersTestsAndFunctionsAreNamed) {
  expect_error(render_status("\n  {{ x | frobnicate }}"), StatusCode::InvalidArgument,
               ":2:10: syntax error: no filter named 'frobnicate'");
  expect_error(render_status("{{ 1 is frobnicated }}"), StatusCode::InvalidArgument,
               ":1:6: syntax error: no test named 'frobnicated'");
  expect_error(render_status("{{ helper(1) }}"), StatusCode::InvalidArgument,
               ":1:4: undefined: 'helper' is undefined");
  expect_error(render_status("{{ [1] | groupby('x') }}"), StatusCode::NotSupported,
               "the jinja2 filter 'groupby' is not supported");
  // An unknown filter in a branch that never runs is not an error (jinja2 reports it only when
  // the branch runs, too, inside conditionals).
  EXPECT_TRUE(render_status("{% if false %}{{ x | frobnicate }}{% endif %}").is_ok());
}

TEST(JinjaErrors, RaiseExceptionCarriesTheTemplatesMessage) {
  const ordered_json context = {{"messages", {{{"role", "system"}}}}};
  const core::Status s = render_status(
      "{% if messages[0].role == 'system' %}\n"
      "  {{ raise_exception('System role not supported') }}\n"
      "{% endif %}",
      context);
  expect_error(s, StatusCode::InvalidArgument, ":2:6: raise_exception: System role not supported");
}

TEST(JinjaErrors, RuntimeTypeErrorsHavePositions) {
  expect_error(render_status("{{ 'a' + 1 }}"), StatusCode::InvalidArgument,
               ":1:8: can only concatenate str (not \"int\") to str");
  expect_error(render_status("{{ none + 1 }}"), StatusCode::InvalidArgument,
               "unsupported operand type(s) for +: 'NoneType' and 'int'");
  expect_error(render_status("{{ x.y }}"), StatusCode::InvalidArgument,
               "undefined: 'x' is undefined");
  expect_error(render_status("{% for a, b in [[1]] %}{% endfor %}"), StatusCode::InvalidArgument,
               "not enough values to unpack (expected 2, got 1)");
  expect_error(render_status("{% set d = {} %}{% set d.x = 1 %}"), StatusCode::InvalidArgument,
               "it is not a namespace() object");
  expect_error(render_status("{{ [1].append(2) }}"), StatusCode::InvalidArgument,
               "access to attribute 'append' of 'list' object is unsafe.");
}

TEST(JinjaErrors, StepBudgetStopsLongLoops) {
  RenderOptions options;
  options.max_steps = 20000;
  expect_error(
      render_status(
          "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
          ordered_json::object(), options),
      StatusCode::OutOfRange, "limit exceeded: the template ran for more than 20000 steps");
  // The default budget is generous enough for real templates and small enough to end quickly.
  EXPECT_TRUE(
      render_status(
          "{% for i in range(1000) %}{% for j in range(100) %}{{ j }}{% endfor %}{% endfor %}")
          .is_ok());
}

TEST(JinjaErrors, OutputAndValueSizesAreCapped) {
  RenderOptions options;
  options.max_output_bytes = 1000;
  expect_error(render_status("{% for i in range(1000) %}0123456789{% endfor %}",
                             ordered_json::object(), options),
               StatusCode::OutOfRange, "the output exceeds the limit of 1000 bytes");
  // Rejected before allocating a gigabyte.
  expect_error(render_status("{{ 'x' * 1000000000 }}"), StatusCode::OutOfRange,
               "exceeds the limit");
  expect_error(render_status("{% set ns = namespace(s='ab') %}{% for i in range(60) %}"
                             "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
               StatusCode::OutOfRange, "exceeds the limit");
  expect_error(render_status("{{ range(200000) | length }}"), StatusCode::InvalidArgument,
               "Range too big");
}

TEST(JinjaErrors, RecursionAndNestingAreBounded) {
  expect_error(render_status("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
               StatusCode::OutOfRange, "macro calls nest deeper than 256");
  RenderOptions shallow;
  shallow.max_call_depth = 3;
  const std::string countdown =
      "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(N) }}";
  EXPECT_TRUE(render_status(countdown, {{"N", 2}}, shallow).is_ok());  // f(2) f(1) f(0)
  expect_error(render_status(countdown, {{"N", 3}}, shallow), StatusCode::OutOfRange,
               "deeper than 3");

  const auto parens = [](int n) {
    return "{{ " + std::string(static_cast<std::size_t>(n), '(') + "1" +
           std::string(static_cast<std::size_t>(n), ')') + " }}";
  };
  EXPECT_TRUE(render_status(parens(60)).is_ok());
  expect_error(render_status(parens(5000)), StatusCode::OutOfRange, "nests more than 200 levels");
  std::string sum = "{{ 1";
  for (int i = 0; i < 400; ++i) sum += " + 1";
  EXPECT_TRUE(render_status(sum + " }}").is_ok());
  for (int i = 0; i < 400; ++i) sum += " + 1";
  expect_error(render_status(sum + " }}"), StatusCode::OutOfRange,
               "chains more than 500 operators");
  std::string ifs;
  for (int i = 0; i < 300; ++i) ifs += "{% if true %}";
  expect_error(render_status(ifs), StatusCode::OutOfRange, "nests more than 200 levels");
}

TEST(JinjaErrors, BadTextAndContext) {
  expect_error(Template::parse("ok \xff\xfe").status(), StatusCode::InvalidArgument,
               "template is not valid UTF-8 (byte 3)");
  auto tmpl = Template::parse("{{ messages[0].content }}");
  ASSERT_TRUE(tmpl.ok());
  ordered_json bad = {{"messages", {{{"content", std::string("a\xc3")}}}}};
  expect_error(tmpl->render(bad).status(), StatusCode::InvalidArgument,
               "context.messages[0].content: string is not valid UTF-8");
  expect_error(tmpl->render(ordered_json::array()).status(), StatusCode::InvalidArgument,
               "the render context must be a JSON object");
  RenderOptions options;
  options.now = CivilTime{2025, 2, 30, 0, 0, 0, 0};
  expect_error(tmpl->render(ordered_json::object(), options).status(), StatusCode::InvalidArgument,
               "RenderOptions::now is not a valid date");
  expect_error(render_status("{{ 99999999999999999999 }}"), StatusCode::NotSupported,
               "does not fit in 64 bits");
  expect_error(render_status("{{ 2 ** 64 }}"), StatusCode::NotSupported, "integer overflow");
  expect_error(render_status("{% include 'other.jinja' %}"), StatusCode::NotSupported,
               "needs a template loader");
  expect_error(render_status("{% for x in xs recursive %}{% endfor %}"), StatusCode::NotSupported,
               "recursive for loops");
}

}  // namespace
}  // namespace braid::text::jinja
