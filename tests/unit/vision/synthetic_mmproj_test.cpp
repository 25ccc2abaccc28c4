// Random-weight mmproj files (braid make-model): they load with the shapes they claim, in the
// layout of the converter they imitate, and encode to finite rows of the text model's width.
#include "braid/vision/synthetic_mmproj.h"

#include <gtest/gtest.h>

#include <cmath>

#include "braid/vision/vision_encoder.h"
#include "op_runner.h"
#include "test_paths.h"

namespace braid::test {
namespace {

using vision::VisionEncoderShape;

struct Written {
  std::vector<std::byte> bytes;
  core::Result<core::GgufFile> file = core::not_found("unset");
};

std::unique_ptr<Written> write(const VisionEncoderShape& shape,
                               int64_t text_width,
                               vision::SyntheticVisionOptions options = {}) {
  core::GgufWriter writer;
  EXPECT_TRUE(vision::add_synthetic_vision_encoder(writer, shape, text_width, options).is_ok());
  auto out = std::make_unique<Written>();
  auto bytes = writer.to_bytes();
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  out->bytes = std::move(bytes).value();
  out->file = core::GgufFile::parse(out->bytes, shape.name + ".gguf");
  EXPECT_TRUE(out->file.ok()) << out->file.status().to_string();
  return out;
}

vision::PixelTensor ramp(int32_t side) {
  vision::PixelTensor t;
  t.height = t.width = side;
  t.values.resize(static_cast<size_t>(3 * side * side));
  for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = std::sin(0.01f * i);
  return t;
}

TEST(SyntheticMmproj, KnowsTheRealShapes) {
  auto clip = vision::find_vision_shape("clip-vit-l-14-336");
  ASSERT_TRUE(clip.ok());
  EXPECT_EQ(clip->n_layer, 23);  // 24 blocks, the last dropped as the LLaVA converter does
  EXPECT_EQ(clip->image_size / clip->patch_size, 24);
  auto siglip = vision::find_vision_shape("siglip-so400m-896");
  ASSERT_TRUE(siglip.ok());
  EXPECT_EQ(siglip->n_ff, 4304);
  EXPECT_EQ(siglip->image_size / siglip->patch_size, 64);
  auto missing = vision::find_vision_shape("vit-huge");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("clip-vit-l-14-336"), std::string::npos);
}

TEST(SyntheticMmproj, TinyClipLoadsInTheLegacyLayoutAndEncodes) {
  const auto shape = vision::tiny_vision_variant(*vision::find_vision_shape("clip-vit-l-14-336"));
  auto w = write(shape, 256);
  ASSERT_TRUE(w->file.ok());
  EXPECT_NE(w->file->find_tensor("v.class_embd"), nullptr);
  EXPECT_EQ(w->file->find_tensor("v.position_embd.weight")->dtype, core::DType::F16);
  // fc1 [n_ff, n_embd] under the legacy name ffn_down.
  EXPECT_EQ(w->file->find_tensor("v.blk.1.ffn_down.weight")->shape,
            (std::vector<int64_t>{128, 64}));
  EXPECT_EQ(w->file->find_tensor("v.post_ln.weight"), nullptr);
  auto model = vision::VisionModel::load(std::move(w->file).value());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_TRUE((*model)->hparams().ffn_swapped);
  EXPECT_TRUE((*model)->hparams().legacy_llava);
  EXPECT_TRUE((*model)->check_text_width(256).is_ok());
  EXPECT_FALSE((*model)->check_text_width(2048).is_ok());

  plugins::Device* reference = backend_device("reference");
  ASSERT_NE(reference, nullptr);
  auto encoder = vision::VisionEncoder::create(*model, {reference});
  ASSERT_TRUE(encoder.ok());
  auto chunk = (*encoder)->encode(ramp(shape.image_size), "image 1");
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  EXPECT_EQ(chunk->n_rows, 16);  // 4x4 patches
  EXPECT_EQ(chunk->n_embd, 256);
  EXPECT_TRUE(chunk->causal);
  EXPECT_TRUE(model::validate_chunk(*chunk, 256, 1000).is_ok());
  double energy = 0.0;
  for (float v : chunk->data) energy += v * v;
  EXPECT_GT(energy / chunk->data.size(), 1e-4);  // not collapsed to zero
}

TEST(SyntheticMmproj, TinySiglipGemma3EncodesBidirectionalRows) {
  const auto shape = vision::tiny_vision_variant(*vision::find_vision_shape("siglip-so400m-896"));
  vision::SyntheticVisionOptions options;
  options.weight_type = core::DType::Q8_0;
  auto w = write(shape, 96, options);
  ASSERT_TRUE(w->file.ok());
  EXPECT_EQ(w->file->find_tensor("v.blk.0.attn_q.weight")->dtype, core::DType::Q8_0);
  EXPECT_EQ(w->file->find_tensor("v.position_embd.weight")->dtype, core::DType::F32);
  EXPECT_EQ(w->file->find_tensor("mm.input_projection.weight")->dtype, core::DType::F16);
  EXPECT_EQ(w->file->find_tensor("mm.input_projection.weight")->shape,
            (std::vector<int64_t>{64, 96}));
  auto model = vision::VisionModel::load(std::move(w->file).value());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ((*model)->hparams().projector, vision::ProjectorType::Gemma3);
  plugins::Device* reference = backend_device("reference");
  ASSERT_NE(reference, nullptr);
  auto encoder = vision::VisionEncoder::create(*model, {reference});
  ASSERT_TRUE(encoder.ok());
  auto chunk = (*encoder)->encode(ramp(shape.image_size), "image 1");
  ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
  EXPECT_EQ(chunk->n_rows, 4);  // 8x8 patches pooled 4x4
  EXPECT_EQ(chunk->n_embd, 96);
  EXPECT_FALSE(chunk->causal);
  EXPECT_TRUE(model::validate_chunk(*chunk, 96, 1000).is_ok());
}

TEST(SyntheticMmproj, SameSeedSameBytesAndAWholeFile) {
  const auto shape = vision::tiny_vision_variant(*vision::find_vision_shape("clip-vit-l-14-336"));
  auto a = write(shape, 64), b = write(shape, 64);
  EXPECT_EQ(a->bytes, b->bytes);
  vision::SyntheticVisionOptions other;
  other.seed = 7;
  EXPECT_NE(write(shape, 64, other)->bytes, a->bytes);

  const auto path = scratch_dir() / "tiny-mmproj.gguf";
  ASSERT_TRUE(vision::write_synthetic_mmproj(path, shape, 64, {}).is_ok());
  auto model = vision::VisionModel::open(path);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_NE((*model)->model_name().find("random weights"), std::string::npos);

  EXPECT_FALSE(vision::write_synthetic_mmproj(path, shape, 0, {}).is_ok());
}

}  // namespace
}  // namespace braid::test
