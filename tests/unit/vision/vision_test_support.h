// Shared by the vision encoder tests: the golden cases of tests/golden/vision_encoder/ (made by
// tests/scripts/make_vision_encoder_goldens.py) and rewriting an mmproj with changes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/core/gguf_writer.h"
#include "braid/core/quant.h"
#include "braid/vision/image.h"
#include "test_paths.h"

namespace braid::test {

inline std::filesystem::path vision_golden_dir() { return golden_dir() / "vision_encoder"; }

struct VisionGoldenCase {
  std::string name;
  std::string mmproj;  ///< file name under vision_golden_dir()
  vision::PixelTensor pixels;
  std::vector<float> expected;
  int64_t rows = 0, width = 0;
  int64_t text_width = 0;
  bool causal = true;
  std::vector<int32_t> feature_layers;  ///< an override for the encoder (empty: none)
};

inline std::vector<float> read_f32_file(const std::filesystem::path& path, size_t count) {
  std::vector<float> values(count);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(count * 4));
  EXPECT_EQ(static_cast<size_t>(in.gcount()), count * 4) << path;
  return values;
}

inline std::vector<VisionGoldenCase> vision_golden_cases() {
  std::ifstream in(vision_golden_dir() / "index.json");
  const nlohmann::json index = nlohmann::json::parse(in);
  std::vector<VisionGoldenCase> cases;
  for (const auto& [name, c] : index.items()) {
    if (name.front() == '_') continue;
    VisionGoldenCase g;
    g.name = name;
    g.mmproj = c["mmproj"];
    g.pixels.channels = c["pixel_shape"][0];
    g.pixels.height = c["pixel_shape"][1];
    g.pixels.width = c["pixel_shape"][2];
    g.pixels.values =
        read_f32_file(vision_golden_dir() / c["pixels"].get<std::string>(),
                      static_cast<size_t>(g.pixels.channels) * g.pixels.height * g.pixels.width);
    g.rows = c["expected_shape"][0];
    g.width = c["expected_shape"][1];
    g.expected = read_f32_file(vision_golden_dir() / c["expected"].get<std::string>(),
                               static_cast<size_t>(g.rows * g.width));
    g.text_width = c["text_width"];
    g.causal = c["causal"];
    if (c.contains("feature_layers"))
      g.feature_layers = c["feature_layers"].get<std::vector<int32_t>>();
    cases.push_back(std::move(g));
  }
  return cases;
}

/// What rewrite_gguf does to one tensor: return false to drop it; may change its name, dtype
/// (to F32: the values are converted), shape or bytes.
struct TensorEdit {
  std::string name;
  core::DType dtype;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;
};

/// A copy of `file` (metadata and tensors) with `edit_key` applied to every key (false drops
/// it) and `edit_tensor` to every tensor, as the bytes of a new GGUF file.
inline std::vector<std::byte> rewrite_gguf(const core::GgufFile& file,
                                           const std::function<bool(core::GgufKeyValue&)>& edit_key,
                                           const std::function<bool(TensorEdit&)>& edit_tensor) {
  core::GgufWriter writer(file.alignment());
  for (core::GgufKeyValue kv : file.metadata()) {
    if (edit_key && !edit_key(kv)) continue;
    writer.set(kv.key, kv.value);
  }
  for (const auto& info : file.tensors()) {
    const auto bytes = file.tensor_data(info);
    TensorEdit t{info.name, info.dtype, info.shape, {bytes.begin(), bytes.end()}};
    if (edit_tensor && !edit_tensor(t)) continue;
    EXPECT_TRUE(writer.add_tensor(t.name, t.dtype, t.shape, t.data).is_ok()) << t.name;
  }
  auto out = writer.to_bytes();
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? std::move(out).value() : std::vector<std::byte>{};
}

/// Converts a tensor edit's data to F32 (the same values, 4 bytes each).
inline void convert_to_f32(TensorEdit& t) {
  if (t.dtype == core::DType::F32) return;
  int64_t n = 1;
  for (int64_t d : t.shape) n *= d;
  const int64_t inner = t.shape.back();
  const uint64_t row_bytes = *core::dtype_row_bytes(t.dtype, static_cast<uint64_t>(inner));
  std::vector<float> values(static_cast<size_t>(n));
  for (int64_t r = 0; r < n / inner; ++r) {
    ASSERT_TRUE(core::dequantize_row(t.dtype, t.data.data() + r * row_bytes,
                                     values.data() + r * inner, inner)
                    .is_ok());
  }
  t.dtype = core::DType::F32;
  t.data.resize(values.size() * 4);
  std::memcpy(t.data.data(), values.data(), t.data.size());
}

}  // namespace braid::test
