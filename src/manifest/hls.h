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

#include <array>
#include <cstddef>
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

// KEYFORMAT values of the usual DRM systems (Apple, "Using content
// protection systems with HLS"). Widevine's is "urn:uuid:" followed by its
// system ID, "urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"; without
// KEYFORMAT a client assumes "identity": URI names the raw 16-byte key.
inline constexpr char kHlsKeyFormatIdentity[] = "identity";
inline constexpr char kHlsKeyFormatFairPlay[] = "com.apple.streamingkeydelivery";
inline constexpr char kHlsKeyFormatPlayReady[] = "com.microsoft.playready";

// The attributes of an EXT-X-KEY (§4.3.2.4) or EXT-X-SESSION-KEY (§4.3.4.5)
// tag, written in the order METHOD, URI, IV, KEYFORMAT, KEYFORMATVERSIONS
// (the optional ones only when set).
//
//   method  "AES-128": whole segments AES-128-CBC with PKCS7 padding
//           (MPEG-TS or fMP4); "SAMPLE-AES": sample encryption, in fMP4
//           the 'cbcs' scheme; "SAMPLE-AES-CTR": fMP4 'cenc' only
//           (RFC 8216bis). METHOD=NONE is never written: a playlist without
//           keys is clear.
//   uri     the key, or for DRM systems their data ("skd://...",
//           "data:text/plain;base64,..."). A non-empty quoted-string
//           without whitespace.
//   iv      written IV=0x followed by 32 uppercase hex digits (§4.2
//           hexadecimal-sequence).
//   keyformat           a quoted-string, e.g. the kHlsKeyFormat* values.
//   keyformat_versions  one or more positive integers joined by '/': "1",
//                       "1/2/5".
struct KeyTag {
  std::string method;
  std::string uri;
  std::optional<std::array<uint8_t, 16>> iv;
  std::optional<std::string> keyformat;
  std::optional<std::string> keyformat_versions;
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
  // EXT-X-KEY tags, written together immediately before segment
  // `first_encrypted_segment` (after EXT-X-MAP when that is segment 0) and
  // applying from there to the end: the segments before it are clear (a
  // "clear lead" that starts playback before a license arrives). Several
  // tags name the same key for different DRM systems (§4.3.2.4), so their
  // KEYFORMATs differ (an unset KEYFORMAT counts as "identity") and they
  // share one METHOD. SAMPLE-AES-CTR needs fMP4 (init_segment_uri set).
  // Empty: the playlist is clear and first_encrypted_segment must be 0.
  std::vector<KeyTag> keys = {};
  // < segments.size() when `keys` is non-empty.
  size_t first_encrypted_segment = 0;
};

// EXT-X-TARGETDURATION for these EXTINF durations (§4.3.3.1): the smallest
// integer >= 1 that every duration, rounded to the nearest integer (halves
// up), does not exceed. Durations are first rounded to the microsecond, as
// WriteMediaPlaylist prints them, so 4.4999996 counts as 4.5 -> 5.
// Precondition: every duration finite and in [0, 1e9].
int TargetDurationFor(const std::vector<double>& durations);

// The lowest EXT-X-VERSION the playlist's features need (§7): 3 for
// decimal-floating-point EXTINF durations, 6 with EXT-X-MAP outside an
// I-frame playlist (fMP4); an encrypted MPEG-TS playlist needs 5 when a key
// has KEYFORMAT or KEYFORMATVERSIONS or its METHOD is SAMPLE-AES(-CTR)
// (IV needs only 2). The RFC requires exactly these minimums; 7 is
// not needed for fMP4, so writing 6 keeps version-6 clients able to play.
//
// A WebVTT subtitle Media Playlist (§3.5) is a MediaPlaylist whose segments
// are the .vtt files and whose init_segment_uri is nullopt: WebVTT segments
// have no Media Initialization Section, so EXT-X-MAP must not appear and
// the playlist needs 3, like MPEG-TS. EXT-X-INDEPENDENT-SEGMENTS holds for
// it too, since every WebVTT segment carries all the cues it shows.
int RequiredVersion(const MediaPlaylist& playlist);

StatusOr<std::string> WriteMediaPlaylist(const MediaPlaylist& playlist);

struct Resolution {
  int width = 0;   // > 0
  int height = 0;  // > 0
};

// EXT-X-MEDIA tags (§4.3.4.1) are written with their attributes in this
// fixed order, each only where the rendition type defines it:
//
//   TYPE, GROUP-ID, NAME, LANGUAGE, DEFAULT, AUTOSELECT, FORCED (SUBTITLES
//   only, always written), CHARACTERISTICS, CHANNELS (AUDIO only), URI
//
// LANGUAGE, CHARACTERISTICS and CHANNELS are left out when nullopt; DEFAULT
// and AUTOSELECT are always written as YES or NO.
//
// A group (§4.3.4.1.1) is the set of renditions with one TYPE and one
// GROUP-ID; a master may hold several groups of each type. Within a group
// NAMEs differ and at most one rendition is DEFAULT=YES. The same GROUP-ID
// text may name an AUDIO group and a SUBTITLES group at once: they are
// different groups.

// CHARACTERISTICS (§4.3.4.1): one or more Uniform Type Identifiers joined by
// ',', no empty entries and no spaces. For example
// "public.accessibility.describes-video" (an audio description track), or
// "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
// (subtitles for the deaf and hard of hearing).

