#include "audio_encoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numbers>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
}

namespace braid::test {
namespace {

// A seekable in-memory output (the mp4 muxer seeks back to patch sizes).
struct Sink {
  std::vector<std::byte> bytes;
  std::size_t position = 0;
};

// FFmpeg 5.1's write callback takes a non-const buffer.
int write_callback(void* opaque, uint8_t* data, int size) {
  auto* sink = static_cast<Sink*>(opaque);
  if (sink->position + std::size_t(size) > sink->bytes.size()) {
    sink->bytes.resize(sink->position + std::size_t(size));
  }
  std::memcpy(sink->bytes.data() + sink->position, data, std::size_t(size));
  sink->position += std::size_t(size);
  return size;
}

int64_t seek_callback(void* opaque, int64_t offset, int whence) {
  auto* sink = static_cast<Sink*>(opaque);
  if (whence & AVSEEK_SIZE) return int64_t(sink->bytes.size());
  whence &= ~AVSEEK_FORCE;
  int64_t base = whence == SEEK_CUR   ? int64_t(sink->position)
                 : whence == SEEK_END ? int64_t(sink->bytes.size())
                                      : 0;
  if (base + offset < 0) return AVERROR(EINVAL);
  sink->position = std::size_t(base + offset);
  return int64_t(sink->position);
}

std::string err_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

struct State {
  AVFormatContext* format = nullptr;
  AVIOContext* io = nullptr;
  AVCodecContext* codec = nullptr;
  SwrContext* swr = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  ~State() {
    av_packet_free(&packet);
    av_frame_free(&frame);
    swr_free(&swr);
    avcodec_free_context(&codec);
    if (format != nullptr) avformat_free_context(format);
    if (io != nullptr) av_freep(&io->buffer);
    avio_context_free(&io);
  }
};

core::Status drain_packets(State& s, AVStream* stream) {
  for (;;) {
    int err = avcodec_receive_packet(s.codec, s.packet);
    if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return core::Status::ok();
    if (err < 0) return core::internal_error("encode: receive_packet: ", err_text(err));
    av_packet_rescale_ts(s.packet, s.codec->time_base, stream->time_base);
    s.packet->stream_index = stream->index;
    err = av_interleaved_write_frame(s.format, s.packet);
    if (err < 0) return core::internal_error("encode: write_frame: ", err_text(err));
  }
}

}  // namespace

std::vector<float> sine(double hz, double seconds, int sample_rate, int channels, float amplitude) {
  const std::size_t n = std::size_t(seconds * sample_rate);
  std::vector<float> out(n * std::size_t(channels));
  for (std::size_t i = 0; i < n; ++i) {
    const float v =
        amplitude * float(std::sin(2.0 * std::numbers::pi * hz * double(i) / sample_rate));
    for (int c = 0; c < channels; ++c) out[i * std::size_t(channels) + std::size_t(c)] = v;
  }
  return out;
}

core::Result<std::vector<std::byte>> encode_audio(const EncodeRequest& request) {
  const AVCodec* encoder = avcodec_find_encoder_by_name(request.codec.c_str());
  if (encoder == nullptr) return core::not_supported("encode: no encoder ", request.codec);
  State s;
  Sink sink;
  int err = avformat_alloc_output_context2(&s.format, nullptr, request.container.c_str(), nullptr);
  if (err < 0) return core::not_supported("encode: no muxer ", request.container);
  constexpr int kBuffer = 1 << 16;
  s.io = avio_alloc_context(static_cast<uint8_t*>(av_malloc(kBuffer)), kBuffer, 1, &sink, nullptr,
                            write_callback, seek_callback);
  s.format->pb = s.io;
  s.format->flags |= AVFMT_FLAG_CUSTOM_IO;

  s.codec = avcodec_alloc_context3(encoder);
  s.codec->sample_rate = request.sample_rate;
  av_channel_layout_default(&s.codec->ch_layout, request.channels);
  const AVSampleFormat* formats = encoder->sample_fmts;
  s.codec->sample_fmt = formats != nullptr ? formats[0] : AV_SAMPLE_FMT_S16;
  s.codec->bit_rate = request.bit_rate;
  s.codec->time_base = AVRational{1, request.sample_rate};
  if (s.format->oformat->flags & AVFMT_GLOBALHEADER) s.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  err = avcodec_open2(s.codec, encoder, nullptr);
  if (err < 0) return core::internal_error("encode: open ", request.codec, ": ", err_text(err));
  AVStream* stream = avformat_new_stream(s.format, nullptr);
  avcodec_parameters_from_context(stream->codecpar, s.codec);
  stream->time_base = s.codec->time_base;
  err = avformat_write_header(s.format, nullptr);
  if (err < 0) return core::internal_error("encode: header: ", err_text(err));

  AVChannelLayout in_layout{};
  av_channel_layout_default(&in_layout, request.channels);
  err = swr_alloc_set_opts2(&s.swr, &s.codec->ch_layout, s.codec->sample_fmt, s.codec->sample_rate,
                            &in_layout, AV_SAMPLE_FMT_FLT, request.sample_rate, 0, nullptr);
  if (err >= 0) err = swr_init(s.swr);
  if (err < 0) return core::internal_error("encode: swr: ", err_text(err));

  const int frame_size = s.codec->frame_size > 0 ? s.codec->frame_size : 1024;
  s.frame = av_frame_alloc();
  s.packet = av_packet_alloc();
  const std::size_t total = request.interleaved.size() / std::size_t(request.channels);
  int64_t pts = 0;
  for (std::size_t start = 0; start < total; start += std::size_t(frame_size)) {
    const int count = int(std::min<std::size_t>(std::size_t(frame_size), total - start));
    av_frame_unref(s.frame);
    s.frame->nb_samples = count;
    s.frame->format = s.codec->sample_fmt;
    s.frame->sample_rate = s.codec->sample_rate;
    av_channel_layout_copy(&s.frame->ch_layout, &s.codec->ch_layout);
    err = av_frame_get_buffer(s.frame, 0);
    if (err < 0) return core::internal_error("encode: frame buffer: ", err_text(err));
    const uint8_t* in = reinterpret_cast<const uint8_t*>(request.interleaved.data() +
                                                         start * std::size_t(request.channels));
    err = swr_convert(s.swr, s.frame->data, count, &in, count);
    if (err < 0) return core::internal_error("encode: convert: ", err_text(err));
    s.frame->pts = pts;
    pts += count;
    err = avcodec_send_frame(s.codec, s.frame);
    if (err < 0) return core::internal_error("encode: send_frame: ", err_text(err));
    BRAID_TRY(drain_packets(s, stream));
  }
  avcodec_send_frame(s.codec, nullptr);
  BRAID_TRY(drain_packets(s, stream));
  err = av_write_trailer(s.format);
  if (err < 0) return core::internal_error("encode: trailer: ", err_text(err));
  avio_flush(s.io);
  return std::move(sink.bytes);
}

}  // namespace braid::test
