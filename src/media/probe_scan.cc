#include "media/probe_scan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "media/probe.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace vtp::media::probe_internal {
namespace {

// Decodes the first frames of one stream and remembers what they showed.
class FrameSampler {
 public:
  Status Open(const AVStream& st) {
    const AVCodec* codec = avcodec_find_decoder(st.codecpar->codec_id);
    if (codec == nullptr) return Internal("no decoder for a stream marked decodable");
    codec_.reset(avcodec_alloc_context3(codec));
    frame_ = MakeFrame();
    if (!codec_ || !frame_) return Internal("out of memory allocating a decoder");
    RETURN_IF_ERROR(AvStatus(avcodec_parameters_to_context(codec_.get(), st.codecpar),
                             ErrorCode::kInternal, "copying codec parameters"));
    // One thread: frame threading delays output by a frame per thread, and
    // the probe wants its first frames after as few packets as possible.
    codec_->thread_count = 1;
    codec_->pkt_timebase = st.time_base;
    std::string what = std::string("cannot open the ") + codec->name + " decoder for stream #" +
                       std::to_string(st.index);
    RETURN_IF_ERROR(
        AvStatus(avcodec_open2(codec_.get(), codec, nullptr), ErrorCode::kCorruptInput, what));
    sample_.stream_index = st.index;
    return Status::Ok();
  }

  bool active() const {
    return codec_ && !flushed_ && sample_.frames < kWantedFrames &&
           sample_.packets_sent < kMaxDecodePackets;
  }

  void Feed(const AVPacket& pkt) {
    if (!active()) return;
    ++sample_.packets_sent;
    int ret = avcodec_send_packet(codec_.get(), &pkt);
    if (ret < 0 && ret != AVERROR(EAGAIN)) sample_.last_error = AvErrorText(ret);
    Receive();
  }

  // Drains frames the decoder still holds when it produced too few.
  void Finish() {
    if (!codec_ || flushed_ || sample_.frames >= kWantedFrames) return;
    flushed_ = true;
    avcodec_send_packet(codec_.get(), nullptr);
    Receive();
  }

  const DecodeSample& sample() const { return sample_; }

