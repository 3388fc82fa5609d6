// Builds every playlist and the MPD of a job from its packaged renditions.
// Pure: values in, (relative path -> text) out; the caller writes the files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"
#include "media/package.h"

namespace vtp::pipeline {

struct PackagedRendition {
  std::string name;  // "720p", "aac_128k"
  std::string dir;   // relative output folder, "h264/720p"
  media::PackagedTrack track;
  Rational frame_rate;    // video only
  std::string language;   // audio only, may be empty
};

struct Bitrates {
  int64_t peak = 0;     // largest segment's bits/s
  int64_t average = 0;  // all media bytes over the duration
};
Bitrates MeasureBitrates(const media::PackagedTrack& track, bool ts);

// File names inside each rendition folder and at the output root.
inline constexpr char kCmafMaster[] = "manifest.m3u8";
inline constexpr char kTsMaster[] = "manifest_ts.m3u8";
inline constexpr char kMpd[] = "manifest.mpd";
inline constexpr char kCmafPlaylist[] = "playlist.m3u8";
inline constexpr char kTsPlaylist[] = "playlist_ts.m3u8";

StatusOr<std::map<std::string, std::string>> BuildManifests(
    const std::vector<PackagedRendition>& video, const std::optional<PackagedRendition>& audio);

}  // namespace vtp::pipeline
