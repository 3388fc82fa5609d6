#include "media/encoder.h"

#include "media/demuxer.h"

namespace vtp::media {

StatusOr<CodecContextPtr> Encoder::Alloc(const std::string& codec_name) {
  const AVCodec* codec = avcodec_find_encoder_by_name(codec_name.c_str());
  if (codec == nullptr) {
    return Status(ErrorCode::kUnsupportedCodec, "encoder " + codec_name + " is not available");
  }
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return Internal("avcodec_alloc_context3 failed");
  return ctx;
}

Status Encoder::OpenContext(AVCodecContext* ctx, const std::map<std::string, std::string>& options) {
  AVDictionary* dict = nullptr;
  for (const auto& [k, v] : options) av_dict_set(&dict, k.c_str(), v.c_str(), 0);
  // A failed avcodec_open2 resets ctx->codec to null.
  const std::string name = ctx->codec->name;
  int ret = avcodec_open2(ctx, ctx->codec, &dict);
  std::string unused;
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != nullptr) {
    unused += std::string(unused.empty() ? "" : ", ") + e->key;
  }
  av_dict_free(&dict);
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kEncodeFailed, "opening encoder " + name));
  if (!unused.empty()) return Internal("encoder " + name + " ignored options: " + unused);
  return Status::Ok();
}

Status Encoder::Send(const AVFrame* frame) {
  int ret = avcodec_send_frame(ctx_.get(), frame);
  if (ret == AVERROR_EOF) return Status::Ok();
  return AvStatus(ret, ErrorCode::kEncodeFailed, std::string("encoding with ") + ctx_->codec->name);
}

StatusOr<bool> Encoder::Receive(AVPacket* pkt) {
  int ret = avcodec_receive_packet(ctx_.get(), pkt);
  if (ret == AvErrorAgain() || ret == AVERROR_EOF) return false;
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kEncodeFailed, std::string("encoding with ") + ctx_->codec->name));
  return true;
}

}  // namespace vtp::media
