// Rendering conversations with media parts, and finding a model's chat template.
#include "braid/text/chat_prompt.h"

#include <gtest/gtest.h>

#include <fstream>

#include "braid/core/gguf_writer.h"
#include "test_paths.h"

namespace braid::text {
namespace {

using Json = nlohmann::ordered_json;

const Json kConversation = Json::parse(R"([
  {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"},
                               {"type": "audio"}]}])");

std::string render(const std::string& source, const Json& conversation) {
  auto parsed = jinja::Template::parse(source);
  EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
  auto out = render_chat_prompt(*parsed, conversation, {});
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? *out : "";
}

TEST(ChatPrompt, StringOnlyTemplatesGetMediaMarkers) {
  EXPECT_EQ(render(default_chat_template(), kConversation),
            "<|im_start|>user\n<__media__>\nWhat is this?\n<__media__><|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ChatPrompt, TemplatesThatRenderPartsGetThemAsTheyAre) {
  const std::string parts_template =
      "{% for m in messages %}{% for p in m.content %}"
      "{% if p.type == 'text' %}{{ p.text }}{% else %}[{{ p.type }}]{% endif %}"
      "{% endfor %}{% endfor %}";
  EXPECT_EQ(render(parts_template, kConversation), "[image]What is this?[audio]");
}

TEST(ChatPrompt, ConversationObjectsCarryToolsAndExtraKeys) {
  const Json conversation = Json::parse(
      R"({"messages": [{"role": "user", "content": "hi"}], "tools": [{"name": "f"}], "x": 3})");
  EXPECT_EQ(render("{{ tools[0].name }} {{ x }} {{ add_generation_prompt }}", conversation),
            "f 3 True");
}

TEST(ChatPrompt, RejectsMalformedConversations) {
  auto parsed = jinja::Template::parse(default_chat_template());
  ASSERT_TRUE(parsed.ok());
  for (const char* bad :
       {R"({"no": "messages"})", R"([{"content": "x"}])", R"([{"role": "user", "content": 3}])",
        R"([{"role": "user", "content": [{"type": "text"}]}])",
        R"([{"role": "user", "content": [{"type": "video"}]}])"}) {
    auto out = render_chat_prompt(*parsed, Json::parse(bad), {});
    EXPECT_EQ(out.status().code(), core::StatusCode::InvalidArgument) << bad;
  }
}

TEST(ChatTemplateSource, FromGgufFolderOverrideOrDefault) {
  const auto dir = test::scratch_dir();
  core::GgufWriter with;
  with.set("tokenizer.chat_template", core::GgufValue{std::string("T1")});
  ASSERT_TRUE(with.write(dir / "with.gguf").is_ok());
  ASSERT_TRUE(core::GgufWriter().write(dir / "without.gguf").is_ok());
  auto found = find_chat_template(dir / "with.gguf");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->source, "T1");
  EXPECT_FALSE(found->is_default);
  auto fallback = find_chat_template(dir / "without.gguf");
  ASSERT_TRUE(fallback.ok());
  EXPECT_TRUE(fallback->is_default);
  std::ofstream(dir / "override.jinja") << "T2";
  EXPECT_EQ(find_chat_template(dir / "with.gguf", dir / "override.jinja")->source, "T2");
  EXPECT_FALSE(find_chat_template(dir / "with.gguf", dir / "missing.jinja").ok());

  const auto folder = dir / "hf";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "tokenizer_config.json")
      << R"({"chat_template": [{"name": "tool_use", "template": "T3"}, {"name": "default", "template": "T4"}]})";
  EXPECT_EQ(find_chat_template(folder)->source, "T4");
  std::ofstream(folder / "chat_template.jinja") << "T5";  // the newer place wins
  EXPECT_EQ(find_chat_template(folder)->source, "T5");
}

}  // namespace
}  // namespace braid::text
