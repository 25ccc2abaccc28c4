// The Template API: parse once and render many times (also concurrently), the two JSON types,
// strftime_now() and RenderOptions::now.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "braid/text/chat_template.h"

namespace braid::text::jinja {
namespace {

using nlohmann::ordered_json;

TEST(JinjaTemplate, ParseOnceRenderMany) {
  auto tmpl =
      Template::parse("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}", "tiny");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().to_string();
  EXPECT_EQ(tmpl->name(), "tiny");
  for (int n = 0; n < 5; ++n) {
    ordered_json messages = ordered_json::array();
    std::string expected;
    for (int i = 0; i < n; ++i) {
      messages.push_back({{"role", "user"}, {"content", std::to_string(i)}});
      expected += "user:" + std::to_string(i) + ";";
    }
    auto out = tmpl->render(ordered_json{{"messages", messages}});
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(*out, expected);
  }
  const Template copy = *tmpl;  // copies share the parsed program
  EXPECT_EQ(*copy.render(ordered_json{{"messages", ordered_json::array()}}), "");
}

TEST(JinjaTemplate, ConcurrentRendersAgree) {
  auto tmpl = Template::parse(
      "{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}"
      "{{ x | string | center(5) }}{% endfor %}={{ ns.n }}|{{ xs | tojson }}");
  ASSERT_TRUE(tmpl.ok());
  const ordered_json context = {{"xs", {1, 2, 3, 4, 5, 6, 7, 8}}};
  const std::string expected = *tmpl->render(context);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto out = tmpl->render(context);
        if (!out.ok() || *out != expected) ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(JinjaTemplate, KeyOrderFollowsTheJsonType) {
  auto tmpl = Template::parse("{{ d | tojson }} {% for k in d %}{{ k }}{% endfor %}");
  ASSERT_TRUE(tmpl.ok());
  const std::string text = R"({"d": {"zeta": 1, "alpha": 2}})";
  // ordered_json keeps the document's order, as Python's json.loads does.
  EXPECT_EQ(*tmpl->render(ordered_json::parse(text)), R"({"zeta": 1, "alpha": 2} zetaalpha)");
  // nlohmann::json stores objects sorted by key.
  EXPECT_EQ(*tmpl->render(nlohmann::json::parse(text)), R"({"alpha": 2, "zeta": 1} alphazeta)");
}

TEST(JinjaTemplate, StrftimeNowUsesTheFixedTimeOrTheClock) {
  auto tmpl = Template::parse("{{ strftime_now('%Y-%m-%d %H:%M:%S.%f %a %b %j|%z%Z') }}");
  ASSERT_TRUE(tmpl.ok());
  RenderOptions options;
  options.now = CivilTime{2024, 2, 29, 23, 5, 9, 42};
  EXPECT_EQ(*tmpl->render(ordered_json::object(), options),
            "2024-02-29 23:05:09.000042 Thu Feb 060|");
  auto year = Template::parse("{{ strftime_now('%Y') | int >= 2024 }}");
  EXPECT_EQ(*year->render(ordered_json::object()), "True");
}

TEST(JinjaTemplate, EmptyAndDataOnlyTemplates) {
  EXPECT_EQ(*render_chat_template("", ordered_json::object()), "");
  EXPECT_EQ(*render_chat_template("plain text\n", ordered_json::object()), "plain text");
  EXPECT_EQ(*render_chat_template("{# only a comment #}", ordered_json::object()), "");
}

TEST(JinjaTemplate, ContextTypesBecomePythonValues) {
  const ordered_json context = ordered_json::parse(
      R"({"i": 3, "u": 18446744073709551, "f": 2.0, "b": true, "n": null, "s": "x",
          "l": [1, "a"], "o": {"k": [null]}})");
  auto out = render_chat_template(
      "{{ i is integer }} {{ u }} {{ f }} {{ f is float }} {{ b }} {{ n }} {{ s }} {{ l }} {{ o }}",
      context);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "True 18446744073709551 2.0 True True None x [1, 'a'] {'k': [None]}");
}

}  // namespace
}  // namespace braid::text::jinja