 private:
  void Receive() {
    while (true) {
      int ret = avcodec_receive_frame(codec_.get(), frame_.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
      if (ret < 0) {
        sample_.last_error = AvErrorText(ret);
        return;
      }
      if (sample_.frames == 0) sample_.pixel_format = frame_->format;
      ++sample_.frames;
      if (frame_->interlaced_frame) {
        ++sample_.interlaced_frames;
        if (frame_->top_field_first) ++sample_.top_field_first_frames;
      }
      av_frame_unref(frame_.get());
    }
  }

  CodecContextPtr codec_;
  FramePtr frame_;
  DecodeSample sample_;
  bool flushed_ = false;
};

void RecordPacket(const AVPacket& pkt, bool is_video, StreamScan* s) {
  ++s->packets;
  if (pkt.flags & AV_PKT_FLAG_CORRUPT) ++s->corrupt_packets;
  int64_t ts = pkt.pts != kNoTimestamp ? pkt.pts : pkt.dts;
  if (ts != kNoTimestamp) {
    s->first_ts = s->first_ts == kNoTimestamp ? ts : std::min(s->first_ts, ts);
    int64_t end = ts + std::max<int64_t>(pkt.duration, 0);
    s->end_ts = s->end_ts == kNoTimestamp ? end : std::max(s->end_ts, end);
  }
  if (!is_video) return;
  if (pkt.pts != kNoTimestamp) s->pts.push_back(pkt.pts);
  if (pkt.dts != kNoTimestamp) s->dts.push_back(pkt.dts);
  if (pkt.flags & AV_PKT_FLAG_KEY) {
    if (ts != kNoTimestamp) s->keyframe_timestamps.push_back(ts);
    // Leading pictures of the very first GOP have nothing to reference, so
    // only later keyframes can open a GOP.
    if (s->keyframes > 0 && pkt.pts == kNoTimestamp) s->gop_check_complete = false;
    s->gop_keyframe_pts = s->keyframes > 0 ? pkt.pts : kNoTimestamp;
    ++s->keyframes;
  } else if (s->gop_keyframe_pts != kNoTimestamp) {
    if (pkt.pts == kNoTimestamp) {
      s->gop_check_complete = false;
    } else if (pkt.pts < s->gop_keyframe_pts) {
      s->open_gop = true;
    }
  }
}

bool IsVideo(const AVFormatContext& ctx, int index) {
  return ctx.streams[index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
}

double Seconds(int64_t ts, AVRational tb) { return static_cast<double>(ts) * av_q2d(tb); }

// Keyframe times, GOP lengths and open-GOP flag of one video stream.
GopInfo DescribeGops(const StreamScan& s, AVRational tb) {
  GopInfo gop;
  std::vector<int64_t> keys = s.keyframe_timestamps;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (int64_t k : keys) gop.keyframe_times.push_back(Seconds(k, tb));
  if (!keys.empty() && s.end_ts != kNoTimestamp) {
    double total = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      int64_t next = i + 1 < keys.size() ? keys[i + 1] : std::max(s.end_ts, keys[i]);
      double length = Seconds(next - keys[i], tb);
      gop.max_gop_seconds = std::max(gop.max_gop_seconds, length);
      total += length;
    }
    gop.avg_gop_seconds = total / static_cast<double>(keys.size());
  }
  gop.open_gop = s.open_gop;
  gop.open_gop_known = s.packets > 0 && (s.open_gop || s.gop_check_complete);
  return gop;
}

FieldOrder FieldOrderFromFrames(const DecodeSample& d, FieldOrder declared) {
  if (d.frames == 0) return declared;
  if (d.interlaced_frames == 0) return FieldOrder::kProgressive;
  return d.top_field_first_frames * 2 >= d.interlaced_frames ? FieldOrder::kTopFirst
                                                             : FieldOrder::kBottomFirst;
}

// The timestamps frame-rate analysis can trust: pts when every packet has
// one; else dts, which MPEG-PS/TS carry on packets whose PES header had no
// pts and which are as regular as pts for a constant-rate stream.
const std::vector<int64_t>& TimingSeries(const StreamScan& s) {
  if (static_cast<int64_t>(s.pts.size()) == s.packets) return s.pts;
  return s.dts.size() > s.pts.size() ? s.dts : s.pts;
}

void ApplyVideoScan(const StreamScan& s, AVRational tb, VideoInfo* v) {
  v->frame_count = s.packets;
  v->gop = DescribeGops(s, tb);
  const std::vector<int64_t>& timing = TimingSeries(s);
  v->variable_frame_rate = IsVariableFrameRate(timing);
  // libav's average comes from the first packets only and is sometimes the
  // container's tick rate (1000 fps for FLV and some Matroska); the whole
  // scan knows better.
  double measured = MeasuredFrameRate(timing, Rational{tb.num, tb.den});
  double declared = v->avg_frame_rate.ToDouble();
  if (measured > 0 && (declared <= 0 || std::fabs(declared - measured) > 0.1 * measured)) {
    AVRational rate = av_d2q(measured, 100000);
    v->avg_frame_rate = Rational{rate.num, rate.den};
  }
}

// Seconds from the first to the last timestamp of all streams, or 0.
double ScannedDuration(const ScanResult& scan, const AVFormatContext& ctx) {
  double first = 0;
  double end = 0;
  bool any = false;
  for (size_t i = 0; i < scan.streams.size() && i < ctx.nb_streams; ++i) {
    const StreamScan& s = scan.streams[i];
    if (s.first_ts == kNoTimestamp || s.end_ts == kNoTimestamp) continue;
    AVRational tb = ctx.streams[i]->time_base;
    first = any ? std::min(first, Seconds(s.first_ts, tb)) : Seconds(s.first_ts, tb);
    end = any ? std::max(end, Seconds(s.end_ts, tb)) : Seconds(s.end_ts, tb);
    any = true;
  }
  return any ? end - first : 0;
}

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", s);
  return buf;
}

Status Corrupt(const std::string& message) { return Status(ErrorCode::kCorruptInput, message); }

Status CheckDecoded(const DecodeSample& d, const ScanResult& scan, const MediaInfo& info) {
  if (d.stream_index < 0) return Status::Ok();
  // A stream dropped from the job (IgnoreEmptyPrimary) is not checked.
  if (d.stream_index != info.primary_video && d.stream_index != info.primary_audio) return Status::Ok();
  const StreamInfo& s = info.streams[static_cast<size_t>(d.stream_index)];
  std::string what = "stream #" + std::to_string(s.index) + " (" + s.codec + ")";
  if (scan.streams[static_cast<size_t>(d.stream_index)].packets == 0) {
    return Corrupt(what + " has no packets");
  }
  if (d.frames > 0) return Status::Ok();
  return Corrupt(what + ": no frame could be decoded from its first " +
                 std::to_string(d.packets_sent) + " packets" +
                 (d.last_error.empty() ? "" : " (decoder: " + d.last_error + ")"));
}

// Sample tables (mp4/mov) declare how many packets each track has; a file
// cut short delivers fewer. Other containers' counts (AVI's header length,
// Matroska tags) are written before capture ends and are often wrong in
// files that decode cleanly, so only sample tables are trusted.
Status CheckPacketCounts(const ScanResult& scan, const AVFormatContext& ctx) {
  if (std::string_view(ctx.iformat->name).rfind("mov", 0) != 0) return Status::Ok();
  for (size_t i = 0; i < scan.streams.size() && i < ctx.nb_streams; ++i) {
    const AVCodecParameters& par = *ctx.streams[i]->codecpar;
    // Demuxers group PCM-like samples into multi-sample packets.
    if (av_get_exact_bits_per_sample(par.codec_id) > 0) continue;
    int64_t declared = ctx.streams[i]->nb_frames;
    int64_t seen = scan.streams[i].packets;
    if (declared > 0 && seen < declared - std::max<int64_t>(2, declared / 100)) {
      return Corrupt("truncated: stream #" + std::to_string(i) + " declares " +
                     std::to_string(declared) + " packets but only " + std::to_string(seen) +
                     " could be read");
    }
  }
  return Status::Ok();
}

Status CheckDuration(const ScanResult& scan, const AVFormatContext& ctx) {
  // A bitrate-based estimate is a guess, not a declaration.
  if (ctx.duration == kNoTimestamp || ctx.duration <= 0 ||
      ctx.duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) {
    return Status::Ok();
  }
  double declared = static_cast<double>(ctx.duration) / AV_TIME_BASE;
  double scanned = ScannedDuration(scan, ctx);
  if (scanned < declared - std::max(1.0, 0.1 * declared)) {
    return Corrupt("truncated: declares " + FormatSeconds(declared) +
                   " but its packets end after " + FormatSeconds(scanned));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ScanResult> ScanPackets(AVFormatContext* ctx, int video_index, int audio_index) {
  ScanResult scan;
  FrameSampler video;
  FrameSampler audio;
  if (video_index >= 0) RETURN_IF_ERROR(video.Open(*ctx->streams[video_index]));
  if (audio_index >= 0) RETURN_IF_ERROR(audio.Open(*ctx->streams[audio_index]));
  PacketPtr pkt = MakePacket();
  if (!pkt) return Internal("out of memory allocating a packet");
  while (true) {
    int ret = av_read_frame(ctx, pkt.get());
    if (ret == AVERROR(EAGAIN)) continue;
    if (ret < 0) {
      if (ret != AVERROR_EOF) scan.read_error = ret;
      break;
    }
    // Streams may appear mid-file (MPEG-TS, FLV).
    if (scan.streams.size() < ctx->nb_streams) scan.streams.resize(ctx->nb_streams);
    int index = pkt->stream_index;
    ++scan.packets;
    RecordPacket(*pkt, IsVideo(*ctx, index), &scan.streams[static_cast<size_t>(index)]);
    if (index == video_index) video.Feed(*pkt);
    if (index == audio_index) audio.Feed(*pkt);
    av_packet_unref(pkt.get());
  }
  if (scan.streams.size() < ctx->nb_streams) scan.streams.resize(ctx->nb_streams);
  video.Finish();
  audio.Finish();
  scan.video = video.sample();
  scan.audio = audio.sample();
  return scan;
}

void ApplyScan(const ScanResult& scan, const AVFormatContext& ctx, MediaInfo* info) {
  for (StreamInfo& s : info->streams) {
    size_t i = static_cast<size_t>(s.index);
    if (i >= scan.streams.size()) continue;
    const StreamScan& ss = scan.streams[i];
    AVRational tb = ctx.streams[i]->time_base;
    if (s.duration <= 0 && ss.end_ts != kNoTimestamp && ss.first_ts != kNoTimestamp) {
      s.duration = Seconds(ss.end_ts - ss.first_ts, tb);
    }
    if (s.video) ApplyVideoScan(ss, tb, &*s.video);
  }
  if (info->duration <= 0) info->duration = ScannedDuration(scan, ctx);
  if (info->bit_rate <= 0 && info->duration > 0) {
    info->bit_rate =
        static_cast<int64_t>(static_cast<double>(info->file_size) * 8 / info->duration);
  }
  if (info->primary_video >= 0 && scan.video.stream_index == info->primary_video) {
    VideoInfo& v = *info->streams[static_cast<size_t>(info->primary_video)].video;
    v.field_order = FieldOrderFromFrames(scan.video, v.field_order);
    if (v.pixel_format.empty() && scan.video.pixel_format >= 0) {
      const AVPixFmtDescriptor* desc =
          av_pix_fmt_desc_get(static_cast<AVPixelFormat>(scan.video.pixel_format));
      if (desc != nullptr) {
        v.pixel_format = desc->name;
        v.bit_depth = desc->comp[0].depth;
      }
    }
  }
}

Status CheckIntegrity(const ScanResult& scan, const AVFormatContext& ctx, const MediaInfo& info) {
  if (scan.read_error != 0) {
    return AvStatus(scan.read_error, ErrorCode::kCorruptInput,
                    "damaged: reading stopped after " + std::to_string(scan.packets) + " packets");
  }
  for (size_t i = 0; i < scan.streams.size(); ++i) {
    if (scan.streams[i].corrupt_packets > 0) {
      return Corrupt("damaged: " + std::to_string(scan.streams[i].corrupt_packets) +
                     " packets of stream #" + std::to_string(i) + " are flagged corrupt");
    }
  }
  RETURN_IF_ERROR(CheckPacketCounts(scan, ctx));
  RETURN_IF_ERROR(CheckDuration(scan, ctx));
  RETURN_IF_ERROR(CheckDecoded(scan.video, scan, info));
  return CheckDecoded(scan.audio, scan, info);
}

}  // namespace vtp::media::probe_internal
