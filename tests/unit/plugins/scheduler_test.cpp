// The scheduler over real plugins: graphs built with core::Graph run on the reference backend
// (alone, split over two reference devices, and after the sloppy test plugin), compared with
// the same blocks computed here in plain double-precision C++; compiled-graph reuse, a KV cache
// kept in state across runs, fallbacks reported through the log.
#include "braid/plugins/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "braid/plugins/registry.h"
#include "test_paths.h"

namespace braid::plugins {
namespace {

using core::DType;
using core::Graph;
using core::TensorId;

std::vector<float> random_values(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::fabs(want[i]))) << "element " << i;
  }
}

// ---- plain C++ versions of the blocks ---------------------------------------------------------

// y[m][n] = sum_k x[m][k] w[n][k]
std::vector<double> matmul(const std::vector<double>& x, const std::vector<float>& w, int64_t k) {
  const int64_t m = static_cast<int64_t>(x.size()) / k, n = static_cast<int64_t>(w.size()) / k;
  std::vector<double> y(m * n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t t = 0; t < k; ++t) s += x[i * k + t] * w[j * k + t];
      y[i * n + j] = s;
    }
  }
  return y;
}

struct Mlp {
  int64_t n_embd = 16, n_ff = 24;
  std::vector<float> norm = random_values(16, 1), gate = random_values(24 * 16, 2),
                     up = random_values(24 * 16, 3), down = random_values(16 * 24, 4, 0.3f);

  // out = x + down(silu(gate(n)) * up(n)), n = rms_norm(x) * norm
  TensorId build(Graph& g, int64_t n_tokens) const {
    const TensorId x = g.input("x", DType::F32, {n_tokens, n_embd});
    const TensorId h = g.rms_norm(
        x, g.weight("ffn_norm.weight", DType::F32, {n_embd}, bytes_of(norm)), 1e-5f, "ffn_norm");
    const TensorId gt = g.matmul(
        h, g.weight("ffn_gate.weight", DType::F32, {n_ff, n_embd}, bytes_of(gate)), {}, "gate");
    const TensorId u =
        g.matmul(h, g.weight("ffn_up.weight", DType::F32, {n_ff, n_embd}, bytes_of(up)), {}, "up");
    const TensorId a = g.swiglu(gt, u, "act");
    const TensorId d = g.matmul(
        a, g.weight("ffn_down.weight", DType::F32, {n_embd, n_ff}, bytes_of(down)), {}, "down");
    const TensorId out = g.add(x, d, "out");
    g.mark_output(out);
    return out;
  }

  std::vector<double> expected(const std::vector<float>& x) const {
    const int64_t m = static_cast<int64_t>(x.size()) / n_embd;
    std::vector<double> h(x.size());
    for (int64_t i = 0; i < m; ++i) {
      double ss = 0;
      for (int64_t j = 0; j < n_embd; ++j) ss += double(x[i * n_embd + j]) * x[i * n_embd + j];
      const double r = 1.0 / std::sqrt(ss / n_embd + 1e-5);
      for (int64_t j = 0; j < n_embd; ++j) h[i * n_embd + j] = x[i * n_embd + j] * r * norm[j];
    }
    const std::vector<double> g = matmul(h, gate, n_embd), u = matmul(h, up, n_embd);
    std::vector<double> a(g.size());
    for (size_t i = 0; i < a.size(); ++i) a[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
    std::vector<double> out = matmul(a, down, n_ff);
    for (size_t i = 0; i < out.size(); ++i) out[i] += x[i];
    return out;
  }
};

// One attention layer with a KV cache in state: q/k/v projections, rope (half split) on q and
// k, k and v appended to the caches with set_rows at the tokens' slots, causal grouped-query
// attention over the valid rows, output projection.
struct AttentionLayer {
  static constexpr int64_t kEmbd = 32, kHead = 4, kHeadKv = 2, kDim = 8, kCtx = 16;
  std::vector<float> wq = random_values(kEmbd * kEmbd, 60, 0.5f),
                     wk = random_values(kHeadKv * kDim * kEmbd, 61, 0.5f),
                     wv = random_values(kHeadKv * kDim * kEmbd, 62, 0.5f),
                     wo = random_values(kEmbd * kEmbd, 63, 0.5f);
  // The host's own cache, rope'd keys and values of every position seen so far.
  std::vector<double> cache_k = std::vector<double>(kCtx * kHeadKv * kDim, 0.0);
  std::vector<double> cache_v = cache_k;

