// TranscodeVideoChunk: decode once, condition once, scale and encode every
// rendition of one chunk.
#include <algorithm>
#include <climits>
#include <map>
#include <memory>
#include <optional>
#include <set>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "media/conditioning.h"
#include "media/demuxer.h"
#include "media/encoder_lane.h"
#include "media/filter_graph.h"
#include "media/packet_file.h"
#include "media/transcode.h"
#include "media/video_encoders.h"

namespace vtp::media {
namespace {

// Conditioning once, then per rendition: scale, the encoder's pixel format
// (8- or 10-bit), square pixels. Colour tags travel with the frames; HDR
// renditions are never tone-mapped (the planner leaves them untouched).
std::string FilterDescription(const VideoChunkJob& job, const std::vector<VideoEncoderSettings>& settings) {
  std::vector<std::string> pre = ConditioningFilters(job.conditioning);
  size_t n = job.renditions.size();
  std::string split = "split=" + std::to_string(n);
  for (size_t i = 0; i < n; ++i) split += "[s" + std::to_string(i) + "]";
  pre.push_back(split);
  std::string desc = "[in]";
  for (size_t i = 0; i < pre.size(); ++i) desc += (i ? "," : "") + pre[i];
  for (size_t i = 0; i < n; ++i) {
    const auto& r = job.renditions[i];
    desc += ";[s" + std::to_string(i) + "]scale=" + std::to_string(r.width) + ":" +
            std::to_string(r.height) + ":flags=bicubic,format=" + av_get_pix_fmt_name(settings[i].pix_fmt) +
            ",setsar=1[out" + std::to_string(i) + "]";
  }
  return desc;
}

// The filter graph and one EncoderLane per rendition for one chunk.
class ChunkEncoder {
 public:
  explicit ChunkEncoder(const VideoChunkJob& job) : job_(job) {}

  // Checks every rendition's encoder settings before any work is done.
  Status Configure() {
    const PictureConditioning& c = job_.conditioning;
    for (size_t i = 0; i < job_.renditions.size(); ++i) {
      VideoEncoderInput in{job_.frame_rate, LaneThreads(i), c.tonemap_to_sdr,
                           c.color_primaries, c.color_transfer, c.color_matrix};
      ASSIGN_OR_RETURN(VideoEncoderSettings s, VideoEncoderSettingsFor(job_.renditions[i], in));
      settings_.push_back(std::move(s));
    }
    return Status::Ok();
  }

  Status Open(const AVCodecContext* dec) {
    AVRational tb{static_cast<int>(job_.time_base.num), static_cast<int>(job_.time_base.den)};
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(dec, tb, FilterDescription(job_, settings_),
                                                        static_cast<int>(job_.renditions.size())));
    graph_.emplace(std::move(g));
    for (size_t i = 0; i < job_.renditions.size(); ++i) {
      const VideoRendition& r = job_.renditions[i];
      ASSIGN_OR_RETURN(Encoder e, OpenVideoEncoder(settings_[i], r.width, r.height, job_.time_base,
                                                   job_.frame_rate));
      AVCodecParameters* par = avcodec_parameters_alloc();
      avcodec_parameters_from_context(par, e.context());
      auto w = PacketWriter::Create(job_.outputs[i], par, tb);
      avcodec_parameters_free(&par);
      if (!w.ok()) return w.status();
      lanes_.push_back(std::make_unique<EncoderLane>(std::move(e), std::move(w).value(), job_.origin));
    }
    return Status::Ok();
  }

  // Queues a decoded frame of the chunk with its display duration.
  Status Add(AVFrame* frame, int64_t pts, int64_t duration) {
    durations_[pts] = duration;
    frame->pts = pts;
    auto it = std::lower_bound(job_.keyframe_forces.begin(), job_.keyframe_forces.end(),
                               last_pts_ == INT64_MIN ? INT64_MIN : last_pts_ + 1);
    if (last_pts_ == INT64_MIN || (it != job_.keyframe_forces.end() && *it <= pts)) forced_.insert(pts);
    last_pts_ = pts;
    ++frames_;
    RETURN_IF_ERROR(graph_->Push(frame));
    return Drain();
  }

  Status Finish() {
    if (!graph_) return Status::Ok();
    RETURN_IF_ERROR(graph_->Push(nullptr));
    RETURN_IF_ERROR(Drain());
    Status first;
    for (auto& lane : lanes_) {
      Status s = lane->Finish();
      if (first.ok()) first = s;
    }
    return first;
  }

  bool opened() const { return graph_.has_value(); }
  int64_t frames() const { return frames_; }

