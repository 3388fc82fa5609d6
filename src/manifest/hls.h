// HLS playlists (RFC 8216) as typed values, and pure writers that turn them
// into playlist text. No I/O and no clock: the caller stores the string.
//
// Every writer validates its whole model first and returns kInvalidArgument
// (naming the offending field) instead of emitting a playlist a client could
// misparse: HLS has no escape mechanism, so values that cannot be written
// (a '"', CR or LF inside a quoted-string, control characters, malformed
// UTF-8, §4.1/§4.2) are rejected, never altered.
//
// Output: LF line endings, one tag per line, a final newline. EXTINF is
// formatted with integer arithmetic; FRAME-RATE uses snprintf("%.3f"),
// which relies on vtp never calling setlocale (the decimal point stays '.').
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace vtp::manifest {

// The newest protocol version this writer emits features of (RFC 8216).
inline constexpr int kHlsMaxVersion = 7;

// One Media Segment: an EXTINF tag and its URI line (§4.3.2.1).
struct MediaSegment {
  std::string uri;  // relative to the playlist; no whitespace, not "#..."
  // Finite, > 0. Written rounded to the microsecond ("#EXTINF:4.004000,").
  double duration_seconds = 0;
};

// A VOD Media Playlist (§4.3.3). Always written with
// EXT-X-MEDIA-SEQUENCE:0, EXT-X-PLAYLIST-TYPE:VOD and EXT-X-ENDLIST; the
// target duration is computed from the segments (TargetDurationFor).
struct MediaPlaylist {
  // nullopt: RequiredVersion(*this). An explicit value must lie in
  // [RequiredVersion(*this), kHlsMaxVersion].
  std::optional<int> version;
  // EXT-X-INDEPENDENT-SEGMENTS (§4.3.5.1): every segment starts with a sync
  // sample and decodes without the ones before it. vtp cuts at keyframes.
  bool independent_segments = true;
  // EXT-X-MAP URI (§4.3.2.5): the fMP4 init segment. nullopt for MPEG-TS.
  std::optional<std::string> init_segment_uri;
  std::vector<MediaSegment> segments;  // at least one, in playback order
};

// EXT-X-TARGETDURATION for these EXTINF durations (§4.3.3.1): the smallest
// integer >= 1 that every duration, rounded to the nearest integer (halves
// up), does not exceed. Durations are first rounded to the microsecond, as
// WriteMediaPlaylist prints them, so 4.4999996 counts as 4.5 -> 5.
// Precondition: every duration finite and in [0, 1e9].
int TargetDurationFor(const std::vector<double>& durations);

// The lowest EXT-X-VERSION the playlist's features need (§7): 3 for
// decimal-floating-point EXTINF durations, 6 with EXT-X-MAP outside an
// I-frame playlist (fMP4). The RFC requires exactly these minimums; 7 is
// not needed for fMP4, so writing 6 keeps version-6 clients able to play.
int RequiredVersion(const MediaPlaylist& playlist);

StatusOr<std::string> WriteMediaPlaylist(const MediaPlaylist& playlist);

struct Resolution {
  int width = 0;   // > 0
  int height = 0;  // > 0
};

// EXT-X-MEDIA with TYPE=AUDIO (§4.3.4.1): one rendition of an audio group.
struct AudioRendition {
  std::string group_id;                 // GROUP-ID, non-empty
  std::string name;                     // NAME, non-empty, unique in its group
  std::optional<std::string> language;  // LANGUAGE, RFC 5646 tag ("en", "pt-BR")
  bool is_default = false;              // DEFAULT=YES; at most one per group
  bool autoselect = false;              // AUTOSELECT; must be true when is_default
  std::optional<std::string> channels;  // CHANNELS, e.g. "2", "6"
  std::string uri;                      // URI of the rendition's Media Playlist
};

// EXT-X-STREAM-INF plus its URI line (§4.3.4.2). An audio-only master uses
// a variant whose `uri` is the audio Media Playlist, `codecs` holds only the
// audio codec and `resolution`, `frame_rate` and `audio_group_id` are unset.
struct Variant {
  std::string uri;
  int64_t bandwidth = 0;                    // BANDWIDTH: peak bits/s, > 0
  std::optional<int64_t> average_bandwidth;  // AVERAGE-BANDWIDTH, in (0, bandwidth]
  std::vector<std::string> codecs;          // CODECS entries (RFC 6381), joined by ","
  std::optional<Resolution> resolution;     // RESOLUTION=WxH
  std::optional<double> frame_rate;         // FRAME-RATE, written with 3 decimals
  // AUDIO: must name the group_id of an AudioRendition of the same master.
  std::optional<std::string> audio_group_id;
};

// A Master Playlist (§4.3.4). Written as #EXTM3U, #EXT-X-VERSION,
// #EXT-X-INDEPENDENT-SEGMENTS (when set), the EXT-X-MEDIA tags, then the
// EXT-X-STREAM-INF/URI pairs, each list in the order given.
struct MasterPlaylist {
  // nullopt: DefaultVersion(*this). An explicit value must lie in
  // [1, kHlsMaxVersion].
  std::optional<int> version;
  bool independent_segments = true;  // applies to every Media Playlist (§4.3.5.1)
  std::vector<AudioRendition> audio;
  std::vector<Variant> variants;  // at least one
};

// No master tag vtp writes needs more than version 1, so this picks what
// readers expect: 4 when there are EXT-X-MEDIA tags (§7 suggests it, since
// older clients ignore alternative renditions), otherwise 3, the version
// every vtp Media Playlist needs anyway.
int DefaultVersion(const MasterPlaylist& playlist);

StatusOr<std::string> WriteMasterPlaylist(const MasterPlaylist& playlist);

}  // namespace vtp::manifest
