// `braid template` as a user runs it: the rendering of a real template must equal what Python's
// jinja2 produced for the same conversation (tests/golden/chat_templates, made by
// tests/scripts/make_chat_template_golden.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using Json = nlohmann::ordered_json;

Json load(const std::filesystem::path& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

// Runs the CLI on every conversation of a template's golden file that rendered without error.
void expect_cli_matches_jinja2(const std::string& template_name) {
  BRAID_SHARED_FILE_OR_SKIP(source, "chat-templates/" + template_name + ".jinja");
  BRAID_SHARED_FILE_OR_SKIP(model, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  const Json conversations = load(golden_dir() / "chat_templates" / "conversations.json");
  const Json golden = load(golden_dir() / "chat_templates" / (template_name + ".json"));
  const auto dir = scratch_dir();
  int checked = 0;
  for (const auto& rendering : golden["renderings"]) {
    if (!rendering.contains("output")) continue;
    for (const auto& conversation : conversations["conversations"]) {
      if (conversation["name"] != rendering["conversation"]) continue;
      SCOPED_TRACE(conversation["name"].get<std::string>());
      const auto file = dir / "conversation.json";
      std::ofstream(file) << conversation["context"].dump();
      std::vector<std::string> args = {"template",     "-m",          model.string(),
                                       "--messages",   file.string(), "--chat-template",
                                       source.string()};
      if (!rendering["add_generation_prompt"].get<bool>()) args.push_back("--no-generation-prompt");
      auto r = run_braid(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, rendering["output"].get<std::string>());
      ++checked;
    }
  }
  EXPECT_GE(checked, 4);
}

TEST(TemplateCli, QwenMatchesJinja2) { expect_cli_matches_jinja2("Qwen-Qwen2.5-7B-Instruct"); }
TEST(TemplateCli, MistralNemoMatchesJinja2) {
  expect_cli_matches_jinja2("mistralai-Mistral-Nemo-Instruct-2407");
}

TEST(TemplateCli, ModelTemplateDefaultAndErrors) {
  BRAID_SHARED_FILE_OR_SKIP(phi3, "llamacpp-vocab/ggml-vocab-phi-3.gguf");
  BRAID_SHARED_FILE_OR_SKIP(spm, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  const auto dir = scratch_dir();
  const auto conversation = dir / "c.json";
  std::ofstream(conversation) << R"([{"role": "user", "content": "Hi"}])";
  // Phi-3's own template, from its GGUF: the user turn and an open assistant turn.
  auto phi = run_braid({"template", "-m", phi3.string(), "--messages", conversation.string()});
  ASSERT_EQ(phi.exit_code, 0) << phi.err;
  EXPECT_NE(phi.out.find("<|user|>\nHi<|end|>\n<|assistant|>\n"), std::string::npos) << phi.out;
  // No template in the file: the ChatML default, with a warning.
  auto fallback = run_braid({"template", "-m", spm.string(), "--messages", conversation.string()});
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_EQ(fallback.out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_NE(fallback.err.find("warning"), std::string::npos);
  // A template with a syntax error: one line naming line and column.
  const auto broken = dir / "broken.jinja";
  std::ofstream(broken) << "{% for m in messages %}{{ m.content }";
  auto syntax = run_braid({"template", "-m", spm.string(), "--messages", conversation.string(),
                           "--chat-template", broken.string()});
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.err.find("1:"), std::string::npos) << syntax.err;
  // Conversations of the wrong shape.
  std::ofstream(conversation) << R"([{"content": "no role"}])";
  auto shape = run_braid({"template", "-m", spm.string(), "--messages", conversation.string()});
  EXPECT_EQ(shape.exit_code, 1);
  EXPECT_NE(shape.err.find("message 0: 'role'"), std::string::npos) << shape.err;
  std::ofstream(conversation) << "[{";
  EXPECT_EQ(
      run_braid({"template", "-m", spm.string(), "--messages", conversation.string()}).exit_code,
      1);
  EXPECT_EQ(run_braid({"template", "-m", spm.string()}).exit_code, 2);
}

}  // namespace
}  // namespace braid::test
