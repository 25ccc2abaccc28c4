#include "cpu_copy.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

#include "braid/abi_layout.h"
#include "braid/core/half.h"
#include "braid/core/quant.h"

namespace braid::cpu_plugin {
namespace {

// Below this many elements a copy stays on the calling thread (a fork costs ~1 µs).
constexpr int64_t kParallelElements = int64_t{1} << 15;
// A transposing copy moves kTile × kTile element tiles: 32 × 4 bytes = two cache lines a side.
constexpr int64_t kTile = 32;

float load(const std::byte* p, uint32_t dtype) {
  if (dtype == abi::kF32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return dtype == abi::kF16 ? core::fp16_to_f32(bits) : core::bf16_to_f32(bits);
}

void store(std::byte* p, uint32_t dtype, float v) {
  if (dtype == abi::kF32) {
    std::memcpy(p, &v, 4);
    return;
  }
  const uint16_t bits = dtype == abi::kF16 ? core::f32_to_fp16(v) : core::f32_to_bf16(v);
  std::memcpy(p, &bits, 2);
}

// A copy in four dims (leading dims of 1 added), dims 2 and 3 the ones walked innermost.
struct Walk {
  int64_t dims[4] = {1, 1, 1, 1};
  int64_t in[4] = {0, 0, 0, 0};
  int64_t out[4] = {0, 0, 0, 0};

  int64_t total() const { return dims[0] * dims[1] * dims[2] * dims[3]; }
  // Puts the source's fastest-moving dim (smallest stride among dims > 1) next to the innermost
  // destination dim, so a tile reads and writes whole cache lines (a transpose). Only the visit
  // order changes: each element still goes to its own place.
  void order_for_tiles() {
    int best = 3;
    for (int d = 0; d < 4; ++d) {
      if (dims[d] > 1 && (dims[best] == 1 || in[d] < in[best])) best = d;
    }
    if (best == 3 || best == 2) return;
    std::swap(dims[best], dims[2]);
    std::swap(in[best], in[2]);
    std::swap(out[best], out[2]);
  }
};

Walk make_walk(const int64_t* src_strides,
               const int64_t* dst_strides,
               const int64_t* shape,
               uint32_t rank) {
  Walk w;
  const uint32_t lead = 4 - rank;
  for (uint32_t d = 0; d < rank; ++d) {
    w.dims[lead + d] = shape[d];
    w.in[lead + d] = src_strides[d];
    w.out[lead + d] = dst_strides[d];
  }
  return w;
}

// Calls element(src, dst) for every element, in tiles over dims 2 and 3; the outer dims and tile
// rows are split over threads.
template <typename Element>
void walk_tiles(
    const Walk& w, const std::byte* src, std::byte* dst, int threads, const Element& element) {
  const int64_t tiles2 = (w.dims[2] + kTile - 1) / kTile;
  const int64_t jobs = w.dims[0] * w.dims[1] * tiles2;
  const int nt = w.total() >= kParallelElements ? threads : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t t2 = job % tiles2, ab = job / tiles2;
    const int64_t a = ab / w.dims[1], b = ab % w.dims[1];
    const std::byte* s0 = src + a * w.in[0] + b * w.in[1];
    std::byte* d0 = dst + a * w.out[0] + b * w.out[1];
    const int64_t c_end = std::min(w.dims[2], (t2 + 1) * kTile);
    for (int64_t e0 = 0; e0 < w.dims[3]; e0 += kTile) {
      const int64_t e_end = std::min(w.dims[3], e0 + kTile);
      for (int64_t c = t2 * kTile; c < c_end; ++c) {
        const std::byte* s = s0 + c * w.in[2];
        std::byte* d = d0 + c * w.out[2];
        for (int64_t e = e0; e < e_end; ++e) element(s + e * w.in[3], d + e * w.out[3]);
      }
    }
  }
}

// Rows of `bytes` contiguous bytes on both sides.
void copy_rows(const Walk& w, const std::byte* src, std::byte* dst, int64_t bytes, int threads) {
  const int64_t rows = w.dims[0] * w.dims[1] * w.dims[2];
  const int nt = w.total() >= kParallelElements ? threads : 1;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = r % w.dims[2], ab = r / w.dims[2];
    const int64_t a = ab / w.dims[1], b = ab % w.dims[1];
    std::memcpy(dst + a * w.out[0] + b * w.out[1] + c * w.out[2],
                src + a * w.in[0] + b * w.in[1] + c * w.in[2], static_cast<size_t>(bytes));
  }
}

// Copies with Q8_0 on one or both sides, a row (the innermost dim) at a time through f32.
bool copy_block_rows(
    const Walk& w, const std::byte* src, uint32_t from, std::byte* dst, uint32_t to, int threads) {
  const int64_t n = w.dims[3];
  const int64_t rows = w.dims[0] * w.dims[1] * w.dims[2];
  const int nt = w.total() >= kParallelElements ? threads : 1;
  std::atomic<bool> ok{true};
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<float> row(static_cast<size_t>(n));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t c = r % w.dims[2], ab = r / w.dims[2];
      const int64_t a = ab / w.dims[1], b = ab % w.dims[1];
      const std::byte* s = src + a * w.in[0] + b * w.in[1] + c * w.in[2];
      std::byte* d = dst + a * w.out[0] + b * w.out[1] + c * w.out[2];
      if (from == to) {  // Q8_0 to Q8_0: the same bytes
        std::memcpy(d, s, static_cast<size_t>(abi::row_bytes(from, n)));
        continue;
      }
      if (from == abi::kQ8_0) {
        // Cannot fail: a whole number of blocks of a type core converts.
        (void)core::dequantize_row(core::DType::Q8_0, s, row.data(), n);
      } else {
        for (int64_t e = 0; e < n; ++e) row[e] = load(s + e * w.in[3], from);
      }
      if (to == abi::kQ8_0) {
        if (!core::quantize_row(core::DType::Q8_0, row.data(), d, n).is_ok()) ok = false;
      } else {
        for (int64_t e = 0; e < n; ++e) store(d + e * w.out[3], to, row[e]);
      }
    }
  }
  return ok;
}

}  // namespace

