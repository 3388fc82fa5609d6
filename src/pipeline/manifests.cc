#include "pipeline/manifests.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "domain/codec_string.h"
#include "manifest/dash.h"
#include "manifest/hls.h"
#include "subtitle/webvtt.h"

namespace vtp::pipeline {
namespace {

constexpr char kSubtitleGroup[] = "subs";
// What speech-to-text captions are, for players that filter on it.
constexpr char kCaptionsCharacteristics[] = "public.accessibility.transcribes-spoken-dialog";

StatusOr<std::string> CodecString(const media::PackagedTrack& t) {
  if (t.codec == "h264") return AvcCodecString(t.codec_config);
  if (t.codec == "aac") return AacCodecString(t.codec_config);
  // RFC 6381 / the Opus-in-ISOBMFF mapping: sample entry 'Opus', codecs "opus".
  if (t.codec == "opus") return std::string("opus");
  return Internal("no codec string for " + t.codec);
}

StatusOr<std::string> CodecString(const PackagedRendition& r) {
  if (!r.codecs.empty()) return r.codecs;
  return CodecString(r.track);
}

bool HasTs(const media::PackagedTrack& t) { return !t.segments.empty() && !t.segments.front().ts_name.empty(); }

bool IsHdr(const PackagedRendition& r) { return r.video_range == "PQ" || r.video_range == "HLG"; }

StatusOr<std::string> MediaPlaylistText(const PackagedRendition& r, bool ts) {
  const media::PackagedTrack& t = r.track;
  manifest::MediaPlaylist p;
  if (!ts) p.init_segment_uri = t.init_name;
  for (const auto& s : t.segments) p.segments.push_back({ts ? s.ts_name : s.fmp4_name, s.seconds});
  p.keys = ts ? r.protection.hls_ts : r.protection.hls;
  if (!p.keys.empty()) p.first_encrypted_segment = r.protection.first_encrypted_segment;
  return manifest::WriteMediaPlaylist(p);
}

// DASH-IF IOP: ContentProtection on the AdaptationSet when every
// Representation has the same key, else on each Representation.
void PlaceProtection(manifest::AdaptationSet& set, const std::vector<const PackagedRendition*>& reps) {
  if (reps.empty() || !reps.front()->protection.protected_()) return;
  bool shared = std::all_of(reps.begin(), reps.end(),
                            [&](const PackagedRendition* r) { return r->protection.kid == reps.front()->protection.kid; });
  if (shared) {
    set.content_protection = reps.front()->protection.dash;
    return;
  }
  for (size_t i = 0; i < reps.size(); ++i) set.representations[i].content_protection = reps[i]->protection.dash;
}

manifest::SegmentTemplate Template(const PackagedRendition& r) {
  manifest::SegmentTemplate st;
  st.timescale = r.track.timescale;
  st.initialization = r.dir + "/" + r.track.init_name;
  st.media = r.dir + "/segment_$Number%03d$.m4s";
  st.start_number = 0;
  for (const auto& s : r.track.segments) st.segments.push_back({s.start, s.duration});
  // Tracks start at the video's reordering delay (PackageJob::shift); the
  // offset maps that instant onto the period start.
  if (r.track.presentation_offset > 0) st.presentation_time_offset = r.track.presentation_offset;
  return st;
}

bool Tagged(const std::string& lang) { return !lang.empty() && lang != "und"; }

// An audio family: renditions interchangeable but for their bitrate.
struct Family {
  std::string codec;
  int channels = 2;
  std::vector<std::string> groups;  // rendition names, lowest rate first
  bool in_ts() const { return codec == "aac"; }
};

struct AudioGroup {
  std::vector<const PackagedRendition*> tracks;  // default track first
  const PackagedRendition* main() const { return tracks.front(); }
};

class Ladder {
 public:
  explicit Ladder(const ManifestInput& in) : in_(in) {
    for (const auto& a : in.audio) {
      groups_[a.name].tracks.push_back(&a);
      Family* f = FamilyOf(a);
      if (std::find(f->groups.begin(), f->groups.end(), a.name) == f->groups.end()) f->groups.push_back(a.name);
    }
    for (auto& f : families_) {
      std::stable_sort(f.groups.begin(), f.groups.end(), [&](const std::string& x, const std::string& y) {
        return Rate(x) < Rate(y);
      });
    }
  }

