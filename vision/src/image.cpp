#include "braid/vision/image.h"

namespace braid::vision {

core::Status check_image(const RgbImage& image, const std::string& what) {
  if (image.width < 1 || image.height < 1) {
    return core::invalid_argument("[image] ", what, ": size ", image.width, "x", image.height,
                                  ", expected at least 1x1");
  }
  const uint64_t expected = uint64_t(image.width) * uint64_t(image.height) * 3;
  if (image.pixels.size() != expected) {
    return core::invalid_argument("[image] ", what, ": ", image.pixels.size(),
                                  " bytes of pixels, expected ", expected, " (", image.width, "x",
                                  image.height, " RGB)");
  }
  return core::Status::ok();
}

core::Status check_pixels(const PixelTensor& tensor, const std::string& what) {
  if (tensor.channels < 1 || tensor.height < 1 || tensor.width < 1) {
    return core::invalid_argument("[image] ", what, ": tensor ", tensor.channels, "x",
                                  tensor.height, "x", tensor.width, ", expected every dim >= 1");
  }
  const uint64_t expected = uint64_t(tensor.channels) * uint64_t(tensor.height) * tensor.width;
  if (tensor.values.size() != expected) {
    return core::invalid_argument("[image] ", what, ": ", tensor.values.size(),
                                  " values, expected ", expected, " (", tensor.channels, "x",
                                  tensor.height, "x", tensor.width, ")");
  }
  return core::Status::ok();
}

}  // namespace braid::vision
