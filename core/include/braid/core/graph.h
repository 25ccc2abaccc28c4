// A graph of ops over named tensors, built by model code and run by a scheduler (plugins/): the
// front end of the op vocabulary in braid/backend.h. Each builder checks its inputs and computes
// its output's shape with the ABI's own rules (braid/graph_check.h), so a graph that builds is a
// graph every backend accepts.
//
// Errors are sticky, as in ggml: the first invalid op records a Status naming the op, its name
// and the shapes, every later op that touches an invalid id is a no-op returning an invalid id,
// and status() reports the first failure. Model code can build a whole block and check once:
//
//   Graph g;
//   TensorId x = g.input("x", DType::F32, {n_tokens, n_embd});
//   TensorId h = g.rms_norm(x, g.weight("blk.0.attn_norm.weight", ...), 1e-5f, "blk.0.norm");
//   ...
//   g.mark_output(out);
//   BRAID_TRY(g.status());
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/backend.h"
#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::core {

/// A tensor of a Graph: an index into its table, or invalid (-1) after a failed op.
struct TensorId {
  int32_t index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(TensorId, TensorId) = default;
};

/// Dims, outermost first (PyTorch order), 1 to BRAID_MAX_DIMS of them.
using Shape = std::vector<int64_t>;

enum class TensorKind {
  Weight,        ///< host bytes owned by the caller (a mapped file), uploaded once
  Input,         ///< data supplied with each run
  State,         ///< persistent across runs (a KV cache); written by set_rows/copy
  View,          ///< a strided window into an Input or State
  Intermediate,  ///< produced by an op; the backend places it
};

/// One tensor of a Graph. Strides are in bytes (ABI convention: a block type's innermost is 0).
struct GraphTensor {
  std::string name;
  TensorKind kind = TensorKind::Intermediate;
  uint32_t dtype = 0;  ///< GGUF type id (a core::DType value)
  uint32_t rank = 0;
  std::array<int64_t, BRAID_MAX_DIMS> shape{};
  std::array<int64_t, BRAID_MAX_DIMS> strides{};
  uint64_t offset = 0;              ///< View: bytes into the base tensor
  int32_t base = -1;                ///< View: the Input or State it looks into
  std::span<const std::byte> data;  ///< Weight: the caller's bytes (not copied)
  bool output = false;              ///< marked with mark_output

  /// Bytes a contiguous tensor of this dtype and shape takes.
  uint64_t packed_bytes() const;
  /// A tensor with its own storage on a device (everything but View and Intermediate).
  bool has_storage() const { return kind != TensorKind::View && kind != TensorKind::Intermediate; }
  /// The tensor as the ABI describes it before any buffer exists (for the shape rules and
  /// supports_op, which only ask whether a tensor lives in a buffer): every tensor but an
  /// intermediate gets one placeholder buffer handle, never dereferenced; name is `name`.
  braid_tensor_desc abi_desc() const;
};

/// One op: reads `inputs` (-1 for an absent optional input), writes `output`.
struct GraphNode {
  uint32_t op = BRAID_OP_NONE;
  uint32_t n_inputs = 0;
  std::array<int32_t, BRAID_MAX_OP_INPUTS> inputs{-1, -1, -1, -1, -1, -1};
  int32_t output = -1;
  braid_op_params params{};
};

/// Rope settings (braid_rope_params as C++ values).
struct RopeOptions {
  braid_rope_mode mode = BRAID_ROPE_HALF_SPLIT;
  int32_t n_rot = 0;  ///< 0: the whole head
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
};

/// Attention's optional inputs; an invalid id is absent.
struct AttentionOptions {
  float scale = 0.0f;  ///< 0: 1 / sqrt(head_dim)
  TensorId positions;  ///< I32 [n_q]; required when causal
  TensorId mask;       ///< F32 [n_q, n_kv]
  TensorId n_valid;    ///< I32 [1]: KV rows filled so far
  bool causal = false;
};

/// A graph under construction. Not thread-safe; cheap to rebuild for each step (a scheduler
/// reuses compiled graphs by signature()).
class Graph {
 public:
  // ---- leaves ----------------------------------------------------------------------------
  /// Host weights: `data` must hold the contiguous tensor and outlive every run of the graph.
  TensorId weight(std::string name,
                  DType dtype,
                  const Shape& shape,
                  std::span<const std::byte> data);
  /// Data supplied with each run (contiguous, packed).
  TensorId input(std::string name, DType dtype, const Shape& shape);
  /// Storage that persists across runs (zeroed when a scheduler first creates it).
  TensorId state(std::string name, DType dtype, const Shape& shape);
  /// A window into an Input or State: `shape` with `byte_strides` starting `offset` bytes in.
  /// Must stay inside the base tensor's storage.
  TensorId view(TensorId base,
                const Shape& shape,
                const std::vector<int64_t>& byte_strides,
                uint64_t offset,
                std::string name = {});