  StatusOr<std::string> Master(bool ts) const {
    const char* playlist = ts ? kTsPlaylist : kCmafPlaylist;
    manifest::MasterPlaylist m;
    if (!ts) m.session_keys = in_.session_keys;
    bool audio_only = in_.video.empty();
    bool alternates = !audio_only || TrackCount() > 1;
    // (video rendition or nullptr, audio group or nullptr) per variant.
    std::vector<std::pair<const PackagedRendition*, const std::string*>> pairs;
    for (const auto& f : families_) {
      if (ts && !f.in_ts()) continue;
      if (audio_only) {
        for (const auto& g : f.groups) pairs.emplace_back(nullptr, &g);
        continue;
      }
      for (size_t i = 0; i < in_.video.size(); ++i) {
        if (ts && !HasTs(in_.video[i].track)) continue;
        pairs.emplace_back(&in_.video[i], &f.groups[Pick(i, f)]);
      }
    }
    if (families_.empty()) {
      for (const auto& r : in_.video) {
        if (!ts || HasTs(r.track)) pairs.emplace_back(&r, nullptr);
      }
    }
    // Only the groups some variant plays are listed.
    std::vector<std::string> used;
    for (const auto& [video, group] : pairs) {
      if (group && std::find(used.begin(), used.end(), *group) == used.end()) used.push_back(*group);
    }
    for (const auto& f : families_) {
      for (const auto& g : f.groups) {
        bool listed = std::find(used.begin(), used.end(), g) != used.end();
        if (alternates && listed) RETURN_IF_ERROR(AddAudioGroup(m, g, playlist));
      }
    }
    std::vector<std::string> labels;
    for (const auto& s : in_.subtitles) labels.push_back(s.label);
    std::vector<std::string> names = UniqueNames(labels);
    for (size_t i = 0; i < in_.subtitles.size(); ++i) {
      m.subtitles.push_back(SubtitleMedia(in_.subtitles[i], names[i], ts));
    }
    for (const auto& [video, group] : pairs) {
      StatusOr<manifest::Variant> v = video ? VideoVariant(*video, group, ts) : AudioOnlyVariant(*group, ts, alternates);
      if (!v.ok()) return v.status();
      m.variants.push_back(std::move(v).value());
    }
    return manifest::WriteMasterPlaylist(m);
  }

  std::vector<const PackagedRendition*> FamilyOfTrack(const std::string& track, const Family& f) const {
    std::vector<const PackagedRendition*> out;
    for (const auto& g : f.groups) {
      for (const auto* r : groups_.at(g).tracks) {
        if (r->group == track) out.push_back(r);
      }
    }
    return out;
  }
  const std::vector<Family>& families() const { return families_; }

 private:
  // The family's group for rung i: its rank among the rungs spread evenly
  // over the family's rates (lowest rung, lowest rate; highest, highest; a
  // lone rung gets the middle rate).
  // Ranks count among the rung's own codec, so every codec's ladder pairs
  // with audio the same way.
  size_t Pick(size_t i, const Family& f) const {
    size_t n = SameCodec(i), m = f.groups.size();
    if (n == 1) return m / 2;
    return (2 * Rank(i) * (m - 1) + (n - 1)) / (2 * (n - 1));
  }

  size_t SameCodec(size_t i) const {
    size_t n = 0;
    for (const auto& r : in_.video) n += r.track.codec == in_.video[i].track.codec ? 1 : 0;
    return n;
  }

  // How many rungs of its codec are smaller than rung i (ties: the earlier
  // one first).
  size_t Rank(size_t i) const {
    auto pixels = [&](size_t k) { return int64_t{in_.video[k].track.width} * in_.video[k].track.height; };
    size_t rank = 0;
    for (size_t k = 0; k < in_.video.size(); ++k) {
      if (in_.video[k].track.codec != in_.video[i].track.codec) continue;
      if (pixels(k) < pixels(i) || (pixels(k) == pixels(i) && k < i)) ++rank;
    }
    return rank;
  }

  bool AnyHdr() const { return std::any_of(in_.video.begin(), in_.video.end(), IsHdr); }

