// PackageRendition: concatenation of a rendition's encoded chunks into fMP4
// and MPEG-TS segments, with exact per-segment timing for the manifests.
#include "media/package.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "media/packet_file.h"
#include "media/segment_muxer.h"

namespace vtp::media {
namespace {

std::string SegmentName(size_t index, const char* ext) {
  char name[40];
  std::snprintf(name, sizeof(name), "segment_%03zu.%s", index, ext);
  return name;
}

class Segmenter {
 public:
  Segmenter(const PackageJob& job, AVRational in_tb) : job_(job), in_tb_(in_tb) {
    AVRational btb{static_cast<int>(job.boundary_time_base.num), static_cast<int>(job.boundary_time_base.den)};
    for (int64_t b : job.boundaries) bounds_.push_back(av_rescale_q(b, btb, in_tb) + job.shift);
  }

  Status Open(const AVCodecParameters* par, PackagedTrack* track) {
    if (job_.write_fmp4) {
      ASSIGN_OR_RETURN(fmp4_, SegmentMuxer::Create(SegmentMuxer::Kind::kFmp4, par, in_tb_));
    }
    if (job_.write_ts) {
      ASSIGN_OR_RETURN(ts_, SegmentMuxer::Create(SegmentMuxer::Kind::kMpegTs, par, in_tb_));
    }
    track_ = track;
    track_->timescale = fmp4_ ? fmp4_->stream_time_base().den : in_tb_.den;
    track_->init_name = "init.mp4";
    track_->presentation_offset = av_rescale_q(job_.shift, in_tb_, {1, static_cast<int>(track_->timescale)});
    return Status::Ok();
  }

  Status Add(AVPacket* pkt) {
    bool can_cut = !job_.video || (pkt->flags & AV_PKT_FLAG_KEY);
    size_t next = segments_started_;
    if (segments_started_ == 0 || (can_cut && next < bounds_.size() && pkt->pts >= bounds_[next])) {
      if (segments_started_ > 0) RETURN_IF_ERROR(Cut());
      while (segments_started_ < bounds_.size() && bounds_[segments_started_] <= pkt->pts) ++segments_started_;
      if (segments_started_ == 0) segments_started_ = 1;
      seg_first_ = pkt->pts;
    }
    seg_first_ = std::min(seg_first_, pkt->pts);
    end_ = std::max(end_, pkt->pts + std::max<int64_t>(pkt->duration, 0));
    if (pkt->dts <= last_dts_) pkt->dts = last_dts_ + 1;
    if (pkt->dts > pkt->pts) return Internal("decode timestamp after presentation timestamp");
    last_dts_ = pkt->dts;
    if (fmp4_) RETURN_IF_ERROR(fmp4_->Write(pkt));
    if (ts_) RETURN_IF_ERROR(ts_->Write(pkt));
    ++track_->packets;
    return Status::Ok();
  }

  Status Finish() {
    if (track_->packets == 0) return Status(ErrorCode::kEncodeFailed, "rendition has no packets");
    return Cut();
  }

 private:
  Status Cut() {
    size_t index = track_->segments.size();
    PackagedSegment seg;
    AVRational out_tb{1, static_cast<int>(track_->timescale)};
    seg.start = av_rescale_q(seg_first_, in_tb_, out_tb);
    if (index > 0) {
      // Segments tile the timeline: the previous one ends where this starts.
      auto& prev = track_->segments.back();
      prev.duration = seg.start - prev.start;
      prev.seconds = static_cast<double>(prev.duration) / static_cast<double>(track_->timescale);
    }
    seg.duration = av_rescale_q(end_, in_tb_, out_tb) - seg.start;
    seg.seconds = static_cast<double>(seg.duration) / static_cast<double>(track_->timescale);
    std::filesystem::path dir(job_.out_dir);
    if (fmp4_) {
      seg.fmp4_name = SegmentName(index, "m4s");
      ASSIGN_OR_RETURN(seg.fmp4_bytes, fmp4_->CutSegment((dir / seg.fmp4_name).string(),
                                                         (dir / track_->init_name).string()));
      track_->init_bytes = fmp4_->init_bytes();
    }
    if (ts_) {
      seg.ts_name = SegmentName(index, "ts");
      ASSIGN_OR_RETURN(seg.ts_bytes, ts_->CutSegment((dir / seg.ts_name).string()));
    }
    track_->segments.push_back(seg);
    return Status::Ok();
  }