  // The largest rung carries over half the encoding work and would be the
  // critical path on its own thread, so it may use frame threads as well.
  int LaneThreads(size_t i) const {
    int64_t most = 0;
    size_t top = 0;
    for (size_t k = 0; k < job_.renditions.size(); ++k) {
      int64_t px = static_cast<int64_t>(job_.renditions[k].width) * job_.renditions[k].height;
      if (px > most) {
        most = px;
        top = k;
      }
    }
    return i == top && job_.renditions.size() > 1 ? std::max(job_.encoder_threads, job_.top_rung_threads)
                                                  : job_.encoder_threads;
  }
  std::vector<int64_t> delays() const {
    std::vector<int64_t> d;
    for (const auto& lane : lanes_) d.push_back(lane->delay());
    return d;
  }

 private:
  Status Drain() {
    FramePtr out = MakeFrame();
    AVRational tb{static_cast<int>(job_.time_base.num), static_cast<int>(job_.time_base.den)};
    for (int i = 0; i < graph_->outputs(); ++i) {
      for (;;) {
        ASSIGN_OR_RETURN(bool got, graph_->Pull(i, out.get()));
        if (!got) break;
        out->pts = av_rescale_q(out->pts, graph_->output_time_base(i), tb);
        out->pict_type = forced_.count(out->pts) ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
        out->key_frame = 0;
        auto d = durations_.find(out->pts);
        RETURN_IF_ERROR(lanes_[static_cast<size_t>(i)]->Push(out.get(), d != durations_.end() ? d->second : 0));
      }
    }
    return Status::Ok();
  }

  const VideoChunkJob& job_;
  std::vector<VideoEncoderSettings> settings_;
  std::optional<FilterGraph> graph_;
  std::vector<std::unique_ptr<EncoderLane>> lanes_;
  std::map<int64_t, int64_t> durations_;
  std::set<int64_t> forced_;
  int64_t last_pts_ = INT64_MIN;
  int64_t frames_ = 0;
};

// Holds back one frame so its duration can be taken from the next one.
class FrameSelector {
 public:
  FrameSelector(const VideoChunkJob& job, ChunkEncoder& enc) : job_(job), enc_(enc) {}

  Status Offer(AVFrame* frame, const AVCodecContext* dec) {
    int64_t ts = frame->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE || ts < job_.start || ts <= held_pts_) return Status::Ok();
    if (ts >= job_.end) {
      next_pts_ = std::min(next_pts_, ts);
      return Status::Ok();
    }
    if (!enc_.opened()) RETURN_IF_ERROR(enc_.Open(dec));
    if (held_) RETURN_IF_ERROR(enc_.Add(held_.get(), held_pts_, ts - held_pts_));
    held_ = MakeFrame();
    av_frame_move_ref(held_.get(), frame);
    held_pts_ = ts;
    held_duration_ = held_->pkt_duration;
    return Status::Ok();
  }

  Status Finish() {
    if (!held_) return Status::Ok();
    int64_t d = next_pts_ != INT64_MAX ? next_pts_ - held_pts_
                                       : (held_duration_ > 0 ? held_duration_ : job_.last_frame_duration);
    RETURN_IF_ERROR(enc_.Add(held_.get(), held_pts_, std::max<int64_t>(1, d)));
    held_.reset();
    return Status::Ok();
  }

 private:
  const VideoChunkJob& job_;
  ChunkEncoder& enc_;
  FramePtr held_;
  int64_t held_pts_ = INT64_MIN;
  int64_t held_duration_ = 0;
  int64_t next_pts_ = INT64_MAX;
};

}  // namespace

StatusOr<ChunkResult> TranscodeVideoChunk(const VideoChunkJob& job) {
  if (job.renditions.empty() || job.renditions.size() != job.outputs.size()) {
    return InvalidArgument("chunk job needs one output per rendition");
  }
  ASSIGN_OR_RETURN(PacketReader reader, PacketReader::Open(job.chunk_path));
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(reader.codecpar(), reader.time_base(), 1));
  ChunkEncoder enc(job);
  RETURN_IF_ERROR(enc.Configure());
  FrameSelector selector(job, enc);
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) { return selector.Offer(f, dec.context()); };
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(pkt.get()));
    RETURN_IF_ERROR(dec.Feed(more ? pkt.get() : nullptr, frame.get(), on_frame));
    if (!more) break;
  }
  RETURN_IF_ERROR(selector.Finish());
  if (!enc.opened()) {
    return Status(ErrorCode::kCorruptInput, "no decodable frame in chunk " + job.chunk_path);
  }
  RETURN_IF_ERROR(enc.Finish());
  return ChunkResult{enc.frames(), enc.delays()};
}

}  // namespace vtp::media
