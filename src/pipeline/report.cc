#include "pipeline/planner.h"
#include "pipeline/report.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "domain/media_info_json.h"
#include "pipeline/json_codec.h"
#include "pipeline/manifests.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
using ports::TaskRecord;

constexpr char kCpuPerRungNote[] =
    "per-rung CPU is an estimate: a transcode task encodes every rung of its codec in one process, so its "
    "CPU is split across the rungs by pixel count (width x height); package CPU is measured per rung";

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


// ---- vtp report ------------------------------------------------------------

namespace {


double CpuSecondsOf(const TaskRecord& t) { return static_cast<double>(t.cpu_ms.value_or(0)) / 1000.0; }

// A package task's (codec, rung): the record's columns, else its id's last
// segment ("v1/package/hevc_720p").
std::pair<std::string, std::string> PackageKey(const TaskRecord& t) {
  if (!t.codec.empty() && !t.resolution.empty()) return {t.codec, t.resolution};
  std::string last = t.task_id.substr(t.task_id.rfind('/') + 1);
  size_t us = last.find('_');
  if (us == std::string::npos) return {"h264", last};
  return {last.substr(0, us), last.substr(us + 1)};
}

// Splits the codec's transcode CPU over its rungs by pixel count.
void Apportion(CodecUsage& u) {
  double pixels = 0;
  for (const auto& r : u.rungs) pixels += static_cast<double>(r.width) * r.height;
  for (auto& r : u.rungs) {
    double share = pixels > 0 ? static_cast<double>(r.width) * r.height / pixels : 1.0 / static_cast<double>(u.rungs.size());
    r.transcode_cpu_seconds_estimate = u.transcode_cpu_seconds * share;
  }
}

std::string Joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The smallest view count that can trigger one of `tiers` (0 for a tier
// that applies at upload).
int64_t Threshold(const std::vector<const PolicyTier*>& tiers) {
  int64_t least = INT64_MAX;
  for (const PolicyTier* t : tiers) {
    if (!t->when) return 0;
    if (t->when->first_hour_over) least = std::min(least, *t->when->first_hour_over);
    if (t->when->total_over) least = std::min(least, *t->when->total_over);
  }
  return least;
}

TierVerdict Verdict(const CodecCost& c, const CodecPolicy& policy) {
  TierVerdict v;
  v.codec = c.codec;
  v.break_even_views = c.break_even_views;
  std::vector<const PolicyTier*> tiers = policy.TiersAdding(c.codec);
  for (const PolicyTier* t : tiers) v.policy.push_back(CodecPolicy::DescribeTier(*t));
  char b[160];
  if (!c.saving_usd_per_view) {
    v.text = c.codec + " cannot be compared: H.264 has none of its rungs";
  } else if (!c.break_even_views) {
    double extra = -*c.saving_usd_per_view * 1000;
    if (extra > 0) {
      std::snprintf(b, sizeof(b), " never pays for itself: its views cost $%.4f per 1k views more egress than H.264", extra);
    } else {
      std::snprintf(b, sizeof(b), " never pays for itself: it saves nothing per view");
    }
    v.text = c.codec + b;
  } else {
    v.text = c.codec + " pays for itself after " + std::to_string(*c.break_even_views) + " views";
  }
  bool disabled = false;
  for (const auto& t : policy.tiers()) {
    disabled = disabled || (!t.enabled && std::find(t.add.begin(), t.add.end(), c.codec) != t.add.end());
  }
  if (tiers.empty()) {
    v.text += disabled ? "; its policy tier is disabled (opt-in)" : "; the policy never adds it";
    return v;
  }
  v.text += "; the policy adds it at " + Joined(v.policy, " or at ");
  if (c.break_even_views) {
    int64_t threshold = Threshold(tiers);
    v.text += *c.break_even_views <= threshold ? " (break-even is at or below the " : " (break-even is above the ";
    v.text += std::to_string(threshold) + "-view threshold)";
  }
  return v;
}

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json Optional(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

std::string Money(double usd) {
  char b[32];
  std::snprintf(b, sizeof(b), "$%.6f", usd);
  return b;
}

std::string MixText(const std::map<std::string, double>& mix) {
  std::string out;
  for (const auto& [rung, share] : mix) {
    char b[48];
    std::snprintf(b, sizeof(b), "%s%s %.0f%%", out.empty() ? "" : ", ", rung.c_str(), share * 100);
    out += b;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

StatusOr<std::vector<CodecUsage>> MeasureCodecUsage(const std::vector<TaskRecord>& tasks) {
  std::map<std::string, CodecUsage> by_codec;
  try {
    for (const auto& t : tasks) {
      if (t.state != ports::TaskState::kCompleted || t.step != "package") continue;
      auto [codec, rung] = PackageKey(t);
      media::PackagedTrack track = TrackFromJson(json::parse(t.result_json));
      CodecUsage& u = by_codec[codec];
      u.codec = codec;
      u.package_cpu_seconds += CpuSecondsOf(t);
      u.rungs.push_back({rung, track.width, track.height, 0, CpuSecondsOf(t), MeasureBitrates(track, false).average,
                         track.duration_seconds()});
    }
  } catch (const json::exception& e) {
    return Internal(std::string("unreadable package result: ") + e.what());
  }
  for (const auto& t : tasks) {
    auto it = by_codec.find(TranscodeStepCodec(t.step));
    if (t.state != ports::TaskState::kCompleted || it == by_codec.end()) continue;
    it->second.transcode_step = t.step;
    ++it->second.transcode_tasks;
    it->second.transcode_cpu_seconds += CpuSecondsOf(t);
  }
  std::vector<CodecUsage> out;
  for (auto& [codec, u] : by_codec) {
    if (u.transcode_step.empty()) u.transcode_step = codec == "h264" ? "transcode" : "transcode_" + codec;
    std::stable_sort(u.rungs.begin(), u.rungs.end(), [](const auto& a, const auto& b) {
      return static_cast<int64_t>(a.width) * a.height > static_cast<int64_t>(b.width) * b.height;
    });
    Apportion(u);
    out.push_back(std::move(u));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return VideoCodecRank(a.codec) < VideoCodecRank(b.codec); });
  return out;
}

StatusOr<CodecReport> BuildCodecReport(const ports::VideoRecord& video, const std::vector<TaskRecord>& tasks,
                                       const CodecPolicy& policy, const CostConfig& config) {
  if (video.status != ports::VideoStatus::kReady) {
    return InvalidArgument("video " + video.video_id + " is not ready (status: " +
                           std::string(ports::VideoStatusName(video.status)) +
                           "); the report needs every rendition encoded and packaged");
  }
  CodecReport r;
  r.video_id = video.video_id;
  ASSIGN_OR_RETURN(r.usage, MeasureCodecUsage(tasks));
  if (r.usage.empty()) return InvalidArgument("video " + video.video_id + " has no video renditions to report on");
  std::vector<CodecMeasure> measures;
  for (const auto& u : r.usage) {
    CodecMeasure m{u.codec, {}};
    for (const auto& rung : u.rungs) {
      m.rungs.push_back({rung.rung, rung.transcode_cpu_seconds_estimate + rung.package_cpu_seconds,
                         rung.average_bitrate, rung.duration_seconds});
    }
    measures.push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(r.costs, ComputeCosts(measures, config));
  for (const auto& c : r.costs.codecs) {
    if (c.codec != "h264") r.verdicts.push_back(Verdict(c, policy));
  }
  return r;
}

json CodecReportToJson(const CodecReport& report) {
  const CostConfig& cfg = report.costs.config;
  json codecs = json::array();
  for (size_t i = 0; i < report.usage.size(); ++i) {
    const CodecUsage& u = report.usage[i];
    const CodecCost& c = report.costs.codecs[i];
    json rungs = json::array();
    for (size_t k = 0; k < u.rungs.size(); ++k) {
      const CodecRungUsage& m = u.rungs[k];
      const RungCost& rc = c.rungs[k];
      rungs.push_back({{"rung", m.rung}, {"width", m.width}, {"height", m.height},
                       {"transcode_cpu_seconds_estimate", m.transcode_cpu_seconds_estimate},
                       {"package_cpu_seconds", m.package_cpu_seconds}, {"cpu_seconds", rc.cpu_seconds},
                       {"cpu_seconds_per_output_second", rc.cpu_seconds_per_output_second},
                       {"average_bitrate", m.average_bitrate}, {"duration_seconds", m.duration_seconds},
                       {"bytes_per_view", rc.bytes_per_view}, {"cost_usd", rc.cost_usd},
                       {"saving_bytes_per_view", Optional(rc.saving_bytes_per_view)},
                       {"saving_usd_per_view", Optional(rc.saving_usd_per_view)},
                       {"break_even_views", Optional(rc.break_even_views)}});
    }
    codecs.push_back({{"codec", u.codec}, {"transcode_step", u.transcode_step},
                      {"transcode_tasks", u.transcode_tasks}, {"transcode_cpu_seconds", u.transcode_cpu_seconds},
                      {"package_cpu_seconds", u.package_cpu_seconds}, {"cpu_seconds", c.cpu_seconds},
                      {"encode_usd", c.encode_usd}, {"storage_usd", c.storage_usd}, {"cost_usd", c.cost_usd},
                      {"viewing_mix", c.mix}, {"bytes_per_view", c.bytes_per_view},
                      {"saving_usd_per_view", Optional(c.saving_usd_per_view)},
                      {"break_even_views", Optional(c.break_even_views)},
                      {"never_breaks_even", c.saving_usd_per_view.has_value() && !c.break_even_views},
                      {"rungs", rungs}});
  }
  json verdicts = json::array();
  for (const auto& v : report.verdicts) {
    verdicts.push_back({{"codec", v.codec}, {"break_even_views", Optional(v.break_even_views)},
                        {"policy", v.policy}, {"text", v.text}});
  }
  return {{"video_id", report.video_id},
          {"prices", json::parse(CostConfigToJson(cfg))},
          {"cpu_per_rung", kCpuPerRungNote},
          {"codecs", codecs},
          {"verdicts", verdicts}};
}

std::string CodecReportToText(const CodecReport& report) {
  const CostConfig& cfg = report.costs.config;
  const Prices& p = cfg.prices;
  std::string out;
  char b[512];
  std::string storage = "storage not counted";
  if (p.storage_months > 0) {
    std::snprintf(b, sizeof(b), "storage $%g/GB-month for %g months", p.storage_usd_per_gb_month, p.storage_months);
    storage = b;
  }
  std::snprintf(b, sizeof(b), "%s: egress $%g/GB, CPU $%g/vCPU-hour, %s, views watch %g%% of the video\n",
                report.video_id.c_str(), p.egress_usd_per_gb, p.cpu_usd_per_vcpu_hour, storage.c_str(),
                cfg.watched_fraction * 100);
  out += b;
  out += std::string("note: ") + kCpuPerRungNote + "\n\n";
  std::snprintf(b, sizeof(b), "%-5s %-6s %-10s %9s %8s %9s %9s %11s %13s %11s\n", "codec", "rung", "size",
                "CPU-s*", "CPU-s/s", "kbit/s", "MB/view", "saved MB/v", "saved $/1k v", "break-even");
  out += b;
  for (size_t i = 0; i < report.usage.size(); ++i) {
    const CodecUsage& u = report.usage[i];
    const CodecCost& c = report.costs.codecs[i];
    for (size_t k = 0; k < u.rungs.size(); ++k) {
      const RungCost& rc = c.rungs[k];
      std::string size = std::to_string(u.rungs[k].width) + "x" + std::to_string(u.rungs[k].height);
      std::string saved_mb = "-", saved_usd = "-", even = "-";
      if (rc.saving_bytes_per_view) {
        std::snprintf(b, sizeof(b), "%.3f", *rc.saving_bytes_per_view / 1e6);
        saved_mb = b;
        std::snprintf(b, sizeof(b), "%.4f", *rc.saving_usd_per_view * 1000);
        saved_usd = b;
        even = rc.break_even_views ? std::to_string(*rc.break_even_views) : "never";
      }
      std::snprintf(b, sizeof(b), "%-5s %-6s %-10s %9.2f %8.3f %9.1f %9.3f %11s %13s %11s\n", u.codec.c_str(),
                    rc.rung.c_str(), size.c_str(), rc.cpu_seconds, rc.cpu_seconds_per_output_second,
                    static_cast<double>(rc.average_bitrate) / 1000.0, rc.bytes_per_view / 1e6, saved_mb.c_str(),
                    saved_usd.c_str(), even.c_str());
      out += b;
    }
  }
  out += "* per-rung CPU: transcode estimated by pixel count + package measured\n\n";
  for (size_t i = 0; i < report.usage.size(); ++i) {
    const CodecUsage& u = report.usage[i];
    const CodecCost& c = report.costs.codecs[i];
    std::snprintf(b, sizeof(b), "%s: %.2f CPU-s (%s %.2f in %d tasks, package %.2f), cost %s", u.codec.c_str(),
                  c.cpu_seconds, u.transcode_step.c_str(), u.transcode_cpu_seconds, u.transcode_tasks,
                  u.package_cpu_seconds, Money(c.cost_usd).c_str());
    out += b;
    if (c.storage_usd > 0) out += " (encode " + Money(c.encode_usd) + " + storage " + Money(c.storage_usd) + ")";
    if (c.saving_usd_per_view) {
      std::snprintf(b, sizeof(b), "; viewing mix %s: %.3f MB/view, saves $%.4f/1k views, break-even %s",
                    MixText(c.mix).c_str(), c.bytes_per_view / 1e6, *c.saving_usd_per_view * 1000,
                    c.break_even_views ? (std::to_string(*c.break_even_views) + " views").c_str() : "never");
      out += b;
    }
    out += "\n";
  }
  if (!report.verdicts.empty()) out += "\n";
  for (const auto& v : report.verdicts) out += v.text + "\n";
  return out;
}

int DefaultWorkers(int cores) { return std::max(1, cores / 2); }

int DefaultWorkersHere() { return DefaultWorkers(static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))); }

}  // namespace vtp::pipeline
