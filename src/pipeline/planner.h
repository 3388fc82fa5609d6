// The H.264/AAC ladder pipeline's half of the engine: the job options a video
// is submitted with, and the StepPlanner that computes every task's
// parameters from the results of the tasks before it.
//
// Every path a task reads or writes is derived from the data directory and
// the video id, so re-planning and re-running give the same files:
//   <blobs>/originals/<video>/original.<ext>   the upload (write-once)
//   <work>/<video>/chunks/chunk_NNN.vpk        split
//   <work>/<video>/enc/<rung>/chunk_NNN.nut    transcode
//   <work>/<video>/audio/<track>/<name>.nut    audio (every track, every rendition)
//   <work>/<video>/out/...                     package + manifest
//   <output_dir>/...                           publish (atomic rename)
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "domain/media_info.h"
#include "engine/pipeline_graph.h"
#include "engine/scheduler.h"
#include "pipeline/job_options.h"

namespace vtp::pipeline {

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

// The step that encodes `codec`'s ladder: "transcode" for H.264 (the name
// it always had), "transcode_<codec>" for the others.
std::string TranscodeStep(const std::string& codec);
// Its inverse: the codec a transcode step encodes ("transcode" -> "h264",
// "transcode_hevc" -> "hevc"); "" for any other step.
std::string TranscodeStepCodec(const std::string& step);

// kInvalidArgument unless every GPU pool a step of `graph` may use has an
// encoder for that step's codec (EncoderForPool): a route with none would
// fail every planning pass once a worker leases that pool.
Status CheckGpuRoutes(const engine::PipelineGraph& graph);

// The blob key of a video's original.
std::string OriginalKey(const std::string& video_id, const std::string& ext);
// The blob key of the index-th subtitle file submitted with a video (stored
// beside the original, write-once like it).
std::string SubtitleUploadKey(const std::string& video_id, size_t index, const SubtitleUpload& s);

}  // namespace vtp::pipeline