  const PackageJob& job_;
  AVRational in_tb_;
  std::vector<int64_t> bounds_;
  std::unique_ptr<SegmentMuxer> fmp4_;
  std::unique_ptr<SegmentMuxer> ts_;
  PackagedTrack* track_ = nullptr;
  size_t segments_started_ = 0;
  int64_t seg_first_ = INT64_MAX;
  int64_t end_ = INT64_MIN;
  int64_t last_dts_ = INT64_MIN;
};

void DescribeTrack(const AVCodecParameters* par, PackagedTrack* track) {
  track->codec = avcodec_get_name(par->codec_id);
  track->codec_config.assign(par->extradata, par->extradata + par->extradata_size);
  track->width = par->width;
  track->height = par->height;
  track->sample_rate = par->sample_rate;
  track->channels = par->ch_layout.nb_channels;
}

}  // namespace

StatusOr<PackagedTrack> PackageRendition(const PackageJob& job) {
  if (job.inputs.empty()) return InvalidArgument("nothing to package");
  std::filesystem::create_directories(job.out_dir);
  PackagedTrack track;
  std::optional<Segmenter> seg;
  PacketPtr pkt = MakePacket();
  for (const auto& input : job.inputs) {
    ASSIGN_OR_RETURN(PacketReader reader, PacketReader::Open(input));
    if (!seg) {
      if (job.write_ts && !MpegTsCarries(reader.codecpar()->codec_id)) {
        return InvalidArgument(std::string("cannot package ") + avcodec_get_name(reader.codecpar()->codec_id) +
                               " as MPEG-TS (only H.264 and AAC): " + input);
      }
      DescribeTrack(reader.codecpar(), &track);
      seg.emplace(job, reader.time_base());
      RETURN_IF_ERROR(seg->Open(reader.codecpar(), &track));
    }
    for (;;) {
      ASSIGN_OR_RETURN(bool more, reader.Next(pkt.get()));
      if (!more) break;
      pkt->pts += job.shift - job.priming;
      pkt->dts += job.shift - job.priming;
      RETURN_IF_ERROR(seg->Add(pkt.get()));
    }
  }
  RETURN_IF_ERROR(seg->Finish());
  return track;
}

}  // namespace vtp::media

namespace vtp::media {

StatusOr<int64_t> WriteProgressiveMp4(const std::string& packet_file, int64_t priming,
                                      const std::string& output) {
  ASSIGN_OR_RETURN(PacketReader reader, PacketReader::Open(packet_file));
  AVFormatContext* raw = nullptr;
  int ret = avformat_alloc_output_context2(&raw, nullptr, "mp4", output.c_str());
  if (ret < 0) return AvStatus(ret, ErrorCode::kInternal, "allocating mp4 muxer");
  OutputFormatPtr ctx(raw);
  raw->flags |= AVFMT_FLAG_BITEXACT;
  AVStream* st = avformat_new_stream(raw, nullptr);
  if (st == nullptr) return Internal("avformat_new_stream failed");
  RETURN_IF_ERROR(AvStatus(avcodec_parameters_copy(st->codecpar, reader.codecpar()), ErrorCode::kInternal,
                           "codec parameters"));
  st->codecpar->codec_tag = 0;
  st->time_base = reader.time_base();
  RETURN_IF_ERROR(AvStatus(avio_open(&raw->pb, output.c_str(), AVIO_FLAG_WRITE), ErrorCode::kIo,
                           "opening " + output));
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+faststart", 0);
  av_dict_set(&opts, "fflags", "+bitexact", 0);
  ret = avformat_write_header(raw, &opts);
  av_dict_free(&opts);
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kEncodeFailed, "starting " + output));
  PacketPtr pkt = MakePacket();
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(pkt.get()));
    if (!more) break;
    // Negative times for the priming samples become the edit list's skip.
    pkt->pts -= priming;
    pkt->dts -= priming;
    pkt->stream_index = 0;
    av_packet_rescale_ts(pkt.get(), reader.time_base(), st->time_base);
    RETURN_IF_ERROR(AvStatus(av_write_frame(raw, pkt.get()), ErrorCode::kEncodeFailed, "muxing " + output));
  }
  RETURN_IF_ERROR(AvStatus(av_write_trailer(raw), ErrorCode::kEncodeFailed, "finishing " + output));
  int64_t size = avio_size(raw->pb);
  return size;
}

}  // namespace vtp::media
