// A static (VOD) MPEG-DASH MPD (ISO/IEC 23009-1) as typed values, and a pure
// writer that turns it into XML text. No I/O and no clock: the caller
// stores the string.
//
// Shape written: one Period (id "0", start PT0S); per AdaptationSet its
// Representations, each with its own SegmentTemplate + SegmentTimeline
// (paths and timelines may differ between renditions).
//
// WriteMpd validates the whole model first and returns kInvalidArgument
// (naming the offending field) for values an MPD cannot carry. Attribute
// values are XML-escaped; text XML 1.0 cannot represent at all (malformed
// UTF-8, control characters other than TAB/CR/LF) is rejected.
//
// Output is deterministic: fixed attribute order, two-space indentation, LF
// line endings, a final newline, numbers formatted locale-independently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp::manifest {

inline constexpr char kDashProfileIsoffLive[] = "urn:mpeg:dash:profile:isoff-live:2011";
inline constexpr char kDashProfileCmaf[] = "urn:mpeg:dash:profile:cmaf:2019";

// One S element's worth of input: a segment's earliest presentation time
// and duration, in SegmentTemplate::timescale units.
struct SegmentTime {
  // >= 0, and >= the previous segment's start + duration: §5.3.9.6 allows
  // gaps in a timeline but not overlaps.
  int64_t start = 0;
  int64_t duration = 0;  // > 0
};

// SegmentTemplate with a SegmentTimeline (§5.3.9.4, §5.3.9.6). The timeline
// is written run-length compressed: consecutive contiguous segments of
// equal duration collapse into one S with @r; @t appears on the first S and
// after every gap (a segment starting later than the previous one ended).
struct SegmentTemplate {
  int64_t timescale = 0;       // ticks per second, in [1, 2^32)
  std::string initialization;  // e.g. "h264/720p/init.mp4"; no $Number$/$Time$
  // e.g. "h264/720p/segment_$Number%03d$.m4s"; must use $Number$ or $Time$.
  // Identifiers allowed (§5.3.9.4.4): $$, $RepresentationID$, $Bandwidth$,
  // $Number$, $Time$, the last three optionally with a %0<width>d format tag.
  std::string media;
  int64_t start_number = 0;  // >= 0; the number of the first segment
  std::optional<int64_t> presentation_time_offset;  // >= 0, timescale units
  std::vector<SegmentTime> segments;                // at least one
};

struct VideoFormat {
  int width = 0;   // > 0
  int height = 0;  // > 0
  // Written reduced: "30" when the denominator divides out, else
  // "30000/1001". num and den in [1, 2^31).
  Rational frame_rate;
  Rational sar{1, 1};  // written "num:den", reduced; both in [1, 2^31)
};

struct AudioFormat {
  int sampling_rate = 0;  // Hz, > 0
  int channels = 0;       // > 0; AudioChannelConfiguration (23003-3 scheme)
};

struct Representation {
  std::string id;      // non-empty, no whitespace, unique within the MPD
  std::string codecs;  // RFC 6381, e.g. "avc1.64001f"
  int64_t bandwidth = 0;  // bits/s, > 0
  // Must match the AdaptationSet's content type.
  std::variant<VideoFormat, AudioFormat> format;
  SegmentTemplate segment_template;
};

enum class ContentType { kVideo, kAudio };

// Written with segmentAlignment="true" and startWithSAP="1": vtp cuts every
// Representation at the same sync samples. Video sets also carry maxWidth,
// maxHeight and maxFrameRate, computed from their Representations.
struct AdaptationSet {
  int64_t id = 0;  // >= 0, unique within the Period
  ContentType content_type = ContentType::kVideo;
  std::string mime_type;             // "video/mp4", "audio/mp4"
  std::optional<std::string> lang;   // RFC 5646 tag; typically audio only
  std::vector<Representation> representations;  // at least one
};

struct Mpd {
  std::vector<std::string> profiles = {kDashProfileIsoffLive, kDashProfileCmaf};
  // Written as ISO 8601 seconds with 3 decimals: 12.345 -> "PT12.345S".
  double media_presentation_duration_seconds = 0;  // > 0
  double min_buffer_time_seconds = 2.0;            // >= 0
  std::vector<AdaptationSet> adaptation_sets;      // at least one
};

StatusOr<std::string> WriteMpd(const Mpd& mpd);

}  // namespace vtp::manifest
