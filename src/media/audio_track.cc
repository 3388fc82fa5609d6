// TranscodeAudioTrack: one audio track, decoded once per pass, normalised
// per mix and encoded to every requested output.
//
// Normalisation is linear: gain = target - measured integrated loudness of
// the mix the outputs carry (pass 1, ebur128 at the source's own rate), and a
// lookahead limiter at four times the sample rate (so inter-sample peaks are
// caught) holds the true peak kHeadroomDb under the target, because AAC and
// Opus add peaks of their own (measured up to ~2-3 dB on speech and noise at
// 64-128 kb/s). Neither codec overshoot nor the loudness the limiter takes
// from very peaky programmes is predictable, so with job.verify each encoded
// output that could have missed is measured and, if it did, re-encoded with
// a gain and ceiling corrected by what was measured (at most kMaxEncodes
// encodes; the best encode is kept).
//
// loudnorm was the alternative: its linear mode is a plain gain that it
// abandons for its dynamic mode (a 3 s gain rider that changes the mix)
// whenever the gain would push peaks over the target or the LRA exceeds the
// target LRA, and it always outputs 192 kHz. The gain plus limiter keeps the
// programme's dynamics and touches only the peaks above the ceiling.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

extern "C" {
#include <libavutil/channel_layout.h>
}

#include "media/audio.h"
#include "media/demuxer.h"
#include "media/encoder.h"
#include "media/filter_graph.h"
#include "media/packet_file.h"

namespace vtp::media {
namespace {

constexpr double kHeadroomDb = 2.0;       // limiter ceiling under the target true peak
constexpr double kRetryMarginDb = 0.3;    // extra room a re-encode aims for
// Codec overshoot seen on this platform stays under ~3 dB (pink noise at AAC
// 128 kb/s); an output whose pre-encoding true peak is further than this
// under the target cannot reach it and is not measured.
constexpr double kVerifyWithinDb = 4.0;
// A limiter that cuts peaks by E dB costs the programme some loudness
// (measured 0.1-0.7 LU for E = 1-7.5 dB on corpus speech, film and noise);
// the first encode pre-compensates min(0.3, 0.1 * E) LU so that it usually
// lands within kLoudnessToleranceLu without a re-encode.
constexpr double kLimiterLossPerDb = 0.1;
constexpr double kLimiterLossMaxLu = 0.3;
constexpr double kLoudnessToleranceLu = 0.5;
constexpr double kMinLoudnessSlope = 0.25;  // LU per dB of gain, for the secant step
constexpr double kMaxGainStepDb = 4.0;      // largest gain correction of one re-encode
constexpr int kMaxEncodes = 3;
constexpr double kMinLimitDb = -24.0;  // alimiter's lowest limit (0.0625)
constexpr const char* kRetrySuffix = ".vtp-reencode";  // a re-encode's side file

const char* LayoutName(int channels) {
  switch (channels) {
    case 1: return "mono";
    case 2: return "stereo";
    default: return "5.1";  // FL FR FC LFE BL BR: AAC's standard 6-channel configuration
  }
}

AVChannelLayout Layout(int channels) {
  AVChannelLayout l{};
  if (channels == 6) {
    av_channel_layout_from_mask(&l, AV_CH_LAYOUT_5POINT1_BACK);
  } else {
    av_channel_layout_default(&l, channels);
  }
  return l;
}

bool IsOpus(const AudioOutput& o) { return o.codec == "opus"; }

int OutputRate(const AudioOutput& o, int sample_rate) { return IsOpus(o) ? 48000 : sample_rate; }

int64_t DefaultBitrate(const AudioOutput& o) {
  return static_cast<int64_t>(IsOpus(o) ? 48000 : 64000) * o.channels;
}

// One mix's processing: every output with this channel count shares it.
struct Group {
  int channels = 2;
  double gain_db = 0;
  std::optional<double> ceiling_dbtp;  // limiter; none when peaks fit
  std::vector<size_t> outputs;         // indices into job.outputs
};

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ",") + p;
  return s;
}

