// StreamingDetokenizer: token-by-token output is always valid UTF-8 and adds up to the text.
#include "braid/text/streaming_detokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

// An independent strict UTF-8 check (RFC 3629 table), not the library's decoder.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto in = [&](size_t k, int lo, int hi) {
      return i + k < s.size() && b(k) >= lo && b(k) <= hi;
    };
    if (b(0) <= 0x7F) {
      i += 1;
    } else if (b(0) >= 0xC2 && b(0) <= 0xDF && in(1, 0x80, 0xBF)) {
      i += 2;
    } else if (b(0) == 0xE0 && in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (((b(0) >= 0xE1 && b(0) <= 0xEC) || b(0) == 0xEE || b(0) == 0xEF) &&
               in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (b(0) == 0xED && in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF)) {
      i += 3;
    } else if (b(0) == 0xF0 && in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF)) {
      i += 4;
    } else if (b(0) >= 0xF1 && b(0) <= 0xF3 && in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) &&
               in(3, 0x80, 0xBF)) {
      i += 4;
    } else if (b(0) == 0xF4 && in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

void expect_streams_back(const Tokenizer& tokenizer, const std::string& text) {
  auto ids = tokenizer.encode(text, /*add_special=*/true, false);
  ASSERT_TRUE(ids.ok());
  StreamingDetokenizer stream(tokenizer);
  std::string joined;
  for (int32_t id : *ids) {
    auto chunk = stream.push(id);
    ASSERT_TRUE(chunk.ok());
    EXPECT_TRUE(valid_utf8(*chunk)) << "id " << id;
    joined += *chunk;
  }
  joined += stream.flush();
  EXPECT_EQ(joined, text);
}

TEST(StreamingDetokenizer, Llama3AllTestTextsIncludingEmoji) {
  BRAID_SHARED_FILE_OR_SKIP(model, "llama3-tokenizer/tokenizer.model");
  BRAID_SHARED_FILE_OR_SKIP(inp, "llamacpp-vocab/ggml-vocab-llama-bpe.gguf.inp");
  BRAID_SHARED_FILE_OR_SKIP(out, "llamacpp-vocab/ggml-vocab-llama-bpe.gguf.out");
  auto text = read_text_file(model);
  ASSERT_TRUE(text.ok());
  auto vocab = vocab_from_tiktoken(*text, llama3_tiktoken_options());
  ASSERT_TRUE(vocab.ok());
  auto tokenizer = Tokenizer::create(std::move(vocab).value());
  ASSERT_TRUE(tokenizer.ok());
  for (const auto& c : test::read_llamacpp_vectors(inp, out))
    expect_streams_back(*tokenizer, c.text);
  // Characters that byte-level BPE splits across tokens.
  expect_streams_back(
      *tokenizer, "𝕳𝖊𝖑𝖑𝖔 🧑‍🔬🏳️‍🌈 ﷽ ஸ்ரீ 𓀀𓀁 🫠");
}

TEST(StreamingDetokenizer, SpmByteFallbackAndSpacePrefix) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  // Llama 2 has no piece for most emoji: they come out as <0xXX> byte tokens, one byte each.
  expect_streams_back(*tokenizer, "Hello 🦙 world 🫠, Grüße!");
  expect_streams_back(*tokenizer, " leading space kept");

  auto ids = tokenizer->encode("🦙", false, false);
  ASSERT_TRUE(ids.ok());
  ASSERT_GE(ids->size(), 4u);  // ▁ and four byte tokens
  StreamingDetokenizer stream(*tokenizer);
  std::string joined;
  for (size_t i = 0; i + 1 < ids->size(); ++i) joined += *stream.push((*ids)[i]);
  EXPECT_EQ(joined, "");  // three of the four bytes: nothing to show yet
  joined += *stream.push(ids->back());
  EXPECT_EQ(joined, "🦙");
}

TEST(StreamingDetokenizer, HopelessAndUnfinishedBytesBecomeReplacementCharacters) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  const auto byte = [&](int b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    return *tokenizer->find_token(name);
  };
  const std::string fffd = "\xEF\xBF\xBD";
  StreamingDetokenizer stream(*tokenizer);
  EXPECT_EQ(*stream.push(byte(0xFF)), fffd);  // never valid: replaced at once
  EXPECT_EQ(*stream.push(byte(0xE2)), "");    // could still become a character
  EXPECT_EQ(*stream.push(byte(0x82)), "");
  EXPECT_EQ(*stream.push(byte(0x41)), fffd + fffd + "A");  // it did not
  EXPECT_EQ(*stream.push(byte(0xF0)), "");
  EXPECT_EQ(*stream.push(byte(0x9F)), "");
  EXPECT_EQ(stream.flush(), fffd);  // unfinished at the end: one replacement
  EXPECT_EQ(stream.flush(), "");

  auto bad = stream.push(1 << 30);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), core::StatusCode::OutOfRange);
}

TEST(StreamingDetokenizer, SpecialTokensRenderOnlyOnRequest) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  StreamingDetokenizer plain(*tokenizer);
  EXPECT_EQ(*plain.push(2), "");  // </s>
  DecodeOptions options;
  options.render_special = true;
  StreamingDetokenizer rendered(*tokenizer, options);
  EXPECT_EQ(*rendered.push(2), "</s>");
}

}  // namespace
}  // namespace braid::text
