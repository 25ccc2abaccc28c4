#include "braid/audio/decode.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace braid::audio {
namespace {

using core::Result;
using core::Status;

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

// FFmpeg's default log level prints every recoverable decoding hiccup, and every reason a damaged
// file fails, to stderr; braid reports failures through Status instead. A caller that chose
// another level keeps it.
void quiet_ffmpeg_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_FATAL);
  });
}

// ---- input sources: FFmpeg reads through our callbacks, never opens a path itself ----------

// A byte source the AVIOContext reads from; `read` returns the count read (0 at the end) or a
// negative AVERROR.
class Source {
 public:
  virtual ~Source() = default;
  virtual int read(uint8_t* buffer, int size) = 0;
  virtual int64_t seek(int64_t offset, int whence) = 0;
  virtual int64_t size() const = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  int read(uint8_t* buffer, int size) override {
    const std::size_t left = bytes_.size() - position_;
    const std::size_t n = std::min<std::size_t>(left, std::size_t(std::max(size, 0)));
    if (n == 0) return AVERROR_EOF;
    std::memcpy(buffer, bytes_.data() + position_, n);
    position_ += n;
    return int(n);
  }
  int64_t seek(int64_t offset, int whence) override {
    int64_t base = 0;
    if (whence == SEEK_CUR) base = int64_t(position_);
    if (whence == SEEK_END) base = int64_t(bytes_.size());
    const int64_t target = base + offset;
    if (target < 0 || target > int64_t(bytes_.size())) return AVERROR(EINVAL);
    position_ = std::size_t(target);
    return target;
  }
  int64_t size() const override { return int64_t(bytes_.size()); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t position_ = 0;
};

class FileSource final : public Source {
 public:
  FileSource(std::FILE* file, int64_t size) : file_(file), size_(size) {}
  ~FileSource() override { std::fclose(file_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  int read(uint8_t* buffer, int size) override {
    const std::size_t n = std::fread(buffer, 1, std::size_t(std::max(size, 0)), file_);
    if (n > 0) return int(n);
    return std::ferror(file_) ? AVERROR(EIO) : AVERROR_EOF;
  }
  int64_t seek(int64_t offset, int whence) override {
    if (fseeko(file_, off_t(offset), whence) != 0) return AVERROR(errno);
    return int64_t(ftello(file_));
  }
  int64_t size() const override { return size_; }

 private:
  std::FILE* file_;
  int64_t size_;
};

int read_callback(void* opaque, uint8_t* buffer, int size) {
  return static_cast<Source*>(opaque)->read(buffer, size);
}

int64_t seek_callback(void* opaque, int64_t offset, int whence) {
  auto* source = static_cast<Source*>(opaque);
  if (whence & AVSEEK_SIZE) return source->size();
  return source->seek(offset, whence & ~AVSEEK_FORCE);
}

// Demuxers that reference other files (playlists, concat lists, QuickTime references) open them
// through this hook: refusing keeps a media file from making braid read arbitrary paths or URLs.
int refuse_io_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

// ---- owners of FFmpeg objects -----------------------------------------------------------------

struct AvioDeleter {
  void operator()(AVIOContext* io) const {
    if (io != nullptr) av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct FormatDeleter {
  void operator()(AVFormatContext* format) const { avformat_close_input(&format); }
};
struct CodecDeleter {
  void operator()(AVCodecContext* codec) const { avcodec_free_context(&codec); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct SwrDeleter {
  void operator()(SwrContext* swr) const { swr_free(&swr); }
};

// Turns frames of any format, layout and rate into mono float at the output rate, appending to
// `out`. Rebuilds the resampler when the input parameters change mid-stream.
class Resampler {
 public:
  explicit Resampler(int32_t out_rate) : out_rate_(out_rate) {}
  ~Resampler() { av_channel_layout_uninit(&in_layout_); }
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  Status push(const AVFrame& frame, std::vector<float>& out, const std::string& name) {
    AVChannelLayout layout{};
    if (frame.ch_layout.nb_channels < 1) {
      return core::data_loss("[audio] ", name, ": a decoded frame has ",
                             frame.ch_layout.nb_channels, " channels");
    }
    if (frame.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&layout, frame.ch_layout.nb_channels);
    } else if (av_channel_layout_copy(&layout, &frame.ch_layout) < 0) {
      return core::internal_error("[audio] ", name, ": out of memory copying a channel layout");
    }
    const bool same = swr_ && frame.format == in_format_ && frame.sample_rate == in_rate_ &&
                      av_channel_layout_compare(&layout, &in_layout_) == 0;
    if (!same) {
      const Status drained = drain(out, name);
      if (!drained.is_ok() || frame.sample_rate < 1) {
        av_channel_layout_uninit(&layout);
        if (!drained.is_ok()) return drained;
        return core::data_loss("[audio] ", name, ": a decoded frame has sample rate ",
                               frame.sample_rate);
      }
      av_channel_layout_uninit(&in_layout_);
      in_layout_ = layout;
      in_format_ = frame.format;
      in_rate_ = frame.sample_rate;
      BRAID_TRY(open(name));
    } else {
      av_channel_layout_uninit(&layout);
    }
    return convert(const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples, out, name);
  }

  /// Flushes the samples the resampler still holds.
  Status drain(std::vector<float>& out, const std::string& name) {
    if (!swr_) return Status::ok();
    return convert(nullptr, 0, out, name);
  }

 private:
  Status open(const std::string& name) {
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* swr = nullptr;
    int err = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, out_rate_, &in_layout_,
                                  AVSampleFormat(in_format_), in_rate_, 0, nullptr);
    swr_.reset(swr);
    // For float output libswresample leaves the downmix matrix unnormalized (stereo to mono is
    // (L + R) / sqrt 2). Whisper decodes with `ffmpeg -ac 1 -ar 16000 -f s16le`, whose integer
    // output gets the matrix normalized to a gain of at most 1, (L + R) / 2; ask for the same.
    if (err >= 0) err = av_opt_set_double(swr, "rematrix_maxval", 1.0, 0);
    if (err >= 0) err = swr_init(swr_.get());
    if (err < 0) {
      char layout_name[64] = {};
      av_channel_layout_describe(&in_layout_, layout_name, sizeof(layout_name));
      const char* format_name = av_get_sample_fmt_name(AVSampleFormat(in_format_));
      return core::not_supported(
          "[audio] ", name, ": cannot convert ", format_name ? format_name : "?", " ", layout_name,
          " at ", in_rate_, " Hz to mono float at ", out_rate_, " Hz: ", av_error_text(err));
    }
    return Status::ok();
  }

  Status convert(const uint8_t** in,
                 int in_count,
                 std::vector<float>& out,
                 const std::string& name) {
    for (;;) {
      const int capacity = swr_get_out_samples(swr_.get(), in_count);
      if (capacity < 0) {
        return core::internal_error("[audio] ", name, ": resampler: ", av_error_text(capacity));
      }
      const std::size_t old_size = out.size();
      out.resize(old_size + std::size_t(capacity) + 16);
      auto* dst = reinterpret_cast<uint8_t*>(out.data() + old_size);
      const int got = swr_convert(swr_.get(), &dst, capacity + 16, in, in_count);
      if (got < 0) {
        out.resize(old_size);
        return core::data_loss("[audio] ", name, ": resampler: ", av_error_text(got));
      }
      out.resize(old_size + std::size_t(got));
      // A float file can hold NaN or infinities; they would poison every feature of the window.
      for (std::size_t i = old_size; i < out.size(); ++i) {
        if (!std::isfinite(out[i])) out[i] = 0.0f;
      }
      // Pushing input converts it all in one call; draining may need several.
      if (in != nullptr || got == 0) return Status::ok();
    }
  }

  int32_t out_rate_;
  std::unique_ptr<SwrContext, SwrDeleter> swr_;
  AVChannelLayout in_layout_{};
  int in_format_ = -1;
  int in_rate_ = 0;
};

Result<Waveform> decode_source(Source& source,
                               const std::string& name,
                               const DecodeOptions& options) {
  quiet_ffmpeg_once();
  if (options.sample_rate < 1000 || options.sample_rate > 384000) {
    return core::invalid_argument("[audio] ", name, ": output sample rate ", options.sample_rate,
                                  " Hz, expected 1000..384000");
  }
  if (!(options.max_seconds > 0)) {
    return core::invalid_argument("[audio] ", name, ": duration limit ", options.max_seconds,
                                  " s, expected > 0");
  }

  constexpr int kIoBufferSize = 1 << 16;
  auto* io_buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  if (io_buffer == nullptr) return core::internal_error("[audio] ", name, ": out of memory");
  std::unique_ptr<AVIOContext, AvioDeleter> io(avio_alloc_context(
      io_buffer, kIoBufferSize, 0, &source, read_callback, nullptr, seek_callback));
  if (!io) {
    av_free(io_buffer);
    return core::internal_error("[audio] ", name, ": out of memory");
  }

  AVFormatContext* raw_format = avformat_alloc_context();
  if (raw_format == nullptr) return core::internal_error("[audio] ", name, ": out of memory");
  raw_format->pb = io.get();
  raw_format->io_open = refuse_io_open;
  // The name (never opened: pb is set) lets probing use the extension, as ffmpeg does.
  const std::string url = std::filesystem::path(name).filename().string();
  int err = avformat_open_input(&raw_format, url.c_str(), nullptr, nullptr);
  if (err < 0) {  // avformat_open_input frees the context on failure
    return core::invalid_argument("[audio] ", name,
                                  ": not a media file FFmpeg can read: ", av_error_text(err));
  }
  std::unique_ptr<AVFormatContext, FormatDeleter> format(raw_format);
  err = avformat_find_stream_info(format.get(), nullptr);
  if (err < 0) {
    return core::data_loss("[audio] ", name, ": cannot read the stream headers (",
                           format->iformat->name, "): ", av_error_text(err));
  }

  const AVCodec* codec = nullptr;
  const int stream_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream_index == AVERROR_STREAM_NOT_FOUND) {
    return core::invalid_argument("[audio] ", name, ": no audio stream (", format->iformat->name,
                                  " with ", format->nb_streams, " other stream(s))");
  }
  if (stream_index < 0 || codec == nullptr) {
    const AVCodecParameters* par =
        stream_index >= 0 ? format->streams[stream_index]->codecpar : nullptr;
    return core::not_supported("[audio] ", name, ": no decoder for the audio stream",
                               par ? " (codec " : "", par ? avcodec_get_name(par->codec_id) : "",
                               par ? ")" : "");
  }
  AVStream* stream = format->streams[stream_index];
  // Only the chosen stream's packets matter; the demuxer may skip the rest cheaply.
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (int(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
  }

  std::unique_ptr<AVCodecContext, CodecDeleter> decoder(avcodec_alloc_context3(codec));
  if (!decoder) return core::internal_error("[audio] ", name, ": out of memory");
  err = avcodec_parameters_to_context(decoder.get(), stream->codecpar);
  if (err >= 0) err = avcodec_open2(decoder.get(), codec, nullptr);
  if (err < 0) {
    return core::data_loss("[audio] ", name, ": cannot open the ", codec->name,
                           " decoder: ", av_error_text(err));
  }

  double total_seconds = -1.0;
  if (format->duration > 0) total_seconds = double(format->duration) / AV_TIME_BASE;

  std::unique_ptr<AVPacket, PacketDeleter> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameDeleter> frame(av_frame_alloc());
  if (!packet || !frame) return core::internal_error("[audio] ", name, ": out of memory");

  Waveform wave;
  wave.sample_rate = options.sample_rate;
  Resampler resampler(options.sample_rate);
  const double max_samples_f = options.max_seconds * double(options.sample_rate);
  const std::size_t max_samples =
      max_samples_f >= 1e15 ? std::size_t(1e15) : std::size_t(max_samples_f);
  const std::size_t progress_step = std::max<std::size_t>(
      1, std::size_t(std::max(options.progress_every_seconds, 0.001) * options.sample_rate));
  std::size_t next_progress = progress_step;
  int decode_errors = 0;
  int first_error = 0;

  auto over_limit = [&]() {
    return core::out_of_range("[audio] ", name, ": longer than the limit of ", options.max_seconds,
                              " s of audio (stopped decoding at ",
                              double(wave.samples.size()) / options.sample_rate,
                              " s); raise the duration limit to accept it");
  };
  auto note_error = [&](int code) {
    if (decode_errors++ == 0) first_error = code;
  };
  // Pulls every frame the decoder has ready through the resampler.
  auto receive_frames = [&]() -> Status {
    for (;;) {
      const int got = avcodec_receive_frame(decoder.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return Status::ok();
      if (got < 0) {  // a damaged frame: skip it and go on, as ffmpeg does
        note_error(got);
        return Status::ok();
      }
      const Status pushed = resampler.push(*frame, wave.samples, name);
      av_frame_unref(frame.get());
      BRAID_TRY(pushed);
      if (wave.samples.size() > max_samples) return over_limit();
      if (options.progress && wave.samples.size() >= next_progress) {
        options.progress(double(wave.samples.size()) / options.sample_rate, total_seconds);
        next_progress = wave.samples.size() + progress_step;
      }
    }
  };

  int read_status = 0;
  while ((read_status = av_read_frame(format.get(), packet.get())) >= 0) {
    if (packet->stream_index == stream_index) {
      const int sent = avcodec_send_packet(decoder.get(), packet.get());
      if (sent < 0 && sent != AVERROR(EAGAIN)) note_error(sent);
      av_packet_unref(packet.get());
      BRAID_TRY(receive_frames());
    } else {
      av_packet_unref(packet.get());
    }
  }
  // The end of the input, or a read error (a truncated or damaged file): keep what decoded.
  if (read_status != AVERROR_EOF) note_error(read_status);
  avcodec_send_packet(decoder.get(), nullptr);
  BRAID_TRY(receive_frames());
  BRAID_TRY(resampler.drain(wave.samples, name));
  if (wave.samples.size() > max_samples) return over_limit();

  if (wave.samples.empty()) {
    if (decode_errors > 0) {
      return core::data_loss("[audio] ", name, ": no audio could be decoded (", codec->name, " in ",
                             format->iformat->name, "): ", av_error_text(first_error));
    }
    return core::invalid_argument("[audio] ", name, ": the audio stream is empty (0 samples)");
  }
  if (options.progress) {
    options.progress(double(wave.samples.size()) / options.sample_rate, total_seconds);
  }
  wave.samples.shrink_to_fit();
  return wave;
}

Result<std::vector<std::byte>> read_all(std::FILE* stream,
                                        const std::string& name,
                                        std::size_t max_bytes) {
  std::vector<std::byte> bytes;
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) {
      if (bytes.size() > max_bytes) {
        return core::out_of_range("[audio] ", name, ": input larger than the limit of ", max_bytes,
                                  " bytes");
      }
      bytes.resize(std::max<std::size_t>(1 << 16, bytes.size() * 2));
    }
    const std::size_t n = std::fread(bytes.data() + used, 1, bytes.size() - used, stream);
    used += n;
    if (n == 0) {
      if (std::ferror(stream)) {
        return core::io_error("[audio] ", name, ": read failed: ", std::strerror(errno));
      }
      break;
    }
  }
  if (used > max_bytes) {
    return core::out_of_range("[audio] ", name, ": input larger than the limit of ", max_bytes,
                              " bytes");
  }
  bytes.resize(used);
  return bytes;
}

}  // namespace

Result<Waveform> decode_audio_memory(std::span<const std::byte> bytes,
                                     const std::string& name,
                                     const DecodeOptions& options) {
  if (bytes.empty()) return core::invalid_argument("[audio] ", name, ": empty input (0 bytes)");
  if (bytes.size() > options.max_input_bytes) {
    return core::out_of_range("[audio] ", name, ": ", bytes.size(),
                              " bytes, more than the input limit of ", options.max_input_bytes);
  }
  MemorySource source(bytes);
  return decode_source(source, name, options);
}

Result<Waveform> decode_audio_stream(std::FILE* stream,
                                     const std::string& name,
                                     const DecodeOptions& options) {
  if (stream == nullptr) return core::invalid_argument("[audio] ", name, ": no stream");
  BRAID_ASSIGN_OR_RETURN(const std::vector<std::byte> bytes,
                         read_all(stream, name, options.max_input_bytes));
  return decode_audio_memory(bytes, name, options);
}

Result<Waveform> decode_audio_file(const std::filesystem::path& path,
                                   const DecodeOptions& options) {
  if (path == "-") return decode_audio_stream(stdin, "<stdin>", options);
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return core::not_found("[audio] ", name, ": no such file");
  }
  if (std::filesystem::is_directory(path, ec)) {
    return core::invalid_argument("[audio] ", name, ": is a directory, expected an audio file");
  }
  std::FILE* file = std::fopen(name.c_str(), "rb");
  if (file == nullptr) {
    return core::io_error("[audio] ", name, ": cannot open: ", std::strerror(errno));
  }
  int64_t size = -1;
  if (fseeko(file, 0, SEEK_END) == 0) size = int64_t(ftello(file));
  if (size < 0 || fseeko(file, 0, SEEK_SET) != 0) {
    // Not seekable (a named pipe): read it like standard input.
    std::clearerr(file);
    auto result = decode_audio_stream(file, name, options);
    std::fclose(file);
    return result;
  }
  if (size == 0) {
    std::fclose(file);
    return core::invalid_argument("[audio] ", name, ": empty file (0 bytes)");
  }
  FileSource source(file, size);  // owns the FILE from here
  return decode_source(source, name, options);
}

}  // namespace braid::audio
