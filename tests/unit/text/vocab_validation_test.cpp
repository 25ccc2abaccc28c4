// Bad vocabularies and bad input: each gives one clear Status naming the key and index (or the
// byte offset), never a crash.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "braid/core/gguf_writer.h"
#include "braid/text/tokenizer.h"
#include "braid/text/vocab.h"

namespace braid::text {
namespace {

using core::GgufValue;
using core::StatusCode;

// A small byte-level BPE vocabulary: the 256 byte pieces, then "ab", "abc".
Vocab small_bpe_vocab() {
  Vocab vocab;
  vocab.name = "small";
  vocab.model = VocabModel::Bpe;
  vocab.pre = "gpt-2";
  // The 256 byte pieces, in GPT-2's byte-to-unicode form: printable Latin-1 bytes are their own
  // character, the others map to U+0100 onwards in byte order.
  const auto keeps = [](int x) {
    return (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
  };
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const int cp = keeps(b) ? b : next++;
    std::string piece;
    if (cp < 0x80) {
      piece.push_back(static_cast<char>(cp));
    } else {
      piece.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      piece.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    vocab.tokens.push_back(piece);
  }
  vocab.tokens.push_back("ab");   // 256
  vocab.tokens.push_back("abc");  // 257
  vocab.merges = {"a b", "ab c"};
  return vocab;
}

void expect_error(const core::Result<Tokenizer>& result,
                  StatusCode code,
                  const std::vector<std::string>& needles) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status().to_string();
  for (const std::string& needle : needles) {
    EXPECT_NE(result.status().message().find(needle), std::string::npos)
        << "missing '" << needle << "' in: " << result.status().message();
  }
}

TEST(VocabValidation, SmallVocabularyWorks) {
  auto tokenizer = Tokenizer::create(small_bpe_vocab());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  auto ids = tokenizer->encode("abc ab", false, false);
  ASSERT_TRUE(ids.ok());
  // "abc" merges fully; " ab" is the space byte then "ab".
  const int32_t space = *tokenizer->find_token("\xC4\xA0");  // U+0120, the space's piece
  EXPECT_EQ(*ids, (std::vector<int32_t>{257, space, 256}));
}

TEST(VocabValidation, DuplicatePieceNamesBothIndices) {
  Vocab vocab = small_bpe_vocab();
  vocab.tokens.push_back("ab");  // 258 repeats 256
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"small", "tokenizer.ggml.tokens[258]", "'ab'", "tokenizer.ggml.tokens[256]"});
}

TEST(VocabValidation, MergeNamingAnUnknownPiece) {
  Vocab vocab = small_bpe_vocab();
  vocab.merges.push_back("ab zz");
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.merges[2]", "'zz' is not a token"});
}

TEST(VocabValidation, MergeWhoseResultIsNotAPiece) {
  Vocab vocab = small_bpe_vocab();
  vocab.merges.push_back("c d");
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.merges[2]", "merged piece 'cd'"});
}

TEST(VocabValidation, MergeWithoutASpace) {
  Vocab vocab = small_bpe_vocab();
  vocab.merges.push_back("abc");
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.merges[2]", "'left right'"});
}

TEST(VocabValidation, ArrayLengthsMustMatchTheTokens) {
  Vocab vocab = small_bpe_vocab();
  vocab.scores.assign(10, 0.0f);
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.scores has 10 entries", "tokenizer.ggml.tokens has 258"});
  vocab = small_bpe_vocab();
  vocab.types.assign(300, TokenType::Normal);
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.token_type has 300 entries"});
}

TEST(VocabValidation, TokenTypeOutOfRange) {
  Vocab vocab = small_bpe_vocab();
  vocab.types.assign(vocab.tokens.size(), TokenType::Normal);
  vocab.types[7] = static_cast<TokenType>(9);
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.token_type[7] = 9"});
}

TEST(VocabValidation, SpecialIdsOutsideTheVocabulary) {
  Vocab vocab = small_bpe_vocab();
  vocab.eos_id = 258;
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.eos_token_id = 258", "258 tokens"});
  vocab = small_bpe_vocab();
  vocab.add_bos = true;  // but no bos id
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"add_bos_token is true", "bos_token_id"});
}

TEST(VocabValidation, EmptyVocabulary) {
  Vocab vocab;
  vocab.name = "empty";
  expect_error(Tokenizer::create(vocab), StatusCode::InvalidArgument,
               {"tokenizer.ggml.tokens is empty"});
}

TEST(VocabValidation, UnknownPreTokenizerIsNotSupported) {
  Vocab vocab = small_bpe_vocab();
  vocab.pre = "no-such-pre";
  expect_error(Tokenizer::create(vocab), StatusCode::NotSupported,
               {"'no-such-pre'", "tokenizer.ggml.pre"});
}

