// Loading mmproj files: what the loader reads from the golden files, and hostile variants of
// them (a missing tensor, a wrong shape, a missing key, another text model's width, an
// unsupported projector, bad images): each a clear error naming the file and the field.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "braid/vision/vision_encoder.h"
#include "op_runner.h"
#include "vision_test_support.h"

namespace braid::test {
namespace {

using vision::VisionModel;

struct Loaded {
  std::vector<std::byte> bytes;  // must outlive the model
  core::Result<std::shared_ptr<const VisionModel>> model = core::not_found("unset");
};

// The golden mmproj `name`, rewritten by the edits, then loaded.
std::unique_ptr<Loaded> load_edited(const std::string& name,
                                    const std::function<bool(core::GgufKeyValue&)>& edit_key,
                                    const std::function<bool(TensorEdit&)>& edit_tensor) {
  auto file = core::GgufFile::open(vision_golden_dir() / name);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  auto out = std::make_unique<Loaded>();
  out->bytes = rewrite_gguf(*file, edit_key, edit_tensor);
  auto parsed = core::GgufFile::parse(out->bytes, name);
  EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
  out->model = VisionModel::load(std::move(parsed).value());
  return out;
}

std::unique_ptr<Loaded> drop_tensor(const std::string& file, const std::string& tensor) {
  return load_edited(file, nullptr, [&](TensorEdit& t) { return t.name != tensor; });
}

std::unique_ptr<Loaded> set_key(const std::string& file,
                                const std::string& key,
                                core::GgufValue value) {
  return load_edited(
      file,
      [&](core::GgufKeyValue& kv) {
        if (kv.key == key) kv.value = value;
        return true;
      },
      nullptr);
}

void expect_error(const std::unique_ptr<Loaded>& l,
                  core::StatusCode code,
                  const std::vector<std::string>& parts) {
  ASSERT_FALSE(l->model.ok());
  EXPECT_EQ(l->model.status().code(), code) << l->model.status().to_string();
  for (const auto& part : parts) {
    EXPECT_NE(l->model.status().message().find(part), std::string::npos)
        << "'" << part << "' not in: " << l->model.status().message();
  }
}

TEST(MmprojLoad, ReadsTheLegacyLlavaLayout) {
  auto model = VisionModel::open(vision_golden_dir() / "clip_llava.gguf");
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const auto& h = (*model)->hparams();
  EXPECT_EQ(h.projector, vision::ProjectorType::Mlp);
  EXPECT_EQ(h.image_size, 64);
  EXPECT_EQ(h.patch_size, 8);
  EXPECT_EQ(h.n_embd, 32);
  EXPECT_EQ(h.n_ff, 64);
  EXPECT_EQ(h.n_layer, 2);  // 3 blocks, the last dropped by the converter
  EXPECT_EQ(h.n_head, 4);
  EXPECT_FLOAT_EQ(h.eps, 1e-5f);
  EXPECT_EQ(h.activation, vision::VitActivation::QuickGelu);
  EXPECT_TRUE(h.legacy_llava);
  EXPECT_TRUE(h.ffn_swapped);
  EXPECT_FLOAT_EQ(h.image_mean[0], 0.48145466f);
  EXPECT_FLOAT_EQ(h.image_std[2], 0.27577711f);
  EXPECT_TRUE(h.feature_layers.empty());
  const auto& w = (*model)->weights();
  EXPECT_TRUE(w.class_embd.present());
  EXPECT_EQ(w.class_embd.shape, (core::Shape{1, 32}));
  // Stored F16 by the converter, converted once for the element-wise add.
  EXPECT_EQ(w.pos_embd.dtype, core::DType::F32);
  EXPECT_EQ(w.pos_embd.shape, (core::Shape{65, 32}));
  EXPECT_EQ(w.blocks[0].up_w.dtype, core::DType::F16);          // matmul weights stay as stored
  EXPECT_EQ(w.blocks[0].up_w.name, "v.blk.0.ffn_down.weight");  // fc1, under the swapped name
  EXPECT_EQ(w.blocks[0].up_w.shape, (core::Shape{64, 32}));
  EXPECT_FALSE(w.post_ln_w.present());
  EXPECT_EQ((*model)->output_width(), 48);
  EXPECT_TRUE((*model)->check_text_width(48).is_ok());
  EXPECT_EQ(*(*model)->output_rows(64, 64), 64);
  EXPECT_EQ(*(*model)->output_rows(48, 80), 60);
}

TEST(MmprojLoad, ReadsGemma3AndIdefics3) {
  auto gemma = VisionModel::open(vision_golden_dir() / "siglip_gemma3.gguf");
  ASSERT_TRUE(gemma.ok()) << gemma.status().to_string();
  EXPECT_EQ((*gemma)->hparams().projector, vision::ProjectorType::Gemma3);
  EXPECT_EQ((*gemma)->hparams().activation, vision::VitActivation::GeluTanh);
  EXPECT_EQ((*gemma)->hparams().scale_factor, 4);  // llama.cpp's default, not in the file
  EXPECT_FALSE((*gemma)->hparams().ffn_swapped);
  // Transposed from the file's [vision, text] for the matmul.
  EXPECT_EQ((*gemma)->weights().input_projection.shape, (core::Shape{48, 32}));
  EXPECT_EQ((*gemma)->output_width(), 48);
  EXPECT_EQ(*(*gemma)->output_rows(64, 64), 4);

  auto idefics = VisionModel::open(vision_golden_dir() / "idefics3.gguf");
  ASSERT_TRUE(idefics.ok()) << idefics.status().to_string();
  EXPECT_EQ((*idefics)->hparams().projector, vision::ProjectorType::Idefics3);
  EXPECT_EQ((*idefics)->hparams().scale_factor, 2);
  EXPECT_EQ((*idefics)->projector_input_width(), 128);
  EXPECT_EQ(*(*idefics)->output_rows(64, 64), 16);

  auto layers = VisionModel::open(vision_golden_dir() / "clip_feature_layers.gguf");
  ASSERT_TRUE(layers.ok()) << layers.status().to_string();
  EXPECT_EQ((*layers)->hparams().feature_layers, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ((*layers)->projector_input_width(), 64);
}

TEST(MmprojLoad, WidthOfAnotherTextModelIsAClearError) {
  auto model = VisionModel::open(vision_golden_dir() / "clip_llava.gguf");
  ASSERT_TRUE(model.ok());
  const core::Status s = (*model)->check_text_width(4096);
  EXPECT_EQ(s.code(), core::StatusCode::InvalidArgument);
  for (const char* part :
       {"clip_llava.gguf", "rows of 48 values", "mm.2.weight [48, 48]", "n_embd is 4096"}) {
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  }
}

TEST(MmprojLoad, MissingTensorsAreNamed) {
  expect_error(drop_tensor("clip_llava.gguf", "v.blk.1.attn_k.weight"), core::StatusCode::NotFound,
               {"[mmproj] clip_llava.gguf", "'v.blk.1.attn_k.weight' is missing",
                "block 1 of clip.vision.block_count = 2"});
  expect_error(drop_tensor("clip_llava.gguf", "v.patch_embd.weight"), core::StatusCode::NotFound,
               {"v.patch_embd.weight"});
  expect_error(drop_tensor("clip_llava.gguf", "mm.0.weight"), core::StatusCode::NotFound,
               {"mm.0.weight"});
  expect_error(drop_tensor("siglip_gemma3.gguf", "mm.input_projection.weight"),
               core::StatusCode::NotFound, {"mm.input_projection.weight"});
  expect_error(drop_tensor("siglip_gemma3.gguf", "mm.soft_emb_norm.weight"),
               core::StatusCode::NotFound, {"mm.soft_emb_norm.weight"});
  expect_error(drop_tensor("idefics3.gguf", "mm.model.fc.weight"), core::StatusCode::NotFound,
               {"mm.model.fc.weight"});
  expect_error(drop_tensor("siglip_gemma3.gguf", "v.post_ln.weight"), core::StatusCode::NotFound,
               {"v.post_ln.weight' is missing (v.post_ln.bias is present)"});
}

TEST(MmprojLoad, WrongShapesAreNamed) {
  // attn_q as [16, 32]: half the rows.
  auto l = load_edited("clip_llava.gguf", nullptr, [](TensorEdit& t) {
    if (t.name == "v.blk.0.attn_q.weight") {
      t.shape = {16, 32};
      t.data.resize(t.data.size() / 2);
    }
    return true;
  });
  expect_error(l, core::StatusCode::InvalidArgument,
               {"'v.blk.0.attn_q.weight' has shape [16, 32], expected [32, 32]"});
  // Position embeddings for another image size.
  l = load_edited("siglip_gemma3.gguf", nullptr, [](TensorEdit& t) {
    if (t.name == "v.position_embd.weight") {
      t.shape = {49, 32};
      t.data.resize(49 * 32 * 4);
    }
    return true;
  });
  expect_error(l, core::StatusCode::InvalidArgument,
               {"v.position_embd.weight' has shape [49, 32], expected [64, 32]"});
  // A Gemma 3 projection that does not start from the vision width.
  l = load_edited("siglip_gemma3.gguf", nullptr, [](TensorEdit& t) {
    if (t.name == "mm.input_projection.weight") {
      t.shape = {16, 96};
    }
    return true;
  });
  expect_error(l, core::StatusCode::InvalidArgument,
               {"mm.input_projection.weight' has shape [16, 96], expected [32, text width]"});
  // An mlp projector whose input is not the feature width.
  l = load_edited("clip_llava.gguf", nullptr, [](TensorEdit& t) {
    if (t.name == "mm.0.weight") t.shape = {96, 16};
    return true;
  });
  expect_error(l, core::StatusCode::InvalidArgument,
               {"mm.0.weight' has shape [96, 16], expected [n_out, 32]"});
}

TEST(MmprojLoad, BadKeysAreNamed) {
  auto l = load_edited(
      "clip_llava.gguf", [](core::GgufKeyValue& kv) { return kv.key != "clip.vision.patch_size"; },
      nullptr);
  expect_error(l, core::StatusCode::NotFound, {"key 'clip.vision.patch_size' is missing"});
  expect_error(set_key("clip_llava.gguf", "general.architecture", std::string("llama")),
               core::StatusCode::InvalidArgument,
               {"general.architecture is 'llama', expected 'clip'"});
  expect_error(set_key("clip_llava.gguf", "clip.projector_type", std::string("ldp")),
               core::StatusCode::NotSupported,
               {"projector type 'ldp' is not supported (supported: mlp, gemma3, idefics3)"});
  expect_error(set_key("clip_llava.gguf", "clip.vision.attention.head_count", uint32_t{5}),
               core::StatusCode::InvalidArgument, {"not a multiple of"});
  expect_error(set_key("clip_llava.gguf", "clip.vision.image_size", uint32_t{60}),
               core::StatusCode::InvalidArgument, {"60 is not a multiple of", "patch_size 8"});
  expect_error(set_key("clip_llava.gguf", "clip.has_vision_encoder", false),
               core::StatusCode::NotSupported, {"has no vision encoder"});
  expect_error(set_key("clip_feature_layers.gguf", "clip.vision.feature_layer",
                       core::gguf_array(std::vector<int32_t>{0, 5})),
               core::StatusCode::InvalidArgument, {"feature_layer holds 5", "0..2"});
  expect_error(set_key("idefics3.gguf", "clip.vision.projector.scale_factor", uint32_t{3}),
               core::StatusCode::InvalidArgument, {"scale_factor 3 does not divide the 8x8"});
  expect_error(set_key("clip_llava.gguf", "clip.vision.image_std",
                       core::gguf_array(std::vector<float>{0.5f, 0.0f, 0.5f})),
               core::StatusCode::InvalidArgument, {"image_std'[1] is 0"});
}

// The golden mmproj `name` with one more F32 tensor of `n` values (all 0.5).
std::unique_ptr<Loaded> with_extra_tensor(const std::string& name,
                                          const std::string& tensor,
                                          int64_t n) {
  auto file = core::GgufFile::open(vision_golden_dir() / name);
  EXPECT_TRUE(file.ok());
  core::GgufWriter writer;
  for (const auto& kv : file->metadata()) writer.set(kv.key, kv.value);
  for (const auto& info : file->tensors()) {
    EXPECT_TRUE(
        writer.add_tensor(info.name, info.dtype, info.shape, file->tensor_data(info)).is_ok());
  }
  std::vector<float> values(static_cast<size_t>(n), 0.5f);
  EXPECT_TRUE(
      writer.add_tensor(tensor, core::DType::F32, {n}, std::as_bytes(std::span(values))).is_ok());
  auto out = std::make_unique<Loaded>();
  out->bytes = std::move(writer.to_bytes()).value();
  auto parsed = core::GgufFile::parse(out->bytes, name);
  EXPECT_TRUE(parsed.ok());
  out->model = VisionModel::load(std::move(parsed).value());
  return out;
}

TEST(MmprojLoad, AClassTokenOnlyFitsTheMlpProjector) {
  expect_error(with_extra_tensor("siglip_gemma3.gguf", "v.class_embd", 32),
               core::StatusCode::InvalidArgument, {"class token"});
}

TEST(MmprojLoad, Llava16ImageNewlineIsKept) {
  auto l = with_extra_tensor("clip_llava.gguf", "model.image_newline", 48);
  ASSERT_TRUE(l->model.ok()) << l->model.status().to_string();
  const auto& newline = (*l->model)->weights().image_newline;
  ASSERT_TRUE(newline.present());
  EXPECT_EQ(newline.shape, (core::Shape{48}));
  EXPECT_EQ(reinterpret_cast<const float*>(newline.data.data())[47], 0.5f);
  expect_error(with_extra_tensor("clip_llava.gguf", "model.image_newline", 32),
               core::StatusCode::InvalidArgument,
               {"'model.image_newline' has shape [32], expected [48]"});
}

TEST(MmprojLoad, SwappedAndCorrectFfnNamesGiveTheSameEncoder) {
  plugins::Device* reference = backend_device("reference");
  ASSERT_NE(reference, nullptr);
  // The golden file uses the legacy swapped names; rename them to the correct ones.
  auto fixed = load_edited("clip_llava.gguf", nullptr, [](TensorEdit& t) {
    for (auto [from, to] :
         {std::pair{".ffn_down.", ".ffn_up."}, std::pair{".ffn_up.", ".ffn_down."}}) {
      if (auto at = t.name.find(from); at != std::string::npos) {
        t.name.replace(at, std::strlen(from), to);
        break;
      }
    }
    return true;
  });
  ASSERT_TRUE(fixed->model.ok()) << fixed->model.status().to_string();
  EXPECT_FALSE((*fixed->model)->hparams().ffn_swapped);
  auto legacy = VisionModel::open(vision_golden_dir() / "clip_llava.gguf");
  ASSERT_TRUE(legacy.ok());

  const auto cases = vision_golden_cases();
  const auto c = std::find_if(cases.begin(), cases.end(),
                              [](const auto& g) { return g.name == "clip_llava"; });
  ASSERT_NE(c, cases.end());
  std::vector<std::vector<float>> outputs;
  for (const auto& model : {*fixed->model, *legacy}) {
    auto encoder = vision::VisionEncoder::create(model, {reference});
    ASSERT_TRUE(encoder.ok());
    auto chunk = (*encoder)->encode(c->pixels, "image");
    ASSERT_TRUE(chunk.ok()) << chunk.status().to_string();
    outputs.push_back(chunk->data);
    // Deterministic: the same image twice gives the same bits.
    auto again = (*encoder)->encode(c->pixels, "image");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(std::memcmp(again->data.data(), chunk->data.data(), chunk->data.size() * 4), 0);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

TEST(MmprojLoad, BadImagesAndLayersAreClearErrors) {
  plugins::Device* reference = backend_device("reference");
  ASSERT_NE(reference, nullptr);
  auto model = VisionModel::open(vision_golden_dir() / "siglip_gemma3.gguf");
  ASSERT_TRUE(model.ok());
  auto encoder = vision::VisionEncoder::create(*model, {reference});
  ASSERT_TRUE(encoder.ok());
  auto pixels = [](int32_t c, int32_t h, int32_t w) {
    vision::PixelTensor t;
    t.channels = c;
    t.height = h;
    t.width = w;
    t.values.assign(static_cast<size_t>(c) * h * w, 0.25f);
    return t;
  };
  auto bad = (*encoder)->encode(pixels(3, 60, 64), "image 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("64x60 pixels is not a whole number of 8x8 patches"),
            std::string::npos)
      << bad.status().message();
  bad = (*encoder)->encode(pixels(4, 64, 64), "image 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("4 channels, expected 3"), std::string::npos);
  auto short_values = pixels(3, 64, 64);
  short_values.values.pop_back();
  bad = (*encoder)->encode(short_values, "image 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("image 2"), std::string::npos);
  // A 6x6 grid cannot be pooled 4x4 into whole windows.
  bad = (*encoder)->encode(pixels(3, 48, 48), "image 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not divisible by the gemma3 projector's factor 4"),
            std::string::npos)
      << bad.status().message();
  // A larger grid that pools: 16x16 patches -> 4x4 rows, position embeddings interpolated.
  auto big = (*encoder)->encode(pixels(3, 128, 128), "image 3");
  ASSERT_TRUE(big.ok()) << big.status().to_string();
  EXPECT_EQ(big->n_rows, 16);
  EXPECT_FALSE(big->causal);

  // Feature layers that do not fit the projector are refused when the encoder is made.
  vision::VisionEncoderOptions options;
  options.feature_layers = {1, 2};
  auto two = vision::VisionEncoder::create(*model, {reference}, options);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("gemma3 projector reads 32"), std::string::npos)
      << two.status().message();
  options.feature_layers = {3};
  auto deep = vision::VisionEncoder::create(*model, {reference}, options);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("feature layer 3 is outside"), std::string::npos);
}

}  // namespace
}  // namespace braid::test
