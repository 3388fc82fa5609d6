#include "pipeline/track_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "manifest/text.h"

namespace vtp::pipeline {
namespace {

bool Tagged(const std::string& lang) { return !lang.empty() && lang != "und"; }

// Keys for a list of language tags, unique and path-safe: the tag, or
// "<tag>-2", "<tag>-3"... (fallback1, fallback2... for untagged tracks),
// skipping any key already taken (by an earlier track, or in `taken`).
std::vector<std::string> Keys(const std::vector<std::string>& langs, const std::string& fallback,
                              std::set<std::string> taken = {}) {
  std::vector<std::string> keys;
  for (const auto& l : langs) {
    bool tagged = Tagged(l);
    std::string key = tagged ? l : fallback + "1";
    for (int n = 2; taken.count(key); ++n) key = (tagged ? l + "-" : fallback) + std::to_string(n);
    taken.insert(key);
    keys.push_back(key);
  }
  return keys;
}

bool SafeTag(const std::string& s) {
  if (s.empty() || s.size() > 35) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Titles come from the file: one a manifest cannot carry as a quoted
// string (quotes, control characters) is dropped for the language's name.
std::string CleanLabel(const std::string& title) {
  if (title.size() > 64 || title.find('"') != std::string::npos) return "";
  // Valid UTF-8 without control characters: what both manifests can carry.
  return manifest::CheckLineText("title", title).ok() ? title : "";
}

// Probe metadata is untrusted text: only a plain tag becomes a path part.
std::string CleanLanguage(const std::string& l) { return SafeTag(l) && Tagged(l) ? l : ""; }

std::vector<AudioRenditionPlan> Renditions(const AudioOptions& o, int channels) {
  std::vector<AudioRenditionPlan> r;
  for (int k : o.aac_kbps) r.push_back({"aac", k, 2, "aac_" + std::to_string(k) + "k"});
  for (int k : o.opus_kbps) r.push_back({"opus", k, 2, "opus_" + std::to_string(k) + "k"});
  if (o.surround && channels >= 6) {
    r.push_back({"aac", o.surround_kbps, 6, "aac51_" + std::to_string(o.surround_kbps) + "k"});
  }
  return r;
}

}  // namespace

std::vector<AudioTrackPlan> PlanAudioTracks(const MediaInfo& info, const AudioOptions& options) {
  std::vector<const StreamInfo*> streams;
  if (const StreamInfo* primary = info.audio_stream()) streams.push_back(primary);
  for (const auto& s : info.streams) {
    // Alternate tracks only beside a usable primary one, and never a declared
    // track with no packets (a capture tool's placeholder).
    if (!info.audio_stream() || s.kind != StreamKind::kAudio || !s.decodable || !s.audio ||
        s.index == info.primary_audio || s.packets == 0) {
      continue;
    }
    if (streams.size() >= kMaxAudioTracks) break;
    streams.push_back(&s);
  }
  std::vector<std::string> langs;
  for (const auto* s : streams) langs.push_back(CleanLanguage(s->language));
  std::vector<std::string> keys = Keys(langs, "track");
  std::vector<AudioTrackPlan> tracks;
  for (size_t i = 0; i < streams.size(); ++i) {
    AudioTrackPlan t;
    t.stream = streams[i]->index;
    t.key = keys[i];
    t.language = langs[i];
    t.title = CleanLabel(streams[i]->title);
    t.source_channels = streams[i]->audio ? streams[i]->audio->channels : 2;
    t.is_default = i == 0;
    t.renditions = Renditions(options, t.source_channels);
    tracks.push_back(std::move(t));
  }
  return tracks;
}

const AudioRenditionPlan* StandaloneAudio(const AudioTrackPlan& track) {
  const AudioRenditionPlan* best = nullptr;
  for (const auto& r : track.renditions) {
    if (r.codec != "aac" || r.channels != 2) continue;
    if (!best || std::abs(r.kbps - 128) < std::abs(best->kbps - 128)) best = &r;
  }
  return best;
}

std::string LanguageLabel(const std::string& language) {
  static const std::map<std::string, std::string> kNames = {
      {"en", "English"}, {"eng", "English"}, {"fr", "Français"}, {"fre", "Français"}, {"fra", "Français"},
      {"de", "Deutsch"}, {"ger", "Deutsch"}, {"deu", "Deutsch"}, {"es", "Español"}, {"spa", "Español"},
      {"it", "Italiano"}, {"ita", "Italiano"}, {"pt", "Português"}, {"por", "Português"},
      {"ja", "日本語"}, {"jpn", "日本語"}, {"zh", "中文"}, {"chi", "中文"}, {"zho", "中文"},
      {"ru", "Русский"}, {"rus", "Русский"}, {"nl", "Nederlands"}, {"dut", "Nederlands"},
  };
  if (language.empty()) return "Unknown";
  std::string base = language.substr(0, language.find('-'));
  auto it = kNames.find(base);
  return it == kNames.end() ? language : it->second;
}

std::vector<SubtitleTrackPlan> PlanSubtitleTracks(const MediaInfo& info, const JobOptions& options) {
  std::vector<SubtitleTrackPlan> tracks;
  for (size_t i = 0; i < options.subtitles.size(); ++i) {
    SubtitleTrackPlan t;
    t.source = SubtitleSource::kUpload;
    t.language = CleanLanguage(options.subtitles[i].language);
    t.upload = static_cast<int>(i);
    tracks.push_back(std::move(t));
  }
  for (const auto& s : info.streams) {
    if (s.kind != StreamKind::kSubtitle || s.packets == 0) continue;
    SubtitleTrackPlan t;
    t.source = SubtitleSource::kStream;
    t.language = CleanLanguage(s.language);
    t.stream = s.index;
    t.codec = s.codec;
    t.is_text = s.codec != "hdmv_pgs_subtitle" && s.codec != "dvb_subtitle" && s.codec != "dvd_subtitle" &&
                s.codec != "xsub" && s.codec != "dvb_teletext";
    t.label = CleanLabel(s.title);
    tracks.push_back(std::move(t));
  }
  // The captions key is reserved first, so no other track can take it.
  std::string captions = CleanLanguage(options.captions_language);
  std::set<std::string> reserved;
  if (!captions.empty()) reserved.insert(captions + "-auto");
  std::vector<std::string> langs;
  for (const auto& t : tracks) langs.push_back(t.language);
  std::vector<std::string> keys = Keys(langs, "track", reserved);
  for (size_t i = 0; i < tracks.size(); ++i) {
    tracks[i].key = keys[i];
    if (tracks[i].label.empty()) tracks[i].label = LanguageLabel(tracks[i].language);
  }
  if (!captions.empty() && info.audio_stream()) {
    SubtitleTrackPlan t;
    t.source = SubtitleSource::kCaptions;
    t.language = captions;
    t.key = captions + "-auto";
    t.label = LanguageLabel(t.language) + " (auto)";
    t.stream = info.primary_audio;
    tracks.push_back(std::move(t));
  }
  return tracks;
}

}  // namespace vtp::pipeline
