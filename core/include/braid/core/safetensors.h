// Reading safetensors files: the weight format of Hugging Face model folders.
//
// Layout: a u64 little-endian header length N, N bytes of UTF-8 JSON, then the data section.
// The JSON is an object mapping each tensor name to
//   {"dtype": "F32", "shape": [rows, cols], "data_offsets": [begin, end]}
// with byte offsets relative to the start of the data section, plus an optional
// "__metadata__" object of string to string. Shapes are stored outermost first (PyTorch order),
// which is braid's order too, so they are passed through unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/mapped_file.h"
#include "braid/core/status.h"

namespace braid::core {

/// The element types a safetensors header can name (every one that safetensors 0.8 writes).
enum class SafetensorsDType : uint8_t {
  Bool,
  U8,
  I8,
  U16,
  I16,
  U32,
  I32,
  U64,
  I64,
  F16,
  BF16,
  F32,
  F64,
  C64,          ///< complex: two f32
  F8_E4M3,      ///< float8 e4m3fn
  F8_E5M2,      ///< float8 e5m2
  F8_E4M3FNUZ,  ///< float8 e4m3fnuz (AMD)
  F8_E5M2FNUZ,  ///< float8 e5m2fnuz (AMD)
  F8_E8M0,      ///< float8 e8m0fnu, the exponent-only scale type of MX formats
  F4,           ///< float4 e2m1, two values per byte
  F6_E2M3,      ///< float6, four values per three bytes
  F6_E3M2,      ///< float6, four values per three bytes
};

/// The name as a header spells it ("F32", "BF16", "F8_E4M3").
std::string_view safetensors_dtype_name(SafetensorsDType dtype);
/// Looks a header's dtype string up (exact, case-sensitive match); nullopt when unknown.
std::optional<SafetensorsDType> safetensors_dtype_from_name(std::string_view name);
/// Bits one element takes: 8 for U8, 4 for F4, 6 for the F6 types, 1 byte (8 bits) for Bool.
uint32_t safetensors_dtype_bits(SafetensorsDType dtype);
/// The braid dtype with the same storage, for F32, F16, BF16, I8, I16, I32, I64 and F64;
/// nullopt for the rest (braid has no unsigned, bool, complex, float8, float4 or float6 type).
std::optional<DType> to_core_dtype(SafetensorsDType dtype);

/// One tensor of a safetensors file, validated: its bytes lie inside the file, match its shape
/// and dtype exactly, and overlap no other tensor's.
struct SafetensorsTensor {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::F32;
  /// Outermost first, as stored; may be empty (a scalar, one element) or hold zeros (no
  /// elements). Every dim is >= 0 and the element count fits in 63 bits.
  std::vector<int64_t> shape;
  /// Byte range within the data section, as the header gives it.
  uint64_t data_begin = 0;
  uint64_t data_end = 0;
  /// The tensor's bytes, little-endian, row-major. Points into the parsed buffer (or the
  /// mapping), so it lives as long as that. Not necessarily aligned to the element size.
  std::span<const std::byte> data;

  /// Product of the dims (1 for a scalar).
  int64_t n_elements() const;
  /// The braid dtype, when there is one (see to_core_dtype).
  std::optional<DType> core_dtype() const { return to_core_dtype(dtype); }
};

/// Largest header braid accepts, as the safetensors library itself limits it.
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

/// A parsed safetensors file: its tensor table and metadata, checked before anything is
/// exposed. Move-only; moving keeps every tensor's data span valid.
///
/// Checks: the header length fits the file and the cap; the header is JSON (no repeated keys)
/// and an object; each entry has a known string dtype, a shape of non-negative integers and
/// data_offsets [begin, end] with begin <= end <= data section size; the shape's byte count
/// equals end - begin without overflow; no two tensors share a byte. Gaps between tensors and
/// bytes after the last one are allowed (the safetensors library refuses them; they are
/// harmless to a reader that only reads each tensor's own range). Unknown fields in a tensor
/// entry are ignored, as the safetensors library ignores them.
///
/// Errors start with "[safetensors] <name>:" and name the tensor and field, e.g.
/// "[safetensors] model.safetensors: tensor 'lm_head.weight': data_offsets [0, 10] hold 10 bytes
/// but shape [4, 4] of F32 needs 64". Codes: DataLoss for a truncated or inconsistent file,
/// OutOfRange for a header over kSafetensorsMaxHeaderBytes, NotSupported for a dtype name that
/// safetensors 0.8 does not define, OutOfMemory if parsing the header runs out of memory.
///
/// Thread safety: const methods may be called from any number of threads.
class SafetensorsFile {
 public:
  /// Maps `path` read-only (see MappedFile) and parses it; the mapping lives in the returned
  /// object. Messages name the file as `path.string()`. Opening errors are MappedFile's.
  static Result<SafetensorsFile> open(const std::filesystem::path& path);

  /// Parses a whole file held in `bytes`, which the caller keeps alive and unchanged for as
  /// long as the result (its tensors' spans point into it). `display_name` names the file in
  /// messages. Never reads outside `bytes`, whatever they hold: this is the fuzzing entry.
  static Result<SafetensorsFile> parse(std::span<const std::byte> bytes, std::string display_name);

  const std::string& display_name() const { return display_name_; }

  /// All tensors, sorted by name (byte-wise).
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  /// The tensor called `name`, or nullptr.
  const SafetensorsTensor* find(std::string_view name) const;

  /// The "__metadata__" entries (empty when the header has none).
  const std::map<std::string, std::string, std::less<>>& metadata() const { return metadata_; }

  /// Byte offset of the data section in the file: 8 + header length.
  uint64_t data_section_offset() const { return data_section_offset_; }
  /// Bytes from the data section's start to the end of the file.
  uint64_t data_section_size() const { return data_section_size_; }

 private:
  SafetensorsFile() = default;
  Status parse_bytes(std::span<const std::byte> bytes);

  std::string display_name_;
  std::optional<MappedFile> mapping_;  // set when opened from a path
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string, std::less<>> metadata_;
  uint64_t data_section_offset_ = 0;
  uint64_t data_section_size_ = 0;
};

/// The fuzz harness's entry: parses `bytes` as a safetensors file, then reads every byte of
/// every tensor (so a sanitizer sees any span that escapes `bytes`) and checks that each span
/// lies inside `bytes`. Returns the parse status; Internal means a bug in braid (a span outside
/// the input), which a fuzzer should treat as a crash.
Status check_safetensors_bytes(std::span<const std::byte> bytes);

}  // namespace braid::core
