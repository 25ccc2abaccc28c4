// The plugin-side adapter (braid/plugin_adapter.h), driven through its C table in-process: a
// test backend whose methods throw on request shows that nothing escapes the boundary, that
// statuses and last_error texts are right (per device and per thread), and that stale or foreign
// handles, bad ranges and read-only buffers are refused.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "braid/plugin_adapter.h"

namespace braid::plugin {
namespace {

std::atomic<int> g_live_buffers{0};
bool g_probe_fails = false;
int32_t g_opened_threads = -1;

class CountingBuffer final : public Buffer {
 public:
  explicit CountingBuffer(uint64_t bytes) : data_(bytes) { ++g_live_buffers; }
  ~CountingBuffer() override { --g_live_buffers; }
  uint64_t size() const override { return data_.size(); }
  void* host_ptr() override { return data_.data(); }

 private:
  std::vector<std::byte> data_;
};

struct TestCompiled final : Compiled {
  Graph graph;
};

// What the next call should throw, by kind.
enum class Throw { Nothing, Error, BadAlloc, Runtime, Int };
thread_local Throw g_throw = Throw::Nothing;

void maybe_throw() {
  switch (std::exchange(g_throw, Throw::Nothing)) {
    case Throw::Nothing:
      return;
    case Throw::Error:
      fail(BRAID_STATUS_DEVICE_ERROR, "the device fell over");
    case Throw::BadAlloc:
      throw std::bad_alloc();
    case Throw::Runtime:
      throw std::runtime_error("boom");
    case Throw::Int:
      throw 42;
  }
}

class TestDevice final : public HostDevice {
 public:
  void info(braid_device_info& out) override {
    maybe_throw();
    copy_text(out.name, "test device");
  }
  std::unique_ptr<Buffer> alloc(uint64_t bytes, braid_buffer_usage) override {
    maybe_throw();
    return std::make_unique<CountingBuffer>(bytes);
  }
  std::string why_unsupported(const braid_graph_desc& graph, uint32_t node) override {
    return graph.nodes[node].op == BRAID_OP_GELU ? "no erf on this device" : "";
  }
  std::unique_ptr<Compiled> compile(const Graph& graph) override {
    maybe_throw();
    auto compiled = std::make_unique<TestCompiled>();
    compiled->graph = graph;
    return compiled;
  }
  void run(Compiled& compiled, Stream*) override {
    maybe_throw();
    // Touches every buffer the graph names: freed memory would show under ASan.
    for (const Tensor& t : static_cast<TestCompiled&>(compiled).graph.tensors) {
      if (t.buffer) static_cast<std::byte*>(t.buffer->host_ptr())[t.offset] = std::byte{1};
    }
  }
};

struct TestBackend {
  static constexpr const char* kName = "test";
  static constexpr const char* kVersion = "9.9";
  static void probe(braid_probe_result& out) {
    if (g_probe_fails) fail(BRAID_STATUS_DEVICE_ERROR, "no test hardware");
    out.usable = 1;
    out.score = 7;
    out.device_count = 1;
  }
  static std::unique_ptr<Device> open(uint32_t index, const braid_device_options& options) {
    if (index != 0) fail(BRAID_STATUS_INVALID_ARGUMENT, "device ", index, " does not exist");
    g_opened_threads = options.threads;
    return std::make_unique<TestDevice>();
  }
};

struct CapturingBackend : TestBackend {
  static constexpr bool kCanCapture = true;
};

class Adapter : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = backend_table<TestBackend>();
    ASSERT_EQ(table_->device_open(0, nullptr, &device_), BRAID_STATUS_OK);
  }
  void TearDown() override {
    table_->device_close(device_);
    EXPECT_EQ(g_live_buffers.load(), 0) << "device_close must free every buffer";
  }
  braid_buffer_t* alloc(uint64_t bytes) {
    braid_buffer_t* buffer = nullptr;
    EXPECT_EQ(table_->buffer_alloc(device_, bytes, BRAID_BUFFER_ACTIVATIONS, &buffer),
              BRAID_STATUS_OK);
    return buffer;
  }
  std::string error() const { return table_->last_error(device_); }