  // ---- ops (each takes an optional name for the result; "" gives "<op>.<index>") ----------
  TensorId matmul(TensorId x, TensorId w, TensorId bias = {}, std::string name = {});
  TensorId add(TensorId a, TensorId b, std::string name = {});
  TensorId mul(TensorId a, TensorId b, std::string name = {});
  TensorId scale(TensorId x, float scale, float bias = 0.0f, std::string name = {});
  TensorId rms_norm(TensorId x, TensorId weight, float eps, std::string name = {});
  TensorId layer_norm(TensorId x, TensorId weight, TensorId bias, float eps, std::string name = {});
  TensorId rope(TensorId x,
                TensorId positions,
                const RopeOptions& options,
                TensorId freq_factors = {},
                std::string name = {});
  TensorId softmax(TensorId x, float scale = 1.0f, TensorId mask = {}, std::string name = {});
  TensorId attention(
      TensorId q, TensorId k, TensorId v, const AttentionOptions& options, std::string name = {});
  TensorId silu(TensorId x, std::string name = {});
  TensorId gelu(TensorId x, std::string name = {});
  TensorId gelu_tanh(TensorId x, std::string name = {});
  TensorId quick_gelu(TensorId x, std::string name = {});
  TensorId swiglu(TensorId gate, TensorId up, std::string name = {});
  TensorId get_rows(TensorId table, TensorId rows, std::string name = {});
  TensorId conv1d(TensorId x,
                  TensorId w,
                  TensorId bias,
                  int32_t stride,
                  int32_t padding,
                  std::string name = {});
  TensorId conv2d(TensorId x,
                  TensorId w,
                  TensorId bias,
                  int32_t stride,
                  int32_t padding,
                  std::string name = {});
  TensorId avg_pool2d(TensorId x, int32_t kernel, std::string name = {});
  TensorId concat(TensorId a, TensorId b, int32_t axis, std::string name = {});
  /// Result dim i = x dim axes[i].
  TensorId permute(TensorId x, const std::vector<int32_t>& axes, std::string name = {});
  /// x with another shape (same element count, row-major order kept); x must be contiguous.
  TensorId reshape(TensorId x, const Shape& shape, std::string name = {});
  /// x converted to `dtype` (F32, F16, BF16, Q8_0), as a new tensor.
  TensorId cast(TensorId x, DType dtype, std::string name = {});
  /// Writes x into `dst` (a State or a View of one; same shape, converting dtype). Returns dst;
  /// later ops that read dst see the written values.
  TensorId copy(TensorId x, TensorId dst);
  /// Writes the rows of `src` into `dst` (a State or View) at row indices `rows` (I32 [m]).
  /// Returns dst.
  TensorId set_rows(TensorId dst, TensorId src, TensorId rows);

  /// Makes `id` readable after a run (any tensor an op writes, or an Input/State).
  void mark_output(TensorId id);

  // ---- inspection --------------------------------------------------------------------------
  /// Ok, or the first failure of any builder call.
  const Status& status() const { return status_; }
  const std::vector<GraphTensor>& tensors() const { return tensors_; }
  const std::vector<GraphNode>& nodes() const { return nodes_; }
  const GraphTensor& tensor(TensorId id) const { return tensors_.at(id.index); }
  /// The tensor called `name`, or an invalid id.
  TensorId find(std::string_view name) const;

  /// Describes everything that decides a compiled graph: each tensor's kind, dtype, shape,
  /// layout and name (a weight also its data's address and size), each node's op, operands and
  /// params. Two graphs with equal signatures compile to the same thing. Computed once and
  /// cached until the graph changes.
  const std::string& signature() const;
  /// A 64-bit FNV-1a hash of signature().
  uint64_t signature_hash() const;

 private:
  TensorId add_tensor(GraphTensor t);
  // Checks `node` against the ABI rules with `out` as its output (out.rank == 0: take the
  // shape the rule gives); appends it, or records the failure. Returns the written tensor.
  TensorId add_node(GraphNode node, GraphTensor out, std::string_view what);
  TensorId unary(uint32_t op, TensorId x, std::string name);
  bool usable(std::initializer_list<TensorId> ids, std::string_view what);
  bool writable(TensorId dst, std::string_view what);
  void fail(Status status);
  std::string auto_name(std::string_view op, std::string name) const;

  std::vector<GraphTensor> tensors_;
  std::vector<GraphNode> nodes_;
  Status status_;
  mutable std::string signature_;
};

}  // namespace braid::core
