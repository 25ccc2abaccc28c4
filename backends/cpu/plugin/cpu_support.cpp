#include "cpu_support.h"

#include "braid/abi_layout.h"
#include "braid/core/dtype.h"
#include "braid/core/quant.h"
#include "braid/cpu/quant_matmul.h"
#include "braid/graph_check.h"
#include "cpu_copy.h"

namespace braid::cpu_plugin {
namespace {

constexpr uint32_t kF32 = 0;
constexpr uint32_t kF16 = 1;

bool contiguous(const braid_tensor_desc* t) { return t == nullptr || abi::is_contiguous(*t); }

// The kernels read plain row-major memory: anything else is declined rather than copied.
std::string need_contiguous(const NodeView& node, uint32_t slots) {
  for (uint32_t s = 0; s < slots; ++s) {
    if (!contiguous(node.in[s])) {
      return abi::detail::cat("src", s, " ", abi::describe(*node.in[s]), " is strided");
    }
  }
  if (!contiguous(node.out))
    return abi::detail::cat("the output ", abi::describe(*node.out), " is strided");
  return {};
}

std::string why_matmul(const NodeView& node) {
  const braid_tensor_desc& w = *node.in[1];
  if (!contiguous(node.in[0]) || !contiguous(node.in[2]) || !contiguous(node.out)) {
    return "matmul: src0, bias and output must be contiguous";
  }
  if (w.dtype == kF32 || w.dtype == kF16 || w.dtype == abi::kBF16) return {};  // widened to f32
  if (cpu::quant_matmul_supports(static_cast<core::DType>(w.dtype))) {
    if (w.shape[0] > 1 && w.strides[0] < abi::row_bytes(w.dtype, w.shape[1])) {
      return abi::detail::cat("matmul: weights ", abi::describe(w), " rows overlap");
    }
    return {};
  }
  if (core::is_convertible(static_cast<core::DType>(w.dtype))) return {};  // dequantized to f32
  return abi::detail::cat("matmul: no kernel for weights of type ", abi::dtype_name(w.dtype));
}

}  // namespace

braid_tensor_desc unit_dims_packed(const braid_tensor_desc& t) {
  braid_tensor_desc out = t;
  const auto packed = abi::contiguous_strides(t.dtype, t.rank, t.shape);
  for (uint32_t d = 0; d < t.rank; ++d) {
    if (t.shape[d] == 1) out.strides[d] = packed[d];
  }
  return out;
}

namespace {

// The layouts the attention kernel reads in place. q and out: heads of one query side by
// side, queries any whole number of floats apart.
bool attention_rows_ok(const braid_tensor_desc& t) {
  return t.strides[2] == 4 && t.strides[1] == 4 * t.shape[2] && t.strides[0] % 4 == 0 &&
         t.strides[0] >= t.strides[1] * t.shape[1];
}

// k and v: the kernel's element strides, with the bounds it checks itself.
bool attention_kv_ok(const braid_tensor_desc& t) {
  const int64_t size = t.dtype == kF32 ? 4 : 2;
  const int64_t row = t.strides[0] / size, head = t.strides[1] / size, hd = t.shape[2];
  return t.strides[2] == size && t.strides[0] % size == 0 && t.strides[1] % size == 0 &&
         !(t.shape[0] > 1 && row < hd) && !(t.shape[1] > 1 && head < hd) && row >= 1;
}

bool attention_mask_ok(const braid_tensor_desc& t) {
  return t.strides[1] == 4 && t.strides[0] % 4 == 0 && t.strides[0] >= 4 * t.shape[1];
}

// Whether the attention kernel reads `slot` (kOutputSlot: writes the output) in place.
bool attention_reads_in_place(uint32_t slot, const braid_tensor_desc& given) {
  const braid_tensor_desc t = unit_dims_packed(given);
  if (slot == 0 || slot == kOutputSlot) return attention_rows_ok(t);
  if (slot == 1 || slot == 2) return attention_kv_ok(t);
  if (slot == 4) return attention_mask_ok(t);
  return contiguous(&t);
}

std::string why_attention(const NodeView& node) {
  const braid_tensor_desc& k = *node.in[1];
  const braid_tensor_desc& v = *node.in[2];
  if (k.dtype != v.dtype || (k.dtype != kF16 && k.dtype != kF32)) {
    return abi::detail::cat("attention: the kernel reads F16 or F32 keys and values, not ",
                            abi::dtype_name(k.dtype), "/", abi::dtype_name(v.dtype));
  }
  for (uint32_t s = 0; s <= kOutputSlot; ++s) {
    const braid_tensor_desc* t = s == kOutputSlot ? node.out : node.in[s];
    if (t != nullptr && !attention_reads_in_place(s, *t)) {
      return abi::detail::cat("attention: ", s == kOutputSlot ? "the output" : "src",
                              s == kOutputSlot ? "" : std::to_string(s), " ", abi::describe(*t),
                              " is in a layout the kernel does not read");
    }
  }
  return {};
}

// Ops whose plain operands may be gathered: element-wise, norms, rope, softmax, copy, and
// matmul's activations, bias and output (its weights are read in place), and attention's
// operands in a layout its kernel does not read (F32 or I32 ones: F16 keys are never copied).
bool gathers(uint32_t op, uint32_t slot) {
  switch (op) {
    case BRAID_OP_MATMUL:
      return slot != 1;
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
    case BRAID_OP_SOFTMAX:
    case BRAID_OP_SCALE:
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU:
    case BRAID_OP_SWIGLU:
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM:
    case BRAID_OP_ROPE:
    case BRAID_OP_ATTENTION:
      return true;
    default:
      return false;
  }
}

}  // namespace

void gather_strided(const NodeView& node, Gathered& g) {
  g.view = node;
  g.slots = {};
  for (uint32_t s = 0; s <= kOutputSlot; ++s) {
    const braid_tensor_desc* t = s == kOutputSlot ? node.out : node.in[s];
    if (t == nullptr || !gathers(node.op, s)) continue;
    const bool broadcast_operand = s == 1 && (node.op == BRAID_OP_ADD || node.op == BRAID_OP_MUL ||
                                              node.op == BRAID_OP_SOFTMAX);
    if (broadcast_operand && t->dtype == kF32 && broadcast_block(*node.in[0], *t) == 0) {
      // Expand: read t through src0's shape, stride 0 where t has a dim of 1 (or none).
      const braid_tensor_desc& a = *node.in[0];
      braid_tensor_desc& src = g.source[s];
      src = *t;
      src.rank = a.rank;
      const uint32_t lead = a.rank - t->rank;
      for (uint32_t d = 0; d < BRAID_MAX_DIMS; ++d) {
        src.shape[d] = d < a.rank ? a.shape[d] : 0;
        src.strides[d] =
            d >= lead && d < a.rank && t->shape[d - lead] == a.shape[d] ? t->strides[d - lead] : 0;
      }
      braid_tensor_desc& c = g.contiguous[s];
      c = src;
      c.buffer = nullptr;
      c.offset = 0;
      const auto strides = abi::contiguous_strides(c.dtype, c.rank, c.shape);
      for (uint32_t d = 0; d < BRAID_MAX_DIMS; ++d) c.strides[d] = strides[d];
      g.slots[s] = true;
      g.view.in[s] = &c;
      continue;
    }
    if (contiguous(t)) continue;
    if (node.op == BRAID_OP_ATTENTION && attention_reads_in_place(s, *t)) continue;
    if (abi::dtype_facts(t->dtype) == nullptr || abi::dtype_facts(t->dtype)->block_size != 1 ||
        abi::dtype_facts(t->dtype)->block_bytes != 4) {
      continue;  // only 4-byte elements (F32, I32) are gathered
    }
    g.source[s] = *t;
    braid_tensor_desc& c = g.contiguous[s];
    c = *t;
    c.buffer = nullptr;
    c.offset = 0;
    const auto strides = abi::contiguous_strides(t->dtype, t->rank, t->shape);
    for (uint32_t d = 0; d < BRAID_MAX_DIMS; ++d) c.strides[d] = strides[d];
    g.slots[s] = true;
    (s == kOutputSlot ? g.view.out : g.view.in[s]) = &c;
  }
}

int64_t broadcast_block(const braid_tensor_desc& a, const braid_tensor_desc& b) {
  const uint32_t lead = a.rank - b.rank;  // b's dims align with a's innermost ones
  int64_t block = 1;
  bool ones = false;  // walking outwards, past the dims b shares with a
  for (int i = static_cast<int>(a.rank) - 1; i >= 0; --i) {
    const int64_t bd = i >= static_cast<int>(lead) ? b.shape[i - lead] : 1;
    if (!ones && bd == a.shape[i]) {
      block *= bd;
    } else if (bd == 1) {
      ones = true;
    } else {
      return 0;
    }
  }
  return block;
}

std::string why_declined(const NodeView& node) {
  switch (node.op) {
    case BRAID_OP_MATMUL:
      return why_matmul(node);
    case BRAID_OP_ADD:
    case BRAID_OP_MUL:
    case BRAID_OP_SOFTMAX: {
      std::string strided = need_contiguous(node, 2);
      if (!strided.empty()) return strided;
      const braid_tensor_desc* b = node.in[1];
      if (b && broadcast_block(*node.in[0], *b) == 0) {
        return abi::detail::cat("src1 ", abi::describe(*b), " broadcasts over ",
                                abi::describe(*node.in[0]), " in a way the kernel does not take");
      }
      if (node.op == BRAID_OP_SOFTMAX && b) {
        const int64_t block = broadcast_block(*node.in[0], *b);
        const int64_t n = node.in[0]->shape[node.in[0]->rank - 1];
        if (block % n != 0) return "softmax: the mask must cover whole rows";
      }
      return {};
    }
    case BRAID_OP_SCALE:
    case BRAID_OP_SILU:
    case BRAID_OP_GELU:
    case BRAID_OP_GELU_TANH:
    case BRAID_OP_QUICK_GELU:
    case BRAID_OP_SWIGLU:
    case BRAID_OP_RMS_NORM:
    case BRAID_OP_LAYER_NORM:
    case BRAID_OP_ROPE:
      return need_contiguous(node, BRAID_MAX_OP_INPUTS);
    case BRAID_OP_ATTENTION:
      return why_attention(node);
    case BRAID_OP_RESHAPE:
      return need_contiguous(node, 1);  // always contiguous by the op's rule
    case BRAID_OP_SET_ROWS:
    case BRAID_OP_COPY: {
      // set_rows and strided copies append to KV caches, which are states: a state stays on the
      // device of its first user, so a cache whose attention this backend declines (Q8_0: the
      // kernel reads F16 or F32) must not be claimed here, or its attention could run nowhere.
      const uint32_t from = node.in[0]->dtype, to = node.out->dtype;
      const char* name = node.op == BRAID_OP_COPY ? "copy" : "set_rows";
      if (node.out->buffer != nullptr && to == abi::kQ8_0) {
        return abi::detail::cat(name, ": a ", abi::dtype_name(to),
                                " cache view is left to the "
                                "backend that runs its attention");
      }
      if (!convertible(from, to)) {
        return abi::detail::cat(name, ": ", abi::dtype_name(from), " to ", abi::dtype_name(to),
                                " is not converted here");
      }
      return {};
    }
    case BRAID_OP_GET_ROWS:
      if (!abi::is_float_type(node.in[0]->dtype) &&
          !core::is_convertible(static_cast<core::DType>(node.in[0]->dtype))) {
        return abi::detail::cat("get_rows: no conversion from ",
                                abi::dtype_name(node.in[0]->dtype));
      }
      return {};
    case BRAID_OP_PERMUTE:
    case BRAID_OP_CONCAT:
    case BRAID_OP_AVG_POOL2D:
    case BRAID_OP_CONV1D:
    case BRAID_OP_CONV2D:
      return {};  // any layout and dtype the ABI allows
    default:
      return abi::detail::cat("op ", node.op, " has no cpu kernel");
  }
}

}  // namespace braid::cpu_plugin
