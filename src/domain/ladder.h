// The H.264 bitrate ladder: which renditions a source gets and how each is
// encoded. Pure policy: a probed VideoInfo in, rendition specs out.
#pragma once

#include <string>
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
  std::string codec = "h264";
  int width = 0;          // output picture size, always even
  int height = 0;
  int64_t maxrate = 0;
  int64_t bufsize = 0;
  int crf = 23;
  std::string preset = "medium";
  std::string profile;    // "high", "main"
  std::string level;      // "3.1"
  // Relative output path, e.g. "h264/720p".
  std::string path() const { return codec + "/" + name; }
};

// Display geometry after rotation and SAR correction, before scaling.
struct DisplaySize {
  int width = 0;
  int height = 0;
};
DisplaySize DisplayGeometry(const VideoInfo& v);

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
