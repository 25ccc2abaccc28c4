// A tokenizer.json written by Hugging Face `tokenizers` and the ids that library gives, both
// committed under tests/golden/tokenizer/ (made by tests/scripts/make_tokenizer_golden.py):
// braid's importer and byte-level BPE encoder must reproduce every case.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

TEST(HfGolden, TinyTrainedBpeGivesTheIdsOfHuggingFaceTokenizers) {
  const auto dir = braid::test::golden_dir() / "tokenizer";
  auto json = read_text_file(dir / "tiny_bpe.tokenizer.json");
  ASSERT_TRUE(json.ok()) << json.status().to_string();
  // The ByteLevel pre-tokenizer splits with GPT-2's regex: pre-tokenizer "gpt-2".
  auto vocab = vocab_from_hf_tokenizer_json(*json, "tiny_bpe.tokenizer.json", "gpt-2");
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  EXPECT_EQ(vocab->types[0], TokenType::Control);  // <|endoftext|>, special
  auto tokenizer = Tokenizer::create(std::move(vocab).value());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  EXPECT_EQ(*tokenizer->token_type(*tokenizer->find_token("<tool>")), TokenType::UserDefined);

  const nlohmann::json cases =
      nlohmann::json::parse(test::read_text(dir / "tiny_bpe_cases.json")).at("cases");
  ASSERT_EQ(cases.size(), 50u);
  for (const auto& c : cases) {
    const std::string text = c.at("text").get<std::string>();
    const std::vector<int32_t> expected = c.at("ids").get<std::vector<int32_t>>();
    // tokenizers matches added tokens, special or not, in the text: parse_special.
    auto ids = tokenizer->encode(text, /*add_special=*/false, /*parse_special=*/true);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    EXPECT_EQ(*ids, expected) << "'" << text << "'\n got:" << test::ids_string(*ids)
                              << "\nwant:" << test::ids_string(expected);
    DecodeOptions render;
    render.render_special = true;
    auto back = tokenizer->decode(*ids, render);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, text);
  }
}

}  // namespace
}  // namespace braid::text
