// Builds every playlist and the MPD of a job from its packaged renditions.
// Pure: values in, (relative path -> text) out; the caller writes the files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"
#include "manifest/dash.h"
#include "manifest/hls.h"
#include "media/package.h"
#include "subtitle/cue.h"

namespace vtp::pipeline {

// How an encrypted rendition is signalled (pipeline/drm_signalling.h);
// empty for a clear one.
struct RenditionProtection {
  std::string kid;  // hex; renditions sharing it may share DASH elements
  std::vector<manifest::ContentProtection> dash;
  std::vector<manifest::KeyTag> hls;     // the fMP4 playlist's EXT-X-KEYs
  std::vector<manifest::KeyTag> hls_ts;  // the MPEG-TS playlist's (AES-128)
  size_t first_encrypted_segment = 0;    // clear lead
  bool protected_() const { return !kid.empty(); }
};

struct PackagedRendition {
  std::string name;  // "720p", "aac_128k"
  std::string dir;   // relative output folder, "h264/720p"
  media::PackagedTrack track;
  // RFC 6381 string read from the init segment's sample entry (package
  // step); "" falls back to deriving it from track.codec_config (H.264,
  // AAC, Opus results stored before the packager reported it).
  std::string codecs;
  std::string video_range;  // video: "SDR", "PQ", "HLG" ("" = SDR)
  Rational frame_rate;    // video only
  std::string language;   // audio only, may be empty
  // Audio only: the source track this rendition belongs to ("en",
  // "track1"; "" for a single unnamed track), its label, and whether it is
  // the default track.
  std::string group;
  std::string label;
  bool is_default = true;
  RenditionProtection protection = {};
};

// A WebVTT subtitle track: the sidecar file and its cues, which the HLS
// playlists carry again cut into segments alongside the video's.
struct SubtitleTrackOut {
  std::string key;       // "en", "en-auto"
  std::string language;  // "" when untagged
  std::string label;
  std::string file;      // "subtitles/en.vtt"
  bool captions = false;  // speech-to-text transcription
  int64_t bytes = 0;
  std::vector<subtitle::Cue> cues;
};

// The seek-preview sprites (thumbnails step result).
struct ThumbnailTrackOut {
  std::vector<std::string> sprites;  // relative to the output root, in order
  int cols = 0, rows = 0;
  int tile_width = 0, tile_height = 0;
  double interval_seconds = 0;  // per tile
  int64_t bytes = 0;            // all sheets
};

struct ManifestInput {
  // Grouped by codec (track.codec) in kVideoCodecs order, each codec's
  // rungs lowest first.
  std::vector<PackagedRendition> video;
  std::vector<PackagedRendition> audio;  // default track first
  std::vector<SubtitleTrackOut> subtitles;
  std::optional<ThumbnailTrackOut> thumbnails;
  // EXT-X-SESSION-KEYs of the CMAF master (DRM preloading), one per key and
  // system.
  std::vector<manifest::KeyTag> session_keys = {};
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

// Every playlist, the MPD and the segmented WebVTT files. HLS masters:
//  - audio: one EXT-X-MEDIA group per audio rendition name ("aac_128k"),
//    holding that rendition of every track (LANGUAGE, NAME, CHANNELS; the
//    default track DEFAULT=YES);
//  - variants: each video rung once per audio family (AAC stereo, Opus,
//    AAC 5.1), paired with the family's group whose rank matches the rung's
//    (low rungs with low audio rates); only the groups some variant plays
//    are listed; the MPEG-TS master lists AAC only;
//  - subtitles: one group "subs" of every subtitle track, referenced by every
//    variant; CLOSED-CAPTIONS=NONE (vtp writes no in-band captions).
// Several video codecs: each codec's rungs are variants of both HLS
// masters' CMAF form (the MPEG-TS master lists only codecs packaged as TS),
// paired with audio by rank among that codec's rungs; VIDEO-RANGE is written
// on every variant when any rendition is PQ or HLG.
// DASH: each video codec in its own AdaptationSet (HDR sets carry the CICP
// colour EssentialProperties); audio in one per (track, family) with
// lang, Label and Role main/alternate; each subtitle track a text/vtt set
// addressed by BaseURL (Role subtitle or caption); sprites an image set
// with the DASH-IF thumbnail_tile property.
StatusOr<std::map<std::string, std::string>> BuildManifests(const ManifestInput& in);

// The single-audio-track form (no subtitles, no thumbnails).
StatusOr<std::map<std::string, std::string>> BuildManifests(
    const std::vector<PackagedRendition>& video, const std::optional<PackagedRendition>& audio);

}  // namespace vtp::pipeline
