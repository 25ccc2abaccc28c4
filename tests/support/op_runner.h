// Running single ops and small graphs on any backend device, for the parity and reference tests:
// host-side tensors in any layout the ABI allows, guard bytes around outputs, and comparisons.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "braid/backend.h"
#include "braid/core/status.h"
#include "braid/graph_check.h"
#include "braid/plugins/device.h"

namespace braid::test {

/// How a tensor's elements are placed in memory.
enum class Layout {
  Contiguous,    ///< row-major, packed
  PaddedRows,    ///< row-major with a gap after every innermost row and every outer slice
  SwappedOuter,  ///< the two outermost dims swapped in memory (for a plain rank-2 tensor: the
                 ///< transpose, so the innermost stride is not the element size)
  InnerStrided,  ///< plain types: every other element slot is a gap (innermost stride 2 elements)
};
const char* layout_name(Layout layout);
/// Whether `layout` applies to (dtype, rank): block types keep rows contiguous, and so on.
bool layout_applies(Layout layout, uint32_t dtype, size_t rank);

/// The byte filled into every gap and guard region: an output's run must leave it there.
inline constexpr std::byte kGuardByte{0xA5};

/// One tensor's data on the host: dtype, shape (outermost first), byte strides and storage.
class HostTensor {
 public:
  HostTensor() = default;

  /// Contiguous tensor of `dtype` from f32 values (rounded to F16/BF16, quantized with
  /// core::quantize_row for block types). Aborts the test on a malformed request.
  static HostTensor from_f32(uint32_t dtype,
                             std::vector<int64_t> shape,
                             const std::vector<float>& values);
  static HostTensor from_i32(std::vector<int64_t> shape, const std::vector<int32_t>& values);
  /// Contiguous tensor from its raw storage bytes (block types: whole rows of blocks).
  static HostTensor from_bytes(uint32_t dtype,
                               std::vector<int64_t> shape,
                               const std::vector<std::byte>& bytes);
  /// A plain-type tensor over `bytes` read with byte `strides`, which may repeat elements
  /// (stride 0: a broadcast input). Aborts the test when an element would fall outside `bytes`.
  static HostTensor strided(uint32_t dtype,
                            std::vector<int64_t> shape,
                            std::vector<int64_t> strides,
                            const std::vector<std::byte>& bytes);
  /// Values uniform in [lo, hi) from a fixed generator (the same on every machine).
  static HostTensor random(
      uint32_t dtype, std::vector<int64_t> shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

  /// The same logical values stored in another layout (gaps hold kGuardByte).
  HostTensor with_layout(Layout layout) const;

  uint32_t dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  const std::vector<int64_t>& strides() const { return strides_; }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::vector<std::byte>& bytes() { return bytes_; }
  int64_t n_elements() const;

  /// Every element in logical row-major order, as f32 (dequantized for block types).
  std::vector<float> to_f32() const;
  std::vector<int32_t> to_i32() const;
  /// For each byte of storage: true when it holds (part of) an element.
  std::vector<bool> footprint() const;

  /// A description for the ABI graph (buffer and offset to be filled in).
  braid_tensor_desc desc() const;
  /// Storage for `dtype` [shape] in `layout`, every byte kGuardByte (an output before a run).
  static HostTensor empty(uint32_t dtype, std::vector<int64_t> shape, Layout layout);

 private:
  uint32_t dtype_ = abi::kF32;
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  std::vector<std::byte> bytes_;
};

/// A tensor of a test graph: an input with data, an intermediate, or an output.
struct GraphTensor {
  enum class Kind { Input, Intermediate, Output };
  Kind kind = Kind::Input;
  HostTensor data;  ///< Input: the values; Output: the layout and contents before the run
  uint32_t dtype = abi::kF32;  ///< Intermediate only
  std::vector<int64_t> shape;  ///< Intermediate only
  /// Input only: allocated as a weights buffer (written once at load), which a backend may
  /// pack at compile time; otherwise an activations buffer, read afresh every run.
  bool weights = false;

  static GraphTensor input(HostTensor t) { return {Kind::Input, std::move(t), 0, {}}; }
  static GraphTensor intermediate(uint32_t dtype, std::vector<int64_t> shape) {
    return {Kind::Intermediate, {}, dtype, std::move(shape)};
  }
  /// An output in `layout`, guard-filled before the run.
  static GraphTensor output(uint32_t dtype,
                            std::vector<int64_t> shape,
                            Layout layout = Layout::Contiguous) {
    return {Kind::Output, HostTensor::empty(dtype, std::move(shape), layout), 0, {}};
  }
  /// An output whose elements start as `initial` (set_rows, copy into part of a cache).
  static GraphTensor output_from(HostTensor initial) {
    return {Kind::Output, std::move(initial), 0, {}};
  }
};

struct GraphCase {
  std::vector<GraphTensor> tensors;
  std::vector<braid_node_desc> nodes;
};

/// A single-op graph: inputs (nullopt: an absent optional input), then the output.
struct OpCase {
  uint32_t op = BRAID_OP_NONE;
  braid_op_params params{};
  std::vector<std::optional<HostTensor>> inputs;
  GraphTensor output;
  std::string label;  ///< what the case is, for failure messages
  /// Bit i set: input i lives in a weights buffer (GraphTensor::weights).
  uint32_t weight_inputs = 0;

  GraphCase graph() const;
};

/// What came back from a run: each output tensor in its layout, and any guard damage.
struct GraphResult {
  std::vector<HostTensor> outputs;        ///< in the order the outputs appear in the graph
  std::vector<std::string> guard_errors;  ///< "output 0: byte 12 (before the tensor) changed"
};

/// Runs a graph on `device`: each input and output in its own buffer with guard bytes before
/// and after (and kGuardByte in every gap of its layout), compile, run `runs` times, download.
/// NotSupported (with the device's reason) when it declines a node; other failures as they come.
core::Result<GraphResult> run_graph(plugins::Device& device, const GraphCase& graph, int runs = 1);
core::Result<GraphResult> run_op(plugins::Device& device, const OpCase& op);

/// How far `got` is from `want`.
struct Diff {
  double nmse = 0.0;     ///< sum (got - want)^2 / sum want^2 (plain sum when want is all zero)
  double max_abs = 0.0;  ///< largest |got - want|
  int64_t worst = -1;    ///< index of the largest difference
  int64_t got_nonfinite = 0;
  int64_t want_nonfinite = 0;
  double want_max_abs = 0.0;  ///< largest |want|, to scale max_abs
};
Diff compare(const std::vector<float>& got, const std::vector<float>& want);

/// The device of backend `name` (device 0, default options), opened once per process from the
/// default search path; nullptr when no such usable plugin is found (then `why` says why).
plugins::Device* backend_device(const std::string& name, std::string* why = nullptr);

}  // namespace braid::test
