// Internal to src/media: an opened input file and a decoder for one stream.
#pragma once

#include <string>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

// Opens `path` for reading and reads stream info. Errors are classified as
// kNotFound / kNotMedia so callers can report them directly.
StatusOr<InputFormatPtr> OpenInput(const std::string& path);

// A decoder bound to one stream of an open input.
class Decoder {
 public:
  // `threads` = 0 lets libavcodec choose; 1 keeps all work on the caller.
  static StatusOr<Decoder> Open(const AVStream* stream, int threads);
  static StatusOr<Decoder> Open(const AVCodecParameters* par, AVRational time_base, int threads);

  // Feeds one packet (nullptr flushes). AVERROR(EAGAIN) is never returned:
  // the caller must drain with Receive() after every Send().
  Status Send(const AVPacket* packet);
  // Returns true with a frame, false when more input is needed or at EOF.
  StatusOr<bool> Receive(AVFrame* frame);

  AVCodecContext* context() const { return ctx_.get(); }

 private:
  explicit Decoder(CodecContextPtr ctx) : ctx_(std::move(ctx)) {}
  CodecContextPtr ctx_;
};

// AVERROR(EAGAIN) without an old-style cast in every caller.
int AvErrorAgain();

}  // namespace vtp::media
