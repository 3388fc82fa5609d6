// Embedded subtitle streams: what a file carries, and the events of a text
// subtitle stream as libavcodec decodes them. No libav type crosses this
// header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vtp::media {

// Events without an end time (no packet duration, no end in the payload)
// last until the next event starts, but at most this long (see
// ResolveOpenEnds).
inline constexpr int64_t kDefaultSubtitleEventMs = 5000;

struct TextSubtitleEvent {
  int64_t start_ms = 0;  // relative to origin_seconds; >= 0
  int64_t end_ms = 0;    // > start_ms
  // The ASS event line libavcodec produced (FFmpeg 5.1: "ReadOrder,Layer,
  // Style,Name,MarginL,MarginR,MarginV,Effect,Text", no "Dialogue:" prefix
  // and no times); subtitle::AssEventText turns it into cue text.
  std::string ass;
};

struct SubtitleStreamInfo {
  int index = -1;        // stream index in the file
  // libavcodec's codec name: "subrip", "ass", "mov_text", "webvtt",
  // "hdmv_pgs_subtitle", ...
  std::string codec;
  std::string language;  // container tag as written ("eng", "fre", "" when absent)
  std::string title;     // container title tag, "" when absent
  bool is_text = false;  // text-based (decodes to ASS); false for bitmap subtitles
};

// The subtitle streams of `path`, in stream order (empty when there are none).
// Errors: kNotFound / kNotMedia / kCorruptInput from opening the file.
StatusOr<std::vector<SubtitleStreamInfo>> ListSubtitleStreams(const std::string& path);

// Decodes text subtitle stream `stream_index` of `path`. Times are in
// milliseconds relative to source time `origin_seconds` (the first frame of
// the published video): events that end at or before it are dropped, one
// that straddles it starts at 0. One event per decoded ASS rectangle;
// packets that decode to nothing (mov_text's empty "clear" samples) give
// none. Events come back sorted by start time (ties in file order).
//
// Packets stamped more than 48 h from 0 are dropped (they cannot be on the
// timeline, and their sums could overflow); more than 20,000 events is
// kLimitExceeded.
//
// Errors: kNotFound / kNotMedia from opening the file; kInternal for an
// index out of range; kInvalidArgument when the stream is not a subtitle
// stream; kUnsupportedCodec for image subtitles (PGS, DVB, DVD: "image
// subtitles are skipped") or a codec without a decoder.
StatusOr<std::vector<TextSubtitleEvent>> ExtractTextSubtitles(const std::string& path,
                                                              int stream_index,
                                                              double origin_seconds = 0);

// The end rule ExtractTextSubtitles applies, on events sorted by start in
// source time: an event with end_ms <= start_ms (none given) ends when the
// next event that starts later starts, but at most kDefaultSubtitleEventMs
// after its own start. Events with an end are unchanged.
void ResolveOpenEnds(std::vector<TextSubtitleEvent>& events);

}  // namespace vtp::media
