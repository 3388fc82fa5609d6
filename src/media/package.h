// The package step for one rendition: concatenates its encoded packet files
// and cuts them into CMAF fMP4 segments (init.mp4 + segment_NNN.m4s) and
// MPEG-TS segments (segment_NNN.ts) at the plan's boundaries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp::media {

// MPEG-TS timestamps start here rather than at 0 so audio priming and B-frame
// decode delay never produce negative (wrapped) 33-bit values. WebVTT
// segments for the MPEG-TS playlists map their cues onto this clock.
inline constexpr int64_t kMpegTsOffset90k = 10 * 90000;

struct PackageJob {
  std::vector<std::string> inputs;  // packet files, in timeline order
  bool video = true;
  // Segment k starts at the first packet (a keyframe, for video) whose pts is
  // >= boundaries[k]; boundaries are in `boundary_time_base` and start at 0.
  std::vector<int64_t> boundaries;
  Rational boundary_time_base{1, 1000};
  int64_t priming = 0;  // subtract from input timestamps (audio encoder delay)
  // Added to every timestamp after priming is removed, in the input time
  // base: the presentation delay that makes every track of a job start at the
  // same instant (the video encoder's B-frame reordering delay).
  int64_t shift = 0;
  std::string out_dir;  // files are written here
  bool write_fmp4 = true;
  // MPEG-TS only for H.264 and AAC; asking for it with another codec is
  // kInvalidArgument before any segment is written.
  bool write_ts = true;
};

struct PackagedSegment {
  int64_t start = 0;     // earliest pts, track timescale
  int64_t duration = 0;  // track timescale
  double seconds = 0;    // duration in seconds
  int64_t fmp4_bytes = 0;
  int64_t ts_bytes = 0;
  std::string fmp4_name;
  std::string ts_name;
};

struct PackagedTrack {
  std::string codec;  // "h264", "hevc", "vp9", "av1", "aac", "opus"
  // The encoder's global header (extradata) as given to the muxer: avcC or
  // Annex B for H.264, the AudioSpecificConfig for AAC. For HEVC, VP9 and
  // AV1 the init segment's sample entry (hvc1 + hvcC, vp09 + vpcC,
  // av01 + av1C, and colr when tagged: BT.2020 + PQ/HLG for HDR) is the
  // description to read. No mdcv/clli: FFmpeg 5.1's mp4 muxer writes them
  // only from stream side data, which the packet files do not carry.
  std::vector<uint8_t> codec_config;
  int64_t timescale = 0;   // of the fMP4 track (DASH @timescale)
  // Media time (timescale units) at which the source's first instant is
  // presented: DASH @presentationTimeOffset.
  int64_t presentation_offset = 0;
  int width = 0, height = 0;
  int sample_rate = 0, channels = 0;
  int64_t init_bytes = 0;
  int64_t packets = 0;
  std::string init_name;
  std::vector<PackagedSegment> segments;
  double duration_seconds() const {
    double d = 0;
    for (const auto& s : segments) d += s.seconds;
    return d;
  }
  // Seconds from the presented start (presentation_offset) to the end.
  double presentation_seconds() const {
    if (segments.empty() || timescale <= 0) return 0;
    int64_t end = segments.back().start + segments.back().duration;
    return static_cast<double>(end - presentation_offset) / static_cast<double>(timescale);
  }
};

// Video segments start at keyframes only (the first keyframe at or after
// each boundary), whatever the codec: H.264 (avc1), HEVC (hvc1), VP9
// (vp09), AV1 (av01) in fMP4; H.264 and AAC also in MPEG-TS.
StatusOr<PackagedTrack> PackageRendition(const PackageJob& job);

// The seed's standalone audio file (audio/aac_128k.m4a): one packet file
// remuxed into a progressive MP4 with the moov in front (plays while it
// downloads). The `priming` samples the encoder put in front are trimmed by
// an edit list, so players start at the first real sample. Returns the size.
StatusOr<int64_t> WriteProgressiveMp4(const std::string& packet_file, int64_t priming,
                                      const std::string& output);

}  // namespace vtp::media
