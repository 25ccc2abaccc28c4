// Bad input never crashes the engine: real chat templates mutated at random (deterministic seed)
// must either render or fail with a Status, within the budgets. Run under ASan/UBSan
// (BRAID_SANITIZE=address) this also checks memory safety.
#include <gtest/gtest.h>

#include <cstdint>
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

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SplitMix64: a tiny, well-defined generator so the mutations are the same everywhere.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

const char* const kFragments[] = {"{%",
                                  "%}",
                                  "{{",
                                  "}}",
                                  "{#",
                                  "#}",
                                  "-%}",
                                  "{%-",
                                  "(",
                                  ")",
                                  "[",
                                  "]",
                                  "{",
                                  "}",
                                  "|",
                                  ",",
                                  ":",
                                  ".",
                                  "'",
                                  "\"",
                                  "\\",
                                  " is ",
                                  " not ",
                                  " in ",
                                  " and ",
                                  " or ",
                                  "-",
                                  "+",
                                  "*",
                                  "**",
                                  "//",
                                  "%",
                                  "~",
                                  "==",
                                  "<",
                                  "for x in y",
                                  "endfor",
                                  "if ",
                                  "endif",
                                  "else",
                                  "elif",
                                  "macro m(a, b=1)",
                                  "endmacro",
                                  "set ns.x = 1",
                                  "namespace(",
                                  "loop.",
                                  "raise_exception(",
                                  "|tojson",
                                  "|join",
                                  "|map('upper')",
                                  "|selectattr(",
                                  "messages",
                                  "[::-1]",
                                  "1e308",
                                  "9223372036854775807",
                                  "'\\u00e9'",
                                  "\xc3\xa9",
                                  "range(99999)",
                                  "caller()",
                                  "break",
                                  "continue",
                                  "recursive",
                                  "raw",
                                  "endraw",
                                  "none",
                                  "true",
                                  "1/0",
                                  "x.y.z"};

ordered_json context() {
  return ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "sys"},
      {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "abcdefghi", "type": "function",
                       "function": {"name": "f", "arguments": {"a": [1, 2.5, null]}}}]},
      {"role": "tool", "tool_call_id": "abcdefghi", "content": "{}"},
      {"role": "user", "content": "again"}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
               "properties": {"a": {"type": "array", "items": {"type": "number"}}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"
  })");
}

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  const auto dir = test::shared_data_dir() / "chat-templates";
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".jinja") out.push_back(read_file(entry.path()));
    }
  }
  out.push_back(
      "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}{{ n }}{% endmacro %}{{ f(3) }}"
      "{% for m in messages %}{{ m.role | upper }}{{ m.content | tojson }}{% endfor %}");
  return out;
}

std::string mutate(std::string s, Rng& rng) {
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = rng.below(s.size() + 1);
    switch (rng.below(4)) {
      case 0:  // delete a span
        s.erase(pos, rng.below(16));
        break;
      case 1:  // insert a fragment
        s.insert(pos, kFragments[rng.below(std::size(kFragments))]);
        break;
      case 2: {  // duplicate a span
        const std::string span = s.substr(pos, rng.below(64));
        s.insert(rng.below(s.size() + 1), span);
        break;
      }
      default:  // overwrite a byte (may break UTF-8)
        if (!s.empty()) s[rng.below(s.size())] = static_cast<char>(rng.below(256));
    }
  }
  return s;
}

TEST(JinjaRobustness, MutatedTemplatesRenderOrFailCleanly) {
  const ordered_json ctx = context();
  RenderOptions options;
  options.now = CivilTime{2025, 1, 2, 3, 4, 5, 0};
  options.max_steps = 200000;
  options.max_output_bytes = 1 << 20;
  // BRAID_JINJA_MUTATIONS raises the count for a longer local run.
  const char* env = std::getenv("BRAID_JINJA_MUTATIONS");
  const int mutations = env ? std::atoi(env) : 300;
  Rng rng{env ? static_cast<std::uint64_t>(std::atoi(env)) : 12345};
  int rendered = 0, failed = 0;
  for (const std::string& seed : seeds()) {
    for (int i = 0; i < mutations; ++i) {
      const std::string source = mutate(seed, rng);
      auto tmpl = Template::parse(source, "fuzz");
      if (!tmpl.ok()) {
        EXPECT_EQ(tmpl.status().message().rfind("[jinja] fuzz", 0), 0u)
            << tmpl.status().to_string();
        ++failed;
        continue;
      }
      auto result = tmpl->render(ctx, options);
      if (result.ok()) {
        EXPECT_LE(result->size(), options.max_output_bytes);
        ++rendered;
      } else {
        EXPECT_EQ(result.status().message().rfind("[jinja] fuzz", 0), 0u)
            << result.status().to_string();
        ++failed;
      }
    }
  }
  // Both outcomes must occur, or the mutations are not exercising anything.
  EXPECT_GT(rendered, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
}  // namespace braid::text::jinja
