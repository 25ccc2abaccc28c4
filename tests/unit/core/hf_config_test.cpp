#include "braid/core/hf_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "test_paths.h"

namespace braid::core {
namespace {

std::filesystem::path golden_config() {
  return test::golden_dir() / "safetensors" / "single" / "config.json";
}

// Expects a failure with `code` and exactly `message`.
template <typename T>
void expect_error(const Result<T>& result, StatusCode code, const std::string& message) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status().to_string();
  EXPECT_EQ(result.status().message(), message);
}

TEST(HfConfig, TypedGettersOnARealLayout) {
  auto config = HfConfig::open(golden_config());
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(*config->get_int("num_hidden_layers"), 1);
  EXPECT_EQ(*config->get_int("hidden_size"), 4);
  EXPECT_EQ(*config->get_double("rms_norm_eps"), 1e-05);
  EXPECT_EQ(*config->get_double("rope_theta"), 10000.0);
  EXPECT_EQ(*config->get_double("hidden_size"), 4.0);  // an integer is a number too
  EXPECT_EQ(*config->get_bool("tie_word_embeddings"), true);
  EXPECT_EQ(*config->get_string("model_type"), "llama");
  EXPECT_EQ(*config->get_string("rope_scaling.rope_type"), "linear");
  EXPECT_EQ(*config->get_double("rope_scaling.factor"), 2.0);
  EXPECT_EQ(*config->get_int("text_config.vocab_size"), 3);
  EXPECT_TRUE(config->has("text_config.hidden_size"));
  EXPECT_FALSE(config->has("text_config.num_layers"));
  EXPECT_TRUE(config->json()["eos_token_id"].is_array());
}

TEST(HfConfig, MissingKeysNameTheFileAndKey) {
  auto config = HfConfig::open(golden_config());
  ASSERT_TRUE(config.ok());
  const std::string file = golden_config().string();
  expect_error(config->get_int("num_attention_heads"), StatusCode::NotFound,
               "[hf] " + file + ": 'num_attention_heads' missing");
  expect_error(config->get_int("text_config.num_hidden_layers"), StatusCode::NotFound,
               "[hf] " + file + ": 'text_config.num_hidden_layers' missing");
  expect_error(config->get_int("vision_config.hidden_size"), StatusCode::NotFound,
               "[hf] " + file + ": 'vision_config.hidden_size' missing");
}

TEST(HfConfig, WrongTypesSayWhatWasFound) {
  auto config = HfConfig::open(golden_config());
  ASSERT_TRUE(config.ok());
  const std::string file = golden_config().string();
  expect_error(config->get_int("model_type"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'model_type' expected an integer, got string \"llama\"");
  expect_error(config->get_int("rope_theta"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'rope_theta' expected an integer, got float 10000.0");
  expect_error(config->get_int("eos_token_id"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'eos_token_id' expected an integer, got array");
  expect_error(config->get_bool("hidden_size"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'hidden_size' expected a boolean, got integer 4");
  expect_error(config->get_string("tie_word_embeddings"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'tie_word_embeddings' expected a string, got boolean true");
  expect_error(config->get_double("rope_scaling"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'rope_scaling' expected a number, got object");
  expect_error(config->get_int("model_type.x"), StatusCode::InvalidArgument,
               "[hf] " + file + ": 'model_type' expected an object, got string \"llama\"");
}

TEST(HfConfig, FallbacksForAbsentAndNull) {
  auto config = HfConfig::parse(R"({"rope_scaling": null, "n": 3, "s": "x", "f": 0.5})", "c");
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(*config->get_int_or("absent", 7), 7);
  EXPECT_EQ(*config->get_int_or("n", 7), 3);
  EXPECT_EQ(*config->get_double_or("rope_scaling.factor", 1.0), 1.0);  // null parent: unset
  EXPECT_EQ(*config->get_double_or("f", 1.0), 0.5);
  EXPECT_EQ(*config->get_bool_or("rope_scaling", false), false);
  EXPECT_EQ(*config->get_string_or("s", "y"), "x");
  EXPECT_EQ(*config->get_string_or("t", "y"), "y");
  EXPECT_FALSE(config->has("rope_scaling"));
  // A value of the wrong type is still an error, not a silent fallback.
  expect_error(config->get_int_or("s", 1), StatusCode::InvalidArgument,
               "[hf] c: 's' expected an integer, got string \"x\"");
  expect_error(config->get_int_or("s.deeper", 1), StatusCode::InvalidArgument,
               "[hf] c: 's' expected an object, got string \"x\"");
  // The plain getters refuse null.
  expect_error(config->get_int("rope_scaling"), StatusCode::InvalidArgument,
               "[hf] c: 'rope_scaling' expected an integer, got null");
}

TEST(HfConfig, IntegerRange) {
  auto config = HfConfig::parse(
      R"({"big": 9223372036854775807, "bigger": 9223372036854775808, "neg": -5})", "c");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config->get_int("big"), 9223372036854775807);
  EXPECT_EQ(*config->get_int("neg"), -5);
  expect_error(config->get_int("bigger"), StatusCode::OutOfRange,
               "[hf] c: 'bigger' = 9223372036854775808 does not fit in a signed 64-bit integer");
}

TEST(HfConfig, BadFiles) {
  expect_error(HfConfig::parse("[1]", "c"), StatusCode::DataLoss,
               "[hf] c: is an array, expected a JSON object");
  expect_error(HfConfig::parse(R"({"a": 1, "a": 2})", "c"), StatusCode::DataLoss,
               "[hf] c: invalid JSON: key 'a' appears twice");
  auto syntax = HfConfig::parse("{\n  \"a\": tru\n}", "c");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), StatusCode::DataLoss);
  EXPECT_EQ(syntax.status().message().rfind("[hf] c: invalid JSON at byte ", 0), 0u)
      << syntax.status().message();
  const auto missing = test::scratch_dir() / "config.json";
  expect_error(HfConfig::open(missing), StatusCode::NotFound,
               "[hf] " + missing.string() + ": missing");
}

}  // namespace
}  // namespace braid::core