  void build(Graph& g, int64_t n) const {
    const TensorId x = g.input("x", DType::F32, {n, kEmbd});
    const TensorId pos = g.input("pos", DType::I32, {n});
    const TensorId n_valid = g.input("n_valid", DType::I32, {1});
    auto w = [&](const char* name, const std::vector<float>& data, int64_t rows) {
      return g.weight(name, DType::F32, {rows, kEmbd}, bytes_of(data));
    };
    const TensorId q =
        g.reshape(g.matmul(x, w("wq", wq, kEmbd), {}, "q_proj"), {n, kHead, kDim}, "q");
    const TensorId k =
        g.reshape(g.matmul(x, w("wk", wk, kHeadKv * kDim), {}, "k_proj"), {n, kHeadKv, kDim}, "k");
    const TensorId v =
        g.reshape(g.matmul(x, w("wv", wv, kHeadKv * kDim), {}, "v_proj"), {n, kHeadKv, kDim}, "v");
    const TensorId qr = g.rope(q, pos, core::RopeOptions{}, {}, "q_rope");
    const TensorId kr = g.rope(k, pos, core::RopeOptions{}, {}, "k_rope");
    const TensorId ck = g.set_rows(g.state("cache_k", DType::F32, {kCtx, kHeadKv, kDim}), kr, pos);
    const TensorId cv = g.set_rows(g.state("cache_v", DType::F32, {kCtx, kHeadKv, kDim}), v, pos);
    core::AttentionOptions options;
    options.positions = pos;
    options.n_valid = n_valid;
    options.causal = true;
    const TensorId att = g.attention(qr, ck, cv, options, "att");
    const TensorId out =
        g.matmul(g.reshape(att, {n, kEmbd}, "att_flat"), w("wo", wo, kEmbd), {}, "out");
    g.mark_output(out);
  }

  static void rope(double* head, int64_t pos) {
    for (int64_t i = 0; i < kDim / 2; ++i) {
      const double theta = pos * std::pow(10000.0, -2.0 * i / kDim);
      const double x0 = head[i], x1 = head[i + kDim / 2];
      head[i] = x0 * std::cos(theta) - x1 * std::sin(theta);
      head[i + kDim / 2] = x0 * std::sin(theta) + x1 * std::cos(theta);
    }
  }

