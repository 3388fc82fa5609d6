// Which audio and subtitle tracks a video's outputs carry, and where each
// lives: pure functions of the probe result and the job options, so every
// planning pass, the manifest step and the report agree on names.
//
//   audio/<track>/<rendition>/...      segmented audio (HLS + DASH)
//   audio/aac_128k.m4a                  the seed's standalone file (default track)
//   subtitles/<track>.vtt               WebVTT sidecar per subtitle track
//   subtitles/<track>/...               segmented WebVTT for HLS
//
// A track's key is its language tag when that is set and unique among the
// tracks of its kind, else the tag (or "track") with a 1-based suffix:
// "en", "en-2", "track1". Speech-to-text captions are "<lang>-auto".
#pragma once

#include <string>
#include <vector>

#include "domain/media_info.h"
#include "pipeline/job_options.h"

namespace vtp::pipeline {

struct AudioRenditionPlan {
  std::string codec;  // "aac", "opus"
  int kbps = 0;
  int channels = 2;   // 2, or 6 for the 5.1 rendition
  std::string name;   // "aac_128k", "opus_96k", "aac51_384k"
};

struct AudioTrackPlan {
  int stream = -1;       // index in the source
  std::string key;       // "en", "track1"
  std::string language;  // "" when untagged
  std::string title;
  int source_channels = 0;
  bool is_default = false;  // the source's primary audio stream
  std::vector<AudioRenditionPlan> renditions;
  std::string Dir(const AudioRenditionPlan& r) const { return "audio/" + key + "/" + r.name; }
};

// At most this many audio tracks are carried (the rest are reported).
inline constexpr size_t kMaxAudioTracks = 16;

// Every decodable audio stream, primary first then in source order.
std::vector<AudioTrackPlan> PlanAudioTracks(const MediaInfo& info, const AudioOptions& options);

// The AAC rendition nearest 128 kb/s of the default track: the seed's
// standalone audio/aac_128k.m4a is made from it.
const AudioRenditionPlan* StandaloneAudio(const AudioTrackPlan& track);
inline constexpr char kStandaloneAudioFile[] = "audio/aac_128k.m4a";

enum class SubtitleSource { kUpload, kStream, kCaptions };

struct SubtitleTrackPlan {
  SubtitleSource source = SubtitleSource::kUpload;
  std::string key;       // "en", "en-2", "en-auto"
  std::string language;  // "" when untagged
  std::string label;     // NAME in HLS, Label in DASH: "English", "English (auto)"
  int stream = -1;       // kStream: index in the source
  int upload = -1;       // kUpload: index in JobOptions::subtitles
  std::string codec;     // kStream: "subrip", "ass", "mov_text", "hdmv_pgs_subtitle"
  bool is_text = true;   // image subtitles are reported, not converted
  std::string File() const { return "subtitles/" + key + ".vtt"; }
};

// Uploads first (in the order given), then the source's subtitle streams,
// then the captions track when asked for and the input has audio.
std::vector<SubtitleTrackPlan> PlanSubtitleTracks(const MediaInfo& info, const JobOptions& options);

// "English" for "en", the tag itself for languages without a name here.
std::string LanguageLabel(const std::string& language);

}  // namespace vtp::pipeline