// EXT-X-MEDIA with TYPE=AUDIO (§4.3.4.1): one rendition of an audio group.
struct AudioRendition {
  std::string group_id;                 // GROUP-ID, non-empty
  std::string name;                     // NAME, non-empty, unique in its group
  std::optional<std::string> language;  // LANGUAGE, RFC 5646 tag ("en", "pt-BR")
  bool is_default = false;              // DEFAULT=YES; at most one per group
  bool autoselect = false;              // AUTOSELECT; must be true when is_default
  std::optional<std::string> channels;  // CHANNELS, e.g. "2", "6"
  std::string uri;                      // URI of the rendition's Media Playlist
  std::optional<std::string> characteristics = {};  // CHARACTERISTICS, see above
};

// EXT-X-MEDIA with TYPE=SUBTITLES (§4.3.4.1): one rendition of a subtitle
// group. Its URI names a WebVTT Media Playlist (see RequiredVersion).
struct SubtitleRendition {
  std::string group_id;                 // GROUP-ID, non-empty
  std::string name;                     // NAME, non-empty, unique in its group
  std::optional<std::string> language;  // LANGUAGE, RFC 5646 tag
  bool is_default = false;              // DEFAULT=YES; at most one per group
  bool autoselect = false;              // AUTOSELECT; must be true when is_default
  // FORCED=YES: the rendition holds only the cues a viewer needs even with
  // subtitles off (translated signs, foreign-language lines), and clients
  // may show it without being asked. Written FORCED=YES or FORCED=NO; the
  // attribute exists only for TYPE=SUBTITLES, so AudioRendition has none.
  bool forced = false;
  std::optional<std::string> characteristics;  // CHARACTERISTICS, see above
  std::string uri;  // URI of the WebVTT Media Playlist; required for SUBTITLES
};

// EXT-X-STREAM-INF plus its URI line (§4.3.4.2). An audio-only master uses
// a variant whose `uri` is the audio Media Playlist, `codecs` holds only the
// audio codec and `resolution`, `frame_rate` and `audio_group_id` are unset.
//
// Attributes are written in this fixed order, each left out when unset:
//
//   BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE,
//   VIDEO-RANGE, AUDIO, SUBTITLES, CLOSED-CAPTIONS
struct Variant {
  std::string uri;
  int64_t bandwidth = 0;                    // BANDWIDTH: peak bits/s, > 0
  std::optional<int64_t> average_bandwidth;  // AVERAGE-BANDWIDTH, in (0, bandwidth]
  std::vector<std::string> codecs;          // CODECS entries (RFC 6381), joined by ","
  std::optional<Resolution> resolution;     // RESOLUTION=WxH
  std::optional<double> frame_rate;         // FRAME-RATE, written with 3 decimals
  // VIDEO-RANGE (RFC 8216bis §4.4.6.2): "SDR", "PQ" or "HLG". Unset means
  // SDR to a client; a master with any PQ/HLG variant should set it on all.
  std::optional<std::string> video_range = {};
  // AUDIO: must name the group_id of an AudioRendition of the same master.
  std::optional<std::string> audio_group_id;
  // SUBTITLES: must name the group_id of a SubtitleRendition of the same
  // master.
  std::optional<std::string> subtitles_group_id = {};
  // CLOSED-CAPTIONS=NONE: the video carries no CEA-608/708 captions, so
  // clients need not look for any. §4.3.4.2: once one variant says NONE,
  // every variant must, so this is set on all variants or on none.
  bool closed_captions_none = false;
};

// A Master Playlist (§4.3.4). Written as #EXTM3U, #EXT-X-VERSION,
// #EXT-X-INDEPENDENT-SEGMENTS (when set), the EXT-X-SESSION-KEY tags, the
// audio EXT-X-MEDIA tags, the subtitle EXT-X-MEDIA tags, then the
// EXT-X-STREAM-INF/URI pairs, each list in the order given.
struct MasterPlaylist {
  // nullopt: DefaultVersion(*this). An explicit value must lie in
  // [1, kHlsMaxVersion], and be at least what the session keys need (see
  // DefaultVersion).
  std::optional<int> version;
  bool independent_segments = true;  // applies to every Media Playlist (§4.3.5.1)
  std::vector<AudioRendition> audio;
  std::vector<Variant> variants;  // at least one
  std::vector<SubtitleRendition> subtitles = {};  // written after `audio`
  // EXT-X-SESSION-KEY tags (§4.3.4.5): the keys of the Media Playlists,
  // announced early so a client can fetch licenses before the first
  // segment. Each must match, in METHOD, URI, KEYFORMAT and
  // KEYFORMATVERSIONS, the EXT-X-KEY with its URI (the caller's duty: the
  // writer does not see the Media Playlists); no two tags are identical.
  std::vector<KeyTag> session_keys = {};
};

// No master tag or attribute vtp writes needs more than version 1 (§7 says
// so of EXT-X-MEDIA and AUDIO/SUBTITLES; FORCED, CHARACTERISTICS and
// CLOSED-CAPTIONS carry no version requirement either), so this picks what
// readers expect: 4 when there are EXT-X-MEDIA tags, audio or subtitles
// (§7 suggests it, since older clients ignore alternative renditions),
// otherwise 3, the version every vtp Media Playlist needs anyway.
// EXT-X-SESSION-KEY shares EXT-X-KEY's attributes, so session keys raise
// it as they would a Media Playlist (5 for KEYFORMAT, KEYFORMATVERSIONS or
// SAMPLE-AES(-CTR)), and an explicit `version` must then be at least that.
int DefaultVersion(const MasterPlaylist& playlist);

StatusOr<std::string> WriteMasterPlaylist(const MasterPlaylist& playlist);

}  // namespace vtp::manifest
