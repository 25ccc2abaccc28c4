// The encoders of one mmproj file (vision, audio, or both) behind the multimodal commands:
// from an image or a recording to the parts that stand for it in a prompt (the family's
// wrapping text and the embedding chunks). Encoder outputs are cached by the content of the
// input, so the same photo asked about again is not encoded again.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "braid/core/status.h"
#include "braid/model/media_cache.h"
#include "braid/model/media_layout.h"
#include "braid/plugins/device.h"

namespace braid::app {

/// Where the time of the media went, summed over every input since open().
struct MediaTimings {
  double read_ms = 0;          ///< reading and decoding files (images, audio + resampling)
  double preprocess_ms = 0;    ///< image preprocessing, log-mel features
  double image_encode_ms = 0;  ///< the vision encoder and projector
  double audio_encode_ms = 0;  ///< the audio encoder and projector
  int32_t images = 0, tiles = 0, audio_windows = 0, cache_hits = 0;
};

class MediaEncoders {
 public:
  /// Loads the encoders `mmproj` holds. Their projectors must produce rows of `text_n_embd`
  /// (the text model's width): the error says which file does not belong to which. `devices` in
  /// priority order.
  static core::Result<std::unique_ptr<MediaEncoders>> open(const std::filesystem::path& mmproj,
                                                           int64_t text_n_embd,
                                                           std::vector<plugins::Device*> devices);
  ~MediaEncoders();

  bool has_vision() const;
  bool has_audio() const;
  /// "vision: mlp, 336 px; audio: ultravox, 128 mel" for one line of output.
  std::string describe() const;

  /// The parts for image number `index` (1-based, for messages): `source` is a file path or a
  /// data: URI. Errors name the file (not an image, too large, corrupt) or the encoder.
  core::Result<std::vector<model::MediaPart>> image(const std::string& source, int index);
  /// The parts for recording number `index`: `source` is a file path or "-" (standard input).
  core::Result<std::vector<model::MediaPart>> audio(const std::string& source, int index);

  const MediaTimings& timings() const { return timings_; }

  /// Called after each window of a recording of several windows: (what, done, total), for a
  /// progress display (a 3-hour recording is 360 windows).
  void set_progress(std::function<void(const std::string&, int, int)> progress) {
    progress_ = std::move(progress);
  }

 private:
  struct Vision;
  struct Audio;
  MediaEncoders() = default;

  std::filesystem::path mmproj_;
  std::unique_ptr<Vision> vision_;
  std::unique_ptr<Audio> audio_;
  model::MediaCache cache_;
  MediaTimings timings_;
  std::function<void(const std::string&, int, int)> progress_;
};

/// The encoders of the --mmproj file, if one was given (nullptr otherwise), with one line on
/// stderr saying what it holds.
core::Result<std::unique_ptr<MediaEncoders>> open_optional_mmproj(
    const std::optional<std::string>& mmproj,
    int64_t text_n_embd,
    std::vector<plugins::Device*> devices);

}  // namespace braid::app
