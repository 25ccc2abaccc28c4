// Special tokens, BOS/EOS flags, decoding and accessors, against the reference vectors that
// ship with the shared data: Meta's Llama 3 tokenizer tests (llama3-tokenizer/REFERENCE.md) and
// karpathy/llama2.c's stories260K output (tinyllama-stories260K/).
#include "braid/text/tokenizer.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

// The Llama 3 tokenizer built from Meta's tiktoken file, shared by the tests below.
const Tokenizer* llama3(bool add_eos = false) {
  static std::unique_ptr<Tokenizer> cached[2];
  auto& slot = cached[add_eos ? 1 : 0];
  if (!slot) {
    const auto path = braid::test::shared_data_dir() / "llama3-tokenizer/tokenizer.model";
    if (!std::filesystem::exists(path)) return nullptr;
    auto text = read_text_file(path);
    if (!text.ok()) return nullptr;
    auto vocab = vocab_from_tiktoken(*text, llama3_tiktoken_options());
    if (!vocab.ok()) return nullptr;
    vocab->add_eos = add_eos;
    auto tokenizer = Tokenizer::create(std::move(vocab).value());
    if (!tokenizer.ok()) return nullptr;
    slot = std::make_unique<Tokenizer>(std::move(tokenizer).value());
  }
  return slot.get();
}

#define LLAMA3_OR_SKIP(var, ...)                                             \
  BRAID_SHARED_FILE_OR_SKIP(var##_path, "llama3-tokenizer/tokenizer.model"); \
  const Tokenizer* var = llama3(__VA_ARGS__);                                \
  ASSERT_NE(var, nullptr) << "the Llama 3 tokenizer did not load"

TEST(Llama3Reference, EncodeWithBosAndEos) {
  LLAMA3_OR_SKIP(tokenizer, /*add_eos=*/true);
  auto ids = tokenizer->encode("This is a test sentence.", /*add_special=*/true, false);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{128000, 2028, 374, 264, 1296, 11914, 13, 128001}));
}

TEST(Llama3Reference, DecodeRendersSpecialTokensOnRequest) {
  LLAMA3_OR_SKIP(tokenizer);
  const std::vector<int32_t> ids = {128000, 2028, 374, 264, 1296, 11914, 13, 128001};
  DecodeOptions render;
  render.render_special = true;
  auto text = tokenizer->decode(ids, render);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "<|begin_of_text|>This is a test sentence.<|end_of_text|>");
  auto plain = tokenizer->decode(ids);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "This is a test sentence.");
}

TEST(Llama3Reference, MessageAndDialogWithParsedSpecialTokens) {
  LLAMA3_OR_SKIP(tokenizer);
  auto message = tokenizer->encode(
      "<|start_header_id|>user<|end_header_id|>\n\nThis is a test sentence.<|eot_id|>", false,
      /*parse_special=*/true);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, (std::vector<int32_t>{128006, 882, 128007, 271, 2028, 374, 264, 1296, 11914,
                                            13, 128009}));
  auto dialog = tokenizer->encode(
      "<|start_header_id|>system<|end_header_id|>\n\nThis is a test sentence.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nThis is a response.<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n",
      /*add_special=*/true, /*parse_special=*/true);
  ASSERT_TRUE(dialog.ok());
  EXPECT_EQ(*dialog, (std::vector<int32_t>{128000, 128006, 9125,  128007, 271,    2028,   374,
                                           264,    1296,   11914, 13,     128009, 128006, 882,
                                           128007, 271,    2028,  374,    264,    2077,   13,
                                           128009, 128006, 78191, 128007, 271}));
}

TEST(Llama3Reference, SpecialTextIsPlainTextUnlessParsed) {
  LLAMA3_OR_SKIP(tokenizer);
  auto plain = tokenizer->encode("<|eot_id|>", false, /*parse_special=*/false);
  ASSERT_TRUE(plain.ok());
  EXPECT_GT(plain->size(), 1u);
  for (int32_t id : *plain) EXPECT_LT(id, 128000);
  auto text = tokenizer->decode(*plain);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "<|eot_id|>");
  auto parsed = tokenizer->encode("<|eot_id|>", false, /*parse_special=*/true);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::vector<int32_t>{128009});
}

