// Mistral's SentencePiece tokenizers (v1, v2, v3) against mistral-common's own chat-encoding
// fixtures (../shared/data/mistral-tokenizers/samples): <case>__text_vN.txt is the rendered
// prompt with U+2581 for every space and control tokens spelled out, <case>__tokens_vN.json the
// exact ids. mistral-common encodes each text segment with SentencePiece's dummy prefix already
// part of the rendered text, so the text is tokenized as is: spaces restored, no extra prefix,
// control tokens parsed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

struct MistralCase {
  std::string sample;
  int version;
};

std::string model_file(int version) {
  switch (version) {
    case 1:
      return "mistral-tokenizers/tokenizer.model.v1";
    case 2:
      return "mistral-tokenizers/mistral_instruct_tokenizer_240216.model.v2";
    default:
      return "mistral-tokenizers/mistral_instruct_tokenizer_240323.model.v3";
  }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// The fixture text is the pieces' text joined: U+2581 for spaces, <0xHH> for byte pieces.
std::string unrender(const std::string& pieces) {
  std::string text = replace_all(pieces, "\xE2\x96\x81", " ");
  for (size_t at = text.find("<0x"); at != std::string::npos; at = text.find("<0x", at + 1)) {
    if (at + 6 > text.size() || text[at + 5] != '>') continue;
    const std::string hex = text.substr(at + 3, 2);
    if (hex.find_first_not_of("0123456789ABCDEF") != std::string::npos) continue;
    text.replace(at, 6, 1, static_cast<char>(std::stoi(hex, nullptr, 16)));
  }
  return text;
}

class MistralFixtures : public ::testing::TestWithParam<MistralCase> {};

TEST_P(MistralFixtures, RenderedPromptGivesMistralCommonIds) {
  const MistralCase& c = GetParam();
  const std::string stem = "mistral-tokenizers/samples/" + c.sample + "__";
  const std::string v = std::to_string(c.version);
  BRAID_SHARED_FILE_OR_SKIP(model_path, model_file(c.version));
  BRAID_SHARED_FILE_OR_SKIP(text_path, stem + "text_v" + v + ".txt");
  BRAID_SHARED_FILE_OR_SKIP(tokens_path, stem + "tokens_v" + v + ".json");

  const std::vector<std::byte> bytes = test::read_bytes(model_path);
  auto vocab = vocab_from_sentencepiece_model({bytes.data(), bytes.size()}, model_file(c.version));
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  EXPECT_TRUE(vocab->add_space_prefix);  // the model's normalizer adds the dummy prefix
  vocab->add_space_prefix = false;       // ... which the rendered text already contains
  auto tokenizer = Tokenizer::create(std::move(vocab).value());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();

  const nlohmann::json expected_json = nlohmann::json::parse(test::read_text(tokens_path));
  const std::vector<int32_t> expected = expected_json.at("tokens").get<std::vector<int32_t>>();
  const std::string text = unrender(test::read_text(text_path));
  auto ids = tokenizer->encode(text, /*add_special=*/false, /*parse_special=*/true);
  ASSERT_TRUE(ids.ok()) << ids.status().to_string();
  size_t first = 0;
  while (first < ids->size() && first < expected.size() && (*ids)[first] == expected[first]) {
    ++first;
  }
  const auto around = [&](const std::vector<int32_t>& all) {
    std::vector<int32_t> part(all.begin() + std::min(first, all.size()),
                              all.begin() + std::min(first + 12, all.size()));
    return test::ids_string(part);
  };
  EXPECT_EQ(*ids, expected) << "first difference at " << first << "\n got:" << around(*ids)
                            << "\nwant:" << around(expected);

  // And back: rendering the specials gives the prompt text again.
  DecodeOptions render;
  render.render_special = true;
  render.strip_space_prefix = false;
  auto decoded = tokenizer->decode(expected, render);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, text);
}

INSTANTIATE_TEST_SUITE_P(Samples,
                         MistralFixtures,
                         ::testing::Values(MistralCase{"no_tools", 1},
                                           MistralCase{"no_tools", 2},
                                           MistralCase{"no_tools", 3},
                                           MistralCase{"parallel_calls", 3},
                                           MistralCase{"get_weather_full", 2},
                                           MistralCase{"get_weather_full", 3},
                                           MistralCase{"get_weather_no_history", 2},
                                           MistralCase{"get_weather_no_history", 3},
                                           MistralCase{"get_weather_no_system_prompt", 2},
                                           MistralCase{"get_weather_no_system_prompt", 3},
                                           MistralCase{"several_calls", 2},
                                           MistralCase{"several_calls", 3}),
                         [](const auto& param_info) {
                           return param_info.param.sample + "_v" +
                                  std::to_string(param_info.param.version);
                         });

}  // namespace
}  // namespace braid::text
