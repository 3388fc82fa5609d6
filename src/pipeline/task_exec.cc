// The worker side of every task: JSON parameters in, a media call, JSON out.
// Every output is written under a temporary name and renamed into place, so
// a run killed half-way leaves nothing that looks finished, and a re-run
// (same parameters, deterministic encoders) replaces it with the same bytes.
#include <climits>
#include <filesystem>

#include "domain/codec_string.h"
#include "domain/media_info_json.h"
#include "domain/segment_plan.h"
#include "media/package.h"
#include "media/probe.h"
#include "media/splitter.h"
#include "media/transcode.h"
#include "pipeline/planner.h"
#include "pipeline/json_codec.h"
#include "pipeline/atomic_files.h"
#include "pipeline/drm_step.h"
#include "pipeline/io_steps.h"
#include "pipeline/side_steps.h"
#include "pipeline/task_spec.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

StatusOr<json> RunProbe(const json& p) {
  ASSIGN_OR_RETURN(MediaInfo info, media::Probe(p.at("input"), LimitsFromJson(p.at("limits"))));
  return ToJson(info);
}

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
  FreshDir(Part(dir));
  ASSIGN_OR_RETURN(auto files, media::SplitIntoChunks(input, idx, plan, Part(dir)));
  RETURN_IF_ERROR(CommitPath(Part(dir), dir));
  json out = PlanToJson(plan);
  out["end"] = idx.end_pts;
  out["offset"] = idx.offset;
  out["packets"] = idx.packets;
  out["index_frame_rate"] = idx.frame_rate;
  for (size_t i = 0; i < files.size(); ++i) {
    out["chunks"][i]["path"] = dir + "/" + fs::path(files[i].path).filename().string();
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
  std::vector<std::string> outputs = p.at("outputs").get<std::vector<std::string>>();
  for (const auto& o : outputs) {
    fs::create_directories(fs::path(o).parent_path());
    job.outputs.push_back(Part(o));
  }
  job.encoder_threads = p.value("encoder_threads", 1);
  job.top_rung_threads = p.value("top_rung_threads", 2);
  ASSIGN_OR_RETURN(media::ChunkResult r, media::TranscodeVideoChunk(job));
  for (const auto& o : outputs) RETURN_IF_ERROR(CommitPath(Part(o), o));
  return json{{"frames", r.frames}, {"delays", r.delays}};
}

}  // namespace

StatusOr<json> RunPackage(const json& p) {
  media::PackageJob job;
  job.inputs = p.at("inputs").get<std::vector<std::string>>();
  job.video = p.at("video");
  job.boundaries = p.at("boundaries").get<std::vector<int64_t>>();
  job.boundary_time_base = RationalFromJson(p.at("boundary_time_base"));
  job.priming = p.at("priming");
  job.shift = p.at("shift");
  job.write_ts = p.value("write_ts", true);
  std::string out_dir = p.at("out_dir");
  job.out_dir = Part(out_dir);
  FreshDir(job.out_dir);
  ASSIGN_OR_RETURN(media::PackagedTrack t, media::PackageRendition(job));
  RETURN_IF_ERROR(CommitPath(job.out_dir, out_dir));
  json out = TrackToJson(t);
  if (job.video) {
    // The manifests' CODECS and VIDEO-RANGE come from the sample entry the
    // muxer actually wrote, not from what the encoder was asked for.
    ASSIGN_OR_RETURN(std::string init, ReadFileBytes(out_dir + "/" + t.init_name));
    StatusOr<SampleEntryInfo> entry = InspectInitSegment(std::vector<uint8_t>(init.begin(), init.end()));
    if (!entry.ok()) return Internal("unreadable init segment " + t.init_name + ": " + entry.status().message());
    out["codecs"] = entry->codecs;
    out["video_range"] = entry->video_range;
  }
  return out;
}

namespace {

StatusOr<json> RunManifest(const json& p) { return WriteManifestFiles(p); }

StatusOr<json> RunPublish(const json& p) { return PublishOutput(p); }

StatusOr<json> Dispatch(const TaskSpec& task, const TaskContext& ctx) {
  if (task.step == "ingest") {
    if (!ctx.blobs) return InvalidArgument("the ingest step needs a blob store");
    return IngestOriginal(task.params, *ctx.blobs);
  }
  if (task.step == kStepProbe) return RunProbe(task.params);
  if (task.step == kStepSplit) return RunSplit(task.params);
  if (!TranscodeStepCodec(task.step).empty()) return RunTranscode(task.params);
  if (task.step == kStepAudio) return RunAudio(task.params);
  if (task.step == kStepPackage) return RunPackage(task.params);
  if (task.step == "package_audio") return RunPackageAudio(task.params);
  if (task.step == "thumbnails") return RunThumbnails(task.params);
  if (task.step == "subtitles") return RunSubtitles(task.params);
  if (task.step == "captions") {
    if (!ctx.stt) return InvalidArgument("the captions step needs a speech-to-text engine");
    return RunCaptions(task.params, *ctx.stt);
  }
  if (task.step == "drm") {
    if (!ctx.keys) return InvalidArgument("the drm step needs a key source");
    return RunDrm(task.params, *ctx.keys);
  }
  if (task.step == kStepManifest) return RunManifest(task.params);
  if (task.step == "publish") return RunPublish(task.params);
  return InvalidArgument("unknown step '" + task.step + "'");
}

}  // namespace

TaskResult ExecuteTask(const TaskSpec& task, const TaskContext& ctx) {
  TaskResult r;
  try {
    auto out = Dispatch(task, ctx);
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