bool convertible(uint32_t dtype) { return abi::is_plain_type(dtype) || dtype == abi::kQ8_0; }

bool convertible(uint32_t from, uint32_t to) {
  if (from == to) return convertible(from);
  const auto numeric = [](uint32_t t) { return abi::is_float_type(t) || t == abi::kQ8_0; };
  return numeric(from) && numeric(to);
}

bool convert_copy(const std::byte* src,
                  uint32_t src_dtype,
                  const int64_t* src_strides,
                  std::byte* dst,
                  uint32_t dst_dtype,
                  const int64_t* dst_strides,
                  const int64_t* shape,
                  uint32_t rank,
                  int threads) {
  Walk w = make_walk(src_strides, dst_strides, shape, rank);
  if (src_dtype == abi::kQ8_0 || dst_dtype == abi::kQ8_0) {
    return copy_block_rows(w, src, src_dtype, dst, dst_dtype, threads);
  }
  if (src_dtype == dst_dtype) {
    const int64_t size = abi::dtype_facts(src_dtype)->block_bytes;
    if ((w.dims[3] == 1 || (w.in[3] == size && w.out[3] == size))) {
      copy_rows(w, src, dst, w.dims[3] * size, threads);
      return true;
    }
    w.order_for_tiles();
    if (size == 4) {
      walk_tiles(w, src, dst, threads, [](const std::byte* s, std::byte* d) {
        uint32_t v;
        std::memcpy(&v, s, 4);
        std::memcpy(d, &v, 4);
      });
    } else {
      walk_tiles(w, src, dst, threads, [](const std::byte* s, std::byte* d) {
        uint16_t v;
        std::memcpy(&v, s, 2);
        std::memcpy(d, &v, 2);
      });
    }
    return true;
  }
  w.order_for_tiles();
  walk_tiles(w, src, dst, threads, [src_dtype, dst_dtype](const std::byte* s, std::byte* d) {
    store(d, dst_dtype, load(s, src_dtype));
  });
  return true;
}

void widen_to_f32(const braid_tensor_desc& t,
                  const std::byte* data,
                  std::vector<float>& out,
                  int threads) {
  const auto strides = abi::contiguous_strides(abi::kF32, t.rank, t.shape);
  out.resize(static_cast<size_t>(abi::n_elements(t)));
  // Float types always convert (only a Q8_0 destination can refuse a value).
  (void)convert_copy(data, t.dtype, t.strides, reinterpret_cast<std::byte*>(out.data()), abi::kF32,
                     strides.data(), t.shape, t.rank, threads);
}

}  // namespace braid::cpu_plugin