TEST(Llama3Reference, Accessors) {
  LLAMA3_OR_SKIP(tokenizer);
  EXPECT_EQ(tokenizer->size(), 128256);
  EXPECT_EQ(tokenizer->model(), VocabModel::Bpe);
  EXPECT_EQ(tokenizer->pre(), "llama-bpe");
  EXPECT_EQ(tokenizer->bos_id(), 128000);
  EXPECT_EQ(tokenizer->eos_id(), 128001);
  EXPECT_EQ(tokenizer->eot_id(), 128009);
  EXPECT_EQ(tokenizer->eom_id(), 128008);
  EXPECT_TRUE(tokenizer->add_bos());
  EXPECT_FALSE(tokenizer->add_space_prefix());
  EXPECT_TRUE(tokenizer->is_end_of_generation(128009));
  EXPECT_TRUE(tokenizer->is_end_of_generation(128001));
  EXPECT_FALSE(tokenizer->is_end_of_generation(128000));
  EXPECT_EQ(*tokenizer->token_text(128009), "<|eot_id|>");
  EXPECT_EQ(*tokenizer->token_type(128009), TokenType::Control);
  EXPECT_EQ(*tokenizer->token_type(2028), TokenType::Normal);
  EXPECT_EQ(*tokenizer->token_text(271), "\xC4\x8A\xC4\x8A");  // "\n\n" in byte-level form
  EXPECT_EQ(*tokenizer->token_to_piece(271), "\n\n");
  EXPECT_EQ(*tokenizer->token_to_piece(128009), "");
  EXPECT_EQ(*tokenizer->token_to_piece(128009, /*render_special=*/true), "<|eot_id|>");
  EXPECT_EQ(tokenizer->find_token("<|begin_of_text|>"), 128000);
}

TEST(Llama3Reference, EncodingIsDeterministicAndThreadSafe) {
  LLAMA3_OR_SKIP(tokenizer);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "Déjà vu, 123456 times: naïve café 🦙 — ok?\n";
  auto first = tokenizer->encode(text, true, false);
  ASSERT_TRUE(first.ok());
  std::vector<std::vector<int32_t>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { results[t] = tokenizer->encode(text, true, false).value(); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, *first);
}

// ---- stories260K (a 512-piece SentencePiece vocabulary inside a model GGUF) ------------------

TEST(Stories260K, VocabularyAndGreedyOutputDecode) {
  BRAID_SHARED_FILE_OR_SKIP(path, "tinyllama-stories260K/stories260K.gguf");
  BRAID_SHARED_FILE_OR_SKIP(ids_path, "tinyllama-stories260K/derived_greedy_200_token_ids.txt");
  BRAID_SHARED_FILE_OR_SKIP(text_path, "tinyllama-stories260K/expected_greedy_200steps.txt");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  EXPECT_EQ(tokenizer->size(), 512);
  EXPECT_EQ(tokenizer->model(), VocabModel::Spm);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->unk_id(), 0);
  EXPECT_EQ(tokenizer->pad_id(), kNoToken);  // stored as 0xFFFFFFFF
  EXPECT_EQ(*tokenizer->token_type(13), TokenType::Byte);
  EXPECT_EQ(*tokenizer->token_to_piece(13), "\n");  // <0x0A>

  std::vector<int32_t> ids;
  std::istringstream in(test::read_text(ids_path));
  for (int32_t id = 0; in >> id;) ids.push_back(id);
  ASSERT_EQ(ids.size(), 200u);
  // llama2.c prints the pieces after BOS, dropping the first piece's leading space: what decode
  // does for a space-prefixed vocabulary.
  auto text = tokenizer->decode(ids);
  ASSERT_TRUE(text.ok());
  std::string expected = test::read_text(text_path);
  EXPECT_EQ(*text, expected.substr(0, text->size()));
  EXPECT_GT(text->size(), expected.size() - 2);  // run.c adds a final newline
}

