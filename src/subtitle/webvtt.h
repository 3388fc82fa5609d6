// Writing WebVTT (W3C WebVTT §4) and its HLS segmented form (RFC 8216
// §3.5). Pure: text out, the caller stores it.
//
// Cue text is written as given: callers pass cues from the parsers
// (parse.h), Normalize or ShapeCaptions, whose text is valid WebVTT cue
// text (no blank line, no "-->"). Times are written as HH:MM:SS.mmm, hours
// always present; a negative time is written as 00:00:00.000.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "subtitle/cue.h"

namespace vtp::subtitle {

// "WEBVTT\n\n", then for each cue in the given order:
//   [id "\n"] "HH:MM:SS.mmm --> HH:MM:SS.mmm" [" " settings] "\n" text "\n\n"
// Deterministic: the same cues always give the same bytes.
std::string WriteWebVtt(const std::vector<Cue>& cues);

// One WebVTT segment file of an HLS subtitle rendition.
struct VttSegment {
  std::string name;         // name_pattern with the 0-based segment index
  double duration_seconds;  // (next start or end_ms) - start, in seconds
  std::string text;         // the whole file
};

// Splits cues into one WebVTT file per media segment, on the video's own
// segment boundaries so that a player fetches matching segments together.
// Segment k covers [segment_starts_ms[k], segment_starts_ms[k+1]) (the last
// one up to end_ms) and its text is
//   "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:<mpegts_90k>,LOCAL:00:00:00.000\n\n"
// followed by, ordered by start time (ties in the given order) and written
// as WriteWebVtt writes them, every cue that overlaps that interval (start < interval end and end >
// interval start). A cue spanning a boundary is repeated, unchanged, in
// every segment it overlaps (the usual practice; RFC 8216 §3.5 lets a cue
// appear in more than one segment, and players drop the repeats). Cue
// times stay absolute: the one X-TIMESTAMP-MAP, which says presentation
// time 0 is MPEG-TS time mpegts_90k, applies to every segment. A segment
// without cues is still produced (header only), so the playlist lines up
// with the video's. Cues outside [first start, end_ms) appear nowhere.
//
// name_pattern holds exactly one "%d" or "%0Nd" (N a single digit 1-9) for
// the index; "%%" is a literal '%'. E.g. "segment_%03d.vtt" →
// "segment_000.vtt".
//
// Preconditions: segment_starts_ms non-empty and strictly increasing, the
// first >= 0; end_ms > the last start; 0 <= mpegts_90k < 2^33; a valid
// name_pattern. If any is violated the result is an empty vector.
std::vector<VttSegment> SegmentWebVtt(const std::vector<Cue>& cues,
                                      const std::vector<int64_t>& segment_starts_ms,
                                      int64_t end_ms, int64_t mpegts_90k,
                                      std::string_view name_pattern);

}  // namespace vtp::subtitle
