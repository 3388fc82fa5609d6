// MeasureLoudness: libavfilter's ebur128 over one decode of a stream (or of
// a vtp packet file), for one or several mixes at once.
#include "media/loudness.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

extern "C" {
#include <libavutil/dict.h>
}

#include "media/demuxer.h"
#include "media/filter_graph.h"
#include "media/packet_file.h"

namespace vtp::media {
namespace {

// ebur128 writes its metadata with "%.3f", so a linear true peak of a quiet
// signal would keep only a digit or two. The peak meter therefore runs on
// a copy raised by this much (exactly, in double precision) and the result
// is lowered again; loudness is read from an unscaled meter because the
// gates (-70 LUFS absolute, histogram bounds) are absolute levels.
constexpr double kPeakBoostDb = 40.0;

bool IsPacketFile(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return false;
  char magic[8] = {};
  return std::fread(magic, 1, sizeof(magic), f.get()) == sizeof(magic) &&
         std::memcmp(magic, "VTPPKT01", sizeof(magic)) == 0;
}

const char* MixLayout(int channels) {
  switch (channels) {
    case 1: return "mono";
    case 2: return "stereo";
    case 6: return "5.1";
    default: return nullptr;
  }
}

std::optional<double> MetaValue(const AVFrame* f, const char* key) {
  const AVDictionaryEntry* e = av_dict_get(f->metadata, key, nullptr, 0);
  if (e == nullptr) return std::nullopt;
  return std::strtod(e->value, nullptr);
}

struct MixMeter {
  std::optional<double> integrated;
  double lra = 0;
  double peak = 0;  // linear, boosted
};

// The measuring graph: per mix, an ebur128 for loudness and one for true peak.
class Meter {
 public:
  explicit Meter(std::vector<int> mixes) : mixes_(std::move(mixes)), meters_(mixes_.size()) {}

  Status Open(const AVCodecContext* dec, AVRational tb, int64_t end_pts) {
    // Frames arrive re-stamped in 1/sample_rate relative to the window
    // start, so the window is [0, end_pts) in that time base.
    std::string desc = "[in]atrim=start_pts=0";
    if (end_pts > 0) desc += ":end_pts=" + std::to_string(end_pts);
    size_t n = mixes_.size();
    desc += ",asplit=" + std::to_string(n);
    for (size_t k = 0; k < n; ++k) desc += "[m" + std::to_string(k) + "]";
    for (size_t k = 0; k < n; ++k) {
      std::string m = std::to_string(k);
      desc += ";[m" + m + "]";
      if (mixes_[k] != 0) desc += std::string("aformat=channel_layouts=") + MixLayout(mixes_[k]) + ",";
      desc += "asplit=2[l" + m + "][p" + m + "];";
      desc += "[l" + m + "]ebur128=metadata=1[out" + std::to_string(2 * k) + "];";
      char boost[64];
      std::snprintf(boost, sizeof(boost), "volume=%.1fdB:precision=double", kPeakBoostDb);
      desc += "[p" + m + "]" + boost + ",ebur128=peak=true:metadata=1[out" + std::to_string(2 * k + 1) + "]";
    }
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(dec, tb, desc, static_cast<int>(2 * n)));
    graph_.emplace(std::move(g));
    source_channels_ = dec->ch_layout.nb_channels;
    return Status::Ok();
  }

  bool opened() const { return graph_.has_value(); }

  Status Push(AVFrame* frame) {
    RETURN_IF_ERROR(graph_->Push(frame));
    FramePtr out = MakeFrame();
    for (int i = 0; i < graph_->outputs(); ++i) {
      MixMeter& m = meters_[static_cast<size_t>(i / 2)];
      for (;;) {
        ASSIGN_OR_RETURN(bool got, graph_->Pull(i, out.get()));
        if (!got) break;
        if (i % 2 == 0) {
          if (auto v = MetaValue(out.get(), "lavfi.r128.I")) m.integrated = *v;
          if (auto v = MetaValue(out.get(), "lavfi.r128.LRA")) m.lra = *v;
        } else if (auto v = MetaValue(out.get(), "lavfi.r128.true_peak")) {
          m.peak = std::max(m.peak, *v);
        }
        av_frame_unref(out.get());
      }
    }
    return Status::Ok();
  }