// The pass-2 graph. Sink i feeds `sinks[i]` (a job output index). With one
// mix, no gain or limiter and a single AAC output this is exactly the graph
// the audio step used before normalisation (so such output is unchanged).
std::string GraphDescription(const AudioTrackJob& job, int rate, const std::vector<Group>& groups,
                             std::vector<size_t>* sinks) {
  char buf[256];
  std::vector<std::string> head;
  // async=1 with first_pts=0 pads (or trims) the start so audio begins
  // exactly at the origin (the video's first frame), and fills timestamp gaps
  // with silence.
  std::snprintf(buf, sizeof(buf), "aresample=%d:async=1:first_pts=0", rate);
  head.push_back(buf);
  std::snprintf(buf, sizeof(buf), "aformat=sample_fmts=fltp:sample_rates=%d", rate);
  head.push_back(std::string(buf) +
                 (groups.size() == 1 ? std::string(":channel_layouts=") + LayoutName(groups[0].channels) : ""));
  if (job.max_seconds > 0) {
    std::snprintf(buf, sizeof(buf), "atrim=end_sample=%" PRId64,
                  static_cast<int64_t>(std::llround(job.max_seconds * rate)));
    head.push_back(buf);
  }
  // Each mix starts from the head itself (one mix) or from its own branch.
  std::string desc;
  if (groups.size() > 1) {
    desc = "[in]" + Join(head) + ",asplit=" + std::to_string(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) desc += "[g" + std::to_string(g) + "]";
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const Group& grp = groups[g];
    std::string label = groups.size() == 1 ? "[in]" : "[g" + std::to_string(g) + "]";
    std::vector<std::string> chain;
    if (groups.size() == 1) {
      chain = head;
    } else {
      chain.push_back(std::string("aformat=channel_layouts=") + LayoutName(grp.channels));
    }
    if (grp.gain_db != 0) chain.push_back(Fmt("volume=%.4fdB", grp.gain_db));
    if (grp.ceiling_dbtp) {
      double limit = std::pow(10.0, std::clamp(*grp.ceiling_dbtp, kMinLimitDb, 0.0) / 20);
      chain.push_back("aresample=" + std::to_string(4 * rate));
      chain.push_back(Fmt("alimiter=limit=%.6f:attack=2:release=50:level=0:latency=1", limit));
      chain.push_back("aresample=" + std::to_string(rate));
    }
    bool processed = grp.gain_db != 0 || grp.ceiling_dbtp.has_value();
    // The encoder's own format, after anything that may have changed it.
    auto tail = [&](size_t o) -> std::string {
      const AudioOutput& out = job.outputs[o];
      int out_rate = OutputRate(out, rate);
      if (!processed && !IsOpus(out) && out_rate == rate) return "";
      std::snprintf(buf, sizeof(buf), "aformat=sample_fmts=%s:sample_rates=%d:channel_layouts=%s",
                    IsOpus(out) ? "flt" : "fltp", out_rate, LayoutName(out.channels));
      return buf;
    };
    if (!desc.empty()) desc += ";";
    if (grp.outputs.size() == 1) {
      std::string t = tail(grp.outputs[0]);
      if (!t.empty()) chain.push_back(t);
      if (chain.empty()) chain.push_back("anull");
      desc += label + Join(chain) + "[out" + std::to_string(sinks->size()) + "]";
      sinks->push_back(grp.outputs[0]);
      continue;
    }
    std::string split = "asplit=" + std::to_string(grp.outputs.size());
    std::string tails;
    for (size_t o : grp.outputs) {
      std::string t = tail(o);
      std::string out = "out" + std::to_string(sinks->size());
      sinks->push_back(o);
      if (t.empty()) {
        split += "[" + out + "]";
      } else {
        split += "[t" + out + "]";
        tails += ";[t" + out + "]" + t + "[" + out + "]";
      }
    }
    chain.push_back(split);
    desc += label + Join(chain) + tails;
  }
  return desc;
}

StatusOr<Encoder> OpenEncoder(const AudioOutput& o, int rate) {
  int64_t bitrate = o.bitrate > 0 ? o.bitrate : DefaultBitrate(o);
  auto common = [&](AVCodecContext* ctx) {
    ctx->sample_rate = rate;
    AVChannelLayout l = Layout(o.channels);
    av_channel_layout_copy(&ctx->ch_layout, &l);
    ctx->bit_rate = bitrate;
    ctx->time_base = {1, rate};
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_BITEXACT;
    ctx->thread_count = 1;
  };
  if (IsOpus(o)) {
    return Encoder::Open("libopus", {}, [&](AVCodecContext* ctx) {
      common(ctx);
      ctx->sample_fmt = AV_SAMPLE_FMT_FLT;
    });
  }
  return Encoder::Open("aac", {}, [&](AVCodecContext* ctx) {
    common(ctx);
    ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
    ctx->profile = FF_PROFILE_AAC_LOW;
  });
}

