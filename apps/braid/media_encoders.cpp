#include "media_encoders.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "braid/audio/audio_encoder.h"
#include "braid/audio/audio_mmproj.h"
#include "braid/audio/decode.h"
#include "braid/audio/log_mel.h"
#include "braid/core/gguf.h"
#include "braid/plugins/scheduler.h"
#include "braid/vision/image_decode.h"
#include "braid/vision/model_preprocess.h"
#include "braid/vision/vision_encoder.h"

namespace braid::app {

namespace {

// Inputs read whole into memory (the decoders also check their own limits).
constexpr uint64_t kMaxImageFileBytes = uint64_t(512) << 20;
constexpr uint64_t kMaxAudioFileBytes = uint64_t(2) << 30;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

core::Result<std::vector<std::byte>> read_bytes(const std::string& source, uint64_t limit) {
  std::vector<std::byte> bytes;
  std::FILE* file = source == "-" ? stdin : std::fopen(source.c_str(), "rb");
  if (file == nullptr) {
    return core::not_found("[media] ", source, ": cannot open (", std::strerror(errno), ")");
  }
  char buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    if (bytes.size() + got > limit) {
      if (file != stdin) std::fclose(file);
      return core::out_of_range("[media] ", source, ": larger than ", limit >> 20, " MiB");
    }
    const auto* begin = reinterpret_cast<const std::byte*>(buffer);
    bytes.insert(bytes.end(), begin, begin + got);
  }
  const bool failed = std::ferror(file) != 0;
  if (file != stdin) std::fclose(file);
  if (failed) return core::io_error("[media] ", source, ": read failed");
  return bytes;
}

}  // namespace

struct MediaEncoders::Vision {
  std::unique_ptr<vision::VisionEncoder> encoder;
  vision::PreprocessParams preprocess;
  model::MediaWrapping wrapping;
  std::string projector;
  int32_t image_size = 0;
};

struct MediaEncoders::Audio {
  std::unique_ptr<audio::AudioMmproj> mmproj;
  std::unique_ptr<plugins::Scheduler> scheduler;
  std::unique_ptr<audio::AudioEncoder> encoder;
  std::unique_ptr<audio::LogMelSpectrogram> mel;
  model::MediaWrapping wrapping;
  std::string projector;
  int32_t frame_multiple = 2;  // the encoder takes frames in multiples of this
};

MediaEncoders::~MediaEncoders() = default;

