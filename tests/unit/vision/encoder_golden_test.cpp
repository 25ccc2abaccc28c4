// The vision encoders and projectors against Hugging Face transformers: tiny random
// CLIPVisionModel + LLaVA projector (also at a size that interpolates the position embeddings),
// SigLIP + Gemma3MultiModalProjector, Idefics3 vision model + connector, each read from an mmproj
// laid out as llama.cpp's converters write it (tests/scripts/make_vision_encoder_goldens.py).
//
// Tolerance: relative RMS error sqrt(sum (got - want)^2 / sum want^2) <= 1e-4, i.e. NMSE <= 1e-8,
// with every value finite. The files store some weights as F16 (as the converters do) and the
// reference was computed with those same rounded values, so this is float32 accuracy. A backend
// may round activations to F16 where the weights are F16 (the parity tests allow NMSE 1e-5 per
// op for that); such a backend is held to 1e-4 on an F32 copy of the file, and to NMSE 1e-5 on
// the file as stored. With K and V cast to F16 (the option that lets the cpu backend run
// attention) rounding K and V is allowed relative RMS 3e-4 (measured: up to 5.4e-5).
#include <gtest/gtest.h>

#include <cmath>

#include "braid/vision/vision_encoder.h"
#include "op_runner.h"
#include "vision_test_support.h"

namespace braid::test {
namespace {

constexpr double kNmse = 1e-8;          // relative RMS 1e-4
constexpr double kNmseHalfActs = 1e-5;  // F16 weights on a backend that rounds activations
constexpr double kNmseHalfKv = 1e-7;    // K and V rounded to F16: relative RMS 3e-4

struct Param {
  std::string backend;
  bool f32_copy;
  bool half_kv = false;  // K and V cast to F16 before attention (the cpu kernel's input)
};

std::string param_name(const testing::TestParamInfo<Param>& info) {
  return info.param.backend + (info.param.f32_copy ? "_f32_weights" : "_as_stored") +
         (info.param.half_kv ? "_f16_kv" : "");
}

class VisionGolden : public testing::TestWithParam<Param> {};

TEST_P(VisionGolden, MatchesTransformers) {
  std::string why;
  plugins::Device* device = backend_device(GetParam().backend, &why);
  if (!device) GTEST_SKIP() << GetParam().backend << ": " << why;
  for (const VisionGoldenCase& c : vision_golden_cases()) {
    SCOPED_TRACE(c.name);
    auto file = core::GgufFile::open(vision_golden_dir() / c.mmproj);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    std::vector<std::byte> bytes;  // the F32 copy's storage (must outlive the model)
    core::Result<std::shared_ptr<const vision::VisionModel>> model = core::not_found("unset");
    if (GetParam().f32_copy) {
      bytes = rewrite_gguf(*file, nullptr, [](TensorEdit& t) {
        convert_to_f32(t);
        return true;
      });
      auto copy = core::GgufFile::parse(bytes, c.mmproj + " (F32 copy)");
      ASSERT_TRUE(copy.ok()) << copy.status().to_string();
      model = vision::VisionModel::load(std::move(copy).value());
    } else {
      model = vision::VisionModel::load(std::move(file).value());
    }
    ASSERT_TRUE(model.ok()) << model.status().to_string();
    ASSERT_TRUE((*model)->check_text_width(c.text_width).is_ok());
    // As the app does: ops the backend declines fall back to the reference backend.
    std::vector<plugins::Device*> devices{device};
    if (GetParam().backend != "reference") devices.push_back(backend_device("reference"));
    std::vector<std::string> log;
    vision::VisionEncoderOptions options;
    options.feature_layers = c.feature_layers;
    if (GetParam().half_kv) options.attention_kv_type = core::DType::F16;
    options.scheduler.log = [&](std::string_view line) { log.emplace_back(line); };
    auto encoder = vision::VisionEncoder::create(*model, devices, options);
    ASSERT_TRUE(encoder.ok()) << encoder.status().to_string();
    auto chunk = (*encoder)->encode(c.pixels, "image 1");
    ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
    EXPECT_EQ(chunk->n_rows, c.rows);
    EXPECT_EQ(chunk->n_embd, c.width);
    EXPECT_EQ(chunk->causal, c.causal);
    EXPECT_EQ(chunk->source, "image 1");
    ASSERT_EQ(chunk->data.size(), c.expected.size());
    const Diff d = compare(chunk->data, c.expected);
    EXPECT_EQ(d.got_nonfinite, 0);
    const bool half_weights = !GetParam().f32_copy && GetParam().backend != "reference";
    EXPECT_LE(d.nmse, GetParam().half_kv ? kNmseHalfKv
                      : half_weights     ? kNmseHalfActs
                                         : kNmse)
        << "relative RMS " << std::sqrt(d.nmse) << ", max abs " << d.max_abs << " at " << d.worst
        << " (|want| up to " << d.want_max_abs << ")";
    std::printf("[ %s on %s%s ] relative RMS %.3g, max abs %.3g\n", c.name.c_str(),
                GetParam().backend.c_str(), GetParam().f32_copy ? " (F32 copy)" : "",
                std::sqrt(d.nmse), d.max_abs);
    for (const auto& line : log) {
      if (line.find("declines") != std::string::npos) std::printf("  %s\n", line.c_str());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         VisionGolden,
                         testing::Values(Param{"reference", false},
                                         Param{"cpu", false},
                                         Param{"cpu", true},
                                         Param{"cpu", false, true}),
                         param_name);

}  // namespace
}  // namespace braid::test