// One output's encoder and packet file.
struct Lane {
  size_t index = 0;  // into job.outputs
  int rate = 0;
  std::optional<Encoder> encoder;
  std::optional<PacketWriter> writer;
  int64_t samples = 0;
  int64_t priming = 0;
};

// One pass 2 over the source for `groups`.
class Pass {
 public:
  // Outputs go to each output's path + `suffix`.
  Pass(const AudioTrackJob& job, int rate, std::vector<Group> groups, std::string suffix = "")
      : job_(job), rate_(rate), groups_(std::move(groups)), suffix_(std::move(suffix)) {}

  Status Open(const AVCodecContext* dec, AVRational in_tb) {
    for (const Group& g : groups_) {
      if (g.channels == 6 && dec->ch_layout.nb_channels < 6) {
        return InvalidArgument("a 6-channel output needs a source with at least 6 channels, stream has " +
                               std::to_string(dec->ch_layout.nb_channels));
      }
    }
    std::vector<size_t> sinks;
    std::string desc = GraphDescription(job_, rate_, groups_, &sinks);
    ASSIGN_OR_RETURN(FilterGraph g, FilterGraph::Create(dec, in_tb, desc, static_cast<int>(sinks.size())));
    graph_.emplace(std::move(g));
    for (size_t i = 0; i < sinks.size(); ++i) {
      const AudioOutput& o = job_.outputs[sinks[i]];
      Lane lane;
      lane.index = sinks[i];
      lane.rate = OutputRate(o, rate_);
      ASSIGN_OR_RETURN(Encoder e, OpenEncoder(o, lane.rate));
      graph_->SetFrameSize(static_cast<int>(i), e.context()->frame_size);
      lane.priming = e.context()->initial_padding;
      CodecParametersPtr par(avcodec_parameters_alloc());
      if (!par) return Internal("avcodec_parameters_alloc failed");
      RETURN_IF_ERROR(AvStatus(avcodec_parameters_from_context(par.get(), e.context()), ErrorCode::kInternal,
                               "copying encoder parameters"));
      ASSIGN_OR_RETURN(PacketWriter w, PacketWriter::Create(o.output + suffix_, par.get(), {1, lane.rate}));
      lane.encoder.emplace(std::move(e));
      lane.writer.emplace(std::move(w));
      lanes_.push_back(std::move(lane));
    }
    return Status::Ok();
  }

  bool opened() const { return graph_.has_value(); }

  Status Push(AVFrame* frame) {
    RETURN_IF_ERROR(graph_->Push(frame));
    for (size_t i = 0; i < lanes_.size(); ++i) RETURN_IF_ERROR(Drain(i, frame == nullptr));
    return Status::Ok();
  }

  Status Finish() {
    for (Lane& l : lanes_) RETURN_IF_ERROR(l.writer->Finish());
    return Status::Ok();
  }

  const std::vector<Lane>& lanes() const { return lanes_; }

 private:
  Status Drain(size_t i, bool flush) {
    Lane& lane = lanes_[i];
    FramePtr out = MakeFrame();
    for (;;) {
      ASSIGN_OR_RETURN(bool got, graph_->Pull(static_cast<int>(i), out.get()));
      if (!got) break;
      out->pts = av_rescale_q(out->pts, graph_->output_time_base(static_cast<int>(i)), {1, lane.rate});
      lane.samples += out->nb_samples;
      RETURN_IF_ERROR(lane.encoder->Send(out.get()));
      av_frame_unref(out.get());
      RETURN_IF_ERROR(Write(lane));
    }
    if (flush) {
      RETURN_IF_ERROR(lane.encoder->Send(nullptr));
      RETURN_IF_ERROR(Write(lane));
    }
    return Status::Ok();
  }

