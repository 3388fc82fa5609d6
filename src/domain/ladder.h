// The bitrate ladders: which renditions a source gets in each video codec and
// how each is encoded. Pure policy: a probed VideoInfo in, rendition specs
// out. Every codec uses the H.264 ladder's rungs (same picture sizes, so a
// player switching codec keeps its resolution) with the codec's own caps
// and rate-control defaults (CodecLadder; docs/codecs.md gives the sources).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp {

// One rung of the seed's ladder, named by its short side ("720p" is 1280x720
// landscape or 720x1280 portrait).
struct LadderRung {
  std::string name;
  int short_side = 0;
  int64_t maxrate = 0;  // bits/s (VBV max rate)
  int64_t bufsize = 0;  // bits (VBV buffer)
  std::string profile;  // x264 profile name
};

// The default ladder: 240p .. 2160p (docs/architecture.md explains the caps).
const std::vector<LadderRung>& DefaultH264Ladder();

struct VideoRendition {
  std::string name;       // "720p"
  std::string codec = "h264";  // "h264", "hevc", "vp9", "av1"
  // libav encoder that produces it: "libx264", "libx265", "libvpx-vp9",
  // "libsvtav1", "libaom-av1", or a hardware encoder ("hevc_nvenc", ...)
  // when the task was routed to a GPU pool.
  std::string encoder = "libx264";
  int width = 0;          // output picture size, always even
  int height = 0;
  int64_t maxrate = 0;
  int64_t bufsize = 0;
  int crf = 23;           // the encoder's constant-quality value (x26x CRF, VP9/AV1 CRF 0..63)
  std::string preset = "medium";  // x26x preset name; VP9 cpu-used, SVT-AV1 preset as digits
  std::string profile;    // "high", "main", "main10"; VP9 "0"/"2"; AV1 "main"
  std::string level;      // "3.1" (H.264); "" lets the encoder choose
  int bit_depth = 8;      // 10 for HDR renditions
  // Keeps the source's HDR transfer and primaries (PQ or HLG, BT.2020)
  // instead of tone-mapping to SDR BT.709; only for 10-bit renditions.
  bool hdr = false;
  // Relative output path, e.g. "h264/720p".
  std::string path() const { return codec + "/" + name; }
};

// Display geometry after rotation and SAR correction, before scaling.
struct DisplaySize {
  int width = 0;
  int height = 0;
};
DisplaySize DisplayGeometry(const VideoInfo& v);

// Every video codec vtp encodes, in manifest order (the order of task ids,
// master variants and DASH sets whatever order a job names them in).
inline const std::vector<std::string> kVideoCodecs = {"h264", "hevc", "vp9", "av1"};
// Index of `codec` in kVideoCodecs; kVideoCodecs.size() for any other name.
size_t VideoCodecRank(std::string_view codec);

// A codec's ladder settings: caps relative to H.264 and its encoder defaults.
struct CodecLadder {
  std::string codec;            // "hevc"
  std::string encoder;          // default CPU encoder
  double bitrate_factor = 1.0;  // maxrate and bufsize = H.264's x this
  int crf = 23;
  std::string preset;
  std::string profile_8bit, profile_10bit;
  bool supports_hdr = false;  // may carry 10-bit HDR
  bool mpeg_ts = false;       // may be packaged as MPEG-TS for HLS
};
// The ladder settings of `codec`, nullptr for a codec vtp does not encode.
const CodecLadder* FindCodecLadder(const std::string& codec);

// The ladder of `codec` for `v`: SelectH264Ladder's rungs with the codec's
// caps, quality and profile. With `keep_hdr` and an HDR source, codecs that
// support it get 10-bit HDR renditions; H.264 is always SDR 8-bit.
// kInvalidArgument for an unknown codec.
StatusOr<std::vector<VideoRendition>> SelectLadder(const std::string& codec, const VideoInfo& v,
                                                   double frame_rate, bool keep_hdr);

// Worker pools named by the capability they need: "cpu" (software
// encoders), "gpu-nvenc", "gpu-vaapi", "gpu-qsv".
inline constexpr char kCpuPool[] = "cpu";
inline constexpr char kNvencPool[] = "gpu-nvenc";

// The encoder a task of `codec` uses in `pool`: the hardware encoder of a
// GPU pool ("hevc_nvenc" for hevc in gpu-nvenc), the codec's software
// encoder in "cpu". "" when the pool cannot encode the codec (AV1 and VP9
// have no NVENC encoder in Debian 12's FFmpeg 5.1; VAAPI and QSV encoding
// needs hardware frames vtp does not upload yet).
std::string EncoderForPool(const std::string& codec, const std::string& pool);

// Renditions for `v`: every rung whose short side is <= the source's display
// short side (never upscale). A source smaller than the lowest rung gets one
// rendition at its own (even) size. Aspect ratio is kept; sizes are even.
StatusOr<std::vector<VideoRendition>> SelectH264Ladder(const VideoInfo& v,
                                                       double frame_rate);

// Lowest H.264 level (ITU-T H.264 Table A-1) that admits the picture size,
// frame rate and VBV max rate for `profile`; "" if none does.
std::string H264LevelFor(int width, int height, double frame_rate,
                         int64_t maxrate, const std::string& profile);

}  // namespace vtp
