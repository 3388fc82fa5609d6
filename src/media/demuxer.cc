#include "media/demuxer.h"

#include <cerrno>
#include <filesystem>

namespace vtp::media {

int AvErrorAgain() { return AVERROR(EAGAIN); }

StatusOr<InputFormatPtr> OpenInput(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("no such file: " + path);
  AVFormatContext* raw = nullptr;
  int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (ret < 0) {
    return Status(ErrorCode::kNotMedia, path + " is not a media file libavformat can read (" +
                                            AvErrorText(ret) + ")");
  }
  InputFormatPtr ctx(raw);
  ret = avformat_find_stream_info(ctx.get(), nullptr);
  if (ret < 0) return AvStatus(ret, ErrorCode::kCorruptInput, "reading stream info of " + path);
  return ctx;
}

StatusOr<InputFormatPtr> OpenInputStream(const std::string& path, int stream_index) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInput(path));
  if (stream_index < 0 || stream_index >= static_cast<int>(ctx->nb_streams)) {
    return Internal("stream index " + std::to_string(stream_index) + " out of range in " + path);
  }
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index) ctx->streams[i]->discard = AVDISCARD_ALL;
  }
  return ctx;
}

StatusOr<Decoder> Decoder::Open(const AVStream* stream, int threads) {
  return Open(stream->codecpar, stream->time_base, threads);
}

StatusOr<Decoder> Decoder::Open(const AVCodecParameters* par, AVRational time_base, int threads) {
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (codec == nullptr) {
    return Status(ErrorCode::kUnsupportedCodec,
                  std::string("no decoder for codec ") + avcodec_get_name(par->codec_id));
  }
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return Internal("avcodec_alloc_context3 failed");
  RETURN_IF_ERROR(AvStatus(avcodec_parameters_to_context(ctx.get(), par),
                           ErrorCode::kInternal, "copying codec parameters"));
  ctx->pkt_timebase = time_base;
  ctx->thread_count = threads;
  RETURN_IF_ERROR(AvStatus(avcodec_open2(ctx.get(), codec, nullptr), ErrorCode::kCorruptInput,
                           std::string("opening ") + codec->name + " decoder"));
  return Decoder(std::move(ctx));
}

Status Decoder::Send(const AVPacket* packet) {
  int ret = avcodec_send_packet(ctx_.get(), packet);
  // Damaged packets are skipped, not fatal: the frame count check downstream
  // decides whether the damage matters.
  if (ret == AVERROR_INVALIDDATA || ret == AVERROR_EOF) return Status::Ok();
  return AvStatus(ret, ErrorCode::kCorruptInput, "decoding");
}

StatusOr<bool> Decoder::Receive(AVFrame* frame) {
  int ret = avcodec_receive_frame(ctx_.get(), frame);
  if (ret == AvErrorAgain() || ret == AVERROR_EOF) return false;
  if (ret == AVERROR_INVALIDDATA) return false;
  if (ret < 0) return AvStatus(ret, ErrorCode::kCorruptInput, "decoding");
  return true;
}

}  // namespace vtp::media