  static Status Write(Lane& lane) {
    PacketPtr pkt = MakePacket();
    for (;;) {
      ASSIGN_OR_RETURN(bool got, lane.encoder->Receive(pkt.get()));
      if (!got) return Status::Ok();
      pkt->pts += lane.priming;
      pkt->dts += lane.priming;
      RETURN_IF_ERROR(lane.writer->Write(pkt.get()));
      av_packet_unref(pkt.get());
    }
  }

  const AudioTrackJob& job_;
  int rate_;
  std::vector<Group> groups_;
  std::string suffix_;
  std::optional<FilterGraph> graph_;
  std::vector<Lane> lanes_;
};

// Decodes the source once through `pass`.
Status RunPass(const AudioTrackJob& job, int rate, Pass& pass) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(job.input_path, job.stream_index));
  AVStream* st = ctx->streams[job.stream_index];
  if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
    return InvalidArgument("stream " + std::to_string(job.stream_index) + " of " + job.input_path +
                           " is not audio");
  }
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, 1));
  // Frames are re-stamped in samples relative to the origin so the resampler
  // sees the true start offset of the audio against the video.
  AVRational out_tb{1, rate};
  int64_t origin = std::llround(job.origin_seconds * rate);
  PacketPtr pkt = MakePacket();
  FramePtr frame = MakeFrame();
  auto on_frame = [&](AVFrame* f) -> Status {
    if (!pass.opened()) RETURN_IF_ERROR(pass.Open(dec.context(), out_tb));
    int64_t ts = f->best_effort_timestamp;
    f->pts = ts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(ts, st->time_base, out_tb) - origin;
    return pass.Push(f);
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
  if (!pass.opened()) return Status(ErrorCode::kCorruptInput, "audio stream has no decodable frame");
  RETURN_IF_ERROR(pass.Push(nullptr));
  return pass.Finish();
}

Status Validate(const AudioTrackJob& job) {
  if (job.outputs.empty()) return InvalidArgument("audio track job has no output");
  if (job.sample_rate <= 0) return InvalidArgument("bad sample rate " + std::to_string(job.sample_rate));
  for (const AudioOutput& o : job.outputs) {
    if (o.codec != "aac" && o.codec != "opus") {
      return InvalidArgument("unknown audio codec '" + o.codec + "' (aac or opus)");
    }
    if (o.channels != 1 && o.channels != 2 && o.channels != 6) {
      return InvalidArgument("an audio output has 1, 2 or 6 channels, not " + std::to_string(o.channels));
    }
    if (o.output.empty()) return InvalidArgument("audio output without a path");
    if (o.bitrate < 0) return InvalidArgument("negative audio bitrate");
  }
  return Status::Ok();
}

// What one output's last encode used, for verification.
struct Setting {
  double gain_db = 0;
  std::optional<double> ceiling_dbtp;
};

// The true peak going into the encoders.
double PreCodecPeak(const LoudnessStats& mix, const Setting& s) {
  double peak = mix.true_peak_dbtp + s.gain_db;
  return s.ceiling_dbtp ? std::min(peak, *s.ceiling_dbtp) : peak;
}

std::optional<double> LimiterFor(const LoudnessStats& mix, double gain_db, double ceiling) {
  if (mix.true_peak_dbtp + gain_db <= ceiling) return std::nullopt;
  return ceiling;
}

// Within the target: true peak at or under it, loudness within tolerance
// (unless there is no loudness to correct).
bool Good(const LoudnessStats& got, const LoudnessStats& mix, const LoudnessTarget& target) {
  if (got.true_peak_dbtp > target.true_peak_dbtp) return false;
  if (mix.silent || got.silent) return true;
  return std::abs(got.integrated_lufs - target.integrated_lufs) <= kLoudnessToleranceLu;
}

// Whether encode `a` is better than `b`: the true peak limit first, then
// the loudness error.
bool Better(const LoudnessStats& a, const LoudnessStats& b, const LoudnessStats& mix,
            const LoudnessTarget& target) {
  double over_a = std::max(0.0, a.true_peak_dbtp - target.true_peak_dbtp);
  double over_b = std::max(0.0, b.true_peak_dbtp - target.true_peak_dbtp);
  if (std::abs(over_a - over_b) > 0.005) return over_a < over_b;
  if (mix.silent) return false;
  double miss_a = std::abs(a.integrated_lufs - target.integrated_lufs);
  double miss_b = std::abs(b.integrated_lufs - target.integrated_lufs);
  return miss_a < miss_b;
}

