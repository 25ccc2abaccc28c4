// FFmpeg's gif decoder parses the GIF signature and screen descriptor when a packet starts with
// them and returns the first image it meets, so the whole file is one packet; the rest of the
// file (later frames) is never looked at.
#include "gif_decode.h"

#include <cstring>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libavutil/pixfmt.h>
}

namespace braid::vision::detail {
namespace {

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

std::string av_message(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

// FFmpeg's decoder returns a partly grey frame without an error when the LZW data runs out, so
// the block structure up to the end of the first image is checked here: every sub-block
// chain must end with its zero-length terminator inside the file.
bool first_frame_complete(std::span<const uint8_t> b) {
  size_t pos = 13;
  if (b.size() < pos) return false;
  if (b[10] & 0x80) pos += 3 * (size_t(1) << ((b[10] & 7) + 1));  // global colour table
  auto skip_sub_blocks = [&]() {
    while (pos < b.size()) {
      const size_t len = b[pos++];
      if (len == 0) return true;
      pos += len;
    }
    return false;
  };
  while (pos < b.size()) {
    const uint8_t block = b[pos++];
    if (block == 0x21) {  // extension: label, then sub-blocks
      if (pos >= b.size()) return false;
      ++pos;
      if (!skip_sub_blocks()) return false;
    } else if (block == 0x2C) {  // image descriptor
      if (pos + 9 > b.size()) return false;
      const uint8_t flags = b[pos + 8];
      pos += 9;
      if (flags & 0x80) pos += 3 * (size_t(1) << ((flags & 7) + 1));  // local colour table
      if (pos >= b.size()) return false;
      ++pos;  // LZW minimum code size
      return skip_sub_blocks();
    } else {
      return false;  // trailer before any image, or garbage
    }
  }
  return false;
}

}  // namespace

core::Result<BgraFrame> decode_gif_first_frame(std::span<const uint8_t> bytes,
                                               std::string_view what) {
  if (!first_frame_complete(bytes)) {
    return core::data_loss("[vision::decode] ", what,
                           ": truncated or corrupt GIF (the first image's data does not end "
                           "inside the file)");
  }
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_GIF);
  if (codec == nullptr) {
    return core::not_supported("[vision::decode] ", what, ": this FFmpeg build has no GIF decoder");
  }
  std::unique_ptr<AVCodecContext, CodecContextDeleter> ctx(avcodec_alloc_context3(codec));
  std::unique_ptr<AVFrame, FrameDeleter> frame(av_frame_alloc());
  std::unique_ptr<AVPacket, PacketDeleter> packet(av_packet_alloc());
  if (!ctx || !frame || !packet) {
    return core::internal_error("[vision::decode] ", what, ": FFmpeg allocation failed");
  }
  // Corrupt LZW data is an error, not a half-grey frame.
  ctx->err_recognition = AV_EF_EXPLODE;
  if (int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0) {
    return core::internal_error("[vision::decode] ", what,
                                ": opening FFmpeg's GIF decoder: ", av_message(rc));
  }
  // The packet needs AV_INPUT_BUFFER_PADDING_SIZE zeroed bytes past the data.
  if (int rc = av_new_packet(packet.get(), int(bytes.size())); rc < 0) {
    return core::internal_error("[vision::decode] ", what, ": ", av_message(rc));
  }
  std::memcpy(packet->data, bytes.data(), bytes.size());
  int rc = avcodec_send_packet(ctx.get(), packet.get());
  if (rc >= 0) rc = avcodec_send_packet(ctx.get(), nullptr);  // drain: no more input
  if (rc >= 0 || rc == AVERROR_EOF) rc = avcodec_receive_frame(ctx.get(), frame.get());
  if (rc < 0) {
    return core::data_loss("[vision::decode] ", what,
                           ": corrupt or truncated GIF (FFmpeg: ", av_message(rc), ")");
  }
  if (frame->format != AV_PIX_FMT_BGRA) {
    return core::not_supported("[vision::decode] ", what,
                               ": FFmpeg's GIF decoder gave pixel format ", frame->format,
                               ", expected 32-bit BGRA");
  }
  BgraFrame out;
  out.width = frame->width;
  out.height = frame->height;
  out.pixels.resize(size_t(out.width) * size_t(out.height) * 4);
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(out.pixels.data() + size_t(y) * size_t(out.width) * 4,
                frame->data[0] + ptrdiff_t(y) * frame->linesize[0], size_t(out.width) * 4);
  }
  return out;
}

}  // namespace braid::vision::detail
