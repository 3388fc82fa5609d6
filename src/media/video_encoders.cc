// Per-encoder settings for a rendition, and opening the encoder.
#include "media/video_encoders.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
}

namespace vtp::media {
namespace {

Status Inconsistent(const VideoRendition& r, const std::string& why) {
  return InvalidArgument("rendition " + r.path() + " (" + r.encoder + "): " + why);
}

// "-8".."13": the numeric presets of libvpx (cpu-used) and SVT-AV1/libaom.
StatusOr<int> NumericPreset(const VideoRendition& r) {
  const std::string& p = r.preset;
  size_t digits = !p.empty() && p[0] == '-' ? 1 : 0;
  bool ok = p.size() > digits && p.size() <= digits + 2 &&
            std::all_of(p.begin() + static_cast<std::ptrdiff_t>(digits), p.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) return Inconsistent(r, "preset '" + p + "' is not a number");
  return std::atoi(p.c_str());
}

// Which codec each encoder produces.
struct EncoderFamily {
  const char* encoder;
  const char* codec;
};
constexpr EncoderFamily kEncoders[] = {
    {"libx264", "h264"},    {"h264_nvenc", "h264"},  {"libx265", "hevc"}, {"hevc_nvenc", "hevc"},
    {"libvpx-vp9", "vp9"},  {"libsvtav1", "av1"},    {"libaom-av1", "av1"},
};

Status CheckRendition(const VideoRendition& r, const VideoEncoderInput& in) {
  const EncoderFamily* family = nullptr;
  for (const auto& e : kEncoders) {
    if (r.encoder == e.encoder) family = &e;
  }
  if (family == nullptr) return Inconsistent(r, "unknown video encoder");
  if (r.codec != family->codec) return Inconsistent(r, "encoder does not produce " + r.codec);
  if (r.bit_depth != 8 && r.bit_depth != 10) return Inconsistent(r, "bit depth must be 8 or 10");
  if (r.codec == "h264" && r.bit_depth != 8) return Inconsistent(r, "H.264 renditions are 8-bit");
  if (r.hdr && r.bit_depth != 10) return Inconsistent(r, "HDR renditions are 10-bit");
  if (r.hdr && in.tonemapped) return Inconsistent(r, "HDR rendition from tone-mapped pictures");
  if (r.width <= 0 || r.height <= 0 || r.width % 2 || r.height % 2) {
    return Inconsistent(r, "picture size must be positive and even");
  }
  return Status::Ok();
}

// Colour tags: BT.709 after tone mapping, the source's own otherwise (HDR
// renditions keep PQ/HLG and BT.2020). `fallback` replaces a name libav does
// not know.
template <typename Tag>
Tag ColourTag(int parsed, Tag fallback) {
  return parsed < 0 ? fallback : static_cast<Tag>(parsed);
}

void SetColours(const VideoEncoderInput& in, bool untagged_as_zero, VideoEncoderSettings* s) {
  if (in.tonemapped) {
    s->color_primaries = AVCOL_PRI_BT709;
    s->color_trc = AVCOL_TRC_BT709;
    s->colorspace = AVCOL_SPC_BT709;
  } else {
    // libx264 has always been given 0 for an unparsable name; its output
    // must stay byte-identical to earlier releases.
    s->color_primaries = ColourTag(av_color_primaries_from_name(in.color_primaries.c_str()),
                                   untagged_as_zero ? AVColorPrimaries{} : AVCOL_PRI_UNSPECIFIED);
    s->color_trc = ColourTag(av_color_transfer_from_name(in.color_transfer.c_str()),
                             untagged_as_zero ? AVColorTransferCharacteristic{} : AVCOL_TRC_UNSPECIFIED);
    s->colorspace = ColourTag(av_color_space_from_name(in.color_matrix.c_str()),
                              untagged_as_zero ? AVColorSpace{} : AVCOL_SPC_UNSPECIFIED);
  }
  s->color_range = AVCOL_RANGE_MPEG;
}

// The fields every encoder shares: VBV, threads, GOP safety net, colour.
VideoEncoderSettings Common(const VideoRendition& r, const VideoEncoderInput& in) {
  VideoEncoderSettings s;
  s.encoder = r.encoder;
  s.pix_fmt = r.bit_depth == 10 ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P;
  s.gop_size = KeyframeInterval(in.frame_rate) * 2;
  s.rc_max_rate = r.maxrate;
  s.rc_buffer_size = static_cast<int>(r.bufsize);
  s.thread_count = in.threads;
  SetColours(in, false, &s);
  s.bit_rate = 0;
  return s;
}

// log2 of the tile columns for VP9/AV1: one column per 256 pixels of width
// at most (VP9's minimum tile width), so row-mt has columns to spread over.
int TileColumnsLog2(int width) {
  int log2 = 0;
  while (log2 < 4 && (256 << (log2 + 1)) <= width) ++log2;
  return log2;
}

VideoEncoderSettings X264(const VideoRendition& r, const VideoEncoderInput& in) {
  VideoEncoderSettings s = Common(r, in);
  // One thread: x264 0.164 with VBV and 2 threads (frame or sliced) gave a
  // different stream on every run of the same ffmpeg CLI command (12 of 12
  // distinct on a 9 s 720p clip), one thread the same bytes each time. The
  // rungs already encode in parallel, one lane each, and chunks across
  // workers.
  s.thread_count = 1;
  SetColours(in, true, &s);
  s.bit_rate = -1;
  int keyint = KeyframeInterval(in.frame_rate);
  s.options = {
      {"preset", r.preset},
      {"crf", std::to_string(r.crf)},
      {"profile", r.profile},
      {"level", r.level},
      {"forced-idr", "1"},
      // Keyframes come only from the plan's forced boundaries (identical in
      // every rendition); keyint is a safety net above the GOP length.
      // mbtree=0: x264 0.164 (Debian 12)'s SIMD mbtree_propagate_cost reads
      // past the end of its per-frame lookahead buffer (valgrind: 16-byte
      // read ending 4 bytes beyond the block), and the output then depends on
      // whatever the heap holds there: at 160x90 two identical encodes in one
      // process differ, as does the ffmpeg CLI under MALLOC_PERTURB_. MB-tree
      // is the only caller, so turning it off makes output repeatable again.
      {"x264-params", "scenecut=0:open-gop=0:mbtree=0:min-keyint=" + std::to_string(keyint)},
  };
  return s;
}

StatusOr<VideoEncoderSettings> X265(const VideoRendition& r, const VideoEncoderInput& in) {
  if ((r.profile == "main10") != (r.bit_depth == 10) || (r.profile != "main" && r.profile != "main10")) {
    return Inconsistent(r, "profile '" + r.profile + "' does not match bit depth " + std::to_string(r.bit_depth));
  }
  VideoEncoderSettings s = Common(r, in);
  int keyint = KeyframeInterval(in.frame_rate);
  // Frame threads run rate control on several frames at once and make VBV
  // decisions depend on thread timing (measured: three runs, three
  // outputs); wavefront threads inside one frame keep the output identical.
  // 0 threads: x265's own choice (one per core), as for x264.
  std::string pools = s.thread_count > 0 ? "pools=" + std::to_string(s.thread_count) + ":" : "";
  std::string params = "log-level=error:" + pools + "frame-threads=1:scenecut=0:open-gop=0:keyint=" +
                       std::to_string(s.gop_size) + ":min-keyint=" + std::to_string(keyint);
  if (r.maxrate > 0) {
    params += ":vbv-maxrate=" + std::to_string(r.maxrate / 1000) +
              ":vbv-bufsize=" + std::to_string(std::max<int64_t>(r.bufsize, r.maxrate) / 1000);
  }
  if (!r.level.empty()) params += ":level-idc=" + r.level;
  s.options = {{"preset", r.preset},   {"crf", std::to_string(r.crf)}, {"profile", r.profile},
               {"forced-idr", "1"},    {"x265-params", params}};
  return s;
}

StatusOr<VideoEncoderSettings> Vp9(const VideoRendition& r, const VideoEncoderInput& in) {
  if ((r.profile == "2") != (r.bit_depth == 10) || (r.profile != "0" && r.profile != "2")) {
    return Inconsistent(r, "VP9 profile '" + r.profile + "' does not match bit depth " + std::to_string(r.bit_depth));
  }
  ASSIGN_OR_RETURN(int cpu_used, NumericPreset(r));
  VideoEncoderSettings s = Common(r, in);
  s.profile = r.bit_depth == 10 ? FF_PROFILE_VP9_2 : FF_PROFILE_VP9_0;
  // Constrained quality: CRF, with the target bitrate as the ceiling.
  s.bit_rate = r.maxrate;
  // kf_min_dist == kf_max_dist stops libvpx placing keyframes of its own.
  s.keyint_min = s.gop_size;
  s.options = {
      {"crf", std::to_string(r.crf)},
      {"deadline", "good"},
      {"cpu-used", std::to_string(cpu_used)},
      {"row-mt", "1"},
      {"tile-columns", std::to_string(TileColumnsLog2(r.width))},
      {"lag-in-frames", "25"},
      {"auto-alt-ref", "1"},
  };
  return s;
}

StatusOr<VideoEncoderSettings> SvtAv1(const VideoRendition& r, const VideoEncoderInput& in) {
  if (!r.profile.empty() && r.profile != "main") return Inconsistent(r, "AV1 profile must be main");
  ASSIGN_OR_RETURN(int preset, NumericPreset(r));
  VideoEncoderSettings s = Common(r, in);
  s.profile = FF_PROFILE_AV1_MAIN;
  // SVT-AV1 1.4.1 (Debian 12) runs capped CRF (crf + max bit rate) from
  // rc_max_rate, but its output then varies between runs with more than
  // one logical processor (measured); uncapped CRF is stable at any count.
  int lp = r.maxrate > 0 ? 1 : std::max(0, s.thread_count);
  s.thread_count = lp;
  // FFmpeg 5.1's wrapper marks AV_PICTURE_TYPE_I frames as key pictures,
  // but SVT-AV1 ignores them unless enable-force-key-frames is set; scd=0
  // keeps scene cuts from adding keyframes of its own.
  s.options = {
      {"preset", std::to_string(preset)},
      {"crf", std::to_string(r.crf)},
      {"svtav1-params", "lp=" + std::to_string(lp) + ":scd=0:enable-force-key-frames=1"},
  };
  return s;
}

StatusOr<VideoEncoderSettings> Aom(const VideoRendition& r, const VideoEncoderInput& in) {
  if (!r.profile.empty() && r.profile != "main") return Inconsistent(r, "AV1 profile must be main");
  ASSIGN_OR_RETURN(int cpu_used, NumericPreset(r));
  VideoEncoderSettings s = Common(r, in);
  s.profile = FF_PROFILE_AV1_MAIN;
  s.bit_rate = r.maxrate;  // constrained quality, as for VP9
  s.keyint_min = s.gop_size;
  s.options = {
      {"crf", std::to_string(r.crf)},
      {"cpu-used", std::to_string(cpu_used)},
      {"row-mt", "1"},
      {"tile-columns", std::to_string(TileColumnsLog2(r.width))},
  };
  // Known quirk (libaom 3.6 under FFmpeg 5.1, also from the ffmpeg CLI, with
  // or without row-mt, lag, keyint_min or keyframe filtering): the frame
  // after each forced keyframe is coded as a keyframe too. Segments still
  // start on the forced one; the extra intra frame only costs bits.
  return s;
}

StatusOr<VideoEncoderSettings> Nvenc(const VideoRendition& r, const VideoEncoderInput& in) {
  if (r.codec == "hevc" && (r.profile == "main10") != (r.bit_depth == 10)) {
    return Inconsistent(r, "profile '" + r.profile + "' does not match bit depth " + std::to_string(r.bit_depth));
  }
  VideoEncoderSettings s = Common(r, in);
  s.hardware = true;
  // NVENC takes 10-bit input as P010, not planar yuv420p10le.
  if (r.bit_depth == 10) s.pix_fmt = AV_PIX_FMT_P010LE;
  s.options = {
      {"preset", "p5"},       {"rc", "vbr"},          {"cq", std::to_string(r.crf)},
      {"forced-idr", "1"},    {"no-scenecut", "1"},   {"profile", r.profile},
  };
  if (!r.level.empty()) s.options["level"] = r.level;
  return s;
}

// Collects the error lines libav logs for the contexts being opened: an
// encoder that cannot start (NVENC without a driver) says why only there,
// and returns a bare AVERROR.
class OpenLog {
 public:
  explicit OpenLog(const void* ctx) : ctx_(ctx) {
    std::lock_guard<std::mutex> lock(Mutex());
    // Set each time: hardware detection (hardware_encoders.cc) restores
    // libav's default callback when it is done.
    av_log_set_callback(&OpenLog::Callback);
    Active().push_back(this);
  }
  ~OpenLog() {
    std::lock_guard<std::mutex> lock(Mutex());
    auto& a = Active();
    a.erase(std::remove(a.begin(), a.end(), this), a.end());
  }
  OpenLog(const OpenLog&) = delete;
  OpenLog& operator=(const OpenLog&) = delete;

