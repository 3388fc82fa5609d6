// The worker side of every task: JSON parameters in, a media call, JSON out.
#include <climits>
#include <filesystem>

#include "domain/segment_plan.h"
#include "media/package.h"
#include "media/splitter.h"
#include "media/transcode.h"
#include "pipeline/json_codec.h"
#include "pipeline/task_spec.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;

StatusOr<json> RunSplit(const json& p) {
  std::string input = p.at("input");
  ASSIGN_OR_RETURN(media::VideoIndex idx, media::IndexVideo(input, p.at("video_stream").get<int>()));
  SegmentPlanOptions o;
  o.segment_seconds = p.at("segment_seconds");
  o.gop_seconds = p.at("gop_seconds");
  o.workers = p.at("workers");
  o.max_chunks = p.at("max_chunks");
  ASSIGN_OR_RETURN(SegmentPlan plan, PlanSegments(idx.time_base, idx.first_pts,
                                                  idx.end_pts - idx.first_pts, idx.keyframes, o));
  std::string dir = p.at("chunks_dir");
  std::filesystem::create_directories(dir);
  ASSIGN_OR_RETURN(auto files, media::SplitIntoChunks(input, idx, plan, dir));
  json out = PlanToJson(plan);
  out["end"] = idx.end_pts;
  out["offset"] = idx.offset;
  out["packets"] = idx.packets;
  out["index_frame_rate"] = idx.frame_rate;
  for (size_t i = 0; i < files.size(); ++i) {
    out["chunks"][i]["path"] = files[i].path;
    out["chunks"][i]["packets"] = files[i].packets;
    out["chunks"][i]["bytes"] = files[i].bytes;
  }
  return out;
}

StatusOr<json> RunTranscode(const json& p) {
  media::VideoChunkJob job;
  job.chunk_path = p.at("chunk_path");
  job.time_base = RationalFromJson(p.at("time_base"));
  job.frame_rate = RationalFromJson(p.at("frame_rate"));
  job.origin = p.at("origin");
  job.start = p.at("start");
  job.end = p.at("end").is_null() ? INT64_MAX : p.at("end").get<int64_t>();
  job.last_frame_duration = p.at("last_frame_duration");
  job.keyframe_forces = p.at("keyframe_forces").get<std::vector<int64_t>>();
  job.conditioning = ConditioningFromJson(p.at("conditioning"));
  for (const auto& r : p.at("renditions")) job.renditions.push_back(RenditionFromJson(r));
  job.outputs = p.at("outputs").get<std::vector<std::string>>();
  job.encoder_threads = p.value("encoder_threads", 1);
  job.top_rung_threads = p.value("top_rung_threads", 2);
  ASSIGN_OR_RETURN(media::ChunkResult r, media::TranscodeVideoChunk(job));
  return json{{"frames", r.frames}, {"delays", r.delays}};
}

StatusOr<json> RunAudio(const json& p) {
  media::AudioJob job;
  job.input_path = p.at("input");
  job.stream_index = p.at("stream");
  job.origin_seconds = p.at("origin_seconds");
  job.max_seconds = p.at("max_seconds");
  job.bitrate = p.at("bitrate");
  job.sample_rate = p.at("sample_rate");
  job.output = p.at("output");
  ASSIGN_OR_RETURN(media::AudioResult r, media::TranscodeAudio(job));
  return json{{"samples", r.samples}, {"priming", r.priming}};
}

StatusOr<json> RunPackage(const json& p) {
  media::PackageJob job;
  job.inputs = p.at("inputs").get<std::vector<std::string>>();
  job.video = p.at("video");
  job.boundaries = p.at("boundaries").get<std::vector<int64_t>>();
  job.boundary_time_base = RationalFromJson(p.at("boundary_time_base"));
  job.priming = p.at("priming");
  job.shift = p.at("shift");
  job.out_dir = p.at("out_dir");
  ASSIGN_OR_RETURN(media::PackagedTrack t, media::PackageRendition(job));
  return TrackToJson(t);
}

StatusOr<json> Dispatch(const TaskSpec& task) {
  if (task.step == kStepSplit) return RunSplit(task.params);
  if (task.step == kStepTranscode) return RunTranscode(task.params);
  if (task.step == kStepAudio) return RunAudio(task.params);
  if (task.step == kStepPackage) return RunPackage(task.params);
  return InvalidArgument("unknown step '" + task.step + "'");
}

}  // namespace

TaskResult ExecuteTask(const TaskSpec& task) {
  TaskResult r;
  try {
    auto out = Dispatch(task);
    if (out.ok()) {
      r.output = std::move(out).value();
    } else {
      r.status = out.status();
    }
  } catch (const nlohmann::json::exception& e) {
    r.status = InvalidArgument(std::string("malformed task parameters: ") + e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    r.status = IoError(e.what());
  } catch (const std::exception& e) {
    r.status = Internal(std::string("task threw: ") + e.what());
  }
  return r;
}

}  // namespace vtp::pipeline