core::Result<std::unique_ptr<MediaEncoders>> MediaEncoders::open(
    const std::filesystem::path& mmproj,
    int64_t text_n_embd,
    std::vector<plugins::Device*> devices) {
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(mmproj));
  BRAID_ASSIGN_OR_RETURN(auto has_vision, file.get_optional<bool>("clip.has_vision_encoder"));
  BRAID_ASSIGN_OR_RETURN(auto has_audio, file.get_optional<bool>("clip.has_audio_encoder"));
  if (!has_vision.value_or(false) && !has_audio.value_or(false)) {
    return core::invalid_argument("[mmproj] ", mmproj.string(),
                                  ": has neither a vision nor an audio encoder "
                                  "(clip.has_vision_encoder / clip.has_audio_encoder)");
  }
  std::unique_ptr<MediaEncoders> encoders(new MediaEncoders());
  encoders->mmproj_ = mmproj;
  if (has_vision.value_or(false)) {
    auto v = std::make_unique<Vision>();
    BRAID_ASSIGN_OR_RETURN(std::shared_ptr<const vision::VisionModel> model,
                           vision::VisionModel::open(mmproj));
    BRAID_TRY(model->check_text_width(text_n_embd));
    BRAID_ASSIGN_OR_RETURN(v->preprocess, vision::preprocess_params_for(*model));
    v->projector = std::string(vision::projector_type_name(model->hparams().projector));
    v->image_size = model->hparams().image_size;
    BRAID_ASSIGN_OR_RETURN(v->wrapping, model::media_wrapping(v->projector));
    BRAID_ASSIGN_OR_RETURN(v->encoder, vision::VisionEncoder::create(model, devices));
    encoders->vision_ = std::move(v);
  }
  if (has_audio.value_or(false)) {
    auto a = std::make_unique<Audio>();
    BRAID_ASSIGN_OR_RETURN(a->mmproj, audio::AudioMmproj::open(mmproj, text_n_embd));
    BRAID_ASSIGN_OR_RETURN(a->scheduler, plugins::Scheduler::create(devices));
    a->encoder = std::make_unique<audio::AudioEncoder>(*a->mmproj, *a->scheduler);
    audio::MelOptions mel;
    mel.n_mel = static_cast<int32_t>(a->mmproj->hparams().n_mel);
    // Ultravox's encoder (a Whisper encoder that takes less than 30 s) sees only the audio
    // there is, as its processor makes the features; Whisper and Qwen2-Audio pad every window
    // to 30 s. An 11 s question is then encoded in about a third of the time, in a third of the
    // prompt rows.
    mel.pad_to_window = a->mmproj->hparams().projector != audio::AudioProjectorType::Ultravox;
    a->frame_multiple =
        a->mmproj->hparams().projector == audio::AudioProjectorType::Qwen2Audio ? 4 : 2;
    BRAID_ASSIGN_OR_RETURN(audio::LogMelSpectrogram spectrogram,
                           audio::LogMelSpectrogram::create(mel));
    a->mel = std::make_unique<audio::LogMelSpectrogram>(std::move(spectrogram));
    a->projector = std::string(audio::audio_projector_name(a->mmproj->hparams().projector));
    BRAID_ASSIGN_OR_RETURN(a->wrapping, model::media_wrapping(a->projector));
    encoders->audio_ = std::move(a);
  }
  return encoders;
}

bool MediaEncoders::has_vision() const { return vision_ != nullptr; }
bool MediaEncoders::has_audio() const { return audio_ != nullptr; }

std::string MediaEncoders::describe() const {
  std::string out;
  if (vision_)
    out += core::str_cat("vision: ", vision_->projector, ", ", vision_->image_size, " px");
  if (audio_) {
    if (!out.empty()) out += "; ";
    out +=
        core::str_cat("audio: ", audio_->projector, ", ", audio_->mmproj->hparams().n_mel, " mel");
  }
  return out;
}

core::Result<std::vector<model::MediaPart>> MediaEncoders::image(const std::string& source,
                                                                 int index) {
  if (!vision_) {
    return core::invalid_argument("[mmproj] ", mmproj_.string(),
                                  " has no vision encoder: it cannot take images (", source, ")");
  }
  const std::string name = core::str_cat("image ", index);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::byte> bytes;
  std::string what = source;
  if (source.rfind("data:", 0) == 0) {
    BRAID_ASSIGN_OR_RETURN(std::vector<uint8_t> payload,
                           vision::decode_data_uri(source, kMaxImageFileBytes));
    const auto* begin = reinterpret_cast<const std::byte*>(payload.data());
    bytes.assign(begin, begin + payload.size());
    what = core::str_cat("data: URI (", bytes.size(), " bytes)");
  } else {
    BRAID_ASSIGN_OR_RETURN(bytes, read_bytes(source, kMaxImageFileBytes));
  }
  const model::MediaKey key{mmproj_.string() + "#vision", model::content_hash(bytes), bytes.size()};
  ++timings_.images;
  if (auto cached = cache_.find(key)) {
    ++timings_.cache_hits;
    timings_.read_ms += ms_since(start);
    return model::lay_out_media(*cached, vision_->wrapping);
  }
  const std::span<const uint8_t> pixels_in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                           bytes.size());
  BRAID_ASSIGN_OR_RETURN(vision::RgbImage image, vision::decode_image(pixels_in, what));
  timings_.read_ms += ms_since(start);
  start = std::chrono::steady_clock::now();
  BRAID_ASSIGN_OR_RETURN(vision::PreprocessedImage preprocessed,
                         vision::preprocess_image(image, vision_->preprocess));
  timings_.preprocess_ms += ms_since(start);
  start = std::chrono::steady_clock::now();
  BRAID_ASSIGN_OR_RETURN(std::vector<model::EmbeddingChunk> chunks,
                         vision_->encoder->encode(preprocessed, name));
  timings_.image_encode_ms += ms_since(start);
  timings_.tiles += static_cast<int32_t>(preprocessed.tiles.size());
  model::EncodedMedia media{std::move(chunks), preprocessed.grid_rows, preprocessed.grid_cols,
                            preprocessed.has_global_tile};
  cache_.insert(key, media);
  return model::lay_out_media(media, vision_->wrapping);
}

