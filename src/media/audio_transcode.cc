// TranscodeAudio: the whole audio stream in one pass, so chunk boundaries
// never click or drift.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <optional>

extern "C" {
#include <libavutil/channel_layout.h>
}

#include "media/demuxer.h"
#include "media/encoder.h"
#include "media/filter_graph.h"
#include "media/packet_file.h"
#include "media/transcode.h"

namespace vtp::media {
namespace {

std::string AudioFilter(const AudioJob& job) {
  char buf[512];
  // async=1 with first_pts=0 pads (or trims) the start so audio begins exactly
  // at the video's first frame, and fills timestamp gaps with silence.
  int n = std::snprintf(buf, sizeof(buf),
                        "[in]aresample=%d:async=1:first_pts=0,"
                        "aformat=sample_fmts=fltp:sample_rates=%d:channel_layouts=%s",
                        job.sample_rate, job.sample_rate, job.channels == 1 ? "mono" : "stereo");
  std::string desc(buf, static_cast<size_t>(n));
  if (job.max_seconds > 0) {
    std::snprintf(buf, sizeof(buf), ",atrim=end_sample=%" PRId64,
                  static_cast<int64_t>(std::llround(job.max_seconds * job.sample_rate)));
    desc += buf;
  }
  return desc + "[out0]";
}

StatusOr<Encoder> OpenAac(const AudioJob& job) {
  return Encoder::Open("aac", {}, [&](AVCodecContext* ctx) {
    ctx->sample_rate = job.sample_rate;
    ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&ctx->ch_layout, job.channels);
    ctx->bit_rate = job.bitrate;
    ctx->time_base = {1, job.sample_rate};
    ctx->profile = FF_PROFILE_AAC_LOW;
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_BITEXACT;
    ctx->thread_count = 1;
  });
}

class AudioPipeline {
 public:
  explicit AudioPipeline(const AudioJob& job) : job_(job) {}

  Status Open(const AVCodecContext* dec, AVRational in_tb) {
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(dec, in_tb, AudioFilter(job_), 1));
    graph_.emplace(std::move(g));
    ASSIGN_OR_RETURN(Encoder e, OpenAac(job_));
    graph_->SetFrameSize(0, e.context()->frame_size);
    priming_ = e.context()->initial_padding;
    AVCodecParameters* par = avcodec_parameters_alloc();
    avcodec_parameters_from_context(par, e.context());
    auto w = PacketWriter::Create(job_.output, par, {1, job_.sample_rate});
    avcodec_parameters_free(&par);
    if (!w.ok()) return w.status();
    encoder_.emplace(std::move(e));
    writer_.emplace(std::move(w).value());
    return Status::Ok();
  }

  Status Push(AVFrame* frame) {
    RETURN_IF_ERROR(graph_->Push(frame));
    return Drain(frame == nullptr);
  }

  Status Finish() { return writer_->Finish(); }
  bool opened() const { return graph_.has_value(); }
  AudioResult result() const { return {samples_, priming_}; }

 private:
  Status Drain(bool flush) {
    FramePtr out = MakeFrame();
    for (;;) {
      ASSIGN_OR_RETURN(bool got, graph_->Pull(0, out.get()));
      if (!got) break;
      out->pts = av_rescale_q(out->pts, graph_->output_time_base(0), {1, job_.sample_rate});
      samples_ += out->nb_samples;
      RETURN_IF_ERROR(encoder_->Send(out.get()));
      av_frame_unref(out.get());
      RETURN_IF_ERROR(Write());
    }
    if (flush) {
      RETURN_IF_ERROR(encoder_->Send(nullptr));
      RETURN_IF_ERROR(Write());
    }
    return Status::Ok();
  }

  Status Write() {
    PacketPtr pkt = MakePacket();
    for (;;) {
      ASSIGN_OR_RETURN(bool got, encoder_->Receive(pkt.get()));
      if (!got) return Status::Ok();
      pkt->pts += priming_;
      pkt->dts += priming_;
      RETURN_IF_ERROR(writer_->Write(pkt.get()));
      av_packet_unref(pkt.get());
    }
  }

  const AudioJob& job_;
  std::optional<FilterGraph> graph_;
  std::optional<Encoder> encoder_;
  std::optional<PacketWriter> writer_;
  int64_t samples_ = 0;
  int64_t priming_ = 0;
};

}  // namespace

StatusOr<AudioResult> TranscodeAudio(const AudioJob& job) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(job.input_path, job.stream_index));
  AVStream* st = ctx->streams[job.stream_index];
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, 1));
  AudioPipeline pipe(job);
  // Frames are re-stamped in samples relative to the origin so the resampler
  // sees the true start offset of the audio against the video.
  AVRational out_tb{1, job.sample_rate};
  int64_t origin = std::llround(job.origin_seconds * job.sample_rate);
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) -> Status {
    if (!pipe.opened()) RETURN_IF_ERROR(pipe.Open(dec.context(), out_tb));
    int64_t ts = f->best_effort_timestamp;
    f->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, st->time_base, out_tb) - origin;
    return pipe.Push(f);
  };
  for (;;) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    bool more = ret >= 0;
    if (ret < 0 && ret != AVERROR_EOF) return AvStatus(ret, ErrorCode::kCorruptInput, "reading audio");
    if (more && pkt->stream_index != job.stream_index) {
      av_packet_unref(pkt.get());
      continue;
    }
    RETURN_IF_ERROR(dec.Feed(more ? pkt.get() : nullptr, frame.get(), on_frame));
    if (!more) break;
    av_packet_unref(pkt.get());
  }
  if (!pipe.opened()) return Status(ErrorCode::kCorruptInput, "audio stream has no decodable frame");
  RETURN_IF_ERROR(pipe.Push(nullptr));
  RETURN_IF_ERROR(pipe.Finish());
  return pipe.result();
}

}  // namespace vtp::media
