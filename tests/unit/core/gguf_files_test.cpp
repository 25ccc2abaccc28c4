// Every GGUF in ../shared/data read by braid must agree with what the `gguf` package from PyPI
// (llama.cpp's own Python reader) read from it: tests/golden/gguf/facts.json, made by
// tests/scripts/make_gguf_facts.py.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/core/gguf.h"
#include "test_paths.h"

namespace braid::core {
namespace {

std::string fnv1a64(std::span<const std::byte> bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (auto b : bytes) {
    hash ^= static_cast<uint8_t>(b);
    hash *= 0x100000001b3ull;
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

nlohmann::json load_facts() {
  std::ifstream in(test::golden_dir() / "gguf" / "facts.json");
  return nlohmann::json::parse(in);
}

// Compares one metadata value with its recorded description.
void expect_value_matches(const GgufFile& file, const nlohmann::json& fact) {
  const std::string key = fact["key"];
  SCOPED_TRACE(key);
  const GgufValue* value = file.find(key);
  ASSERT_NE(value, nullptr);
  const std::string type = fact["type"];
  if (type == "array") {
    const auto* array = std::get_if<GgufArray>(&value->data);
    ASSERT_NE(array, nullptr);
    EXPECT_EQ(gguf_value_type_name(array->element_type), fact["element_type"].get<std::string>());
    EXPECT_EQ(array->items.size(), fact["count"].get<size_t>());
    if (fact["element_type"] == "string") {
      auto items = file.get<std::vector<std::string>>(key);
      ASSERT_TRUE(items.ok());
      std::string blob;
      for (const auto& s : *items) {
        uint64_t n = s.size();
        blob.append(reinterpret_cast<const char*>(&n), 8);
        blob += s;
      }
      EXPECT_EQ(fnv1a64(std::as_bytes(std::span(blob))), fact["fnv1a64"].get<std::string>());
      if (!items->empty()) {
        EXPECT_EQ(items->front(), fact["first"].get<std::string>());
        EXPECT_EQ(items->back(), fact["last"].get<std::string>());
      }
    } else if (fact.contains("first") && fact["element_type"] == "f32") {
      auto items = file.get<std::vector<float>>(key);
      ASSERT_TRUE(items.ok());
      EXPECT_EQ(items->front(), fact["first"].get<float>());
      EXPECT_EQ(items->back(), fact["last"].get<float>());
    } else if (fact.contains("first")) {
      auto items = file.get<std::vector<int64_t>>(key);
      ASSERT_TRUE(items.ok()) << items.status().to_string();
      EXPECT_EQ(items->front(), fact["first"].get<int64_t>());
      EXPECT_EQ(items->back(), fact["last"].get<int64_t>());
    }
    return;
  }
  EXPECT_EQ(value->type_name(), type);
  if (type == "string") {
    auto text = file.get<std::string>(key);
    ASSERT_TRUE(text.ok());
    if (fact.contains("value")) {
      EXPECT_EQ(*text, fact["value"].get<std::string>());
    } else {
      EXPECT_EQ(text->size(), fact["length"].get<size_t>());
      EXPECT_EQ(fnv1a64(std::as_bytes(std::span(*text))), fact["fnv1a64"].get<std::string>());
    }
  } else if (type == "bool") {
    EXPECT_EQ(*file.get<bool>(key), fact["value"].get<bool>());
  } else if (type == "f32" || type == "f64") {
    EXPECT_EQ(*file.get<double>(key), fact["value"].get<double>());
  } else {
    EXPECT_EQ(*file.get<int64_t>(key), fact["value"].get<int64_t>());
  }
}

TEST(GgufFiles, AgreeWithTheGgufPackage) {
  if (!std::filesystem::exists(test::shared_data_dir())) GTEST_SKIP() << "no ../shared/data";
  const auto facts = load_facts();
  ASSERT_GE(facts["files"].size(), 13u);
  for (const auto& expected : facts["files"]) {
    const std::string relative = expected["file"];
    SCOPED_TRACE(relative);
    auto file = GgufFile::open(test::shared_data_dir() / relative);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    EXPECT_EQ(file->version(), expected["version"].get<uint32_t>());
    EXPECT_EQ(file->alignment(), expected["alignment"].get<uint32_t>());
    EXPECT_EQ(file->metadata().size(), expected["kv_count"].get<size_t>());
    for (size_t i = 0; i < file->metadata().size(); ++i) {
      EXPECT_EQ(file->metadata()[i].key, expected["metadata"][i]["key"].get<std::string>());
      expect_value_matches(*file, expected["metadata"][i]);
    }
    ASSERT_EQ(file->tensors().size(), expected["tensor_count"].get<size_t>());
    if (!file->tensors().empty()) {
      EXPECT_EQ(file->data_offset(), expected["data_offset"].get<uint64_t>());
    }
    for (size_t i = 0; i < file->tensors().size(); ++i) {
      const auto& tensor = file->tensors()[i];
      const auto& fact = expected["tensors"][i];
      EXPECT_EQ(tensor.name, fact["name"].get<std::string>());
      EXPECT_EQ(dtype_name(tensor.dtype), fact["type"].get<std::string>());
      EXPECT_EQ(tensor.shape, fact["shape"].get<std::vector<int64_t>>());
      EXPECT_EQ(tensor.file_offset, fact["file_offset"].get<uint64_t>());
      EXPECT_EQ(tensor.n_bytes, fact["n_bytes"].get<uint64_t>());
      EXPECT_EQ(fnv1a64(file->tensor_data(tensor)), fact["fnv1a64"].get<std::string>());
    }
  }
}

}  // namespace
}  // namespace braid::core