core::Result<std::vector<model::MediaPart>> MediaEncoders::audio(const std::string& source,
                                                                 int index) {
  if (!audio_) {
    return core::invalid_argument("[mmproj] ", mmproj_.string(),
                                  " has no audio encoder: it cannot take recordings (", source,
                                  ")");
  }
  auto start = std::chrono::steady_clock::now();
  BRAID_ASSIGN_OR_RETURN(std::vector<std::byte> bytes, read_bytes(source, kMaxAudioFileBytes));
  const model::MediaKey key{mmproj_.string() + "#audio", model::content_hash(bytes), bytes.size()};
  if (auto cached = cache_.find(key)) {
    ++timings_.cache_hits;
    timings_.read_ms += ms_since(start);
    return model::lay_out_media(*cached, audio_->wrapping);
  }
  const std::string name = source == "-" ? std::string("<stdin>") : source;
  BRAID_ASSIGN_OR_RETURN(audio::Waveform wave, audio::decode_audio_memory(bytes, name));
  timings_.read_ms += ms_since(start);
  start = std::chrono::steady_clock::now();
  BRAID_ASSIGN_OR_RETURN(std::vector<audio::MelFeatures> windows,
                         audio_->mel->compute_windows(wave));
  timings_.preprocess_ms += ms_since(start);
  start = std::chrono::steady_clock::now();
  model::EncodedMedia media;
  for (size_t w = 0; w < windows.size(); ++w) {
    const std::string window_name = windows.size() == 1
                                        ? core::str_cat("audio ", index)
                                        : core::str_cat("audio ", index, ", window ", w + 1);
    // An unpadded window's frames are cut to the encoder's multiple (the last 10-30 ms).
    const int32_t frames = windows[w].n_frames - windows[w].n_frames % audio_->frame_multiple;
    if (frames == 0) {
      return core::invalid_argument("[audio] ", name, ": ", windows[w].n_frames,
                                    " mel frames; the encoder needs at least ",
                                    audio_->frame_multiple, " (a recording of at least ",
                                    10 * audio_->frame_multiple, " ms)");
    }
    BRAID_ASSIGN_OR_RETURN(
        model::EmbeddingChunk chunk,
        audio_->encoder->encode(audio::first_frames(windows[w], frames), window_name));
    media.chunks.push_back(std::move(chunk));
    if (progress_ && windows.size() > 1) {
      progress_(core::str_cat("audio ", index), static_cast<int>(w + 1),
                static_cast<int>(windows.size()));
    }
  }
  timings_.audio_encode_ms += ms_since(start);
  timings_.audio_windows += static_cast<int32_t>(windows.size());
  cache_.insert(key, media);
  return model::lay_out_media(media, audio_->wrapping);
}

core::Result<std::unique_ptr<MediaEncoders>> open_optional_mmproj(
    const std::optional<std::string>& mmproj,
    int64_t text_n_embd,
    std::vector<plugins::Device*> devices) {
  if (!mmproj) return std::unique_ptr<MediaEncoders>();
  BRAID_ASSIGN_OR_RETURN(std::unique_ptr<MediaEncoders> media,
                         MediaEncoders::open(*mmproj, text_n_embd, std::move(devices)));
  std::fprintf(stderr, "mmproj: %s (%s)\n", mmproj->c_str(), media->describe().c_str());
  return media;
}

}  // namespace braid::app
