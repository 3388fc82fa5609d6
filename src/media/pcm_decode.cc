#include "media/pcm_decode.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "media/demuxer.h"
#include "media/filter_graph.h"

namespace vtp::media {
namespace {

// Same timing rule as the audio transcode step, ending in packed s16 mono.
std::string PcmFilter(int sample_rate) {
  char buf[256];
  int n = std::snprintf(buf, sizeof(buf),
                        "[in]aresample=%d:async=1:first_pts=0,"
                        "aformat=sample_fmts=s16:sample_rates=%d:channel_layouts=mono[out0]",
                        sample_rate, sample_rate);
  return std::string(buf, static_cast<size_t>(n));
}

class PcmSink {
 public:
  PcmSink(int sample_rate, int64_t limit) : sample_rate_(sample_rate), limit_(limit) {}

  Status Open(const AVCodecContext* dec, AVRational in_tb) {
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(dec, in_tb, PcmFilter(sample_rate_), 1));
    graph_.emplace(std::move(g));
    return Status::Ok();
  }
  bool opened() const { return graph_.has_value(); }
  bool full() const { return limit_ > 0 && static_cast<int64_t>(samples_.size()) >= limit_; }

  Status Push(AVFrame* frame) {
    RETURN_IF_ERROR(graph_->Push(frame));
    FramePtr out = MakeFrame();
    for (;;) {
      ASSIGN_OR_RETURN(bool got, graph_->Pull(0, out.get()));
      if (!got) return Status::Ok();
      Append(out.get());
      av_frame_unref(out.get());
    }
  }

  std::vector<int16_t> Take() && {
    if (limit_ > 0 && static_cast<int64_t>(samples_.size()) > limit_) {
      samples_.resize(static_cast<size_t>(limit_));
    }
    return std::move(samples_);
  }

 private:
  void Append(const AVFrame* f) {
    if (full() || f->nb_samples <= 0) return;
    size_t old = samples_.size();
    samples_.resize(old + static_cast<size_t>(f->nb_samples));
    std::memcpy(samples_.data() + old, f->data[0],
                static_cast<size_t>(f->nb_samples) * sizeof(int16_t));
  }

  int sample_rate_;
  int64_t limit_;
  std::optional<FilterGraph> graph_;
  std::vector<int16_t> samples_;
};

}  // namespace

StatusOr<std::vector<int16_t>> DecodeMonoPcm(const std::string& path, int stream_index,
                                             int sample_rate, double origin_seconds,
                                             double max_seconds) {
  if (sample_rate <= 0) {
    return InvalidArgument("sample rate must be positive, got " + std::to_string(sample_rate));
  }
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(path, stream_index));
  AVStream* st = ctx->streams[stream_index];
  if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
    return InvalidArgument("stream " + std::to_string(stream_index) + " of " + path +
                           " is not audio");
  }
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, 1));
  // Frames are re-stamped in samples relative to the origin, so the
  // resampler sees where the audio starts against sample 0.
  const AVRational out_tb{1, sample_rate};
  const int64_t origin = std::llround(origin_seconds * sample_rate);
  const int64_t limit = max_seconds > 0 ? std::llround(max_seconds * sample_rate) : 0;
  PcmSink sink(sample_rate, limit);
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) -> Status {
    if (!sink.opened()) RETURN_IF_ERROR(sink.Open(dec.context(), out_tb));
    int64_t ts = f->best_effort_timestamp;
    f->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE
                                  : av_rescale_q(ts, st->time_base, out_tb) - origin;
    return sink.Push(f);
  };
  while (!sink.full()) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    bool more = ret >= 0;
    if (ret < 0 && ret != AVERROR_EOF) {
      return AvStatus(ret, ErrorCode::kCorruptInput, "reading audio of " + path);
    }
    if (more && pkt->stream_index != stream_index) {
      av_packet_unref(pkt.get());
      continue;
    }
    RETURN_IF_ERROR(dec.Feed(more ? pkt.get() : nullptr, frame.get(), on_frame));
    if (!more) break;
    av_packet_unref(pkt.get());
  }
  if (!sink.opened()) {
    return Status(ErrorCode::kCorruptInput, "audio stream " + std::to_string(stream_index) +
                                                " of " + path + " has no decodable frame");
  }
  if (!sink.full()) RETURN_IF_ERROR(sink.Push(nullptr));
  return std::move(sink).Take();
}

}  // namespace vtp::media