  static int Rate(const std::string& name) {
    size_t us = name.rfind('_');
    return us == std::string::npos ? 0 : std::atoi(name.c_str() + us + 1);
  }

  Family* FamilyOf(const PackagedRendition& a) {
    for (auto& f : families_) {
      if (f.codec == a.track.codec && f.channels == a.track.channels) return &f;
    }
    families_.push_back({a.track.codec, a.track.channels, {}});
    return &families_.back();
  }

  size_t TrackCount() const {
    std::set<std::string> tracks;
    for (const auto& a : in_.audio) tracks.insert(a.group);
    return tracks.size();
  }

  // NAME must be unique in a group: repeated labels get " (2)", " (3)".
  static std::vector<std::string> UniqueNames(const std::vector<std::string>& labels) {
    std::vector<std::string> out;
    for (const auto& l : labels) {
      std::string name = l;
      for (int n = 2; std::find(out.begin(), out.end(), name) != out.end(); ++n) {
        name = l + " (" + std::to_string(n) + ")";
      }
      out.push_back(name);
    }
    return out;
  }

  static std::string AudioLabel(const PackagedRendition& r) {
    if (!r.label.empty()) return r.label;
    return Tagged(r.language) ? r.language : "default";
  }

  Status AddAudioGroup(manifest::MasterPlaylist& m, const std::string& g, const char* playlist) const {
    const AudioGroup& group = groups_.at(g);
    std::vector<std::string> labels;
    for (const auto* r : group.tracks) labels.push_back(AudioLabel(*r));
    std::vector<std::string> names = UniqueNames(labels);
    for (size_t i = 0; i < group.tracks.size(); ++i) {
      const PackagedRendition& r = *group.tracks[i];
      manifest::AudioRendition a;
      a.group_id = g;
      a.name = names[i];
      if (Tagged(r.language)) a.language = r.language;
      a.is_default = i == 0;
      a.autoselect = true;
      a.channels = std::to_string(r.track.channels);
      a.uri = r.dir + "/" + playlist;
      m.audio.push_back(std::move(a));
    }
    return Status::Ok();
  }

  manifest::SubtitleRendition SubtitleMedia(const SubtitleTrackOut& s, const std::string& name, bool ts) const {
    manifest::SubtitleRendition r;
    r.group_id = kSubtitleGroup;
    r.name = name;
    if (Tagged(s.language)) r.language = s.language;
    r.autoselect = true;
    if (s.captions) r.characteristics = kCaptionsCharacteristics;
    r.uri = "subtitles/" + s.key + "/" + (ts ? kTsPlaylist : kCmafPlaylist);
    return r;
  }

  // Peak and average of a group: its most demanding track.
  StatusOr<std::pair<Bitrates, std::string>> GroupRate(const std::string& g, bool ts) const {
    Bitrates b;
    for (const auto* r : groups_.at(g).tracks) {
      Bitrates x = MeasureBitrates(r->track, ts);
      b.peak = std::max(b.peak, x.peak);
      b.average = std::max(b.average, x.average);
    }
    ASSIGN_OR_RETURN(std::string codecs, CodecString(*groups_.at(g).main()));
    return std::make_pair(b, codecs);
  }

  void Decorate(manifest::Variant& v) const {
    if (!in_.subtitles.empty()) v.subtitles_group_id = kSubtitleGroup;
    v.closed_captions_none = true;
  }

  StatusOr<manifest::Variant> VideoVariant(const PackagedRendition& r, const std::string* group, bool ts) const {
    ASSIGN_OR_RETURN(std::string codecs, CodecString(r));
    Bitrates b = MeasureBitrates(r.track, ts);
    manifest::Variant v;
    v.uri = r.dir + "/" + (ts ? kTsPlaylist : kCmafPlaylist);
    v.codecs = {codecs};
    // A variant's BANDWIDTH covers everything played with it (RFC 8216
    // 4.3.4.2), so the audio group's rates are added.
    if (group) {
      ASSIGN_OR_RETURN(auto rate, GroupRate(*group, ts));
      b.peak += rate.first.peak;
      b.average += rate.first.average;
      v.codecs.push_back(rate.second);
      v.audio_group_id = *group;
    }
    v.bandwidth = b.peak;
    v.average_bandwidth = b.average;
    v.resolution = manifest::Resolution{r.track.width, r.track.height};
    v.frame_rate = r.frame_rate.ToDouble();
    if (AnyHdr()) v.video_range = IsHdr(r) ? r.video_range : "SDR";
    Decorate(v);
    return v;
  }