TEST(VocabValidation, EveryKnownPreTokenizerCompiles) {
  for (const char* pre :
       {"default",      "llama3", "llama-bpe", "dbrx",      "deepseek-llm", "deepseek-coder",
        "deepseek-v3",  "falcon", "mpt",       "starcoder", "gpt-2",        "refact",
        "command-r",    "qwen2",  "stablelm2", "olmo",      "poro-chat",    "chatglm-bpe",
        "viking",       "jais",   "tekken",    "smollm",    "codeshell",    "bloom",
        "gpt3-finnish", "exaone", "gpt-4o",    "llama4"}) {
    Vocab vocab = small_bpe_vocab();
    vocab.pre = pre;
    auto tokenizer = Tokenizer::create(vocab);
    ASSERT_TRUE(tokenizer.ok()) << pre << ": " << tokenizer.status().to_string();
    auto ids = tokenizer->encode("abc ABC 123 Ünïcödé 🦙 \n\t x's", false, false);
    ASSERT_TRUE(ids.ok()) << pre;
    auto text = tokenizer->decode(*ids);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, "abc ABC 123 Ünïcödé 🦙 \n\t x's") << pre;
  }
}

TEST(InvalidInput, InvalidUtf8IsAnErrorNamingTheOffset) {
  auto tokenizer = Tokenizer::create(small_bpe_vocab());
  ASSERT_TRUE(tokenizer.ok());
  for (const std::string& bad : {std::string("ab\xFF"), std::string("ab\xC3"),
                                 std::string("ab\xE0\x80\xAF"),         // overlong '/'
                                 std::string("ab\xED\xA0\x80"),         // a surrogate
                                 std::string("ab\xF4\x90\x80\x80")}) {  // above U+10FFFF
    auto ids = tokenizer->encode(bad, false, false);
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(ids.status().message().find("not valid UTF-8 at byte offset 2"), std::string::npos)
        << ids.status().message();
  }
}

TEST(InvalidInput, ReplaceModeTokenizesEachBadByteAsU_FFFD) {
  auto tokenizer = Tokenizer::create(small_bpe_vocab());
  ASSERT_TRUE(tokenizer.ok());
  EncodeOptions options;
  options.add_special = false;
  options.invalid_utf8 = InvalidUtf8::Replace;
  auto ids = tokenizer->encode("ab\xFF\xFE", options);
  ASSERT_TRUE(ids.ok());
  auto expected = tokenizer->encode("ab\xEF\xBF\xBD\xEF\xBF\xBD", false, false);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*ids, *expected);
}

TEST(InvalidInput, BadIdsInDecodeAndAccessors) {
  auto tokenizer = Tokenizer::create(small_bpe_vocab());
  ASSERT_TRUE(tokenizer.ok());
  const std::vector<int32_t> ids = {256, 9999};
  auto text = tokenizer->decode(ids);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::OutOfRange);
  EXPECT_NE(text.status().message().find("ids[1]"), std::string::npos);
  EXPECT_FALSE(tokenizer->token_to_piece(-1).ok());
  EXPECT_FALSE(tokenizer->token_text(258).ok());
  EXPECT_FALSE(tokenizer->token_type(1 << 30).ok());
  EXPECT_FALSE(tokenizer->find_token("zzz").has_value());
}

// ---- GGUF metadata ----------------------------------------------------------------------------

core::Result<Vocab> vocab_from_writer(const core::GgufWriter& writer) {
  BRAID_ASSIGN_OR_RETURN(std::vector<std::byte> bytes, writer.to_bytes());
  // The file's bytes must outlive the parsed view; keep them for the duration of the read.
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file,
                         core::GgufFile::parse({bytes.data(), bytes.size()}, "vocab.gguf"));
  return vocab_from_gguf(file);
}

core::GgufWriter spm_writer() {
  core::GgufWriter writer;
  writer.set("tokenizer.ggml.model", "llama");
  writer.set("tokenizer.ggml.tokens",
             core::gguf_array<std::string>({"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a"}));
  writer.set("tokenizer.ggml.scores", core::gguf_array<float>({0, 0, 0, -1, -2}));
  writer.set("tokenizer.ggml.token_type", core::gguf_array<int32_t>({2, 3, 3, 1, 1}));
  return writer;
}

TEST(GgufVocab, SpmDefaults) {
  auto vocab = vocab_from_writer(spm_writer());
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  EXPECT_EQ(vocab->model, VocabModel::Spm);
  EXPECT_EQ(vocab->bos_id, 1);
  EXPECT_EQ(vocab->eos_id, 2);
  EXPECT_EQ(vocab->unk_id, 0);
  EXPECT_TRUE(vocab->add_bos);
  EXPECT_FALSE(vocab->add_eos);
  EXPECT_TRUE(vocab->add_space_prefix);
}

