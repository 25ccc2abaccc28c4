// cpu::attention against its definition evaluated in double (a full softmax over the visible keys
// of each query), on both code paths, through both kernels (decode for n_q <= 4, prefill above),
// with grouped-query heads, interleaved and head-major cache layouts, causal positions, masks
// with -inf, a partly filled cache, odd head sizes and chunked (split-KV) decoding.
#include "braid/cpu/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "braid/core/half.h"
#include "isa_param.h"

namespace braid::cpu {
namespace {

struct Case {
  int64_t n_q, n_kv, n_head, n_head_kv, head_dim, head_dim_v;
  bool causal;
  bool mask;
  int64_t n_kv_valid;  // -1: all
  bool head_major;     // cache laid out [head][row] rather than [row][head]
  int64_t cache_rows;  // allocated rows (>= n_kv)
};

struct Data {
  std::vector<float> q;
  std::vector<uint16_t> k, v;
  std::vector<float> mask;
  std::vector<int32_t> positions;
  AttentionArgs args;
};

Data make(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Data d;
  d.q.resize(static_cast<size_t>(c.n_q * c.n_head * c.head_dim));
  for (auto& x : d.q) x = normal(rng);
  auto cache = [&](int64_t dim) {
    std::vector<uint16_t> values(static_cast<size_t>(c.cache_rows * c.n_head_kv * dim));
    for (auto& x : values) x = core::f32_to_fp16(normal(rng));
    return values;
  };
  d.k = cache(c.head_dim);
  d.v = cache(c.head_dim_v);
  const int64_t prefix = c.n_kv - c.n_q;  // the queries are the last n_q positions
  for (int64_t i = 0; i < c.n_q; ++i) d.positions.push_back(static_cast<int32_t>(prefix + i));
  if (c.mask) {
    d.mask.resize(static_cast<size_t>(c.n_q * c.n_kv));
    for (int64_t i = 0; i < c.n_q; ++i) {
      for (int64_t j = 0; j < c.n_kv; ++j) {
        float m = 0.3f * normal(rng);
        if ((i + 3 * j) % 7 == 0) m = -std::numeric_limits<float>::infinity();
        d.mask[i * c.n_kv + j] = m;
      }
    }
  }
  AttentionArgs& a = d.args;
  a.n_q = c.n_q;
  a.n_kv = c.n_kv;
  a.n_head = c.n_head;
  a.n_head_kv = c.n_head_kv;
  a.head_dim = c.head_dim;
  a.head_dim_v = c.head_dim_v;
  a.q = d.q.data();
  a.q_stride = c.n_head * c.head_dim;
  a.k = d.k.data();
  a.v = d.v.data();
  if (c.head_major) {
    a.k_stride = c.head_dim;
    a.k_head_stride = c.cache_rows * c.head_dim;
    a.v_stride = c.head_dim_v;
    a.v_head_stride = c.cache_rows * c.head_dim_v;
  } else {
    a.k_stride = c.n_head_kv * c.head_dim;
    a.k_head_stride = c.head_dim;
    a.v_stride = c.n_head_kv * c.head_dim_v;
    a.v_head_stride = c.head_dim_v;
  }
  a.out_stride = c.n_head * c.head_dim_v + 3;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  a.causal = c.causal;
  a.positions = d.positions.data();
  a.mask = c.mask ? d.mask.data() : nullptr;
  a.mask_stride = c.n_kv;
  a.n_kv_valid = c.n_kv_valid;
  return d;
}

void check(const Case& c, uint32_t seed, int threads) {
  Data d = make(c, seed);
  const AttentionArgs& a = d.args;
  std::vector<float> out(static_cast<size_t>(c.n_q * a.out_stride), 99.0f);
  d.args.out = out.data();
  const auto status = attention(d.args, threads);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  const int64_t group = c.n_head / c.n_head_kv;
  const int64_t valid = c.n_kv_valid < 0 ? c.n_kv : std::min(c.n_kv, c.n_kv_valid);
  for (int64_t i = 0; i < c.n_q; ++i) {
    for (int64_t h = 0; h < c.n_head; ++h) {
      const int64_t g = h / group;
      std::vector<double> s;
      std::vector<int64_t> keys;
      for (int64_t j = 0; j < valid; ++j) {
        if (c.causal && j > d.positions[i]) continue;
        double dot = 0;
        for (int64_t e = 0; e < c.head_dim; ++e) {
          dot += double{d.q[(i * c.n_head + h) * c.head_dim + e]} *
                 core::fp16_to_f32(a.k[j * a.k_stride + g * a.k_head_stride + e]);
        }
        double x = dot * a.scale + (c.mask ? d.mask[i * c.n_kv + j] : 0.0);
        if (std::isinf(x)) continue;
        s.push_back(x);
        keys.push_back(j);
      }
      double mx = -INFINITY;
      for (double x : s) mx = std::max(mx, x);
      double total = 0;
      for (double& x : s) total += (x = std::exp(x - mx));
      for (int64_t e = 0; e < c.head_dim_v; ++e) {
        double want = 0;
        for (size_t t = 0; t < keys.size(); ++t) {
          want +=
              s[t] / total * core::fp16_to_f32(a.v[keys[t] * a.v_stride + g * a.v_head_stride + e]);
        }
        const float got = out[i * a.out_stride + h * c.head_dim_v + e];
        ASSERT_NEAR(got, want, 2e-5) << "query " << i << " head " << h << " dim " << e << " (n_q "
                                     << c.n_q << ", n_kv " << c.n_kv << ")";
      }
    }
    for (int64_t e = c.n_head * c.head_dim_v; e < a.out_stride; ++e) {
      ASSERT_EQ(out[i * a.out_stride + e], 99.0f) << "wrote past the heads";
    }
  }
}

class AttentionTest : public test::IsaTest {};

TEST_P(AttentionTest, DecodeGroupedQueryCausal) {
  for (int64_t n_kv : {1, 17, 300, 1100}) {
    for (int64_t n_q : {1, 3}) {
      if (n_q > n_kv) continue;
      SCOPED_TRACE(::testing::Message() << "n_kv " << n_kv << " n_q " << n_q);
      check({n_q, n_kv, 8, 2, 64, 64, true, false, -1, false, n_kv + 5}, 1, 2);
    }
  }
}

TEST_P(AttentionTest, DecodeSplitKvChunksAndOddHeads) {
  // One or three KV heads on two threads: the cache is split into chunks and merged.
  for (int64_t n_head_kv : {1, 3}) {
    SCOPED_TRACE(::testing::Message() << "n_head_kv " << n_head_kv);
    check({1, 2000, 3 * n_head_kv, n_head_kv, 72, 40, true, false, -1, false, 2048}, 2, 2);
    check({2, 1500, 2 * n_head_kv, n_head_kv, 128, 128, true, true, 1400, true, 1600}, 3, 2);
  }
}

TEST_P(AttentionTest, DecodeMaskValidRowsAndHiddenQueries) {
  // Non-causal with a mask; a cache filled to 250 of 400 rows.
  check({4, 400, 4, 4, 64, 64, false, true, 250, false, 400}, 4, 2);
  // A query whose every key is masked out (n_kv = 1 and the mask hides key 0 for query 0).
  check({1, 1, 2, 1, 16, 16, false, true, -1, false, 1}, 5, 1);
  // An empty cache: every output 0.
  check({2, 0, 2, 1, 16, 16, false, false, -1, false, 1}, 6, 2);
}

TEST_P(AttentionTest, PrefillCausalTiles) {
  for (int64_t n : {5, 37, 64, 130}) {
    SCOPED_TRACE(::testing::Message() << "n " << n);
    check({n, n, 4, 2, 64, 64, true, false, -1, false, n}, 7, 2);
  }
  // Queries after a cached prefix; odd head sizes; head-major cache; one thread.
  check({33, 100, 6, 3, 72, 48, true, false, -1, true, 128}, 8, 1);
  check({20, 90, 2, 2, 128, 128, true, true, 80, false, 90}, 9, 2);
}

TEST_P(AttentionTest, PrefillNonCausalWithMask) {
  check({50, 77, 3, 1, 64, 64, false, true, -1, false, 77}, 10, 2);
  check({9, 9, 16, 16, 80, 80, false, false, -1, false, 9}, 11, 2);
}

TEST(AttentionErrors, RejectsInconsistentShapes) {
  if (best_supported_isa() == Isa::None) GTEST_SKIP() << "no AVX2";
  Data d = make({2, 8, 4, 2, 16, 16, true, false, -1, false, 8}, 1);
  std::vector<float> out(64);
  d.args.out = out.data();
  AttentionArgs a = d.args;
  a.n_head = 3;  // not a multiple of n_head_kv
  EXPECT_EQ(attention(a).code(), core::StatusCode::InvalidArgument);
  a = d.args;
  a.positions = nullptr;
  EXPECT_EQ(attention(a).code(), core::StatusCode::InvalidArgument);
  a = d.args;
  a.q_stride = 10;
  EXPECT_EQ(attention(a).code(), core::StatusCode::InvalidArgument);
  a = d.args;
  a.k = nullptr;
  EXPECT_EQ(attention(a).code(), core::StatusCode::InvalidArgument);
  a = d.args;
  a.head_dim = a.head_dim_v = 2048;
  a.q_stride = a.out_stride = 4 * 2048;
  a.k_stride = a.v_stride = 2 * 2048;
  a.k_head_stride = a.v_head_stride = 2048;
  EXPECT_EQ(attention(a).code(), core::StatusCode::NotSupported);
}

BRAID_INSTANTIATE_ISA_TESTS(AttentionTest);

}  // namespace
}  // namespace braid::cpu
