#include "domain/ladder.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace vtp {
namespace {

// Caps follow common CRF-capped ladders (Apple HLS authoring spec ranges for
// 30 fps H.264) scaled so that the seed's 720p rung (maxrate 3M, bufsize 6M)
// sits on the curve; bufsize is two seconds of maxrate as in the seed.
const std::vector<LadderRung> kH264Ladder = {
    {"240p", 240, 400'000, 800'000, "main"},
    {"360p", 360, 800'000, 1'600'000, "main"},
    {"480p", 480, 1'400'000, 2'800'000, "high"},
    {"720p", 720, 3'000'000, 6'000'000, "high"},
    {"1080p", 1080, 6'000'000, 12'000'000, "high"},
    {"2160p", 2160, 16'000'000, 32'000'000, "high"},
};

// Caps relative to H.264 at equal quality, from published comparisons of
// CRF-capped ladders (docs/codecs.md): HEVC and VP9 save about 35-40%, AV1
// about 50%. The constant-quality values are each encoder's usual VOD
// default at roughly x264 CRF 23 quality.
const std::vector<CodecLadder> kCodecLadders = {
    {"h264", "libx264", 1.0, 23, "medium", "", "", false, true},
    {"hevc", "libx265", 0.6, 28, "medium", "main", "main10", true, false},
    {"vp9", "libvpx-vp9", 0.65, 33, "3", "0", "2", true, false},
    {"av1", "libsvtav1", 0.5, 35, "8", "main", "main", true, false},
};

int RoundEven(double x) {
  int v = static_cast<int>(std::lround(x / 2.0)) * 2;
  return std::max(v, 2);
}

struct LevelLimit {
  const char* name;
  int64_t max_mbps;      // macroblocks per second
  int64_t max_fs;        // frame size in macroblocks
  int64_t max_br_kbps;   // Baseline/Main VCL bitrate (High is x1.25)
};

// ITU-T H.264 Table A-1.
constexpr std::array<LevelLimit, 17> kLevels = {{
    {"1", 1485, 99, 64},          {"1.1", 3000, 396, 192},
    {"1.2", 6000, 396, 384},      {"1.3", 11880, 396, 768},
    {"2", 11880, 396, 2000},      {"2.1", 19800, 792, 4000},
    {"2.2", 20250, 1620, 4000},   {"3", 40500, 1620, 10000},
    {"3.1", 108000, 3600, 14000}, {"3.2", 216000, 5120, 20000},
    {"4", 245760, 8192, 20000},   {"4.1", 245760, 8192, 50000},
    {"4.2", 522240, 8704, 50000}, {"5", 589824, 22080, 135000},
    {"5.1", 983040, 36864, 240000}, {"5.2", 2073600, 36864, 240000},
    {"6", 4177920, 139264, 240000},
}};

}  // namespace

const std::vector<LadderRung>& DefaultH264Ladder() { return kH264Ladder; }

size_t VideoCodecRank(std::string_view codec) {
  return static_cast<size_t>(std::find(kVideoCodecs.begin(), kVideoCodecs.end(), codec) - kVideoCodecs.begin());
}

const CodecLadder* FindCodecLadder(const std::string& codec) {
  for (const auto& c : kCodecLadders) {
    if (c.codec == codec) return &c;
  }
  return nullptr;
}

std::string EncoderForPool(const std::string& codec, const std::string& pool) {
  if (pool == kCpuPool) {
    const CodecLadder* c = FindCodecLadder(codec);
    return c ? c->encoder : "";
  }
  if (pool == kNvencPool && (codec == "h264" || codec == "hevc")) return codec + "_nvenc";
  return "";
}

StatusOr<std::vector<VideoRendition>> SelectLadder(const std::string& codec, const VideoInfo& v,
                                                   double frame_rate, bool keep_hdr) {
  const CodecLadder* c = FindCodecLadder(codec);
  if (!c) return InvalidArgument("no ladder for video codec '" + codec + "'");
  ASSIGN_OR_RETURN(std::vector<VideoRendition> rungs, SelectH264Ladder(v, frame_rate));
  if (codec == "h264") return rungs;
  bool hdr = keep_hdr && c->supports_hdr && v.hdr != HdrType::kSdr;
  for (auto& r : rungs) {
    r.codec = c->codec;
    r.encoder = c->encoder;
    r.maxrate = static_cast<int64_t>(std::llround(static_cast<double>(r.maxrate) * c->bitrate_factor));
    r.bufsize = static_cast<int64_t>(std::llround(static_cast<double>(r.bufsize) * c->bitrate_factor));
    r.crf = c->crf;
    r.preset = c->preset;
    r.bit_depth = hdr ? 10 : 8;
    r.hdr = hdr;
    r.profile = hdr ? c->profile_10bit : c->profile_8bit;
    r.level.clear();
  }
  return rungs;
}

DisplaySize DisplayGeometry(const VideoInfo& v) {
  double sar = v.sample_aspect_ratio.num > 0 && v.sample_aspect_ratio.den > 0
                   ? v.sample_aspect_ratio.ToDouble()
                   : 1.0;
  // Non-square pixels are normalised by stretching width (never shrinking
  // height), so no vertical detail is lost.
  double w = v.width * sar;
  double h = v.height;
  if (v.rotation == 90 || v.rotation == 270) std::swap(w, h);
  return {static_cast<int>(std::lround(w)), static_cast<int>(std::lround(h))};
}

std::string H264LevelFor(int width, int height, double frame_rate,
                         int64_t maxrate, const std::string& profile) {
  int64_t mbs = static_cast<int64_t>((width + 15) / 16) * ((height + 15) / 16);
  int64_t mbps = static_cast<int64_t>(std::ceil(static_cast<double>(mbs) * frame_rate));
  double br_factor = profile == "high" ? 1.25 : 1.0;
  for (const auto& l : kLevels) {
    // MaxFS also bounds each dimension: sqrt(8 * MaxFS) macroblocks.
    int64_t max_dim = static_cast<int64_t>(std::sqrt(8.0 * static_cast<double>(l.max_fs)));
    if (mbs > l.max_fs || mbps > l.max_mbps) continue;
    if ((width + 15) / 16 > max_dim || (height + 15) / 16 > max_dim) continue;
    if (static_cast<double>(maxrate) > static_cast<double>(l.max_br_kbps) * 1000 * br_factor) continue;
    return l.name;
  }
  return "";
}

StatusOr<std::vector<VideoRendition>> SelectH264Ladder(const VideoInfo& v,
                                                       double frame_rate) {
  DisplaySize d = DisplayGeometry(v);
  if (d.width <= 0 || d.height <= 0) {
    return InvalidArgument("video has no usable picture size");
  }
  if (frame_rate <= 0) frame_rate = 30;
  bool portrait = d.height > d.width;
  int src_short = std::min(d.width, d.height);
  // Rounding the long side to even must never make it longer than the source.
  int max_long = std::max(2, std::max(d.width, d.height) & ~1);
  double aspect = static_cast<double>(std::max(d.width, d.height)) / src_short;

  std::vector<VideoRendition> out;
  auto add = [&](const LadderRung& rung, int short_side) -> Status {
    VideoRendition r;
    r.name = std::to_string(short_side) + "p";
    int s = RoundEven(short_side);
    int l = std::min(RoundEven(s * aspect), max_long);
    r.width = portrait ? s : l;
    r.height = portrait ? l : s;
    r.maxrate = rung.maxrate;
    r.bufsize = rung.bufsize;
    r.profile = rung.profile;
    r.level = H264LevelFor(r.width, r.height, frame_rate, r.maxrate, r.profile);
    if (r.level.empty()) {
      return Status(ErrorCode::kLimitExceeded,
                    "no H.264 level admits " + std::to_string(r.width) + "x" +
                        std::to_string(r.height) + " at this frame rate");
    }
    out.push_back(std::move(r));
    return Status::Ok();
  };
  for (const auto& rung : kH264Ladder) {
    if (rung.short_side <= src_short) RETURN_IF_ERROR(add(rung, rung.short_side));
  }
  if (out.empty()) RETURN_IF_ERROR(add(kH264Ladder.front(), src_short & ~1));
  return out;
}

}  // namespace vtp