TEST(GgufVocab, IdOutOfRangeNamesTheKey) {
  core::GgufWriter writer = spm_writer();
  writer.set("tokenizer.ggml.eos_token_id", uint32_t{77});
  auto vocab = vocab_from_writer(writer);
  ASSERT_FALSE(vocab.ok());
  EXPECT_EQ(vocab.status().code(), StatusCode::OutOfRange);
  EXPECT_NE(vocab.status().message().find("tokenizer.ggml.eos_token_id"), std::string::npos);
  EXPECT_NE(vocab.status().message().find("77"), std::string::npos);
}

TEST(GgufVocab, AllOnesIdMeansNone) {
  core::GgufWriter writer = spm_writer();
  writer.set("tokenizer.ggml.padding_token_id", uint32_t{0xFFFFFFFF});
  auto vocab = vocab_from_writer(writer);
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  EXPECT_EQ(vocab->pad_id, kNoToken);
}

TEST(GgufVocab, WrongTypesAndMissingKeys) {
  core::GgufWriter writer = spm_writer();
  writer.set("tokenizer.ggml.token_type", core::gguf_array<std::string>({"x"}));
  auto vocab = vocab_from_writer(writer);
  ASSERT_FALSE(vocab.ok());
  EXPECT_NE(vocab.status().message().find("tokenizer.ggml.token_type"), std::string::npos);

  core::GgufWriter no_tokens;
  no_tokens.set("tokenizer.ggml.model", "llama");
  vocab = vocab_from_writer(no_tokens);
  ASSERT_FALSE(vocab.ok());
  EXPECT_EQ(vocab.status().code(), StatusCode::NotFound);
  EXPECT_NE(vocab.status().message().find("tokenizer.ggml.tokens"), std::string::npos);

  core::GgufWriter bert = spm_writer();
  bert.set("tokenizer.ggml.model", "bert");
  vocab = vocab_from_writer(bert);
  ASSERT_FALSE(vocab.ok());
  EXPECT_EQ(vocab.status().code(), StatusCode::NotSupported);

  core::GgufWriter no_merges = spm_writer();
  no_merges.set("tokenizer.ggml.model", "gpt2");
  no_merges.set("tokenizer.ggml.pre", "gpt-2");
  vocab = vocab_from_writer(no_merges);
  ASSERT_FALSE(vocab.ok());
  EXPECT_NE(vocab.status().message().find("tokenizer.ggml.merges"), std::string::npos);
}

TEST(GgufVocab, ScoresLengthMismatchIsCaughtByCreate) {
  core::GgufWriter writer = spm_writer();
  writer.set("tokenizer.ggml.scores", core::gguf_array<float>({0, 0}));
  auto vocab = vocab_from_writer(writer);
  ASSERT_TRUE(vocab.ok());
  auto tokenizer = Tokenizer::create(*vocab);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_NE(tokenizer.status().message().find("vocab.gguf"), std::string::npos);
  EXPECT_NE(tokenizer.status().message().find("tokenizer.ggml.scores has 2 entries"),
            std::string::npos);
}

TEST(GgufVocab, SpmWithoutByteTokensFallsBackToUnknown) {
  auto vocab = vocab_from_writer(spm_writer());
  ASSERT_TRUE(vocab.ok());
  auto tokenizer = Tokenizer::create(*vocab);
  ASSERT_TRUE(tokenizer.ok());
  auto ids = tokenizer->encode("a z", false, false);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{3, 4, 3, 0}));  // ▁ a ▁ <unk>

  Vocab no_unk = *vocab;
  no_unk.unk_id = kNoToken;
  auto strict = Tokenizer::create(no_unk);
  ASSERT_TRUE(strict.ok());
  auto failed = strict->encode("z", false, false);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::NotFound);
}

TEST(GgufVocab, SpmPiecesMayCrossSpaces) {
  // A piece with U+2581 inside ("a▁b") means words cannot be encoded one by one.
  Vocab vocab;
  vocab.name = "cross";
  vocab.model = VocabModel::Spm;
  vocab.tokens = {"<unk>",
                  "<s>",
                  "</s>",
                  "\xE2\x96\x81",
                  "a",
                  "b",
                  "a\xE2\x96\x81",
                  "a\xE2\x96\x81"
                  "b"};
  vocab.scores = {0, 0, 0, -3, -3, -3, -1, -0.5f};
  vocab.types = {TokenType::Unknown, TokenType::Control, TokenType::Control, TokenType::Normal,
                 TokenType::Normal,  TokenType::Normal,  TokenType::Normal,  TokenType::Normal};
  vocab.unk_id = 0;
  vocab.add_space_prefix = true;
  auto tokenizer = Tokenizer::create(vocab);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  auto ids = tokenizer->encode("a b", false, false);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{3, 7}));  // ▁ a▁b
  auto text = tokenizer->decode(*ids);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "a b");
}

}  // namespace
}  // namespace braid::text
