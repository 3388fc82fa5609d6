#include "pipeline/upgrade.h"

#include <algorithm>
#include <filesystem>

#include "domain/ladder.h"
#include "domain/media_info_json.h"
#include "pipeline/job_options.h"

namespace vtp::pipeline {

using ports::VideoStatus;

StatusOr<UpgradeResult> AddCodecs(ports::MetadataStore& store, engine::Scheduler& scheduler,
                                  const DataPaths& paths, std::string_view video_id,
                                  const std::vector<std::string>& codecs) {
  for (const auto& c : codecs) {
    if (VideoCodecRank(c) == kVideoCodecs.size()) {
      return InvalidArgument("unknown video codec '" + c + "' (h264, hevc, vp9, av1)");
    }
  }
  ASSIGN_OR_RETURN(ports::VideoRecord video, store.GetVideo(video_id));
  if (video.status == VideoStatus::kFailed || video.status == VideoStatus::kRemoved) {
    return InvalidArgument("video " + video.video_id + " is " +
                           std::string(ports::VideoStatusName(video.status)) +
                           "; retry it before adding codecs");
  }
  nlohmann::json stored = nlohmann::json::parse(video.options_json, nullptr, false);
  ASSIGN_OR_RETURN(JobOptions opts, JobOptionsFromJson(stored));
  UpgradeResult r;
  std::vector<std::string> merged;
  for (const auto& c : kVideoCodecs) {
    bool had = std::find(opts.codecs.begin(), opts.codecs.end(), c) != opts.codecs.end();
    bool asked = std::find(codecs.begin(), codecs.end(), c) != codecs.end();
    if (had || asked) merged.push_back(c);
    if (asked && !had) r.added.push_back(c);
  }
  r.codecs = merged;
  r.manifest_version = opts.manifest_version;
  if (r.added.empty()) return r;
  // Always a new version, so the publish merges: the video may have been
  // published already even if its status does not say ready yet, and a
  // merge into an output that does not exist is a plain publish.
  const std::string before = video.options_json;
  opts.codecs = merged;
  opts.manifest_version += 1;
  r.manifest_version = opts.manifest_version;
  video.options_json = ToJson(opts).dump();
  RETURN_IF_ERROR(store.UpdateVideo(video));
  std::error_code ec;
  r.from_probe = !std::filesystem::exists(paths.WorkDir(video.video_id) + "/chunks", ec);
  // The new steps are planned from the stored split; manifest and publish
  // are planned afresh so they list (and publish) the new renditions. A
  // protected video re-plans from drm, which encrypts the new renditions
  // under the video's stored keys (the others come out byte-identical).
  Status queued = r.from_probe ? scheduler.RetryFrom(video.video_id, "probe")
                               : scheduler.ReplanFrom(video.video_id, opts.drm.enabled() ? "drm" : "manifest");
  if (!queued.ok()) {
    // Not queued: the stored codecs must not claim what nobody will encode
    // (the next call would see them as already there).
    video.options_json = before;
    (void)store.UpdateVideo(video);
    return queued.WithContext("adding " + r.added.front());
  }
  return r;
}

StatusOr<PolicyOutcome> ApplyCodecPolicy(ports::MetadataStore& store, engine::Scheduler& scheduler,
                                         const DataPaths& paths, const CodecPolicy& policy,
                                         std::string_view video_id, int64_t views_first_hour,
                                         int64_t total_views) {
  ASSIGN_OR_RETURN(ports::VideoRecord video, store.GetVideo(video_id));
  ASSIGN_OR_RETURN(JobOptions opts, JobOptionsFromJson(nlohmann::json::parse(video.options_json, nullptr, false)));
  PolicyInput in;
  in.current_codecs = opts.codecs;
  in.views_first_hour = views_first_hour;
  in.total_views = total_views;
  in.creator_priority = std::string(ports::PriorityName(video.priority));
  // The source as probed (display size, HDR); unknown before the probe ran.
  if (StatusOr<ports::TaskRecord> probe = store.GetTask(video.video_id + "/probe");
      probe.ok() && probe->state == ports::TaskState::kCompleted) {
    StatusOr<MediaInfo> info = MediaInfoFromJson(nlohmann::json::parse(probe->result_json, nullptr, false));
    if (info.ok() && info->video_stream() && info->video_stream()->video) {
      const VideoInfo& v = *info->video_stream()->video;
      DisplaySize d = DisplayGeometry(v);
      in.source_height = std::min(d.width, d.height);
      in.source_hdr = v.hdr != HdrType::kSdr;
    }
  }
  PolicyOutcome out;
  out.reasons = policy.Explain(in);
  out.upgrade.codecs = opts.codecs;
  out.upgrade.manifest_version = opts.manifest_version;
  if (video.status == VideoStatus::kFailed || video.status == VideoStatus::kRemoved) return out;
  ASSIGN_OR_RETURN(out.upgrade, AddCodecs(store, scheduler, paths, video_id, policy.Decide(in)));
  return out;
}

}  // namespace vtp::pipeline
