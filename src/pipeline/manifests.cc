#include "pipeline/manifests.h"

#include <algorithm>
#include <cmath>

#include "domain/codec_string.h"
#include "manifest/dash.h"
#include "manifest/hls.h"

namespace vtp::pipeline {
namespace {

StatusOr<std::string> CodecString(const media::PackagedTrack& t) {
  if (t.codec == "h264") return AvcCodecString(t.codec_config);
  if (t.codec == "aac") return AacCodecString(t.codec_config);
  return Internal("no codec string for " + t.codec);
}

StatusOr<std::string> MediaPlaylistText(const media::PackagedTrack& t, bool ts) {
  manifest::MediaPlaylist p;
  if (!ts) p.init_segment_uri = t.init_name;
  for (const auto& s : t.segments) p.segments.push_back({ts ? s.ts_name : s.fmp4_name, s.seconds});
  return manifest::WriteMediaPlaylist(p);
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

StatusOr<std::string> MpdText(const std::vector<PackagedRendition>& video,
                              const std::optional<PackagedRendition>& audio, double duration) {
  manifest::Mpd mpd;
  mpd.media_presentation_duration_seconds = duration;
  if (!video.empty()) {
    manifest::AdaptationSet set;
    set.id = 0;
    set.content_type = manifest::ContentType::kVideo;
    set.mime_type = "video/mp4";
    for (const auto& r : video) {
      ASSIGN_OR_RETURN(std::string codecs, CodecString(r.track));
      manifest::VideoFormat f{r.track.width, r.track.height, r.frame_rate, {1, 1}};
      set.representations.push_back({"h264_" + r.name, codecs, MeasureBitrates(r.track, false).peak, f, Template(r)});
    }
    mpd.adaptation_sets.push_back(std::move(set));
  }
  if (audio) {
    manifest::AdaptationSet set;
    set.id = 1;
    set.content_type = manifest::ContentType::kAudio;
    set.mime_type = "audio/mp4";
    if (!audio->language.empty() && audio->language != "und") set.lang = audio->language;
    ASSIGN_OR_RETURN(std::string codecs, CodecString(audio->track));
    manifest::AudioFormat f{audio->track.sample_rate, audio->track.channels};
    set.representations.push_back({audio->name, codecs, MeasureBitrates(audio->track, false).peak, f, Template(*audio)});
    mpd.adaptation_sets.push_back(std::move(set));
  }
  return manifest::WriteMpd(mpd);
}

StatusOr<std::string> MasterText(const std::vector<PackagedRendition>& video,
                                 const std::optional<PackagedRendition>& audio, bool ts) {
  const char* playlist = ts ? kTsPlaylist : kCmafPlaylist;
  manifest::MasterPlaylist m;
  Bitrates audio_rate;
  std::string audio_codecs;
  if (audio) {
    ASSIGN_OR_RETURN(audio_codecs, CodecString(audio->track));
    audio_rate = MeasureBitrates(audio->track, ts);
    manifest::AudioRendition a;
    a.group_id = "audio";
    bool tagged = !audio->language.empty() && audio->language != "und";
    a.name = tagged ? audio->language : "default";
    if (tagged) a.language = audio->language;
    a.is_default = true;
    a.autoselect = true;
    a.channels = std::to_string(audio->track.channels);
    a.uri = audio->dir + "/" + playlist;
    if (!video.empty()) m.audio.push_back(a);
  }
  for (const auto& r : video) {
    ASSIGN_OR_RETURN(std::string codecs, CodecString(r.track));
    Bitrates b = MeasureBitrates(r.track, ts);
    manifest::Variant v;
    v.uri = r.dir + "/" + playlist;
    // A variant's BANDWIDTH covers everything played with it (RFC 8216
    // 4.3.4.2), so the audio group's rates are added.
    v.bandwidth = b.peak + audio_rate.peak;
    v.average_bandwidth = b.average + audio_rate.average;
    v.codecs = {codecs};
    if (audio) {
      v.codecs.push_back(audio_codecs);
      v.audio_group_id = "audio";
    }
    v.resolution = manifest::Resolution{r.track.width, r.track.height};
    v.frame_rate = r.frame_rate.ToDouble();
    m.variants.push_back(std::move(v));
  }
  if (video.empty() && audio) {
    manifest::Variant v;
    v.uri = audio->dir + "/" + playlist;
    v.bandwidth = audio_rate.peak;
    v.average_bandwidth = audio_rate.average;
    v.codecs = {audio_codecs};
    m.variants.push_back(std::move(v));
  }
  return manifest::WriteMasterPlaylist(m);
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

StatusOr<std::map<std::string, std::string>> BuildManifests(
    const std::vector<PackagedRendition>& video, const std::optional<PackagedRendition>& audio) {
  if (video.empty() && !audio) return Internal("no rendition to describe");
  std::map<std::string, std::string> files;
  double duration = 0;
  for (const auto& r : video) duration = std::max(duration, r.track.presentation_seconds());
  if (video.empty() && audio) duration = audio->track.presentation_seconds();
  std::vector<const PackagedRendition*> all;
  for (const auto& r : video) all.push_back(&r);
  if (audio) all.push_back(&*audio);
  for (const auto* r : all) {
    ASSIGN_OR_RETURN(files[r->dir + "/" + kCmafPlaylist], MediaPlaylistText(r->track, false));
    ASSIGN_OR_RETURN(files[r->dir + "/" + kTsPlaylist], MediaPlaylistText(r->track, true));
  }
  ASSIGN_OR_RETURN(files[kCmafMaster], MasterText(video, audio, false));
  ASSIGN_OR_RETURN(files[kTsMaster], MasterText(video, audio, true));
  ASSIGN_OR_RETURN(files[kMpd], MpdText(video, audio, duration));
  return files;
}

}  // namespace vtp::pipeline
