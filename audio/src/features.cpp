#include "braid/audio/features.h"

namespace braid::audio {

core::Status check_features(const MelFeatures& features, const std::string& what) {
  if (features.n_mel < 1 || features.n_frames < 1) {
    return core::invalid_argument("[audio] ", what, ": features ", features.n_mel, "x",
                                  features.n_frames, ", expected at least 1x1");
  }
  const uint64_t expected = uint64_t(features.n_mel) * uint64_t(features.n_frames);
  if (features.values.size() != expected) {
    return core::invalid_argument("[audio] ", what, ": ", features.values.size(),
                                  " values, expected ", expected, " (", features.n_mel,
                                  " mel bins x ", features.n_frames, " frames)");
  }
  return core::Status::ok();
}

}  // namespace braid::audio
