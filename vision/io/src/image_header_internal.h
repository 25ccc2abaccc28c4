// Header details the decoder needs beyond the public ImageHeader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace braid::vision::detail {

/// Where IFD0's Orientation value (a SHORT) lies in a TIFF file, and whether the file is
/// big-endian; nullopt when the tag is absent or not a SHORT.
std::optional<std::pair<size_t, bool>> tiff_orientation_offset(std::span<const uint8_t> bytes);

}  // namespace braid::vision::detail
