// The H.264/AAC ladder pipeline's half of the engine: the job options a video
// is submitted with, and the StepPlanner that computes every task's
// parameters from the results of the tasks before it.
//
// Every path a task reads or writes is derived from the data directory and
// the video id, so re-planning and re-running give the same files:
//   <blobs>/originals/<video>/original.<ext>   the upload (write-once)
//   <work>/<video>/chunks/chunk_NNN.vpk        split
//   <work>/<video>/enc/<rung>/chunk_NNN.nut    transcode
//   <work>/<video>/audio.nut                   audio
//   <work>/<video>/out/...                     package + manifest
//   <output_dir>/...                           publish (atomic rename)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "domain/media_info.h"
#include "engine/pipeline_graph.h"
#include "engine/scheduler.h"

namespace vtp::pipeline {

// What a video was submitted with; stored as VideoRecord::options_json.
struct JobOptions {
  std::string source;         // the upload as submitted (read once, by ingest)
  std::string source_sha256;  // its checksum at submission
  std::string source_ext;     // "mp4": the original's key suffix
  std::string output_dir;     // where publish puts the result
  bool replace_output = false;
  double segment_seconds = 4.0;
  double gop_seconds = 2.0;
  int chunk_workers = 1;      // parallelism the chunk plan is cut for
  int max_chunks = 0;
  int encoder_threads = 1;
  std::string x264_preset = "medium";
  ProbeLimits limits;
};
nlohmann::json ToJson(const JobOptions& o);
StatusOr<JobOptions> JobOptionsFromJson(const nlohmann::json& j);

// Where a data directory keeps blobs and per-video work.
struct DataPaths {
  std::string blob_root;  // LocalBlobStore root
  std::string work_root;  // per-video intermediates
  std::string WorkDir(const std::string& video_id) const { return work_root + "/" + video_id; }
};

// The default graph with this pipeline's steps enabled (every step it can run).
engine::PipelineGraph LadderGraph();

class LadderPlanner final : public engine::StepPlanner {
 public:
  explicit LadderPlanner(DataPaths paths) : paths_(std::move(paths)) {}

  StatusOr<engine::JobShape> Shape(const ports::VideoRecord& video,
                                   const engine::TaskResults& done) const override;
  StatusOr<std::vector<std::string>> Params(const ports::VideoRecord& video,
                                            const std::vector<const engine::TaskPlan*>& tasks,
                                            const engine::TaskResults& done) const override;
  bool Describe(ports::VideoRecord& video, const engine::TaskResults& done) const override;

 private:
  DataPaths paths_;
};

// The blob key of a video's original.
std::string OriginalKey(const std::string& video_id, const std::string& ext);

}  // namespace vtp::pipeline
