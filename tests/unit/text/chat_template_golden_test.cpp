// Renders the real chat templates in ../shared/data/chat-templates for a fixed set of
// conversations and compares with what Python's jinja2, configured as Hugging Face transformers
// configures it, produced (tests/golden/chat_templates, from tests/scripts/
// make_chat_template_golden.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "braid/text/chat_template.h"
#include "test_paths.h"

namespace braid::text {
namespace {

using nlohmann::ordered_json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ordered_json read_json(const std::filesystem::path& path) {
  return ordered_json::parse(read_file(path));
}

const std::filesystem::path& golden() {
  static const std::filesystem::path dir = test::golden_dir() / "chat_templates";
  return dir;
}

// The golden files for templates: every *.json except the two shared ones.
std::vector<std::string> template_goldens() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(golden())) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "conversations.json" ||
        name == "language_cases.json") {
      continue;
    }
    names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

RenderOptions fixed_time_options() {
  RenderOptions options;
  options.now = CivilTime{2025, 3, 14, 9, 26, 53, 0};  // as in the golden script
  return options;
}

class ChatTemplateGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatTemplateGolden, MatchesJinja2) {
  const ordered_json expected = read_json(golden() / (GetParam() + ".json"));
  const std::string template_file = expected.at("template").get<std::string>();
  BRAID_SHARED_FILE_OR_SKIP(path, "chat-templates/" + template_file);
  const std::string source = read_file(path);

  const ordered_json conversations = read_json(golden() / "conversations.json").at("conversations");
  auto tmpl = jinja::Template::parse(source, template_file);
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().to_string();

  int checked = 0;
  for (const ordered_json& rendering : expected.at("renderings")) {
    const std::string conversation = rendering.at("conversation").get<std::string>();
    const bool add_generation_prompt = rendering.at("add_generation_prompt").get<bool>();
    ordered_json context;
    for (const ordered_json& c : conversations) {
      if (c.at("name") == conversation) context = c.at("context");
    }
    ASSERT_TRUE(context.is_object()) << "unknown conversation " << conversation;
    context["add_generation_prompt"] = add_generation_prompt;
    SCOPED_TRACE(conversation + (add_generation_prompt ? " +generation prompt" : ""));

    auto result = tmpl->render(context, fixed_time_options());
    if (rendering.contains("output")) {
      ASSERT_TRUE(result.ok()) << result.status().to_string();
      EXPECT_EQ(*result, rendering.at("output").get<std::string>());
    } else {
      const ordered_json& error = rendering.at("error");
      ASSERT_FALSE(result.ok()) << "jinja2 raised " << error.dump() << " but braid rendered:\n"
                                << *result;
      if (error.at("type") == "TemplateError") {  // raise_exception(): the message must survive
        EXPECT_NE(result.status().message().find(error.at("message").get<std::string>()),
                  std::string::npos)
            << result.status().to_string();
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

INSTANTIATE_TEST_SUITE_P(Templates,
                         ChatTemplateGolden,
                         ::testing::ValuesIn(template_goldens()),
                         [](const auto& test_info) {
                           std::string name = test_info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// The one-call API and the nlohmann::json overload give the same text as Template.
TEST(ChatTemplate, RenderChatTemplateConvenience) {
  const std::string source =
      "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<assistant>{% endif %}";
  const ordered_json ordered = {{"messages", {{{"role", "user"}, {"content", "hi"}}}},
                                {"add_generation_prompt", true}};
  auto a = render_chat_template(source, ordered);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(*a, "<user>hi<assistant>");
  auto b = render_chat_template(source, nlohmann::json::parse(ordered.dump()));
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(*b, *a);
}

}  // namespace
}  // namespace braid::text
