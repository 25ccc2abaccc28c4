// Whole vision-language models against Hugging Face transformers: LlavaForConditionalGeneration
// (tests/scripts/make_llava_logits_golden.py) and Idefics3ForConditionalGeneration
// (make_idefics3_logits_golden.py). The tiny random model's mmproj (as llama.cpp's converters lay
// it out) encodes the processor's pixels of a real photo, its rows go between the prompt's
// tokens, and the language model (an HF folder read natively) gives the logits of the first
// generated token. They must match the reference within 1e-3 of the largest logit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "braid/model/decoder.h"
#include "braid/vision/vision_encoder.h"
#include "op_runner.h"
#include "vision_test_support.h"

namespace braid::test {
namespace {

struct Param {
  std::string golden;  // folder under tests/golden
  std::string backend;
};

class WholeModelLogits : public testing::TestWithParam<Param> {};

TEST_P(WholeModelLogits, FirstTokenMatchesTransformers) {
  const std::string& backend = GetParam().backend;
  std::string why;
  plugins::Device* device = backend_device(backend, &why);
  if (!device) GTEST_SKIP() << backend << ": " << why;
  std::vector<plugins::Device*> devices{device};
  if (backend != "reference") devices.push_back(backend_device("reference"));

  const auto dir = golden_dir() / GetParam().golden;
  std::ifstream in(dir / "case.json");
  const nlohmann::json c = nlohmann::json::parse(in);
  vision::PixelTensor pixels;
  pixels.channels = c["pixel_shape"][0];
  pixels.height = c["pixel_shape"][1];
  pixels.width = c["pixel_shape"][2];
  pixels.values = read_f32_file(
      dir / "pixels.bin", static_cast<size_t>(pixels.channels) * pixels.height * pixels.width);
  const std::vector<float> want = read_f32_file(dir / "logits.bin", c["vocab"].get<size_t>());

  // The image: the mmproj's encoder and projector.
  auto vision_model = vision::VisionModel::open(golden_dir() / c["mmproj"].get<std::string>());
  ASSERT_TRUE(vision_model.ok()) << vision_model.status().to_string();
  auto text = model::Model::load(dir / "text");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  ASSERT_TRUE((*vision_model)->check_text_width((*text)->config().n_embd).is_ok());
  auto encoder = vision::VisionEncoder::create(*vision_model, devices);
  ASSERT_TRUE(encoder.ok()) << encoder.status().to_string();
  auto image = (*encoder)->encode(pixels, "image 1");
  ASSERT_TRUE(image.ok()) << image.status().to_string();
  ASSERT_EQ(image->n_rows, c["image_rows"].get<int64_t>());

  // The prompt: tokens, the image's rows, tokens; F32 KV so only arithmetic order differs.
  auto decoder =
      model::Decoder::create(*text, devices, {.n_ctx = 64, .kv_type = model::KvType::F32});
  ASSERT_TRUE(decoder.ok()) << decoder.status().to_string();
  std::vector<model::PromptChunk> prompt;
  prompt.emplace_back(model::TokenChunk{c["before"].get<std::vector<int32_t>>()});
  prompt.emplace_back(std::move(*image));
  prompt.emplace_back(model::TokenChunk{c["after"].get<std::vector<int32_t>>()});
  auto logits = (*decoder)->eval(prompt);
  ASSERT_TRUE(logits.ok()) << logits.status().to_string();
  ASSERT_EQ(logits->size(), want.size());

  double largest = 0, worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(std::isfinite((*logits)[i])) << i;
    largest = std::max(largest, std::fabs(double{want[i]}));
    worst = std::max(worst, std::fabs(double{(*logits)[i]} - want[i]));
  }
  EXPECT_LE(worst, 1e-3 * largest) << "largest logit " << largest;
  std::printf("%s on %s: largest |Δ| %.3g of the largest logit %.3g\n", GetParam().golden.c_str(),
              backend.c_str(), worst, largest);
  const auto argmax = [](std::span<const float> v) {
    return std::max_element(v.begin(), v.end()) - v.begin();
  };
  EXPECT_EQ(argmax(*logits), argmax(want));

  // Without the image the answer differs: the image's rows reach the logits.
  ASSERT_TRUE((*decoder)->eval(std::span(&prompt[0], 1)).ok());
  (*decoder)->clear();
  auto text_only = (*decoder)->eval(std::span(&prompt[2], 1));
  ASSERT_TRUE(text_only.ok());
  double moved = 0;
  for (size_t i = 0; i < want.size(); ++i)
    moved = std::max(moved, std::fabs(double{(*text_only)[i]} - want[i]));
  EXPECT_GT(moved, 100 * worst);
}

INSTANTIATE_TEST_SUITE_P(Models,
                         WholeModelLogits,
                         testing::Values(Param{"llava_logits", "reference"},
                                         Param{"llava_logits", "cpu"},
                                         Param{"idefics3_logits", "reference"},
                                         Param{"idefics3_logits", "cpu"}),
                         [](const testing::TestParamInfo<Param>& case_info) {
                           return case_info.param.golden + "_" + case_info.param.backend;
                         });

}  // namespace
}  // namespace braid::test
