#include "braid/text/media_prompt.h"

#include <gtest/gtest.h>

#include "braid/text/chat_prompt.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

// Phi-3's vocabulary from llama.cpp's test files: SentencePiece, adds BOS, has control tokens.
constexpr const char* kVocab = "llamacpp-vocab/ggml-vocab-phi-3.gguf";

TEST(MediaPrompt, SplitsAtMarkersAndTokenizesTheSpansApart) {
  BRAID_SHARED_FILE_OR_SKIP(vocab_path, kVocab);
  auto tokenizer = test::tokenizer_from_gguf_path(vocab_path);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  const std::string prompt = std::string("<|user|>\n") +
                             kMediaMarker + "What is this?" + kMediaMarker + "<|end|>";
  auto pieces = split_media_prompt(*tokenizer, prompt, 2);
  ASSERT_TRUE(pieces.ok()) << pieces.status().to_string();
  ASSERT_EQ(pieces->size(), 5u);
  EXPECT_FALSE((*pieces)[0].is_media());
  EXPECT_EQ((*pieces)[1].media_index, 0);
  EXPECT_EQ((*pieces)[3].media_index, 1);
  // Each span is tokenized on its own; only the first gets BOS, control tokens are parsed.
  auto first = tokenizer->encode("<|user|>\n", true, true);
  auto middle = tokenizer->encode("What is this?", false, true);
  auto last = tokenizer->encode("<|end|>", false, true);
  EXPECT_EQ((*pieces)[0].tokens, *first);
  EXPECT_EQ((*pieces)[2].tokens, *middle);
  EXPECT_EQ((*pieces)[4].tokens, *last);
  EXPECT_EQ(last->size(), 1u);
}

TEST(MediaPrompt, APromptThatStartsWithMediaStillGetsBos) {
  BRAID_SHARED_FILE_OR_SKIP(vocab_path, kVocab);
  auto tokenizer = test::tokenizer_from_gguf_path(vocab_path);
  ASSERT_TRUE(tokenizer.ok());
  auto pieces = split_media_prompt(*tokenizer, std::string(kMediaMarker) + "hi", 1);
  ASSERT_TRUE(pieces.ok()) << pieces.status().to_string();
  ASSERT_EQ(pieces->size(), 3u);
  EXPECT_EQ((*pieces)[0].tokens, *tokenizer->encode("", true, true));
  EXPECT_TRUE((*pieces)[1].is_media());
}

TEST(MediaPrompt, MarkerCountMustMatchTheInputs) {
  BRAID_SHARED_FILE_OR_SKIP(vocab_path, kVocab);
  auto tokenizer = test::tokenizer_from_gguf_path(vocab_path);
  ASSERT_TRUE(tokenizer.ok());
  auto pieces = split_media_prompt(*tokenizer, "no marker here", 1);
  ASSERT_FALSE(pieces.ok());
  EXPECT_NE(pieces.status().message().find("0 media markers"), std::string::npos)
      << pieces.status().message();
  EXPECT_NE(pieces.status().message().find("1 image/audio input was given"), std::string::npos);
}

}  // namespace
}  // namespace braid::text
