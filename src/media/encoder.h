// Internal to src/media: an opened encoder.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

class Encoder {
 public:
  // Opens encoder `codec_name` after `configure` has set fields on the
  // context; `options` are AVOptions for the codec's private context.
  template <typename Configure>
  static StatusOr<Encoder> Open(const std::string& codec_name,
                                const std::map<std::string, std::string>& options,
                                Configure&& configure) {
    ASSIGN_OR_RETURN(CodecContextPtr ctx, Alloc(codec_name));
    configure(ctx.get());
    RETURN_IF_ERROR(OpenContext(ctx.get(), options));
    return Encoder(std::move(ctx));
  }

  // Feeds one frame (nullptr drains).
  Status Send(const AVFrame* frame);
  // Returns true with a packet, false when the encoder needs more input.
  StatusOr<bool> Receive(AVPacket* pkt);

  AVCodecContext* context() const { return ctx_.get(); }

 private:
  explicit Encoder(CodecContextPtr ctx) : ctx_(std::move(ctx)) {}
  static StatusOr<CodecContextPtr> Alloc(const std::string& codec_name);
  static Status OpenContext(AVCodecContext* ctx, const std::map<std::string, std::string>& options);
  CodecContextPtr ctx_;
};

}  // namespace vtp::media
