// The summary `vtp run` prints for a finished video, built from what the
// store recorded: the source (probe result), each rendition (package
// results) and each step's accounting (task run times and CPU); and the
// codec economics `vtp report` prints (CodecReport). Pure: task records in,
// values out; the commands read the store.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/codec_policy.h"
#include "domain/cost_model.h"
#include "domain/media_info.h"
#include "ports/records.h"

namespace vtp::pipeline {

struct StepStats {
  int tasks = 0;
  double wall_seconds = 0;  // first start to last finish
  double cpu_seconds = 0;   // summed over the step's runs that completed
};

struct RenditionSummary {
  std::string name;    // "720p", "aac_128k"
  std::string kind;    // "video" / "audio"
  std::string codecs;  // RFC 6381
  int width = 0, height = 0;
  int segments = 0;
  double duration_seconds = 0;
  int64_t fmp4_bytes = 0, ts_bytes = 0;
  int64_t peak_bitrate = 0, average_bitrate = 0;  // fMP4 media, bits/s
};

// One audio track's loudness before and after normalisation (EBU R128).
struct AudioTrackSummary {
  std::string key;              // "en", "track1"
  double integrated_lufs = 0;   // measured on the source (pass 1)
  double true_peak_dbtp = 0;
  double lra_lu = 0;
  bool silent = false;          // below the measurement gate: left as is
  double gain_db = 0;           // applied in pass 2
};

struct SubtitleSummary {
  std::string key;
  int cues = 0;
  bool captions = false;
};

// A subtitle track that was not converted, and why (a malformed upload
// with its line number, an image subtitle stream).
struct SkippedTrack {
  std::string key;
  std::string reason;
};

struct RunReport {
  std::string video_id;
  MediaInfo source;
  std::string output_dir;
  std::vector<RenditionSummary> renditions;
  std::map<std::string, StepStats> steps;
  std::vector<AudioTrackSummary> audio_tracks;
  std::vector<SubtitleSummary> subtitles;
  std::vector<SkippedTrack> skipped_subtitles;
  int sprites = 0, stills = 0, posters = 0;
  double poster_seconds = 0;
  double wall_seconds = 0;  // first task start to last task end
  double cpu_seconds = 0;   // every completed task
  int chunks = 0;
};

// kInvalidArgument when the video has not completed (results missing).
StatusOr<RunReport> BuildRunReport(const ports::VideoRecord& video,
                                   const std::vector<ports::TaskRecord>& tasks);

// ---- vtp report: what each codec cost and what it saves -----------------

// One codec at one rung, measured from the video's completed tasks.
struct CodecRungUsage {
  std::string rung;  // "720p"
  int width = 0, height = 0;
  // A transcode task encodes every rung of its codec in one process, so its
  // CPU cannot be measured per rung: this is the codec's transcode CPU split
  // by pixel count (width x height; all rungs share the frame rate), an
  // estimate.
  double transcode_cpu_seconds_estimate = 0;
  double package_cpu_seconds = 0;  // measured: one package task per rendition
  int64_t average_bitrate = 0;     // fMP4 media, bits/s (MeasureBitrates)
  double duration_seconds = 0;
};

struct CodecUsage {
  std::string codec;           // "hevc"
  std::string transcode_step;  // "transcode_hevc"
  int transcode_tasks = 0;
  double transcode_cpu_seconds = 0;  // measured: the step's completed tasks
  double package_cpu_seconds = 0;    // measured: the codec's package tasks
  std::vector<CodecRungUsage> rungs;  // largest first
};

// The measurements of every codec that has packaged renditions, in the
// order h264, hevc, vp9, av1 (others after, by name). A package task's
// codec and rung come from its codec/resolution columns, else from its id
// ("v…/package/hevc_720p"). Only completed tasks
// count; cpu_ms missing counts as 0. kInternal for an unreadable package
// result.
StatusOr<std::vector<CodecUsage>> MeasureCodecUsage(const std::vector<ports::TaskRecord>& tasks);

// The policy's verdict on one added codec against its break-even.
struct TierVerdict {
  std::string codec;
  std::optional<int64_t> break_even_views;  // over the viewing mix; nullopt: never
  std::vector<std::string> policy;          // DescribeTier of each enabled tier adding it
  // "hevc pays for itself after 37 views; the policy adds it at > 100 views
  // in the first hour (break-even is at or below the 100-view threshold)";
  // "vp9 never pays for itself: ...; its policy tier is disabled (opt-in)".
  std::string text;
};

struct CodecReport {
  std::string video_id;
  std::vector<CodecUsage> usage;  // same order as costs.codecs
  CostReport costs;
  std::vector<TierVerdict> verdicts;  // every codec but h264
};

// Measures (MeasureCodecUsage), prices (ComputeCosts: per-rung CPU = the
// transcode estimate + the measured package CPU) and judges every codec but
// h264 against `policy`. kInvalidArgument when the video is not ready
// (the message names its status) or has no packaged video rendition
// (audio-only input); kInternal for an unreadable package result.
StatusOr<CodecReport> BuildCodecReport(const ports::VideoRecord& video,
                                       const std::vector<ports::TaskRecord>& tasks,
                                       const CodecPolicy& policy, const CostConfig& config);

// `vtp report --json`: the same data as the text.
//   {"video_id": "v…",
//    "prices": {the CostConfig, as CostConfigToJson writes it},
//    "cpu_per_rung": "per-rung CPU is an estimate: …",
//    "codecs": [{"codec", "transcode_step", "transcode_tasks",
//                "transcode_cpu_seconds", "package_cpu_seconds", "cpu_seconds",
//                "encode_usd", "storage_usd", "cost_usd",
//                "viewing_mix": {"1080p": 1.0}, "bytes_per_view",
//                "saving_usd_per_view" (null for h264), "break_even_views"
//                (null: baseline or never), "never_breaks_even",
//                "rungs": [{"rung", "width", "height",
//                           "transcode_cpu_seconds_estimate",
//                           "package_cpu_seconds", "cpu_seconds",
//                           "cpu_seconds_per_output_second", "average_bitrate",
//                           "duration_seconds", "bytes_per_view", "cost_usd",
//                           "saving_bytes_per_view", "saving_usd_per_view",
//                           "break_even_views"}]}],
//    "verdicts": [{"codec", "break_even_views", "policy": ["> 100 views in
//                  the first hour"], "text"}]}
nlohmann::json CodecReportToJson(const CodecReport& report);
// The table per codec and rung, then the verdicts. Ends in '\n'.
std::string CodecReportToText(const CodecReport& report);

// Worker processes used when none are asked for: half the cores, at least
// one. Each transcode task already runs one encoder thread per rung, so one
// worker per two cores keeps the CPUs busy while holding one set of encoders
// per worker in memory (docs/benchmarks.md has the measurements).
int DefaultWorkers(int cores);
// DefaultWorkers for the cores online on this machine.
int DefaultWorkersHere();

}  // namespace vtp::pipeline
