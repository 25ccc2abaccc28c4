// The graph builder: output shapes from the ABI rules, sticky errors that name the op and the
// shapes, names, views, writes into state, and signatures.
#include "braid/core/graph.h"

#include <gtest/gtest.h>

#include <vector>

namespace braid::core {
namespace {

std::vector<int64_t> shape_of(const Graph& g, TensorId id) {
  const GraphTensor& t = g.tensor(id);
  return std::vector<int64_t>(t.shape.begin(), t.shape.begin() + t.rank);
}

std::span<const std::byte> bytes_of(const std::vector<float>& v) {
  return std::as_bytes(std::span<const float>(v));
}

TEST(Graph, LeavesAndOpShapes) {
  std::vector<float> w_data(32 * 64), b_data(32), norm_data(64);
  Graph g;
  const TensorId x = g.input("x", DType::F32, {5, 64});
  const TensorId w = g.weight("w", DType::F32, {32, 64}, bytes_of(w_data));
  const TensorId b = g.weight("b", DType::F32, {32}, bytes_of(b_data));
  const TensorId nw = g.weight("norm", DType::F32, {64}, bytes_of(norm_data));
  const TensorId h = g.rms_norm(x, nw, 1e-5f, "blk.0.norm");
  const TensorId y = g.matmul(h, w, b, "blk.0.proj");
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
  EXPECT_EQ(shape_of(g, h), (std::vector<int64_t>{5, 64}));
  EXPECT_EQ(shape_of(g, y), (std::vector<int64_t>{5, 32}));
  EXPECT_EQ(g.tensor(y).kind, TensorKind::Intermediate);
  EXPECT_EQ(g.tensor(w).data.data(), reinterpret_cast<const std::byte*>(w_data.data()));
  EXPECT_EQ(g.find("blk.0.proj"), y);
  EXPECT_FALSE(g.find("nope").valid());

  const TensorId act = g.silu(y);
  EXPECT_EQ(g.tensor(act).name, "silu.2");  // auto names: op and node index
  const TensorId r = g.reshape(act, {2, 80}, "r");
  EXPECT_EQ(shape_of(g, r), (std::vector<int64_t>{2, 80}));
  const TensorId p = g.permute(y, {1, 0}, "p");
  EXPECT_EQ(shape_of(g, p), (std::vector<int64_t>{32, 5}));
  const TensorId c = g.concat(y, y, 0, "c");
  EXPECT_EQ(shape_of(g, c), (std::vector<int64_t>{10, 32}));
  const TensorId h16 = g.cast(y, DType::F16, "y16");
  EXPECT_EQ(g.tensor(h16).dtype, static_cast<uint32_t>(DType::F16));
  EXPECT_EQ(shape_of(g, h16), (std::vector<int64_t>{5, 32}));
  const TensorId sm = g.softmax(y, 0.5f, {}, "sm");
  EXPECT_EQ(g.nodes().back().params.softmax.scale, 0.5f);
  EXPECT_EQ(g.nodes().back().n_inputs, 1u);  // the absent mask is not counted
  EXPECT_TRUE(sm.valid());
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
  EXPECT_EQ(g.nodes().size(), 8u);
}

TEST(Graph, ConvPoolRopeAttentionRowsShapes) {
  std::vector<float> k1(8 * 3 * 3), k2(16 * 3 * 4 * 4), table(10 * 6);
  Graph g;
  const TensorId audio = g.input("audio", DType::F32, {3, 20});
  EXPECT_EQ(shape_of(g, g.conv1d(audio, g.weight("k1", DType::F32, {8, 3, 3}, bytes_of(k1)), {}, 2,
                                 1, "c1")),
            (std::vector<int64_t>{8, 10}));
  const TensorId img = g.input("img", DType::F32, {3, 32, 24});
  const TensorId patches =
      g.conv2d(img, g.weight("k2", DType::F32, {16, 3, 4, 4}, bytes_of(k2)), {}, 4, 0, "patch");
  EXPECT_EQ(shape_of(g, patches), (std::vector<int64_t>{16, 8, 6}));
  EXPECT_EQ(shape_of(g, g.avg_pool2d(patches, 4, "pool")), (std::vector<int64_t>{16, 2, 1}));

  const TensorId q = g.input("q", DType::F32, {3, 8, 16});
  const TensorId pos = g.input("pos", DType::I32, {3});
  const TensorId qr = g.rope(q, pos, RopeOptions{}, {}, "q_rope");
  EXPECT_EQ(g.nodes().back().params.rope.n_rot, 16);  // 0 means the whole head
  const TensorId k = g.state("cache_k", DType::F16, {32, 2, 16});
  const TensorId v = g.state("cache_v", DType::F16, {32, 2, 12});
  AttentionOptions opt;
  opt.positions = pos;
  opt.causal = true;
  const TensorId att = g.attention(qr, k, v, opt, "att");
  EXPECT_EQ(shape_of(g, att), (std::vector<int64_t>{3, 8, 12}));
  EXPECT_FLOAT_EQ(g.nodes().back().params.attention.scale, 0.25f);  // 1 / sqrt(16)

  const TensorId ids = g.input("ids", DType::I32, {4});
  const TensorId emb = g.get_rows(g.weight("tok", DType::F32, {10, 6}, bytes_of(table)), ids);
  EXPECT_EQ(shape_of(g, emb), (std::vector<int64_t>{4, 6}));
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
}

TEST(Graph, WritesIntoStateReturnTheDestination) {
  Graph g;
  const TensorId cache = g.state("cache", DType::F16, {16, 2, 8});
  const TensorId kv = g.input("kv", DType::F32, {3, 2, 8});
  const TensorId slots = g.input("slots", DType::I32, {3});
  EXPECT_EQ(g.set_rows(cache, kv, slots), cache);
  // Rows 4..6 of the cache as a view, written with copy.
  const TensorId window = g.view(cache, {3, 2, 8}, {32, 16, 2}, 4 * 32, "cache.window");
  EXPECT_EQ(g.copy(kv, window), window);
  ASSERT_TRUE(g.status().is_ok()) << g.status().to_string();
  EXPECT_EQ(g.nodes().size(), 2u);
  EXPECT_EQ(g.nodes()[1].output, window.index);
  EXPECT_EQ(g.tensor(window).base, cache.index);
}

TEST(Graph, FirstErrorSticksAndNamesTheOpAndShapes) {
  std::vector<float> w_data(32 * 48);
  Graph g;
  const TensorId x = g.input("x", DType::F32, {5, 64});
  const TensorId w = g.weight("blk.3.ffn_up.weight", DType::F32, {32, 48}, bytes_of(w_data));
  const TensorId bad = g.matmul(x, w, {}, "blk.3.ffn_up");
  EXPECT_FALSE(bad.valid());
  ASSERT_FALSE(g.status().is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::InvalidArgument);
  EXPECT_EQ(g.status().message(),
            "[graph] matmul 'blk.3.ffn_up' (node 0) of 'x' F32 [5, 64], 'blk.3.ffn_up.weight' F32 "
            "[32, 48]: src1 F32 [32, 48]: innermost dim 48 != src0's innermost dim 64 (F32 [5, "
            "64])");
  const Status first = g.status();
  // Later ops on the invalid id are no-ops; a later, different mistake does not replace it.
  EXPECT_FALSE(g.silu(bad).valid());
  EXPECT_FALSE(g.add(x, g.input("y", DType::F32, {3})).valid());
  EXPECT_FALSE(g.input("z", DType::F32, {2}).valid());
  EXPECT_EQ(g.status().message(), first.message());
  EXPECT_TRUE(g.nodes().empty());
}

TEST(Graph, EachKindOfMistakeIsReported) {
  struct Case {
    const char* what;
    void (*build)(Graph&);
    const char* needle;
  };
  static std::vector<float> data(64);
  const std::vector<Case> cases = {
      {"weight size",
       [](Graph& g) {
         g.weight("w", DType::F32, {4, 4}, bytes_of(data));
       },
       "weight 'w' F32 [4, 4] needs 64 bytes, got 256"},
      {"rank",
       [](Graph& g) {
         g.input("x", DType::F32, {1, 2, 3, 4, 5});
       },
       "rank 5 is outside 1..4"},
      {"zero dim",
       [](Graph& g) {
         g.input("x", DType::F32, {0, 2});
       },
       "every dim must be >= 1"},
      {"dtype", [](Graph& g) { g.input("x", DType::Q8_1, {32}); }, "does not cross the backend"},
      {"name twice",
       [](Graph& g) {
         g.input("x", DType::F32, {2});
         g.state("x", DType::F32, {2});
       },
       "tensor name 'x' is used twice"},
      {"view bounds",
       [](Graph& g) {
         g.view(g.state("s", DType::F32, {4, 4}), {2, 4}, {16, 4}, 40, "v");
       },
       "reaches byte 72 of 's', which has 64"},
      {"broadcast",
       [](Graph& g) {
         g.add(g.input("a", DType::F32, {2, 3}), g.input("b", DType::F32, {2}));
       },
       "does not broadcast"},
      {"reshape count",
       [](Graph& g) {
         g.reshape(g.input("a", DType::F32, {2, 3}), {4}, "r");
       },
       "reshape 'r' (node 0) of 'a' F32 [2, 3]: output F32 [4] must have the 6 elements"},
      {"reshape strided",
       [](Graph& g) {
         g.reshape(g.view(g.state("s", DType::F32, {4, 4}), {4, 2}, {16, 4}, 0, "v"), {8});
       },
       "must be contiguous"},
      {"permute axes",
       [](Graph& g) {
         g.permute(g.input("a", DType::F32, {2, 3}), {1, 1}, "p");
       },
       "is not a permutation"},
      {"permute rank",
       [](Graph& g) {
         g.permute(g.input("a", DType::F32, {2, 3}), {0}, "p");
       },
       "1 axes for rank 2"},
      {"cast dtype",
       [](Graph& g) {
         g.cast(g.input("a", DType::F32, {2, 32}), DType::Q4_0, "c");
       },
       "dtype must be F32, F16, BF16, Q8_0"},
      {"set_rows into input",
       [](Graph& g) {
         g.set_rows(g.input("d", DType::F32, {4, 2}), g.input("s", DType::F32, {1, 2}),
                    g.input("i", DType::I32, {1}));
       },
       "set_rows into 'd': the destination must be a state"},
      {"causal without positions",
       [](Graph& g) {
         const TensorId q = g.input("q", DType::F32, {2, 2, 4});
         AttentionOptions o;
         o.causal = true;
         g.attention(q, q, q, o, "att");
       },
       "causal attention needs src3"},
      {"foreign id", [](Graph& g) { g.silu(TensorId{7}); }, "tensor id 7 is not in this graph"},
      {"output weight",
       [](Graph& g) { g.mark_output(g.weight("w", DType::F32, {64}, bytes_of(data))); },
       "a weight cannot be an output"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Graph g;
    c.build(g);
    ASSERT_FALSE(g.status().is_ok());
    EXPECT_NE(g.status().message().find(c.needle), std::string::npos)
        << "got: " << g.status().message();
  }
}

Graph small_graph(int64_t n_tokens, float eps, const std::vector<float>& norm) {
  Graph g;
  const TensorId x = g.input("x", DType::F32, {n_tokens, 16});
  const TensorId w = g.weight("norm", DType::F32, {16}, bytes_of(norm));
  g.mark_output(g.rms_norm(x, w, eps, "out"));
  return g;
}

TEST(Graph, SignatureFollowsShapesOpsParamsAndWeights) {
  const std::vector<float> norm(16), other(16);
  const Graph a = small_graph(3, 1e-5f, norm);
  EXPECT_EQ(a.signature(), small_graph(3, 1e-5f, norm).signature());
  EXPECT_EQ(a.signature_hash(), small_graph(3, 1e-5f, norm).signature_hash());
  EXPECT_NE(a.signature(), small_graph(4, 1e-5f, norm).signature());
  EXPECT_NE(a.signature(), small_graph(3, 1e-6f, norm).signature());
  EXPECT_NE(a.signature(), small_graph(3, 1e-5f, other).signature());  // other weight bytes
  EXPECT_NE(a.signature_hash(), small_graph(4, 1e-5f, norm).signature_hash());
  Graph b = small_graph(3, 1e-5f, norm);
  const std::string before = b.signature();
  b.silu(b.find("out"));  // appending an op changes it
  EXPECT_NE(b.signature(), before);
  EXPECT_TRUE(b.tensor(b.find("out")).output);
}

}  // namespace
}  // namespace braid::core