TEST(Stories260K, EncodeOfTheStoryStartGivesTheModelsIds) {
  BRAID_SHARED_FILE_OR_SKIP(path, "tinyllama-stories260K/stories260K.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  // REFERENCE.md: the first 30 greedy ids spell this sentence.
  auto ids = tokenizer->encode(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park",
      /*add_special=*/true, false);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{1,   403, 407, 261, 378, 432, 383, 286, 261, 376, 298,
                                        315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410,
                                        408, 419, 292, 411, 322, 265, 282, 295, 433}));
}

// ---- user-defined tokens are matched whole even as plain text (llama.cpp, Hugging Face) ------

TEST(SpecialTokens, UserDefinedTokensAreAlwaysMatched) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-mpt.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  // MPT's added whitespace runs (user-defined) win over the regex split.
  const std::string spaces(10, ' ');
  const auto run = tokenizer->find_token(spaces);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(*tokenizer->token_type(*run), TokenType::UserDefined);
  auto ids = tokenizer->encode("a" + spaces + "b", false, false);
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ((*ids)[1], *run);
  // Control tokens only with parse_special.
  auto plain = tokenizer->encode("<|endoftext|>", false, false);
  ASSERT_TRUE(plain.ok());
  EXPECT_GT(plain->size(), 1u);
  auto parsed = tokenizer->encode("<|endoftext|>", false, true);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::vector<int32_t>{0});
}

TEST(SpecialTokens, SpmSpacePrefixFollowsSpecialTokens) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  auto tokenizer = test::tokenizer_from_gguf_path(path);
  ASSERT_TRUE(tokenizer.ok());
  auto hello = tokenizer->encode("Hello", false, false);
  ASSERT_TRUE(hello.ok());
  // As llama.cpp: text after a parsed special token gets the dummy prefix again.
  auto ids = tokenizer->encode("<s>Hello</s>Hello", /*add_special=*/true, /*parse_special=*/true);
  ASSERT_TRUE(ids.ok());
  std::vector<int32_t> expected = {1, 1};
  expected.insert(expected.end(), hello->begin(), hello->end());
  expected.push_back(2);
  expected.insert(expected.end(), hello->begin(), hello->end());
  EXPECT_EQ(*ids, expected);
  auto no_bos = tokenizer->encode("Hello", /*add_special=*/false, false);
  auto with_bos = tokenizer->encode("Hello", /*add_special=*/true, false);
  ASSERT_TRUE(no_bos.ok() && with_bos.ok());
  EXPECT_EQ(with_bos->front(), 1);
  EXPECT_EQ(with_bos->size(), no_bos->size() + 1);
  auto empty = tokenizer->encode("", true, false);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, std::vector<int32_t>{1});  // llama.cpp: no dummy-prefix token for ""
}

// ---- vocabularies without llama.cpp vectors: load, and round-trip every test text ------------

TEST(OtherVocabularies, LoadAndRoundTrip) {
  BRAID_SHARED_FILE_OR_SKIP(inp, "llamacpp-vocab/ggml-vocab-llama-bpe.gguf.inp");
  BRAID_SHARED_FILE_OR_SKIP(out, "llamacpp-vocab/ggml-vocab-llama-bpe.gguf.out");
  const auto cases = test::read_llamacpp_vectors(inp, out);
  for (const char* name : {"gpt-neox", "baichuan"}) {
    const auto path = braid::test::shared_data_dir() /
                      ("llamacpp-vocab/ggml-vocab-" + std::string(name) + ".gguf");
    if (!std::filesystem::exists(path)) continue;
    auto tokenizer = test::tokenizer_from_gguf_path(path);
    ASSERT_TRUE(tokenizer.ok()) << name << ": " << tokenizer.status().to_string();
    for (const auto& c : cases) {
      auto ids = tokenizer->encode(c.text, false, false);
      ASSERT_TRUE(ids.ok()) << name;
      auto text = tokenizer->decode(*ids);
      ASSERT_TRUE(text.ok());
      EXPECT_EQ(*text, c.text) << name;
    }
  }
}

}  // namespace
}  // namespace braid::text