  StatusOr<manifest::Variant> AudioOnlyVariant(const std::string& g, bool ts, bool alternates) const {
    ASSIGN_OR_RETURN(auto rate, GroupRate(g, ts));
    manifest::Variant v;
    v.uri = groups_.at(g).main()->dir + "/" + (ts ? kTsPlaylist : kCmafPlaylist);
    v.bandwidth = rate.first.peak;
    v.average_bandwidth = rate.first.average;
    v.codecs = {rate.second};
    if (alternates) v.audio_group_id = g;
    Decorate(v);
    return v;
  }

  const ManifestInput& in_;
  std::map<std::string, AudioGroup> groups_;
  std::vector<Family> families_;
};

double PresentationSeconds(const ManifestInput& in) {
  double duration = 0;
  for (const auto& r : in.video) duration = std::max(duration, r.track.presentation_seconds());
  if (in.video.empty()) {
    for (const auto& a : in.audio) duration = std::max(duration, a.track.presentation_seconds());
  }
  return duration;
}

const media::PackagedTrack& ReferenceTrack(const ManifestInput& in) {
  return in.video.empty() ? in.audio.front().track : in.video.front().track;
}

// Segmented WebVTT for one subtitle track: cut at the reference track's
// segment starts, mapped onto the fMP4 or MPEG-TS media clock.
Status AddVttPlaylists(const ManifestInput& in, const SubtitleTrackOut& s,
                       std::map<std::string, std::string>& files) {
  const media::PackagedTrack& ref = ReferenceTrack(in);
  std::vector<int64_t> starts;
  for (const auto& seg : ref.segments) {
    int64_t ms = (seg.start - ref.presentation_offset) * 1000 / ref.timescale;
    starts.push_back(starts.empty() ? 0 : std::max(ms, starts.back() + 1));
  }
  auto end_ms = static_cast<int64_t>(std::llround(PresentationSeconds(in) * 1000));
  int64_t offset_90k = ref.presentation_offset * 90000 / ref.timescale;
  std::string dir = "subtitles/" + s.key + "/";
  for (bool ts : {false, true}) {
    int64_t mpegts = offset_90k + (ts ? media::kMpegTsOffset90k : 0);
    auto segments = subtitle::SegmentWebVtt(s.cues, starts, std::max(end_ms, starts.back() + 1), mpegts,
                                            ts ? "ts_segment_%03d.vtt" : "segment_%03d.vtt");
    if (segments.size() != starts.size()) return Internal("WebVTT segmenting failed for " + s.key);
    manifest::MediaPlaylist p;
    for (auto& seg : segments) {
      p.segments.push_back({seg.name, seg.duration_seconds});
      files[dir + seg.name] = std::move(seg.text);
    }
    ASSIGN_OR_RETURN(files[dir + (ts ? kTsPlaylist : kCmafPlaylist)], manifest::WriteMediaPlaylist(p));
  }
  return Status::Ok();
}

int64_t FileRate(int64_t bytes, double seconds) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(bytes) * 8 / std::max(seconds, 1.0))));
}

// DASH-IF IOP's signalling of HDR10 (PQ) and HLG: the CICP code points of
// ISO/IEC 23091-2 as EssentialProperties, so a player that does not
// understand them skips the set instead of showing washed-out pictures.
std::vector<manifest::Descriptor> HdrProperties(const std::string& range) {
  return {{"urn:mpeg:mpegB:cicp:ColourPrimaries", "9"},
          {"urn:mpeg:mpegB:cicp:TransferCharacteristics", range == "PQ" ? "16" : "18"},
          {"urn:mpeg:mpegB:cicp:MatrixCoefficients", "9"}};
}

