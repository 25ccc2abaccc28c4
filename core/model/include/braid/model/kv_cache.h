// The KV cache: one K and one V state tensor per layer, [n_ctx + 1, n_head_kv, head_dim] each,
// allocated up front on the device that runs attention. Row r holds the keys/values of position
// r; the extra last row is a scratch slot that the padding rows of a batch write into (it is
// never inside the valid range, so attention never reads it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "braid/core/dtype.h"
#include "braid/core/status.h"

namespace braid::model {

enum class KvType { F16, F32, Q8_0 };

/// "f16", "f32", "q8_0".
const char* kv_type_name(KvType type);
/// Parses "f16"/"f32"/"q8_0" (any case); nullopt otherwise.
std::optional<KvType> parse_kv_type(std::string_view text);
core::DType kv_dtype(KvType type);

/// The shape of the cache for one model and context.
struct KvLayout {
  int64_t n_layer = 0;
  int64_t n_ctx = 0;  ///< positions; the states have n_ctx + 1 rows
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  KvType type = KvType::F16;

  int64_t n_rows() const { return n_ctx + 1; }
  /// Bytes of one position of one layer's K (or V).
  uint64_t row_bytes() const;
  /// Bytes of all K and V states.
  uint64_t total_bytes() const;
  /// State names: "kv.k.<layer>", "kv.v.<layer>".
  static std::string k_name(int64_t layer);
  static std::string v_name(int64_t layer);
  /// InvalidArgument when the type cannot hold rows of head_dim (Q8_0 needs multiples of 32).
  core::Status check() const;
};

}  // namespace braid::model