  const braid_backend_v1* table_ = nullptr;
  braid_device_t* device_ = nullptr;
};

// A one-node graph: silu of tensor 0 into tensor 1, both in `buffer`.
struct SiluGraph {
  braid_tensor_desc tensors[2]{};
  braid_node_desc node{};
  explicit SiluGraph(braid_buffer_t* buffer, uint32_t op = BRAID_OP_SILU) {
    for (auto& t : tensors) {
      t.dtype = abi::kF32;
      t.rank = 1;
      t.shape[0] = 4;
      t.strides[0] = 4;
      t.buffer = buffer;
    }
    tensors[1].offset = 16;
    node.op = op;
    node.n_inputs = 1;
    node.inputs[0] = 0;
    node.output = 1;
  }
  braid_graph_desc desc() const { return {2, tensors, 1, &node}; }
};

TEST(AdapterTable, FillsEveryMemberAndServesOnlyItsVersion) {
  const braid_backend_v1* table = backend_table<TestBackend>();
  EXPECT_EQ(table->abi_version, BRAID_BACKEND_ABI_VERSION);
  EXPECT_EQ(table->struct_size, sizeof(braid_backend_v1));
  EXPECT_STREQ(table->name, "test");
  EXPECT_STREQ(table->version, "9.9");
  EXPECT_NE(table->graph_free, nullptr);
  EXPECT_EQ(table->capture_begin, nullptr);
  EXPECT_NE(backend_table<CapturingBackend>()->capture_begin, nullptr);
}