  std::vector<LoudnessStats> Results() const {
    std::vector<LoudnessStats> out;
    for (size_t k = 0; k < mixes_.size(); ++k) {
      const MixMeter& m = meters_[k];
      LoudnessStats s;
      s.channels = mixes_[k] != 0 ? mixes_[k] : source_channels_;
      // No 100 ms block at all (a clip shorter than ebur128's first
      // measurement) reads as the gate, like a silent one.
      s.integrated_lufs = m.integrated.value_or(kLoudnessGateLufs);
      s.silent = s.integrated_lufs <= kLoudnessGateLufs + 1e-9;
      s.lra_lu = m.lra;
      s.true_peak_dbtp = m.peak > 0 ? std::max(kSilentPeakDbtp, 20 * std::log10(m.peak) - kPeakBoostDb)
                                    : kSilentPeakDbtp;
      out.push_back(s);
    }
    return out;
  }

 private:
  std::vector<int> mixes_;
  std::vector<MixMeter> meters_;
  std::optional<FilterGraph> graph_;
  int source_channels_ = 0;
};

// Decodes every frame of `path` (a media file's stream, or a packet file)
// and calls on_frame(decoder context, frame, stream time base).
template <typename OnFrame>
Status ForEachFrame(const std::string& path, int stream_index, OnFrame&& on_frame) {
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  if (IsPacketFile(path)) {
    if (stream_index != 0) return Internal("a packet file has one stream: " + path);
    ASSIGN_OR_RETURN(PacketReader reader, PacketReader::Open(path));
    if (reader.codecpar()->codec_type != AVMEDIA_TYPE_AUDIO) {
      return InvalidArgument("not an audio packet file: " + path);
    }
    AVRational tb = reader.time_base();
    ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(reader.codecpar(), tb, 1));
    auto cb = [&](AVFrame* f) { return on_frame(dec.context(), f, tb); };
    for (;;) {
      ASSIGN_OR_RETURN(bool more, reader.Next(pkt.get()));
      RETURN_IF_ERROR(dec.Feed(more ? pkt.get() : nullptr, frame.get(), cb));
      if (!more) return Status::Ok();
      av_packet_unref(pkt.get());
    }
  }
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(path, stream_index));
  AVStream* st = ctx->streams[stream_index];
  if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
    return InvalidArgument("stream " + std::to_string(stream_index) + " of " + path + " is not audio");
  }
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, 1));
  auto cb = [&](AVFrame* f) { return on_frame(dec.context(), f, st->time_base); };
  for (;;) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    bool more = ret >= 0;
    if (ret < 0 && ret != AVERROR_EOF) return AvStatus(ret, ErrorCode::kCorruptInput, "reading audio");
    if (more && pkt->stream_index != stream_index) {
      av_packet_unref(pkt.get());
      continue;
    }
    RETURN_IF_ERROR(dec.Feed(more ? pkt.get() : nullptr, frame.get(), cb));
    if (!more) return Status::Ok();
    av_packet_unref(pkt.get());
  }
}

}  // namespace

StatusOr<std::vector<LoudnessStats>> MeasureLoudnessMixes(const std::string& path, int stream_index,
                                                          double origin_seconds, double max_seconds,
                                                          const std::vector<int>& mix_channels) {
  if (mix_channels.empty()) return InvalidArgument("no mix to measure");
  for (int c : mix_channels) {
    if (c != 0 && MixLayout(c) == nullptr) {
      return InvalidArgument("cannot measure a " + std::to_string(c) + "-channel mix (1, 2 or 6)");
    }
  }
  Meter meter(mix_channels);
  AVRational tb{1, 1};
  int64_t origin = 0;
  int64_t end = 0;
  auto on_frame = [&](const AVCodecContext* dec, AVFrame* f, AVRational stream_tb) -> Status {
    if (!meter.opened()) {
      if (dec->sample_rate <= 0) return Status(ErrorCode::kCorruptInput, "audio without a sample rate");
      tb = {1, dec->sample_rate};
      origin = std::llround(origin_seconds * dec->sample_rate);
      end = max_seconds > 0 ? std::llround(max_seconds * dec->sample_rate) : 0;
      RETURN_IF_ERROR(meter.Open(dec, tb, end));
    }
    int64_t ts = f->best_effort_timestamp;
    f->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, stream_tb, tb) - origin;
    return meter.Push(f);
  };
  RETURN_IF_ERROR(ForEachFrame(path, stream_index, on_frame));
  if (!meter.opened()) return Status(ErrorCode::kCorruptInput, "audio stream has no decodable frame: " + path);
  RETURN_IF_ERROR(meter.Push(nullptr));
  return meter.Results();
}

StatusOr<LoudnessStats> MeasureLoudness(const std::string& path, int stream_index, double origin_seconds,
                                        double max_seconds, int mix_channels) {
  ASSIGN_OR_RETURN(std::vector<LoudnessStats> r,
                   MeasureLoudnessMixes(path, stream_index, origin_seconds, max_seconds, {mix_channels}));
  return r.front();
}

}  // namespace vtp::media