  std::string text() const {
    std::lock_guard<std::mutex> lock(Mutex());
    return text_;
  }

 private:
  static std::mutex& Mutex() {
    static std::mutex mu;
    return mu;
  }
  static std::vector<OpenLog*>& Active() {
    static std::vector<OpenLog*> active;
    return active;
  }
  static void Callback(void* avcl, int level, const char* fmt, va_list vl) {
    if (level <= AV_LOG_ERROR && avcl != nullptr) {
      va_list copy;
      va_copy(copy, vl);
      char line[512];
      std::vsnprintf(line, sizeof(line), fmt, copy);
      va_end(copy);
      std::lock_guard<std::mutex> lock(Mutex());
      for (OpenLog* log : Active()) {
        if (log->ctx_ != avcl) continue;
        std::string l(line);
        while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
        if (!l.empty()) log->text_ += (log->text_.empty() ? "" : "; ") + l;
      }
    }
    av_log_default_callback(avcl, level, fmt, vl);
  }

  const void* ctx_;
  std::string text_;
};

// SVT-AV1 prints its configuration to stderr at every open unless told
// otherwise; keep that to errors unless the operator chose a level.
void QuietSvtAv1() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("SVT_LOG", "1", 0); });
}

}  // namespace

int KeyframeInterval(Rational frame_rate) {
  double fps = frame_rate.ToDouble() > 0 ? frame_rate.ToDouble() : 30.0;
  return std::max(1, static_cast<int>(std::lround(fps * 2.0)));
}