// One codec's rungs (consecutive in `video`, see ManifestInput).
manifest::AdaptationSet VideoSet(const std::vector<const PackagedRendition*>& video, int64_t id, Status* st) {
  manifest::AdaptationSet set;
  set.id = id;
  set.content_type = manifest::ContentType::kVideo;
  set.mime_type = "video/mp4";
  if (IsHdr(*video.front())) set.essential_properties = HdrProperties(video.front()->video_range);
  for (const auto* rp : video) {
    const PackagedRendition& r = *rp;
    StatusOr<std::string> codecs = CodecString(r);
    if (!codecs.ok()) {
      *st = codecs.status();
      return set;
    }
    manifest::VideoFormat f{r.track.width, r.track.height, r.frame_rate, {1, 1}};
    manifest::Representation rep;
    rep.id = r.track.codec + "_" + r.name;
    rep.codecs = *codecs;
    rep.bandwidth = MeasureBitrates(r.track, false).peak;
    rep.format = f;
    rep.segment_template = Template(r);
    set.representations.push_back(std::move(rep));
  }
  PlaceProtection(set, video);
  return set;
}

Status AddAudioSets(const ManifestInput& in, const Ladder& ladder, manifest::Mpd& mpd, int64_t& id) {
  std::vector<std::string> tracks;
  for (const auto& a : in.audio) {
    if (std::find(tracks.begin(), tracks.end(), a.group) == tracks.end()) tracks.push_back(a.group);
  }
  for (const auto& track : tracks) {
    for (const auto& family : ladder.families()) {
      auto reps = ladder.FamilyOfTrack(track, family);
      if (reps.empty()) continue;
      manifest::AdaptationSet set;
      set.id = id++;
      set.content_type = manifest::ContentType::kAudio;
      set.mime_type = "audio/mp4";
      const PackagedRendition& first = *reps.front();
      if (Tagged(first.language)) set.lang = first.language;
      if (tracks.size() > 1) {
        set.roles = {first.is_default ? "main" : "alternate"};
        if (!first.label.empty()) set.label = first.label;
      }
      for (const auto* r : reps) {
        ASSIGN_OR_RETURN(std::string codecs, CodecString(*r));
        manifest::Representation rep;
        rep.id = r->group.empty() ? r->name : r->group + "_" + r->name;
        rep.codecs = codecs;
        rep.bandwidth = MeasureBitrates(r->track, false).peak;
        rep.format = manifest::AudioFormat{r->track.sample_rate, r->track.channels};
        rep.segment_template = Template(*r);
        set.representations.push_back(std::move(rep));
      }
      PlaceProtection(set, reps);
      mpd.adaptation_sets.push_back(std::move(set));
    }
  }
  return Status::Ok();
}

void AddTextSets(const ManifestInput& in, double duration, manifest::Mpd& mpd, int64_t& id) {
  for (const auto& s : in.subtitles) {
    manifest::AdaptationSet set;
    set.id = id++;
    set.content_type = manifest::ContentType::kText;
    set.mime_type = "text/vtt";
    if (Tagged(s.language)) set.lang = s.language;
    set.roles = {s.captions ? "caption" : "subtitle"};
    set.label = s.label;
    manifest::Representation rep;
    rep.id = "sub_" + s.key;
    rep.bandwidth = FileRate(s.bytes, duration);
    rep.format = manifest::TextFormat{};
    rep.base_url = s.file;
    set.representations.push_back(std::move(rep));
    mpd.adaptation_sets.push_back(std::move(set));
  }
}