TEST(AdapterTable, ProbeAndOpenFailuresCarryTheirText) {
  const braid_backend_v1* table = backend_table<TestBackend>();
  braid_probe_result probe{};
  EXPECT_EQ(table->probe(&probe), BRAID_STATUS_OK);
  EXPECT_EQ(probe.score, 7);
  g_probe_fails = true;
  EXPECT_EQ(table->probe(&probe), BRAID_STATUS_DEVICE_ERROR);
  g_probe_fails = false;
  EXPECT_EQ(probe.usable, 0);
  EXPECT_STREQ(probe.reason, "no test hardware");
  EXPECT_STREQ(table->last_error(nullptr), "no test hardware");

  braid_device_t* device = reinterpret_cast<braid_device_t*>(0x1);
  EXPECT_EQ(table->device_open(3, nullptr, &device), BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(device, nullptr);
  EXPECT_STREQ(table->last_error(nullptr), "device 3 does not exist");
}

TEST(AdapterTable, OptionsAreReadOnlyAsFarAsTheHostsStructSize) {
  const braid_backend_v1* table = backend_table<TestBackend>();
  braid_device_t* device = nullptr;
  braid_device_options old_host{4, 8};  // a host whose struct ended before `threads`
  ASSERT_EQ(table->device_open(0, &old_host, &device), BRAID_STATUS_OK);
  EXPECT_EQ(g_opened_threads, 0);
  table->device_close(device);
  braid_device_options options{sizeof(braid_device_options), 8};
  ASSERT_EQ(table->device_open(0, &options, &device), BRAID_STATUS_OK);
  EXPECT_EQ(g_opened_threads, 8);
  table->device_close(device);
}

TEST_F(Adapter, ExceptionsBecomeStatuses) {
  braid_buffer_t* buffer = nullptr;
  g_throw = Throw::BadAlloc;
  EXPECT_EQ(table_->buffer_alloc(device_, 16, 0, &buffer), BRAID_STATUS_OUT_OF_MEMORY);
  EXPECT_EQ(error(), "out of memory");
  g_throw = Throw::Error;
  EXPECT_EQ(table_->buffer_alloc(device_, 16, 0, &buffer), BRAID_STATUS_DEVICE_ERROR);
  EXPECT_EQ(error(), "the device fell over");
  g_throw = Throw::Runtime;
  braid_device_info info{};
  EXPECT_EQ(table_->device_info(device_, &info), BRAID_STATUS_INTERNAL);
  EXPECT_EQ(error(), "internal error: boom");
  buffer = alloc(64);
  SiluGraph graph(buffer);
  const braid_graph_desc desc = graph.desc();
  braid_compiled_t* compiled = nullptr;
  g_throw = Throw::Int;
  EXPECT_EQ(table_->graph_compile(device_, &desc, &compiled), BRAID_STATUS_INTERNAL);
  EXPECT_EQ(error(), "internal error: an unknown exception");
  EXPECT_EQ(compiled, nullptr);
  EXPECT_EQ(table_->buffer_alloc(device_, 16, 9, &buffer), BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "buffer_alloc: usage 9 is not a usage");
}

TEST_F(Adapter, LastErrorIsPerThread) {
  std::string seen_by_other;
  std::thread other([&] {
    g_throw = Throw::Runtime;
    braid_device_info info{};
    EXPECT_EQ(table_->device_info(device_, &info), BRAID_STATUS_INTERNAL);
    seen_by_other = table_->last_error(device_);
  });
  other.join();
  EXPECT_EQ(seen_by_other, "internal error: boom");
  EXPECT_EQ(error(), "");  // this thread has had no failure
}

TEST_F(Adapter, ForeignAndStaleHandlesAreRefused) {
  auto* bogus_device = reinterpret_cast<braid_device_t*>(&g_live_buffers);
  braid_buffer_t* buffer = nullptr;
  EXPECT_EQ(table_->buffer_alloc(bogus_device, 16, 0, &buffer), BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(table_->last_error(bogus_device), "not a live device handle");
  table_->device_close(bogus_device);  // ignored

  char data[8] = {};
  auto* bogus_buffer = reinterpret_cast<braid_buffer_t*>(data);
  EXPECT_EQ(table_->buffer_upload(device_, bogus_buffer, 0, data, 8, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "buffer_upload dst: not a live buffer handle");
  table_->buffer_free(device_, bogus_buffer);  // ignored

  buffer = alloc(16);
  EXPECT_EQ(table_->buffer_upload(device_, buffer, 12, data, 8, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "buffer_upload dst: range [12, 12 + 8) runs past the buffer of 16 bytes");
  EXPECT_EQ(table_->buffer_download(device_, buffer, UINT64_MAX, data, 1, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(table_->buffer_upload(device_, buffer, 8, data, 8, nullptr), BRAID_STATUS_OK);
  EXPECT_EQ(table_->synchronize(device_, reinterpret_cast<braid_stream_t*>(data)),
            BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(error(), "not a live stream handle");
  EXPECT_EQ(table_->graph_run(device_, reinterpret_cast<braid_compiled_t*>(data), nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  table_->buffer_free(device_, buffer);
  EXPECT_EQ(table_->buffer_upload(device_, buffer, 0, data, 8, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);  // freed: stale now
}

TEST_F(Adapter, WrappedHostMemoryIsReadOnly) {
  std::vector<float> weights(4, 1.0f);
  braid_buffer_t* wrapped = nullptr;
  ASSERT_EQ(table_->buffer_wrap_host(device_, weights.data(), 16, &wrapped), BRAID_STATUS_OK);
  EXPECT_EQ(table_->buffer_host_ptr(device_, wrapped), weights.data());
  EXPECT_EQ(table_->buffer_upload(device_, wrapped, 0, weights.data(), 4, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error().find("read-only"), std::string::npos);
  // A graph may read it, not write it.
  braid_buffer_t* out = alloc(64);
  SiluGraph graph(out);
  graph.tensors[0].buffer = wrapped;
  graph.tensors[1].offset = 0;
  braid_graph_desc desc = graph.desc();
  braid_compiled_t* compiled = nullptr;
  ASSERT_EQ(table_->graph_compile(device_, &desc, &compiled), BRAID_STATUS_OK) << error();
  table_->graph_free(device_, compiled);
  std::swap(graph.tensors[0].buffer, graph.tensors[1].buffer);
  desc = graph.desc();
  EXPECT_EQ(table_->graph_compile(device_, &desc, &compiled), BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error().find("is in a read-only buffer"), std::string::npos) << error();
  table_->buffer_free(device_, wrapped);
}

TEST_F(Adapter, CompileValidatesAndABufferLivesAsLongAsAGraphNamesIt) {
  braid_buffer_t* small = alloc(20);
  SiluGraph graph(small);  // the output at offset 16 needs 32 bytes
  braid_graph_desc desc = graph.desc();
  braid_compiled_t* compiled = nullptr;
  EXPECT_EQ(table_->graph_compile(device_, &desc, &compiled), BRAID_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(error().find("needs 32 bytes; its buffer has 20"), std::string::npos) << error();

  braid_buffer_t* buffer = alloc(64);
  graph = SiluGraph(buffer);
  desc = graph.desc();
  ASSERT_EQ(table_->graph_compile(device_, &desc, &compiled), BRAID_STATUS_OK) << error();
  const int live = g_live_buffers.load();
  table_->buffer_free(device_, buffer);
  EXPECT_EQ(g_live_buffers.load(), live) << "freed while a compiled graph names it";
  EXPECT_EQ(table_->graph_run(device_, compiled, nullptr), BRAID_STATUS_OK);
  // The host cannot use the handle any more, though the graph still does.
  char byte = 0;
  EXPECT_EQ(table_->buffer_download(device_, buffer, 0, &byte, 1, nullptr),
            BRAID_STATUS_INVALID_ARGUMENT);
  table_->graph_free(device_, compiled);
  EXPECT_EQ(g_live_buffers.load(), live - 1);
  table_->buffer_free(device_, small);
}

TEST_F(Adapter, SupportsOpSaysWhyNot) {
  braid_buffer_t* buffer = alloc(64);
  SiluGraph silu(buffer);
  braid_graph_desc desc = silu.desc();
  EXPECT_EQ(table_->supports_op(device_, &desc, 0), 1);
  SiluGraph gelu(buffer, BRAID_OP_GELU);
  desc = gelu.desc();
  EXPECT_EQ(table_->supports_op(device_, &desc, 0), 0);
  EXPECT_EQ(error(), "no erf on this device");
  silu.tensors[1].shape[0] = 3;
  desc = silu.desc();
  EXPECT_EQ(table_->supports_op(device_, &desc, 0), 0);
  EXPECT_NE(error().find("must have shape [4]"), std::string::npos) << error();
  EXPECT_EQ(table_->supports_op(device_, &desc, 5), 0);
  EXPECT_NE(error().find("node 5 does not exist"), std::string::npos) << error();
  table_->buffer_free(device_, buffer);
}

TEST_F(Adapter, StreamsAndCaptureHooks) {
  braid_stream_t* stream = nullptr;
  ASSERT_EQ(table_->stream_create(device_, &stream), BRAID_STATUS_OK);
  EXPECT_EQ(table_->synchronize(device_, stream), BRAID_STATUS_OK);
  table_->stream_destroy(device_, stream);
  EXPECT_EQ(table_->synchronize(device_, stream), BRAID_STATUS_INVALID_ARGUMENT);
  // A backend declaring capture without overriding it says so rather than crashing.
  const braid_backend_v1* capturing = backend_table<CapturingBackend>();
  braid_device_t* device = nullptr;
  ASSERT_EQ(capturing->device_open(0, nullptr, &device), BRAID_STATUS_OK);
  braid_buffer_t* buffer = nullptr;
  ASSERT_EQ(capturing->buffer_alloc(device, 64, 1, &buffer), BRAID_STATUS_OK);
  SiluGraph graph(buffer);
  braid_graph_desc desc = graph.desc();
  braid_compiled_t* compiled = nullptr;
  ASSERT_EQ(capturing->graph_compile(device, &desc, &compiled), BRAID_STATUS_OK);
  EXPECT_EQ(capturing->capture_begin(device, compiled, nullptr), BRAID_STATUS_NOT_SUPPORTED);
  capturing->device_close(device);  // frees the graph and the buffer too
}

}  // namespace
}  // namespace braid::plugin
