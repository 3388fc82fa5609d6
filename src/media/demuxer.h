// Internal to src/media: an opened input file and a decoder for one stream.
#pragma once

#include <string>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

// Opens `path` for reading and reads stream info. Errors are classified as
// kNotFound / kNotMedia so callers can report them directly.
StatusOr<InputFormatPtr> OpenInput(const std::string& path);

// OpenInput, then discards every stream but `stream_index` so reads return
// only its packets. An index out of range is kInternal (a caller bug: it
// comes from the probe of the same file).
StatusOr<InputFormatPtr> OpenInputStream(const std::string& path, int stream_index);

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

  // Sends `packet` (nullptr flushes) and calls `on_frame(frame)` for every
  // frame that becomes available, unreferencing `frame` after each call.
  template <typename OnFrame>
  Status Feed(const AVPacket* packet, AVFrame* frame, OnFrame&& on_frame) {
    RETURN_IF_ERROR(Send(packet));
    for (;;) {
      ASSIGN_OR_RETURN(bool got, Receive(frame));
      if (!got) return Status::Ok();
      Status s = on_frame(frame);
      av_frame_unref(frame);
      RETURN_IF_ERROR(s);
    }
  }

  AVCodecContext* context() const { return ctx_.get(); }

 private:
  explicit Decoder(CodecContextPtr ctx) : ctx_(std::move(ctx)) {}
  CodecContextPtr ctx_;
};

// AVERROR(EAGAIN) without an old-style cast in every caller.
int AvErrorAgain();

}  // namespace vtp::media
