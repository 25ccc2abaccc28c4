// Test helper: reads NumPy .npy files and .npz archives (zip, stored or deflated, via zlib) of
// little-endian float32 / float64 / int32 arrays in C order: enough for the committed goldens and
// ../shared/data/whisper-assets/mel_filters.npz.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "braid/core/status.h"

namespace braid::test {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> values;  ///< every element converted to double, C order
};

/// Parses the bytes of one .npy file; `name` is used in messages.
core::Result<NpyArray> parse_npy(const std::vector<uint8_t>& bytes, const std::string& name);
core::Result<NpyArray> read_npy(const std::filesystem::path& path);
/// Every member of a .npz archive, keyed by its name without ".npy".
core::Result<std::map<std::string, NpyArray>> read_npz(const std::filesystem::path& path);

}  // namespace braid::test
