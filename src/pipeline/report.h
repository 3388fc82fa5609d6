// The summary `vtp run` prints for a finished video, built from what the
// store recorded: the source (probe result), each rendition (package
// results) and each step's accounting (task run times and CPU).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
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

// Worker processes used when none are asked for: half the cores, at least
// one. Each transcode task already runs one encoder thread per rung, so one
// worker per two cores keeps the CPUs busy while holding one set of encoders
// per worker in memory (docs/benchmarks.md has the measurements).
int DefaultWorkers(int cores);
// DefaultWorkers for the cores online on this machine.
int DefaultWorkersHere();

}  // namespace vtp::pipeline