// "thumbnails/sprite_001.jpg" -> pattern "thumbnails/sprite_$Number%03d$.jpg", start 1.
bool SpritePattern(const std::string& first, std::string* media, int64_t* start) {
  size_t us = first.rfind('_'), dot = first.rfind('.');
  if (us == std::string::npos || dot == std::string::npos || dot <= us + 1) return false;
  std::string digits = first.substr(us + 1, dot - us - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  *start = std::atoll(digits.c_str());
  *media = first.substr(0, us + 1) + "$Number%0" + std::to_string(digits.size()) + "d$" + first.substr(dot);
  return true;
}

Status AddImageSet(const ThumbnailTrackOut& t, double duration, manifest::Mpd& mpd, int64_t& id) {
  if (t.sprites.empty()) return Status::Ok();
  manifest::AdaptationSet set;
  set.id = id++;
  set.content_type = manifest::ContentType::kImage;
  set.mime_type = "image/jpeg";
  manifest::Representation rep;
  rep.id = "thumbnails";
  rep.bandwidth = FileRate(t.bytes, duration);
  rep.format = manifest::ImageFormat{t.cols * t.tile_width, t.rows * t.tile_height};
  manifest::SegmentTemplate st;
  st.timescale = 1000;
  if (!SpritePattern(t.sprites.front(), &st.media, &st.start_number)) {
    return Internal("unexpected sprite name " + t.sprites.front());
  }
  st.duration = std::llround(t.interval_seconds * 1000) * t.cols * t.rows;
  rep.segment_template = st;
  rep.essential_properties.push_back(
      {"http://dashif.org/thumbnail_tile", std::to_string(t.cols) + "x" + std::to_string(t.rows)});
  set.representations.push_back(std::move(rep));
  mpd.adaptation_sets.push_back(std::move(set));
  return Status::Ok();
}

StatusOr<std::string> MpdText(const ManifestInput& in, const Ladder& ladder, double duration) {
  manifest::Mpd mpd;
  mpd.media_presentation_duration_seconds = duration;
  int64_t id = 0;
  if (!in.video.empty()) {
    std::vector<std::vector<const PackagedRendition*>> by_codec;
    for (const auto& r : in.video) {
      if (by_codec.empty() || by_codec.back().front()->track.codec != r.track.codec) by_codec.emplace_back();
      by_codec.back().push_back(&r);
    }
    for (const auto& set : by_codec) {
      Status st;
      mpd.adaptation_sets.push_back(VideoSet(set, id++, &st));
      RETURN_IF_ERROR(st);
    }
  } else {
    id = 1;
  }
  RETURN_IF_ERROR(AddAudioSets(in, ladder, mpd, id));
  AddTextSets(in, duration, mpd, id);
  if (in.thumbnails) RETURN_IF_ERROR(AddImageSet(*in.thumbnails, duration, mpd, id));
  return manifest::WriteMpd(mpd);
}

}  // namespace

Bitrates MeasureBitrates(const media::PackagedTrack& track, bool ts) {
  Bitrates b;
  double total_bytes = 0, total_seconds = 0;
  for (const auto& s : track.segments) {
    double bytes = static_cast<double>(ts ? s.ts_bytes : s.fmp4_bytes);
    total_bytes += bytes;
    total_seconds += s.seconds;
    // Very short final segments would overstate the peak; rate them over at
    // least one second.
    double secs = std::max(s.seconds, 1.0);
    b.peak = std::max(b.peak, static_cast<int64_t>(std::ceil(bytes * 8 / secs)));
  }
  b.average = total_seconds > 0 ? static_cast<int64_t>(std::ceil(total_bytes * 8 / total_seconds)) : 0;
  b.average = std::max<int64_t>(1, std::min(b.average, b.peak));
  b.peak = std::max(b.peak, b.average);
  return b;
}

StatusOr<std::map<std::string, std::string>> BuildManifests(const ManifestInput& in) {
  if (in.video.empty() && in.audio.empty()) return Internal("no rendition to describe");
  std::map<std::string, std::string> files;
  std::vector<const PackagedRendition*> all;
  for (const auto& r : in.video) all.push_back(&r);
  for (const auto& r : in.audio) all.push_back(&r);
  for (const auto* r : all) {
    ASSIGN_OR_RETURN(files[r->dir + "/" + kCmafPlaylist], MediaPlaylistText(*r, false));
    if (r->track.segments.empty() || r->track.segments.front().ts_name.empty()) continue;
    ASSIGN_OR_RETURN(files[r->dir + "/" + kTsPlaylist], MediaPlaylistText(*r, true));
  }
  for (const auto& s : in.subtitles) RETURN_IF_ERROR(AddVttPlaylists(in, s, files));
  Ladder ladder(in);
  ASSIGN_OR_RETURN(files[kCmafMaster], ladder.Master(false));
  ASSIGN_OR_RETURN(files[kTsMaster], ladder.Master(true));
  ASSIGN_OR_RETURN(files[kMpd], MpdText(in, ladder, PresentationSeconds(in)));
  return files;
}

StatusOr<std::map<std::string, std::string>> BuildManifests(
    const std::vector<PackagedRendition>& video, const std::optional<PackagedRendition>& audio) {
  ManifestInput in;
  in.video = video;
  if (audio) in.audio.push_back(*audio);
  return BuildManifests(in);
}

}  // namespace vtp::pipeline
