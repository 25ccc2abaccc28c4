// Position embeddings for image sizes other than the training size. Hugging Face resizes the
// square grid of learned embeddings with torch.nn.functional.interpolate(mode="bicubic",
// align_corners=False); this is that filter (ATen's upsample_bicubic2d) written out.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "braid/vision/vision_graph.h"

namespace braid::vision {
namespace {

constexpr float kCubicA = -0.75f;  // PyTorch's (and OpenCV's) bicubic coefficient

// Keys' cubic convolution kernel, |x| <= 1 and 1 < |x| < 2 branches.
float cubic_near(float x) { return ((kCubicA + 2.0f) * x - (kCubicA + 3.0f)) * x * x + 1.0f; }
float cubic_far(float x) {
  return ((kCubicA * x - 5.0f * kCubicA) * x + 8.0f * kCubicA) * x - 4.0f * kCubicA;
}

// For one output coordinate: the first of the 4 source taps and their weights.
struct Taps {
  int64_t first = 0;
  float w[4] = {};
};

std::vector<Taps> taps_for(int64_t src, int64_t dst) {
  std::vector<Taps> taps(static_cast<size_t>(dst));
  const float scale = static_cast<float>(src) / static_cast<float>(dst);
  for (int64_t i = 0; i < dst; ++i) {
    // align_corners = False; bicubic does not clamp the source coordinate at 0.
    const float real = scale * (static_cast<float>(i) + 0.5f) - 0.5f;
    const float floor = std::floor(real);
    const float t = real - floor;
    Taps& tp = taps[static_cast<size_t>(i)];
    tp.first = static_cast<int64_t>(floor) - 1;
    tp.w[0] = cubic_far(t + 1.0f);
    tp.w[1] = cubic_near(t);
    tp.w[2] = cubic_near(1.0f - t);
    tp.w[3] = cubic_far(2.0f - t);
  }
  return taps;
}

int64_t clamp_index(int64_t i, int64_t n) { return std::clamp<int64_t>(i, 0, n - 1); }

}  // namespace

std::vector<float> resample_grid_bicubic(std::span<const float> src,
                                         int64_t src_h,
                                         int64_t src_w,
                                         int64_t dim,
                                         int64_t dst_h,
                                         int64_t dst_w) {
  std::vector<float> out(static_cast<size_t>(dst_h * dst_w * dim), 0.0f);
  if (src_h == dst_h && src_w == dst_w) {
    std::copy(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(out.size()), out.begin());
    return out;
  }
  const std::vector<Taps> ty = taps_for(src_h, dst_h), tx = taps_for(src_w, dst_w);
  std::vector<float> row(static_cast<size_t>(dim));
  for (int64_t y = 0; y < dst_h; ++y) {
    const Taps& a = ty[static_cast<size_t>(y)];
    for (int64_t x = 0; x < dst_w; ++x) {
      const Taps& b = tx[static_cast<size_t>(x)];
      float* dst = out.data() + (y * dst_w + x) * dim;
      // Along x within each of the 4 source rows, then along y: ATen's order.
      for (int i = 0; i < 4; ++i) {
        const int64_t sy = clamp_index(a.first + i, src_h);
        std::fill(row.begin(), row.end(), 0.0f);
        for (int j = 0; j < 4; ++j) {
          const float* s = src.data() + (sy * src_w + clamp_index(b.first + j, src_w)) * dim;
          for (int64_t c = 0; c < dim; ++c) row[static_cast<size_t>(c)] += b.w[j] * s[c];
        }
        for (int64_t c = 0; c < dim; ++c) dst[c] += a.w[i] * row[static_cast<size_t>(c)];
      }
    }
  }
  return out;
}

std::vector<float> interpolate_position_embeddings(const VisionModel& model,
                                                   int64_t grid_h,
                                                   int64_t grid_w) {
  const VisionWeights& w = model.weights();
  const int64_t dim = model.hparams().n_embd;
  const int64_t side = model.hparams().patches_per_side();
  const int64_t head = w.class_embd.present() ? 1 : 0;
  // The loader keeps the table as F32 [head + side * side, dim].
  const auto* table = reinterpret_cast<const float*>(w.pos_embd.data.data());
  std::vector<float> grid =
      resample_grid_bicubic(std::span<const float>(table + head * dim, side * side * dim), side,
                            side, dim, grid_h, grid_w);
  std::vector<float> out(static_cast<size_t>((head + grid_h * grid_w) * dim));
  std::copy(table, table + head * dim, out.begin());
  std::copy(grid.begin(), grid.end(), out.begin() + head * dim);
  return out;
}

}  // namespace braid::vision
