// The ABI's dtypes and tensor layouts: storage facts of each dtype, strides, byte extents and
// the checks of one braid_tensor_desc. Part of graph_check.h's rules, usable on its own.
//
// Header-only and standard-library-only, because backends see nothing of braid but the ABI.
// A check returns a std::string: empty when valid, else one line saying what is wrong.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "braid/backend.h"

namespace braid::abi {

// ---- dtypes --------------------------------------------------------------------------------

/// GGUF type ids of the dtypes that cross the ABI.
inline constexpr uint32_t kF32 = 0;
inline constexpr uint32_t kF16 = 1;
inline constexpr uint32_t kQ4_0 = 2;
inline constexpr uint32_t kQ4_1 = 3;
inline constexpr uint32_t kQ5_0 = 6;
inline constexpr uint32_t kQ5_1 = 7;
inline constexpr uint32_t kQ8_0 = 8;
inline constexpr uint32_t kQ4_K = 12;
inline constexpr uint32_t kQ5_K = 13;
inline constexpr uint32_t kQ6_K = 14;
inline constexpr uint32_t kI32 = 26;
inline constexpr uint32_t kBF16 = 30;

/// Storage facts: a row of n values takes n / block_size * block_bytes bytes.
struct DtypeFacts {
  uint32_t id;
  const char* name;
  uint32_t block_size;  ///< 1 for plain types
  uint32_t block_bytes;
};

/// Facts of a dtype the ABI carries, or nullptr for any other id.
inline const DtypeFacts* dtype_facts(uint32_t id) {
  static constexpr DtypeFacts kTable[] = {
      {kF32, "F32", 1, 4},       {kF16, "F16", 1, 2},       {kBF16, "BF16", 1, 2},
      {kI32, "I32", 1, 4},       {kQ8_0, "Q8_0", 32, 34},   {kQ4_0, "Q4_0", 32, 18},
      {kQ4_1, "Q4_1", 32, 20},   {kQ5_0, "Q5_0", 32, 22},   {kQ5_1, "Q5_1", 32, 24},
      {kQ4_K, "Q4_K", 256, 144}, {kQ5_K, "Q5_K", 256, 176}, {kQ6_K, "Q6_K", 256, 210},
  };
  for (const auto& facts : kTable) {
    if (facts.id == id) return &facts;
  }
  return nullptr;
}

/// "Q4_K", or "dtype 99" for an id the ABI does not carry.
inline std::string dtype_name(uint32_t id) {
  const DtypeFacts* facts = dtype_facts(id);
  return facts ? std::string(facts->name) : std::string("dtype ").append(std::to_string(id));
}

inline bool is_block_type(uint32_t id) {
  const DtypeFacts* facts = dtype_facts(id);
  return facts && facts->block_size > 1;
}
/// F32, F16 or BF16.
inline bool is_float_type(uint32_t id) { return id == kF32 || id == kF16 || id == kBF16; }
/// A dtype with one element per storage unit (the float types and I32).
inline bool is_plain_type(uint32_t id) { return is_float_type(id) || id == kI32; }

// ---- ops -----------------------------------------------------------------------------------

/// Lower-case op name ("matmul", "rms_norm"), or "op 99".
inline std::string op_name(uint32_t op) {
  static constexpr const char* kNames[] = {
      "none",       "matmul",     "add",     "mul",       "scale",    "rms_norm",
      "layer_norm", "rope",       "softmax", "attention", "silu",     "gelu",
      "gelu_tanh",  "quick_gelu", "swiglu",  "get_rows",  "conv1d",   "conv2d",
      "avg_pool2d", "concat",     "permute", "copy",      "set_rows", "reshape"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == BRAID_OP_COUNT);
  return op < BRAID_OP_COUNT ? std::string(kNames[op])
                             : std::string("op ").append(std::to_string(op));
}

// ---- layouts -------------------------------------------------------------------------------

namespace detail {

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// "F32, F16, BF16"
template <typename Container>
std::string dtype_list(const Container& dtypes) {
  std::string out;
  for (uint32_t d : dtypes) {
    if (!out.empty()) out += ", ";
    out += dtype_name(d);
  }
  return out;
}

inline bool mul_overflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}
inline bool add_overflows(int64_t a, int64_t b, int64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

}  // namespace detail

/// "F32 [3, 17]"; tolerates an invalid description.
inline std::string describe(const braid_tensor_desc& t) {
  std::string out = dtype_name(t.dtype) + " [";
  for (uint32_t i = 0; i < t.rank && i < BRAID_MAX_DIMS; ++i) {
    if (i) out += ", ";
    out += std::to_string(t.shape[i]);
  }
  return out + "]";
}

/// Product of the dims (the description must be valid).
inline int64_t n_elements(const braid_tensor_desc& t) {
  int64_t n = 1;
  for (uint32_t i = 0; i < t.rank; ++i) n *= t.shape[i];
  return n;
}

/// Bytes of `n_values` values of `dtype` packed (n_values a multiple of the block size).
inline int64_t row_bytes(uint32_t dtype, int64_t n_values) {
  const DtypeFacts* facts = dtype_facts(dtype);
  return n_values / facts->block_size * facts->block_bytes;
}

/// The row-major strides of a contiguous tensor, in the ABI's convention (a block type's
/// innermost stride is 0). Unused entries past the rank are set to 0.
inline std::array<int64_t, BRAID_MAX_DIMS> contiguous_strides(uint32_t dtype,
                                                              uint32_t rank,
                                                              const int64_t* shape) {
  std::array<int64_t, BRAID_MAX_DIMS> strides{};
  const DtypeFacts* facts = dtype_facts(dtype);
  if (!facts || rank == 0 || rank > BRAID_MAX_DIMS) return strides;
  int64_t step = row_bytes(dtype, shape[rank - 1]);
  strides[rank - 1] = facts->block_size == 1 ? facts->block_bytes : 0;
  for (int i = static_cast<int>(rank) - 2; i >= 0; --i) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

/// True when `t` is laid out as contiguous_strides() says (dims of size 1 may have any stride).
inline bool is_contiguous(const braid_tensor_desc& t) {
  const auto want = contiguous_strides(t.dtype, t.rank, t.shape);
  for (uint32_t i = 0; i < t.rank; ++i) {
    if (t.shape[i] != 1 && t.strides[i] != want[i]) return false;
  }
  return true;
}

/// Bytes from the tensor's first byte to one past its last (offset not included). The
/// description must have passed check_tensor_desc, which rules out overflow.
inline int64_t byte_extent(const braid_tensor_desc& t) {
  const DtypeFacts* facts = dtype_facts(t.dtype);
  const uint32_t last = t.rank - 1;
  int64_t extent = facts->block_size > 1
                       ? row_bytes(t.dtype, t.shape[last])
                       : (t.shape[last] - 1) * t.strides[last] + facts->block_bytes;
  for (uint32_t i = 0; i < last; ++i) extent += (t.shape[i] - 1) * t.strides[i];
  return extent;
}

/// Checks one description on its own: a known dtype, rank 1..4, dims >= 1, whole blocks,
/// non-negative strides, no overflow; an intermediate (buffer NULL) contiguous at offset 0.
inline std::string check_tensor_desc(const braid_tensor_desc& t) {
  using detail::cat;
  const DtypeFacts* facts = dtype_facts(t.dtype);
  if (!facts) return cat("dtype id ", t.dtype, " is not one the ABI carries");
  if (t.rank < 1 || t.rank > BRAID_MAX_DIMS) {
    return cat("rank ", t.rank, " is outside 1..", BRAID_MAX_DIMS);
  }
  const uint32_t last = t.rank - 1;
  int64_t count = 1;
  for (uint32_t i = 0; i < t.rank; ++i) {
    if (t.shape[i] < 1) return cat(describe(t), ": dim ", i, " is ", t.shape[i], ", must be >= 1");
    if (detail::mul_overflows(count, t.shape[i], &count)) {
      return cat(describe(t), ": element count overflows");
    }
    if (t.strides[i] < 0) return cat(describe(t), ": stride ", i, " is negative");
  }
  if (t.shape[last] % facts->block_size != 0) {
    return cat(describe(t), ": innermost dim ", t.shape[last], " is not a multiple of the ",
               facts->name, " block size ", facts->block_size);
  }
  if (facts->block_size > 1 && t.strides[last] != 0) {
    return cat(describe(t), ": a block type's innermost stride must be 0, got ", t.strides[last]);
  }
  // The extent must fit in int64 so every later offset computation is safe.
  int64_t extent = facts->block_size > 1 ? row_bytes(t.dtype, t.shape[last]) : facts->block_bytes;
  for (uint32_t i = 0; i < t.rank; ++i) {
    if (i == last && facts->block_size > 1) break;
    int64_t step = 0;
    if (detail::mul_overflows(t.shape[i] - 1, t.strides[i], &step) ||
        detail::add_overflows(extent, step, &extent)) {
      return cat(describe(t), ": byte extent overflows");
    }
  }
  if (t.buffer == nullptr) {
    // The backend allocates it packed: that size must fit too (contiguous_strides relies on it).
    int64_t packed = row_bytes(t.dtype, t.shape[last]);
    for (uint32_t i = 0; i < last; ++i) {
      if (detail::mul_overflows(packed, t.shape[i], &packed)) {
        return cat(describe(t), ": byte size overflows");
      }
    }
    if (t.offset != 0) return cat(describe(t), ": an intermediate must have offset 0");
    if (!is_contiguous(t)) return cat(describe(t), ": an intermediate must be contiguous");
  } else if (t.offset > static_cast<uint64_t>(INT64_MAX - extent)) {
    return cat(describe(t), ": offset ", t.offset, " overflows");
  }
  return {};
}

/// True when no two elements of `t` share a byte (a valid description). Checks the sufficient
/// condition that, with dims sorted by stride, each stride steps past everything inside it.
inline bool is_non_overlapping(const braid_tensor_desc& t) {
  const DtypeFacts* facts = dtype_facts(t.dtype);
  const uint32_t last = t.rank - 1;
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of dims with size > 1
  int64_t span = facts->block_bytes;
  if (facts->block_size > 1) {
    span = row_bytes(t.dtype, t.shape[last]);  // the row is one contiguous run
  } else if (t.shape[last] > 1) {
    dims.emplace_back(t.strides[last], t.shape[last]);
  }
  for (uint32_t i = 0; i < last; ++i) {
    if (t.shape[i] > 1) dims.emplace_back(t.strides[i], t.shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  for (const auto& [stride, size] : dims) {
    if (stride < span) return false;
    span += stride * (size - 1);
  }
  return true;
}

}  // namespace braid::abi