StatusOr<VideoEncoderSettings> VideoEncoderSettingsFor(const VideoRendition& r,
                                                       const VideoEncoderInput& in) {
  RETURN_IF_ERROR(CheckRendition(r, in));
  if (r.encoder == "libx264") return X264(r, in);
  if (r.encoder == "libx265") return X265(r, in);
  if (r.encoder == "libvpx-vp9") return Vp9(r, in);
  if (r.encoder == "libsvtav1") return SvtAv1(r, in);
  if (r.encoder == "libaom-av1") return Aom(r, in);
  return Nvenc(r, in);
}

StatusOr<Encoder> OpenVideoEncoder(const VideoEncoderSettings& s, int width, int height,
                                   Rational time_base, Rational frame_rate) {
  if (s.encoder == "libsvtav1") QuietSvtAv1();
  std::unique_ptr<OpenLog> log;
  auto configure = [&](AVCodecContext* ctx) {
    log = std::make_unique<OpenLog>(ctx);
    ctx->width = width;
    ctx->height = height;
    ctx->pix_fmt = s.pix_fmt;
    ctx->time_base = {static_cast<int>(time_base.num), static_cast<int>(time_base.den)};
    if (frame_rate.num > 0 && frame_rate.den > 0) {
      ctx->framerate = {static_cast<int>(frame_rate.num), static_cast<int>(frame_rate.den)};
      // FFmpeg 5.1's libvpx and libaom wrappers hand ticks_per_frame to the
      // encoder as every frame's duration. In the chunk's fine time base
      // (1/12800) the default 1 means 1/12800 s, and their rate control then
      // spends far too few bits: give them a frame's real length.
      if (s.encoder == "libvpx-vp9" || s.encoder == "libaom-av1") {
        double ticks = static_cast<double>(time_base.den) * static_cast<double>(frame_rate.den) /
                       (static_cast<double>(time_base.num) * static_cast<double>(frame_rate.num));
        ctx->ticks_per_frame = static_cast<int>(std::max(1.0, std::round(ticks)));
      }
    }
    ctx->sample_aspect_ratio = {1, 1};
    ctx->gop_size = s.gop_size;
    if (s.keyint_min >= 0) ctx->keyint_min = s.keyint_min;
    if (s.bit_rate >= 0) ctx->bit_rate = s.bit_rate;
    ctx->rc_max_rate = s.rc_max_rate;
    ctx->rc_buffer_size = s.rc_buffer_size;
    ctx->thread_count = s.thread_count;
    if (s.profile != FF_PROFILE_UNKNOWN) ctx->profile = s.profile;
    ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ctx->color_primaries = s.color_primaries;
    ctx->color_trc = s.color_trc;
    ctx->colorspace = s.colorspace;
    ctx->color_range = s.color_range;
  };
  StatusOr<Encoder> e = Encoder::Open(s.encoder, s.options, configure);
  if (e.ok() || !s.hardware || e.status().code() != ErrorCode::kEncodeFailed) return e;
  std::string why = log ? log->text() : "";
  // Retryable (encode_failed, not an input error): a GPU out of sessions or
  // a driver hiccup must not dead-letter the task; the GPU fallback moves a
  // task waiting for its retry to the CPU pool.
  return Status(ErrorCode::kEncodeFailed, "encoder " + s.encoder + " is unavailable here: " +
                                                  (why.empty() ? e.status().message() : why + " (" + e.status().message() + ")"));
}

}  // namespace vtp::media
