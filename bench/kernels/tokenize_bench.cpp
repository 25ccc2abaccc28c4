// Tokenizer throughput on one core: ~1 MB of English text through the Llama 3 vocabulary (built
// from Meta's tiktoken file) and the Llama 2 SentencePiece vocabulary, reported as bytes/s.
//
// English text: the license texts in /usr/share/common-licenses (real prose, ~300 KB) repeated to
// 1 MB; without them, generated sentences. A second Llama 3 case uses random letter strings, so
// almost every pre-token is new (the encoder's per-call word cache cannot help): a lower bound.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"

namespace {

using braid::text::Tokenizer;

constexpr size_t kTextBytes = 1 << 20;

const std::filesystem::path kDataDir = BRAID_SHARED_DATA_DIR;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string generated_english() {
  const char* words[] = {"the",   "model",  "reads", "a",     "long",  "story",  "about",
                         "tiny",  "robots", "who",   "learn", "to",    "paint",  "with",
                         "light", "and",    "sound", "while", "their", "makers", "sleep"};
  std::mt19937 rng(7);
  std::string text;
  while (text.size() < 300000) {
    std::string sentence;
    const int n = 6 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) sentence += std::string(i ? " " : "") + words[rng() % 21];
    sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
    text += sentence + (rng() % 5 ? ". " : ".\n\n");
  }
  return text;
}

const std::string& english_text() {
  static const std::string text = [] {
    std::string base;
    const std::filesystem::path licenses = "/usr/share/common-licenses";
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(licenses, error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) base += read_file(file);
    if (base.size() < 100000) base = generated_english();
    std::string out;
    while (out.size() < kTextBytes) out += base;
    out.resize(kTextBytes);
    // Do not end inside a UTF-8 character.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    return out;
  }();
  return text;
}

const std::string& random_words_text() {
  static const std::string text = [] {
    std::mt19937 rng(11);
    std::string out;
    while (out.size() < kTextBytes) {
      const int n = 2 + static_cast<int>(rng() % 10);
      for (int i = 0; i < n; ++i) out.push_back(static_cast<char>('a' + rng() % 26));
      out.push_back(rng() % 12 ? ' ' : '\n');
    }
    return out;
  }();
  return text;
}

const Tokenizer* llama3() {
  static const std::unique_ptr<Tokenizer> tokenizer = []() -> std::unique_ptr<Tokenizer> {
    auto text = braid::text::read_text_file(kDataDir / "llama3-tokenizer/tokenizer.model");
    if (!text.ok()) return nullptr;
    auto vocab = braid::text::vocab_from_tiktoken(*text, braid::text::llama3_tiktoken_options());
    if (!vocab.ok()) return nullptr;
    auto created = Tokenizer::create(std::move(vocab).value());
    if (!created.ok()) return nullptr;
    return std::make_unique<Tokenizer>(std::move(created).value());
  }();
  return tokenizer.get();
}

const Tokenizer* llama2() {
  static const std::vector<std::byte> bytes = [] {
    const std::string s = read_file(kDataDir / "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
    std::vector<std::byte> b(s.size());
    for (size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
    return b;
  }();
  static const std::unique_ptr<Tokenizer> tokenizer = []() -> std::unique_ptr<Tokenizer> {
    auto file = braid::core::GgufFile::parse({bytes.data(), bytes.size()}, "llama-spm.gguf");
    if (!file.ok()) return nullptr;
    auto created = Tokenizer::from_gguf(*file);
    if (!created.ok()) return nullptr;
    return std::make_unique<Tokenizer>(std::move(created).value());
  }();
  return tokenizer.get();
}

void run_encode(benchmark::State& state, const Tokenizer* tokenizer, const std::string& text) {
  if (!tokenizer) {
    state.SkipWithError("tokenizer data missing under BRAID_SHARED_DATA_DIR");
    return;
  }
  size_t n_tokens = 0;
  for (auto _ : state) {
    auto ids = tokenizer->encode(text, /*add_special=*/false, /*parse_special=*/false);
    if (!ids.ok()) {
      state.SkipWithError(ids.status().to_string().c_str());
      return;
    }
    n_tokens = ids->size();
    benchmark::DoNotOptimize(ids->data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
  state.counters["bytes_per_token"] = static_cast<double>(text.size()) / n_tokens;
}

void BM_Encode_Llama3_English1MB(benchmark::State& state) {
  run_encode(state, llama3(), english_text());
}
void BM_Encode_Llama3_RandomWords1MB(benchmark::State& state) {
  run_encode(state, llama3(), random_words_text());
}
void BM_Encode_Llama2Spm_English1MB(benchmark::State& state) {
  run_encode(state, llama2(), english_text());
}

void BM_Decode_Llama3_English1MB(benchmark::State& state) {
  const Tokenizer* tokenizer = llama3();
  if (!tokenizer) {
    state.SkipWithError("tokenizer data missing under BRAID_SHARED_DATA_DIR");
    return;
  }
  const std::vector<int32_t> ids = tokenizer->encode(english_text(), false, false).value();
  for (auto _ : state) {
    auto text = tokenizer->decode(ids);
    benchmark::DoNotOptimize(text->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * english_text().size()));
}

BENCHMARK(BM_Encode_Llama3_English1MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_Llama3_RandomWords1MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_Llama2Spm_English1MB)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode_Llama3_English1MB)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
