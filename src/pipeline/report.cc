#include "pipeline/report.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/media_info_json.h"
#include "pipeline/json_codec.h"
#include "pipeline/manifests.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
using ports::TaskRecord;

RenditionSummary Summarize(const std::string& name, const char* kind, const media::PackagedTrack& t) {
  RenditionSummary s;
  s.name = name;
  s.kind = kind;
  s.codecs = t.codec;
  s.width = t.width;
  s.height = t.height;
  s.segments = static_cast<int>(t.segments.size());
  s.duration_seconds = t.duration_seconds();
  for (const auto& seg : t.segments) {
    s.fmp4_bytes += seg.fmp4_bytes;
    s.ts_bytes += seg.ts_bytes;
  }
  Bitrates b = MeasureBitrates(t, false);
  s.peak_bitrate = b.peak;
  s.average_bitrate = b.average;
  return s;
}

AudioTrackSummary AudioSummary(const json& track) {
  const json& l = track.at("loudness");
  return {track.at("key"), l.at("integrated_lufs"), l.at("true_peak_dbtp"), l.at("lra_lu"), l.at("silent"),
          track.at("gain_db")};
}

void Account(RunReport& r, const std::vector<TaskRecord>& tasks) {
  std::map<std::string, std::pair<ports::Millis, ports::Millis>> span;
  ports::Millis first = INT64_MAX, last = 0;
  for (const auto& t : tasks) {
    if (t.state != ports::TaskState::kCompleted || !t.started_at || !t.completed_at) continue;
    StepStats& s = r.steps[t.step];
    ++s.tasks;
    s.cpu_seconds += static_cast<double>(t.cpu_ms.value_or(0)) / 1000.0;
    auto [it, fresh] = span.try_emplace(t.step, *t.started_at, *t.completed_at);
    if (!fresh) {
      it->second.first = std::min(it->second.first, *t.started_at);
      it->second.second = std::max(it->second.second, *t.completed_at);
    }
    first = std::min(first, *t.started_at);
    last = std::max(last, *t.completed_at);
  }
  for (auto& [step, s] : r.steps) {
    s.wall_seconds = static_cast<double>(span[step].second - span[step].first) / 1000.0;
    r.cpu_seconds += s.cpu_seconds;
  }
  if (last >= first) r.wall_seconds = static_cast<double>(last - first) / 1000.0;
}

}  // namespace

StatusOr<RunReport> BuildRunReport(const ports::VideoRecord& video, const std::vector<TaskRecord>& tasks) {
  RunReport r;
  r.video_id = video.video_id;
  try {
    for (const auto& t : tasks) {
      if (t.state != ports::TaskState::kCompleted) continue;
      json out = json::parse(t.result_json);
      if (t.step == "probe") {
        ASSIGN_OR_RETURN(r.source, MediaInfoFromJson(out));
      } else if (t.step == "transcode") {
        ++r.chunks;
      } else if (t.step == "package") {
        r.renditions.push_back(Summarize(t.resolution, "video", TrackFromJson(out)));
      } else if (t.step == "package_audio") {
        for (const auto& track : out.at("tracks")) {
          r.renditions.push_back(Summarize(track.value("name", "audio"), "audio", TrackFromJson(track)));
        }
      } else if (t.step == "audio") {
        for (const auto& track : out.at("tracks")) r.audio_tracks.push_back(AudioSummary(track));
      } else if (t.step == "subtitles" || t.step == "captions") {
        for (const auto& s : out.at("tracks")) {
          r.subtitles.push_back({s.at("key"), s.at("cues"), t.step == "captions"});
        }
        for (const auto& s : out.value("skipped", json::array())) r.skipped_subtitles.push_back({s.at("key"), s.at("reason")});
      } else if (t.step == "thumbnails") {
        r.sprites = static_cast<int>(out.at("sprites").size());
        r.stills = static_cast<int>(out.at("stills").size());
        r.posters = static_cast<int>(out.at("posters").size());
        r.poster_seconds = out.at("poster_seconds");
      } else if (t.step == "publish") {
        r.output_dir = out.at("output_dir");
      }
    }
  } catch (const json::exception& e) {
    return Internal(std::string("unreadable task result: ") + e.what());
  }
  if (r.output_dir.empty()) return InvalidArgument("video " + video.video_id + " has not been published");
  // Renditions in ladder order (largest first), audio last.
  std::stable_sort(r.renditions.begin(), r.renditions.end(), [](const auto& a, const auto& b) {
    if (a.kind != b.kind) return a.kind == "video";
    return a.height * a.width > b.height * b.width;
  });
  Account(r, tasks);
  return r;
}

int DefaultWorkers(int cores) { return std::max(1, cores / 2); }

int DefaultWorkersHere() { return DefaultWorkers(static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))); }

}  // namespace vtp::pipeline