Status Replace(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) return IoError("renaming " + from + " to " + to + ": " + ec.message());
  return Status::Ok();
}

Setting FirstSetting(const LoudnessStats& mix, const LoudnessTarget& target, double ceiling) {
  Setting s;
  if (!mix.silent) s.gain_db = std::min(target.integrated_lufs - mix.integrated_lufs, target.max_gain_db);
  s.ceiling_dbtp = LimiterFor(mix, s.gain_db, ceiling);
  if (s.ceiling_dbtp && !mix.silent) {
    double cut = mix.true_peak_dbtp + s.gain_db - ceiling;
    s.gain_db = std::min(s.gain_db + std::min(kLimiterLossMaxLu, kLimiterLossPerDb * cut), target.max_gain_db);
  }
  return s;
}

}  // namespace

StatusOr<AudioTrackResult> TranscodeAudioTrack(const AudioTrackJob& job) {
  RETURN_IF_ERROR(Validate(job));
  // The internal rate: the AAC outputs' rate, or Opus's own when there is no
  // AAC output (no resampling twice).
  bool any_aac = std::any_of(job.outputs.begin(), job.outputs.end(),
                             [](const AudioOutput& o) { return !IsOpus(o); });
  int rate = any_aac ? job.sample_rate : 48000;

  // Mixes in order of first appearance; the first output's mix is "the" track's.
  std::vector<int> mixes;
  for (const AudioOutput& o : job.outputs) {
    if (std::find(mixes.begin(), mixes.end(), o.channels) == mixes.end()) mixes.push_back(o.channels);
  }
  if (std::find(mixes.begin(), mixes.end(), 6) != mixes.end()) {
    ASSIGN_OR_RETURN(InputFormatPtr probe, OpenInputStream(job.input_path, job.stream_index));
    int channels = probe->streams[job.stream_index]->codecpar->ch_layout.nb_channels;
    if (channels > 0 && channels < 6) {
      return InvalidArgument("a 6-channel output needs a source with at least 6 channels, stream has " +
                             std::to_string(channels));
    }
  }

  // Pass 1: every mix not supplied by the caller, in one decode.
  std::vector<LoudnessStats> stats(mixes.size());
  if (job.normalize) {
    std::vector<int> missing;
    for (size_t m = 0; m < mixes.size(); ++m) {
      if (job.measured && job.measured->channels == mixes[m]) {
        stats[m] = *job.measured;
      } else {
        missing.push_back(mixes[m]);
      }
    }
    if (!missing.empty()) {
      ASSIGN_OR_RETURN(std::vector<LoudnessStats> got,
                       MeasureLoudnessMixes(job.input_path, job.stream_index, job.origin_seconds,
                                            job.max_seconds, missing));
      for (size_t i = 0; i < missing.size(); ++i) {
        size_t m = static_cast<size_t>(std::find(mixes.begin(), mixes.end(), missing[i]) - mixes.begin());
        stats[m] = got[i];
      }
    }
  }

  const LoudnessTarget& target = job.target;
  const double ceiling = target.true_peak_dbtp - kHeadroomDb;
  std::vector<Group> groups;
  std::vector<Setting> settings(job.outputs.size());
  for (size_t m = 0; m < mixes.size(); ++m) {
    Group g;
    g.channels = mixes[m];
    if (job.normalize) {
      Setting s = FirstSetting(stats[m], target, ceiling);
      g.gain_db = s.gain_db;
      g.ceiling_dbtp = s.ceiling_dbtp;
    }
    for (size_t o = 0; o < job.outputs.size(); ++o) {
      if (job.outputs[o].channels != g.channels) continue;
      g.outputs.push_back(o);
      settings[o] = {g.gain_db, g.ceiling_dbtp};
    }
    groups.push_back(std::move(g));
  }
  auto mix_of = [&](size_t o) -> const LoudnessStats& {
    return stats[static_cast<size_t>(std::find(mixes.begin(), mixes.end(), job.outputs[o].channels) -
                                     mixes.begin())];
  };

  AudioTrackResult result;
  result.outputs.resize(job.outputs.size());
  auto record = [&](const Pass& pass) {
    for (const Lane& l : pass.lanes()) {
      AudioOutputResult& r = result.outputs[l.index];
      r.samples = l.samples;
      r.priming = l.priming;
      r.sample_rate = l.rate;
      r.gain_db = settings[l.index].gain_db;
    }
  };

  // Pass 2.
  {
    Pass pass(job, rate, groups);
    RETURN_IF_ERROR(RunPass(job, rate, pass));
    record(pass);
  }

  // Verification: measure what can have missed; re-encode what did. A
  // re-encode goes to a side file and replaces the output only if it is
  // better (true peak first, then loudness), so an output never gets worse.
  if (job.normalize && job.verify) {
    std::vector<size_t> check;
    for (size_t o = 0; o < job.outputs.size(); ++o) {
      if (result.outputs[o].samples > 0 &&
          PreCodecPeak(mix_of(o), settings[o]) > target.true_peak_dbtp - kVerifyWithinDb) {
        check.push_back(o);
      }
    }
    std::vector<std::optional<std::pair<double, double>>> previous(job.outputs.size());  // gain, loudness
    for (int encode = 1; !check.empty(); ++encode) {
      std::vector<Group> retry;
      for (size_t o : check) {
        const std::string& path = job.outputs[o].output;
        std::string side = path + kRetrySuffix;
        ASSIGN_OR_RETURN(LoudnessStats got, MeasureLoudness(encode == 1 ? path : side, 0));
        AudioOutputResult& r = result.outputs[o];
        r.encodes = encode;
        const LoudnessStats& mix = mix_of(o);
        if (encode == 1 || Better(got, *r.loudness, mix, target)) {
          if (encode > 1) RETURN_IF_ERROR(Replace(side, path));
          r.loudness = got;
          r.gain_db = settings[o].gain_db;
        } else {
          std::error_code ec;
          std::filesystem::remove(side, ec);
        }
        if (encode >= kMaxEncodes || Good(*r.loudness, mix, target)) continue;
        // The next attempt corrects the latest one by what it measured.
        const Setting& last = settings[o];
        Setting next = last;
        if (!mix.silent && !got.silent &&
            std::abs(got.integrated_lufs - target.integrated_lufs) > kLoudnessToleranceLu) {
          // Under a working limiter loudness grows slower than the gain:
          // after two encodes, step by the slope they measured (secant).
          double slope = 1;
          if (previous[o] && std::abs(last.gain_db - previous[o]->first) > 0.1) {
            slope = std::clamp((got.integrated_lufs - previous[o]->second) / (last.gain_db - previous[o]->first),
                               kMinLoudnessSlope, 1.0);
          }
          double step = std::clamp((target.integrated_lufs - got.integrated_lufs) / slope, -kMaxGainStepDb,
                                   kMaxGainStepDb);
          next.gain_db = std::min(last.gain_db + step, target.max_gain_db);
        }
        previous[o] = {last.gain_db, got.integrated_lufs};
        double ceil = last.ceiling_dbtp.value_or(ceiling);
        if (got.true_peak_dbtp > target.true_peak_dbtp) {
          // Aim the encoder's input under the target by what the codec added.
          double overshoot = std::max(0.0, got.true_peak_dbtp - PreCodecPeak(mix, last));
          ceil = std::min(ceil, target.true_peak_dbtp - kRetryMarginDb - overshoot);
        }
        next.ceiling_dbtp = LimiterFor(mix, next.gain_db, ceil);
        bool changed = std::abs(next.gain_db - last.gain_db) > 0.05 ||
                       next.ceiling_dbtp.value_or(1e9) < last.ceiling_dbtp.value_or(1e9) - 0.05;
        if (!changed) continue;
        settings[o] = next;
        Group g;
        g.channels = job.outputs[o].channels;
        g.gain_db = next.gain_db;
        g.ceiling_dbtp = next.ceiling_dbtp;
        g.outputs = {o};
        retry.push_back(std::move(g));
      }
      check.clear();
      if (retry.empty()) break;
      for (const Group& g : retry) check.push_back(g.outputs[0]);
      Pass pass(job, rate, std::move(retry), kRetrySuffix);
      RETURN_IF_ERROR(RunPass(job, rate, pass));
    }
  }

  if (job.normalize) {
    result.input = mix_of(0);
  } else if (job.measured) {
    result.input = *job.measured;
  }
  result.gain_db = result.outputs[0].gain_db;
  return result;
}

}  // namespace vtp::media
