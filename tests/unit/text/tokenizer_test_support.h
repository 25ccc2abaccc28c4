// Shared helpers for the tokenizer tests: reading files, loading vocabularies from the shared
// data, and llama.cpp's .inp/.out test-vector format.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/text/tokenizer.h"
#include "braid/text/vocab_import.h"
#include "test_paths.h"

namespace braid::text::test {

inline std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return bytes;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A tokenizer built from a GGUF file (the file's bytes stay alive while the GgufFile parses).
inline core::Result<Tokenizer> tokenizer_from_gguf_path(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_bytes(path);
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::parse({bytes.data(), bytes.size()},
                                                                    path.filename().string()));
  return Tokenizer::from_gguf(file);
}

/// One llama.cpp test vector: input text and the ids llama.cpp gives (no BOS).
struct TokenizerCase {
  std::string text;
  std::vector<int32_t> ids;
};

/// Reads X.inp (texts separated by "\n__ggml_vocab_test__\n") and X.out (one line of ids each).
inline std::vector<TokenizerCase> read_llamacpp_vectors(const std::filesystem::path& inp,
                                                        const std::filesystem::path& out) {
  const std::string separator = "\n__ggml_vocab_test__\n";
  const std::string inputs = read_text(inp);
  std::vector<std::string> texts;
  size_t pos = 0;
  for (size_t at = inputs.find(separator); at != std::string::npos;
       at = inputs.find(separator, pos)) {
    texts.push_back(inputs.substr(pos, at - pos));
    pos = at + separator.size();
  }
  std::istringstream lines(read_text(out));
  std::vector<TokenizerCase> cases;
  std::string line;
  for (const std::string& text : texts) {
    if (!std::getline(lines, line)) break;
    TokenizerCase c{text, {}};
    std::istringstream ids(line);
    int32_t id = 0;
    while (ids >> id) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  return cases;
}

inline std::string ids_string(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) {
    s += ' ';  // (not " " + to_string: GCC 12 warns falsely about that with -Wrestrict)
    s += std::to_string(id);
  }
  return s;
}

}  // namespace braid::text::test
