// `vtp run`: one input to an H.264/AAC ladder in HLS (fMP4 and MPEG-TS) and
// DASH, through the steps probe -> split -> transcode (per chunk, all
// renditions) + audio -> package (per rendition) -> manifest, with every step
// after probe in a local worker process.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp::pipeline {

struct RunOptions {
  std::string input;
  std::string output_dir;
  std::string vtp_binary;     // executable the workers run
  int workers = 0;            // 0: DefaultWorkers(CPU cores)
  double segment_seconds = 4.0;
  double gop_seconds = 2.0;
  int max_chunks = 0;         // 0: automatic; 1: no chunking
  int encoder_threads = 1;    // x264 threads per encoder
  std::string x264_preset = "medium";
  bool force = false;         // replace an existing output directory
  ProbeLimits limits;
};

// Progress of one step: `done` of `total` tasks.
struct StepProgress {
  std::string step;
  int done = 0;
  int total = 0;
};

// Receives progress on the orchestrator thread.
class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  virtual void OnProgress(const std::vector<StepProgress>& steps) = 0;
};

struct StepStats {
  int tasks = 0;
  double wall_seconds = 0;   // first start to last finish
  double cpu_seconds = 0;    // summed over the step's worker processes
  int64_t max_rss_kb = 0;    // largest single worker
};

struct RenditionSummary {
  std::string name;          // "720p", "aac_128k"
  std::string kind;          // "video" / "audio"
  std::string codecs;        // RFC 6381
  int width = 0, height = 0;
  int segments = 0;
  double duration_seconds = 0;
  int64_t fmp4_bytes = 0, ts_bytes = 0;
  int64_t peak_bitrate = 0, average_bitrate = 0;  // fMP4 media, bits/s
};

struct RunReport {
  MediaInfo source;
  std::string output_dir;
  std::vector<RenditionSummary> renditions;
  std::map<std::string, StepStats> steps;
  double wall_seconds = 0;
  double cpu_seconds = 0;    // orchestrator + every worker
  int chunks = 0;
};

StatusOr<RunReport> RunJob(const RunOptions& options, ProgressListener* progress);

// Worker processes used when RunOptions::workers is 0: half the cores, at
// least one. Each transcode task already runs one encoder thread per rung, so
// one worker per two cores keeps the CPUs busy while holding one set of
// encoders per worker in memory (docs/benchmarks.md has the measurements).
int DefaultWorkers(int cores);

}  // namespace vtp::pipeline