  // The layer's output for tokens x at positions first..first+n-1, updating the host cache.
  std::vector<double> step(const std::vector<float>& x, int64_t first) {
    const std::vector<double> xd(x.begin(), x.end());
    const int64_t n = static_cast<int64_t>(x.size()) / kEmbd;
    std::vector<double> q = matmul(xd, wq, kEmbd), k = matmul(xd, wk, kEmbd),
                        v = matmul(xd, wv, kEmbd);
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t h = 0; h < kHead; ++h) rope(&q[(t * kHead + h) * kDim], first + t);
      for (int64_t h = 0; h < kHeadKv; ++h) rope(&k[(t * kHeadKv + h) * kDim], first + t);
      std::copy_n(&k[t * kHeadKv * kDim], kHeadKv * kDim, &cache_k[(first + t) * kHeadKv * kDim]);
      std::copy_n(&v[t * kHeadKv * kDim], kHeadKv * kDim, &cache_v[(first + t) * kHeadKv * kDim]);
    }
    std::vector<double> att(n * kEmbd, 0.0);
    const double scale = 1.0 / std::sqrt(double(kDim));
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t h = 0; h < kHead; ++h) {
        const int64_t hk = h / (kHead / kHeadKv);
        std::vector<double> w(first + t + 1);
        double max = -INFINITY, sum = 0;
        for (int64_t j = 0; j <= first + t; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < kDim; ++d) {
            dot += q[(t * kHead + h) * kDim + d] * cache_k[(j * kHeadKv + hk) * kDim + d];
          }
          w[j] = dot * scale;
          max = std::max(max, w[j]);
        }
        for (double& e : w) sum += (e = std::exp(e - max));
        for (int64_t j = 0; j <= first + t; ++j) {
          for (int64_t d = 0; d < kDim; ++d) {
            att[(t * kHead + h) * kDim + d] += w[j] / sum * cache_v[(j * kHeadKv + hk) * kDim + d];
          }
        }
      }
    }
    return matmul(att, wo, kEmbd);
  }
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Registry registry = Registry::discover({test::binary_dir()});
    for (auto* slot : {&reference_, &reference2_}) {
      auto selected = registry.select("reference");
      ASSERT_TRUE(selected.ok()) << selected.status().to_string();
      *slot = std::move(selected->device);
    }
  }
  SchedulerOptions capture_log() {
    SchedulerOptions options;
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    return options;
  }
  bool logged(const std::string& needle) const {
    for (const std::string& line : log_) {
      if (line.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::unique_ptr<Device> reference_, reference2_;
  std::vector<std::string> log_;
};

TEST_F(SchedulerTest, MlpBlockOnTheReferenceMatchesPlainCpp) {
  auto scheduler = Scheduler::create({reference_.get()}, capture_log());
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  const Mlp mlp;
  const std::vector<float> x = random_values(3 * 16, 10);
  Graph g;
  mlp.build(g, 3);
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
  const HostInput inputs[] = {{"x", bytes_of(x)}};
  ASSERT_TRUE(s.run(g, inputs).is_ok());
  auto out = s.read("out");
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  expect_close(*out, mlp.expected(x), 1e-5);
  EXPECT_EQ(s.compile_count(), 1u);
  EXPECT_EQ(s.placement(g), std::vector<size_t>(6, 0));
  EXPECT_TRUE(log_.size() >= 1 && logged("compiled 6 nodes on reference"));
  EXPECT_FALSE(logged("declines"));  // nothing fell back
  EXPECT_FALSE(logged("uploaded"));  // the reference reads host weights in place (wrap_host)
}

TEST_F(SchedulerTest, WeightsUploadedAsCopiesGiveTheSameResults) {
  SchedulerOptions options = capture_log();
  options.weights_in_place = false;
  auto scheduler = Scheduler::create({reference_.get()}, std::move(options));
  ASSERT_TRUE(scheduler.ok());
  const Mlp mlp;
  Graph g;
  mlp.build(g, 2);
  const std::vector<float> x = random_values(2 * 16, 15);
  const HostInput inputs[] = {{"x", bytes_of(x)}};
  ASSERT_TRUE((*scheduler)->run(g, inputs).is_ok());
  expect_close(*(*scheduler)->read("out"), mlp.expected(x), 1e-5);
  EXPECT_TRUE(logged("weight 'ffn_up.weight' (1536 bytes) uploaded to reference"));
  // Uploaded once: a second graph with the same weights reuses the copies.
  const size_t lines = log_.size();
  Graph other;
  mlp.build(other, 3);
  const std::vector<float> x3 = random_values(3 * 16, 16);
  const HostInput inputs3[] = {{"x", bytes_of(x3)}};
  ASSERT_TRUE((*scheduler)->run(other, inputs3).is_ok());
  expect_close(*(*scheduler)->read("out"), mlp.expected(x3), 1e-5);
  for (size_t i = lines; i < log_.size(); ++i)
    EXPECT_EQ(log_[i].find("uploaded"), std::string::npos);
}

TEST_F(SchedulerTest, SameShapesReuseCompiledGraphsAndNewInputsGiveNewResults) {
  auto scheduler = Scheduler::create({reference_.get()});
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  const Mlp mlp;
  for (uint32_t step = 0; step < 3; ++step) {
    Graph g;  // rebuilt every step, as a decode loop does
    mlp.build(g, 2);
    const std::vector<float> x = random_values(2 * 16, 20 + step);
    const HostInput inputs[] = {{"x", bytes_of(x)}};
    ASSERT_TRUE(s.run(g, inputs).is_ok());
    auto out = s.read("out");
    ASSERT_TRUE(out.ok());
    expect_close(*out, mlp.expected(x), 1e-5);
    EXPECT_EQ(s.compile_count(), 1u) << "step " << step;
    EXPECT_EQ(s.plan_count(), 1u);
  }
  Graph longer;
  mlp.build(longer, 5);
  const std::vector<float> x5 = random_values(5 * 16, 30);
  const HostInput inputs[] = {{"x", bytes_of(x5)}};
  ASSERT_TRUE(s.run(longer, inputs).is_ok());
  EXPECT_EQ(s.compile_count(), 2u);  // another shape, another compile
  EXPECT_EQ(s.plan_count(), 2u);
  expect_close(*s.read("out"), mlp.expected(x5), 1e-5);
}

TEST_F(SchedulerTest, AFilteredDeviceSplitsTheGraphAndTensorsCrossBothWays) {
  SchedulerOptions options = capture_log();
  Device* first = reference_.get();
  options.decline = [first](const Device& d, const Graph& g, uint32_t n) -> std::string {
    return &d == first && g.nodes()[n].op == BRAID_OP_SWIGLU ? "kept off by the test" : "";
  };
  auto scheduler = Scheduler::create({reference_.get(), reference2_.get()}, std::move(options));
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  const Mlp mlp;
  Graph g;
  mlp.build(g, 4);
  const std::vector<float> x = random_values(4 * 16, 40);
  const HostInput inputs[] = {{"x", bytes_of(x)}};
  ASSERT_TRUE(s.run(g, inputs).is_ok());
  expect_close(*s.read("out"), mlp.expected(x), 1e-5);
  EXPECT_EQ(s.placement(g), (std::vector<size_t>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(s.compile_count(), 3u);  // [norm, gate, up] [swiglu] [down, add]
  EXPECT_TRUE(
      logged("node 3 'act' (swiglu): reference declines (kept off by the test); runs on "
             "reference"));
  EXPECT_TRUE(logged("'gate' (384 bytes) is copied from reference to reference"));
  EXPECT_TRUE(logged("'act' (384 bytes) is copied from reference to reference"));
}

TEST_F(SchedulerTest, AttentionWithAKvCacheInStateAcrossRuns) {
  auto scheduler = Scheduler::create({reference_.get()});
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  AttentionLayer layer;
  int64_t first = 0;
  // A prompt of 3 tokens, then three single-token decode steps on the same compiled graph.
  for (const int64_t n : {3, 1, 1, 1}) {
    SCOPED_TRACE(core::str_cat("tokens ", first, "..", first + n - 1));
    Graph g;
    layer.build(g, n);
    ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
    const std::vector<float> x = random_values(n * AttentionLayer::kEmbd, 70 + first);
    std::vector<int32_t> pos(n);
    for (int64_t t = 0; t < n; ++t) pos[t] = static_cast<int32_t>(first + t);
    const std::vector<int32_t> n_valid = {static_cast<int32_t>(first + n)};
    const HostInput inputs[] = {
        {"x", bytes_of(x)}, {"pos", bytes_of(pos)}, {"n_valid", bytes_of(n_valid)}};
    ASSERT_TRUE(s.run(g, inputs).is_ok());
    auto out = s.read("out");
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    expect_close(*out, layer.step(x, first), 1e-5);
    first += n;
  }
  EXPECT_EQ(s.plan_count(), 2u);  // the prompt's shapes and the decode step's
  EXPECT_EQ(s.compile_count(), 2u);

  // The cache holds the rope'd keys of positions 0..5 and zeros after them.
  std::vector<float> cache(AttentionLayer::kCtx * AttentionLayer::kHeadKv * AttentionLayer::kDim);
  ASSERT_TRUE(s.read_state("cache_k", std::as_writable_bytes(std::span<float>(cache))).is_ok());
  expect_close(cache, layer.cache_k, 1e-5);

  // write_state replaces it: after zeroing the values cache, attention outputs are zeros.
  const std::vector<float> zeros(cache.size(), 0.0f);
  ASSERT_TRUE(s.write_state("cache_v", bytes_of(zeros)).is_ok());
  Graph g;
  layer.build(g, 1);
  const std::vector<float> x = random_values(AttentionLayer::kEmbd, 99);
  const std::vector<int32_t> pos = {0}, n_valid = {1};
  // Position 0 again: its own v row is written back by set_rows, the rest stays zero.
  const HostInput inputs[] = {
      {"x", bytes_of(x)}, {"pos", bytes_of(pos)}, {"n_valid", bytes_of(n_valid)}};
  ASSERT_TRUE(s.run(g, inputs).is_ok());
  std::fill(layer.cache_v.begin(), layer.cache_v.end(), 0.0);
  expect_close(*s.read("out"), layer.step(x, 0), 1e-5);
  EXPECT_EQ(s.compile_count(), 2u);
  EXPECT_EQ(s.write_state("cache_v", bytes_of(pos)).code(), core::StatusCode::InvalidArgument);
  EXPECT_EQ(s.read_state("nope", {}).code(), core::StatusCode::NotFound);
}

// The cpu backend first and the reference behind it: the MLP runs wholly on cpu (weights read
// in place, packed at compile), and so does the attention layer over its F32 cache. Then the
// same layer with cpu made to decline the cache's set_rows and the attention (as a backend
// lacking them would): it splits, the rest staying on cpu. Results within f32 rounding of plain
// C++ either way.
void run_attention_layer(Scheduler& s, bool all_on_first_device) {
  AttentionLayer layer;
  int64_t first = 0;
  for (const int64_t n : {3, 1}) {
    Graph g;
    layer.build(g, n);
    const std::vector<float> x = random_values(n * AttentionLayer::kEmbd, 80 + first);
    std::vector<int32_t> pos(n);
    for (int64_t t = 0; t < n; ++t) pos[t] = static_cast<int32_t>(first + t);
    const std::vector<int32_t> n_valid = {static_cast<int32_t>(first + n)};
    const HostInput inputs[] = {
        {"x", bytes_of(x)}, {"pos", bytes_of(pos)}, {"n_valid", bytes_of(n_valid)}};
    const core::Status ran = s.run(g, inputs);
    ASSERT_TRUE(ran.is_ok()) << ran.to_string();
    expect_close(*s.read("out"), layer.step(x, first), 1e-4);
    const std::vector<size_t> placement = s.placement(g);
    const bool all_first =
        std::all_of(placement.begin(), placement.end(), [](size_t d) { return d == 0; });
    EXPECT_EQ(all_first, all_on_first_device);
    first += n;
  }
}

TEST_F(SchedulerTest, TheCpuBackendRunsWhatItTakesAndTheReferenceTheRest) {
  const Registry registry = Registry::discover({test::binary_dir()});
  auto cpu = registry.select("cpu");
  if (!cpu.ok()) GTEST_SKIP() << "no usable cpu backend: " << cpu.status().to_string();
  auto scheduler = Scheduler::create({cpu->device.get(), reference_.get()}, capture_log());
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;

  const Mlp mlp;
  for (uint32_t step = 0; step < 2; ++step) {  // the second run reuses the packed weights
    Graph g;
    mlp.build(g, 3);
    const std::vector<float> x = random_values(3 * 16, 40 + step);
    const HostInput inputs[] = {{"x", bytes_of(x)}};
    ASSERT_TRUE(s.run(g, inputs).is_ok());
    expect_close(*s.read("out"), mlp.expected(x), 1e-4);
    EXPECT_EQ(s.placement(g), std::vector<size_t>(6, 0));
  }
  EXPECT_TRUE(logged("compiled 6 nodes on cpu")) << (log_.empty() ? "" : log_.back());
  run_attention_layer(s, true);
  EXPECT_FALSE(logged("cpu declines")) << "cpu runs attention over an F32 cache";

  SchedulerOptions options = capture_log();
  options.decline = [](const Device& d, const Graph& g, uint32_t n) -> std::string {
    const uint32_t op = g.nodes()[n].op;
    return d.plugin().name() == "cpu" && (op == BRAID_OP_SET_ROWS || op == BRAID_OP_ATTENTION)
               ? "not here"
               : "";
  };
  auto split = Scheduler::create({cpu->device.get(), reference_.get()}, options);
  ASSERT_TRUE(split.ok());
  run_attention_layer(**split, false);
  EXPECT_TRUE(logged("cpu declines")) << "set_rows and attention should fall back";
}

TEST_F(SchedulerTest, AStateStaysOnTheDeviceOfItsFirstUser) {
  Device* first = reference_.get();
  uint32_t declined_op = BRAID_OP_SET_ROWS;
  SchedulerOptions options = capture_log();
  options.decline = [&](const Device& d, const Graph& g, uint32_t n) -> std::string {
    return &d == first && g.nodes()[n].op == declined_op ? "not here" : "";
  };
  auto scheduler = Scheduler::create({reference_.get(), reference2_.get()}, options);
  ASSERT_TRUE(scheduler.ok());
  Graph g;
  const TensorId cache = g.state("cache", DType::F32, {4, 2});
  const TensorId rows = g.input("rows", DType::I32, {1});
  const TensorId src = g.input("src", DType::F32, {1, 2});
  g.set_rows(cache, src, rows);  // declined on the first device: the cache lives on the second
  g.mark_output(g.scale(cache, 2.0f, 0.0f, "doubled"));  // so this runs there too
  const std::vector<float> value = {3.0f, -1.0f};
  const std::vector<int32_t> row = {2};
  const HostInput inputs[] = {{"rows", bytes_of(row)}, {"src", bytes_of(value)}};
  ASSERT_TRUE((*scheduler)->run(g, inputs).is_ok());
  EXPECT_EQ((*scheduler)->placement(g), (std::vector<size_t>{1, 1}));
  EXPECT_TRUE(logged("node 1 'doubled' (scale): runs on reference, where state 'cache' lives"));
  EXPECT_EQ(*(*scheduler)->read("doubled"), (std::vector<float>{0, 0, 0, 0, 6, -2, 0, 0}));

  // A later graph that only reads the cache out finds it where it lives.
  Graph only;
  only.mark_output(only.state("cache", DType::F32, {4, 2}));
  only.mark_output(only.silu(only.input("z", DType::F32, {1}), "z_act"));
  const std::vector<float> z = {0.0f};
  const HostInput z_in[] = {{"z", bytes_of(z)}};
  ASSERT_TRUE((*scheduler)->run(only, z_in).is_ok());
  EXPECT_EQ(*(*scheduler)->read("cache"), (std::vector<float>{0, 0, 0, 0, 3, -1, 0, 0}));

  // A later user that the state's device declines has nowhere to go: the first device takes
  // set_rows (so the cache lives there) but declines scale.
  declined_op = BRAID_OP_SCALE;
  auto pinned = Scheduler::create({reference_.get(), reference2_.get()}, options);
  ASSERT_TRUE(pinned.ok());
  const core::Status status = (*pinned)->prepare(g);
  EXPECT_EQ(status.code(), core::StatusCode::NotSupported);
  EXPECT_EQ(status.message(),
            "[scheduler] node 1 'doubled' (scale) uses state 'cache', which lives on reference: "
            "reference declines (not here)");
}

TEST_F(SchedulerTest, ViewsReadInputsAndWriteIntoState) {
  auto scheduler = Scheduler::create({reference_.get()});
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  Graph g;
  // The left half of each row of x, strided, scaled; and rows 1..2 of a cache written by copy.
  const TensorId x = g.input("x", DType::F32, {3, 8});
  const TensorId left = g.view(x, {3, 4}, {32, 4}, 0, "x.left");
  g.mark_output(g.scale(left, -1.0f, 0.5f, "neg_left"));
  const TensorId cache = g.state("cache", DType::F16, {4, 2, 4});
  const TensorId rows = g.view(cache, {2, 2, 4}, {16, 8, 2}, 16, "cache.rows_1_2");
  g.copy(g.input("kv", DType::F32, {2, 2, 4}), rows);
  g.mark_output(cache);
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
  const std::vector<float> xv = random_values(24, 80),
                           kv = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const HostInput inputs[] = {{"x", bytes_of(xv)}, {"kv", bytes_of(kv)}};
  ASSERT_TRUE(s.run(g, inputs).is_ok());
  auto neg = s.read("neg_left");
  ASSERT_TRUE(neg.ok());
  std::vector<double> want;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 4; ++c) want.push_back(-xv[r * 8 + c] + 0.5);
  }
  expect_close(*neg, want, 1e-6);
  // The cache is F16: small integers are exact. Rows 0 and 3 stay zero.
  std::vector<uint16_t> half(32);
  ASSERT_TRUE(s.read("cache", std::as_writable_bytes(std::span<uint16_t>(half))).is_ok());
  EXPECT_EQ(half[0], 0u);
  EXPECT_EQ(half[8], 0x3C00u);   // 1.0
  EXPECT_EQ(half[23], 0x4C00u);  // 16.0
  EXPECT_EQ(half[24], 0u);
  EXPECT_EQ(s.read("cache").status().code(), core::StatusCode::NotSupported);  // not F32
}

TEST_F(SchedulerTest, FallbackFromADecliningPluginIsReportedAndRunsElsewhere) {
  const Registry bad = Registry::discover({BRAID_TEST_BAD_PLUGIN_DIR});
  auto sloppy = bad.select("sloppy");
  ASSERT_TRUE(sloppy.ok()) << sloppy.status().to_string();
  auto scheduler = Scheduler::create({sloppy->device.get(), reference_.get()}, capture_log());
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  Graph g;
  const TensorId a = g.input("a", DType::F32, {2, 8});
  const TensorId b = g.input("b", DType::F32, {2, 8});
  const TensorId prod = g.mul(a, b, "prod");  // sloppy declines mul
  const TensorId act = g.silu(prod, "act");   // sloppy accepts silu (and spoils element 0)
  g.mark_output(prod);
  g.mark_output(act);
  const std::vector<float> av = random_values(16, 50, 2.0f), bv = random_values(16, 51, 2.0f);
  const HostInput inputs[] = {{"a", bytes_of(av)}, {"b", bytes_of(bv)}};
  ASSERT_TRUE(s.run(g, inputs).is_ok());
  EXPECT_EQ(s.placement(g), (std::vector<size_t>{1, 0}));
  EXPECT_TRUE(
      logged("node 0 'prod' (mul): sloppy declines (sloppy does not multiply); runs on "
             "reference"))
      << (log_.empty() ? "" : log_[0]);
  EXPECT_TRUE(logged("'prod' (64 bytes) is copied from reference to sloppy"));
  auto prod_out = s.read("prod");
  auto act_out = s.read("act");
  ASSERT_TRUE(prod_out.ok() && act_out.ok());
  for (size_t i = 0; i < 16; ++i) {
    const double p = double(av[i]) * bv[i];
    EXPECT_NEAR((*prod_out)[i], p, 1e-6);
    // sloppy's silu writes NaN into element 0: proof that it, not the reference, ran it.
    if (i == 0) {
      EXPECT_TRUE(std::isnan((*act_out)[i]));
    } else {
      EXPECT_NEAR((*act_out)[i], p / (1 + std::exp(-p)), 1e-5);
    }
  }
}

TEST_F(SchedulerTest, NoDeviceForAnOpIsAnError) {
  const Registry bad = Registry::discover({BRAID_TEST_BAD_PLUGIN_DIR});
  auto sloppy = bad.select("sloppy");
  ASSERT_TRUE(sloppy.ok());
  auto scheduler = Scheduler::create({sloppy->device.get()});
  ASSERT_TRUE(scheduler.ok());
  Graph g;
  g.mark_output(g.mul(g.input("a", DType::F32, {4}), g.input("b", DType::F32, {4}), "m"));
  const core::Status status = (*scheduler)->prepare(g);
  EXPECT_EQ(status.code(), core::StatusCode::NotSupported);
  EXPECT_EQ(status.message(),
            "[scheduler] node 0 'm' (mul): no device runs it: sloppy declines (sloppy does not "
            "multiply)");
}

TEST_F(SchedulerTest, DebugLinesGoToStderrUnderBraidLogDebug) {
  ::setenv("BRAID_LOG", "debug", 1);
  auto scheduler = Scheduler::create({reference_.get()});
  ::unsetenv("BRAID_LOG");
  ASSERT_TRUE(scheduler.ok());
  Graph g;
  g.mark_output(g.silu(g.input("a", DType::F32, {4}), "y"));
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE((*scheduler)->prepare(g).is_ok());
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("[scheduler] compiled 1 nodes on reference"), std::string::npos) << err;
}

TEST_F(SchedulerTest, RunAndReadMistakesAreErrors) {
  auto scheduler = Scheduler::create({reference_.get()});
  ASSERT_TRUE(scheduler.ok());
  Scheduler& s = **scheduler;
  EXPECT_EQ(Scheduler::create({}).status().code(), core::StatusCode::InvalidArgument);
  Graph g;
  g.mark_output(g.silu(g.input("a", DType::F32, {4}), "y"));
  EXPECT_EQ(s.read("y").status().code(), core::StatusCode::InvalidArgument);  // no run yet
  const std::vector<float> four(4, 1.0f), three(3, 1.0f);
  EXPECT_NE(s.run(g, {}).message().find("input 'a' is missing"), std::string::npos);
  const HostInput short_input[] = {{"a", bytes_of(three)}};
  EXPECT_NE(s.run(g, short_input).message().find("input 'a' has 12 bytes, the graph needs 16"),
            std::string::npos);
  const HostInput unknown[] = {{"a", bytes_of(four)}, {"b", bytes_of(four)}};
  EXPECT_NE(s.run(g, unknown).message().find("'b' is not an input"), std::string::npos);
  const HostInput good[] = {{"a", bytes_of(four)}};
  ASSERT_TRUE(s.run(g, good).is_ok());
  EXPECT_EQ(s.read("nope").status().code(), core::StatusCode::NotFound);
  std::vector<std::byte> small(3);
  EXPECT_EQ(s.read("y", small).code(), core::StatusCode::InvalidArgument);
  EXPECT_NEAR((*s.read("y"))[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);

  Graph broken;
  broken.add(broken.input("p", DType::F32, {3}), broken.input("q", DType::F32, {2}));
  const core::Status status = s.prepare(broken);
  EXPECT_EQ(status.code(), core::StatusCode::InvalidArgument);
  EXPECT_EQ(status.message().rfind("[scheduler] the graph failed to build: [graph] add", 0), 0u)
      << status.message();
}

}  // namespace
}  // namespace braid::plugins
