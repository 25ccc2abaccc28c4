// Small templates that each exercise one jinja2 feature (whitespace rules, operators, filters,
// tests, scoping, errors), rendered by Python's jinja2 the way Hugging Face configures it
// (tests/golden/chat_templates/language_cases.json from tests/scripts/
// make_chat_template_golden.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "braid/text/jinja/template.h"
#include "test_paths.h"

namespace braid::text::jinja {
namespace {

using nlohmann::ordered_json;

// BRAID_JINJA_CASES points at another file of the same shape, such as the output of
// tests/scripts/jinja_differential_fuzz.py.
std::filesystem::path cases_file() {
  if (const char* path = std::getenv("BRAID_JINJA_CASES")) return path;
  return test::golden_dir() / "chat_templates" / "language_cases.json";
}

std::vector<ordered_json> load_cases() {
  std::ifstream in(cases_file());
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<ordered_json> cases;
  if (ss.str().empty()) return cases;
  const ordered_json file = ordered_json::parse(ss.str());
  for (const ordered_json& c : file.at("cases")) cases.push_back(c);
  return cases;
}

class LanguageGolden : public ::testing::TestWithParam<ordered_json> {};

TEST_P(LanguageGolden, MatchesJinja2) {
  const ordered_json& c = GetParam();
  const std::string source = c.at("template").get<std::string>();
  SCOPED_TRACE("template: " + source);
  RenderOptions options;
  options.now = CivilTime{2025, 3, 14, 9, 26, 53, 0};

  auto tmpl = Template::parse(source, c.at("name").get<std::string>());
  core::Result<std::string> result =
      tmpl.ok() ? tmpl->render(c.at("context"), options) : core::Result<std::string>(tmpl.status());
  if (c.contains("output")) {
    if (c.at("output").get<std::string>().find(" at 0x") != std::string::npos) {
      GTEST_SKIP() << "Python printed an object address";
    }
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    EXPECT_EQ(*result, c.at("output").get<std::string>());
  } else {
    const ordered_json& error = c.at("error");
    ASSERT_FALSE(result.ok()) << "jinja2 raised " << error.dump()
                              << " but braid rendered: " << *result;
    if (error.at("type") == "TemplateError") {
      EXPECT_NE(result.status().message().find(error.at("message").get<std::string>()),
                std::string::npos)
          << result.status().to_string();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases,
                         LanguageGolden,
                         ::testing::ValuesIn(load_cases()),
                         [](const auto& test_info) {
                           return test_info.param.at("name").template get<std::string>();
                         });

TEST(LanguageGoldenFile, HasCases) { EXPECT_GT(load_cases().size(), 100u) << cases_file(); }

}  // namespace
}  // namespace braid::text::jinja
