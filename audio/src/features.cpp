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

MelFeatures first_frames(const MelFeatures& features, int32_t n_frames) {
  if (n_frames >= features.n_frames) return features;
  MelFeatures out{features.n_mel, n_frames < 0 ? 0 : n_frames, {}};
  out.values.reserve(size_t(out.n_mel) * size_t(out.n_frames));
  for (int32_t bin = 0; bin < features.n_mel; ++bin) {
    const auto row = features.values.begin() + ptrdiff_t(bin) * features.n_frames;
    out.values.insert(out.values.end(), row, row + out.n_frames);
  }
  return out;
}

}  // namespace braid::audio
