#include "braid/model/media_layout.h"

#include <gtest/gtest.h>

namespace braid::model {
namespace {

EmbeddingChunk rows(int64_t n, float value) {
  return EmbeddingChunk{n, 2, std::vector<float>(n * 2, value), true, "test"};
}

// Renders parts as text, with each chunk as [rows x value], to compare layouts at a glance.
std::string render(const std::vector<MediaPart>& parts) {
  std::string out;
  for (const MediaPart& part : parts) {
    if (const auto* text = std::get_if<std::string>(&part)) {
      out += *text;
    } else {
      const auto& chunk = std::get<EmbeddingChunk>(part);
      // Appended piece by piece: GCC 12 warns falsely about `"[" + std::string` (bug 105651).
      out.append("[").append(std::to_string(chunk.n_rows)).append("x");
      out.append(std::to_string(int(chunk.data[0]))).append("]");
    }
  }
  return out;
}

TEST(MediaLayout, FamiliesWrapAsLlamaCppDoes) {
  EncodedMedia one{{rows(3, 1)}, 0, 0, false};
  EXPECT_EQ(render(*lay_out_media(one, *media_wrapping("mlp"))), "[3x1]");
  EXPECT_EQ(render(*lay_out_media(one, *media_wrapping("gemma3"))),
            "<start_of_image>[3x1]<end_of_image>");
  EncodedMedia audio{{rows(4, 1), rows(2, 2)}, 0, 0, false};  // two 30 s windows
  EXPECT_EQ(render(*lay_out_media(audio, *media_wrapping("qwen2a"))),
            "<|audio_bos|>[4x1][2x2]<|audio_eos|>");
  EXPECT_EQ(render(*lay_out_media(audio, *media_wrapping("ultravox"))), "[4x1][2x2]");
}

TEST(MediaLayout, Idefics3TilesGetRowAndColumnTokensThenTheGlobalImage) {
  EncodedMedia tiled{{rows(1, 1), rows(1, 2), rows(1, 3), rows(1, 4), rows(1, 9)}, 2, 2, true};
  EXPECT_EQ(render(*lay_out_media(tiled, *media_wrapping("idefics3"))),
            "<fake_token_around_image><row_1_col_1>[1x1]<fake_token_around_image><row_1_col_2>[1x2]"
            "\n<fake_token_around_image><row_2_col_1>[1x3]<fake_token_around_image><row_2_col_2>"
            "[1x4]\n\n<fake_token_around_image><global-img>[1x9]<fake_token_around_image>");
  tiled.chunks.pop_back();
  const auto wrong = lay_out_media(tiled, *media_wrapping("idefics3"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("needs 5 chunks, the encoder made 4"), std::string::npos)
      << wrong.status().message();
}

TEST(MediaLayout, UnknownProjectorTypesAreNamed) {
  const auto unknown = media_wrapping("resampler");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'resampler'"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("gemma3"), std::string::npos);
}

TEST(MediaLayout, GlueIsTokenizedAndTokenChunksMerge) {
  std::vector<PromptChunk> prompt;
  append_tokens(prompt, {1, 2});
  // A toy tokenizer: one id per character, so the merge is visible.
  GlueTokenizer by_char = [](std::string_view text) -> core::Result<std::vector<int32_t>> {
    std::vector<int32_t> ids;
    for (char c : text) ids.push_back(static_cast<unsigned char>(c));
    return ids;
  };
  std::vector<MediaPart> parts = {std::string("ab"), rows(2, 5), std::string("c")};
  ASSERT_TRUE(append_media_parts(prompt, parts, by_char).is_ok());
  append_tokens(prompt, {7});
  ASSERT_EQ(prompt.size(), 3u);
  EXPECT_EQ(std::get<TokenChunk>(prompt[0]).tokens, (std::vector<int32_t>{1, 2, 'a', 'b'}));
  EXPECT_EQ(std::get<EmbeddingChunk>(prompt[1]).n_rows, 2);
  EXPECT_EQ(std::get<TokenChunk>(prompt[2]).tokens, (std::vector<int32_t>{'c', 7}));
}

}  // namespace
}  // namespace braid::model
