#include "control/video_service.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "engine/progress.h"
#include "engine/progress_json.h"
#include "pipeline/job_options.h"
#include "pipeline/planner.h"
#include "pipeline/report.h"
#include "pipeline/upgrade.h"
#include "service/encoding.h"
#include "subtitle/parse.h"

namespace vtp::control {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMaxViewsPerCall = 1'000'000;
constexpr size_t kMaxSubtitleBytes = 16 << 20;

bool IsAdmin(const Caller& c) { return c.role == service::Role::kAdmin; }

json RenditionJson(const pipeline::RenditionSummary& r) {
  return {{"name", r.name},         {"kind", r.kind},         {"codecs", r.codecs},
          {"width", r.width},       {"height", r.height},     {"segments", r.segments},
          {"duration_seconds", r.duration_seconds},           {"peak_bitrate", r.peak_bitrate},
          {"average_bitrate", r.average_bitrate}};
}

// Work sync's copy of the published tree (pipeline/work_sync.h). Listed
// with the trailing '/', so video "v1" never reaches "v10"'s files; only
// transcoded/, never originals/.
Status RemovePublishedBlobs(ports::BlobStore& blobs, const std::string& video_id) {
  ASSIGN_OR_RETURN(std::vector<std::string> keys, blobs.List("transcoded/" + video_id + "/"));
  for (const auto& key : keys) {
    Status deleted = blobs.Delete(key);
    if (!deleted.ok()) return deleted.WithContext("removing the published blobs of " + video_id);
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeCursor(ports::Millis created_at, std::string_view video_id) {
  return service::Base64UrlEncode(std::to_string(created_at) + ":" + std::string(video_id));
}

StatusOr<std::pair<ports::Millis, std::string>> DecodeCursor(std::string_view cursor) {
  StatusOr<std::string> raw = service::Base64UrlDecode(cursor);
  if (!raw.ok()) return InvalidArgument("cursor is not one this API issued");
  size_t colon = raw->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == raw->size()) {
    return InvalidArgument("cursor is not one this API issued");
  }
  ports::Millis at = 0;
  for (char c : raw->substr(0, colon)) {
    if (c < '0' || c > '9' || at > (INT64_MAX - 9) / 10) return InvalidArgument("cursor is not one this API issued");
    at = at * 10 + (c - '0');
  }
  return std::make_pair(at, raw->substr(colon + 1));
}

StatusOr<ports::VideoRecord> VideoService::Owned(const Caller& caller, std::string_view video_id) const {
  StatusOr<ports::VideoRecord> v = d_.meta.GetVideo(video_id);
  if (!v.ok()) {
    if (v.status().code() == ErrorCode::kNotFound) return NotFound("no video " + std::string(video_id));
    return v.status();
  }
  // Another creator's video answers exactly what a missing one does, detail
  // included, so an id cannot be probed for existence.
  Status allowed = service::Authorize(caller.role, v->creator_id, caller.creator_id);
  if (allowed.code() == ErrorCode::kNotFound) return NotFound("no video " + std::string(video_id));
  RETURN_IF_ERROR(allowed);
  if (v->status == ports::VideoStatus::kRemoved && !IsAdmin(caller)) {
    return NotFound("no video " + std::string(video_id));
  }
  return v;
}

StatusOr<json> VideoService::StatusJsonOf(std::string_view video_id) const {
  StatusOr<engine::PlanView> view = d_.scheduler.View(video_id);
  if (view.status().code() == ErrorCode::kNotFound) {
    // Not a video yet: an upload in progress reports its own progress.
    StatusOr<ports::UploadRecord> up = d_.svc.GetUploadByVideo(video_id);
    if (!up.ok() || up->state != ports::UploadState::kUploading) return view.status();
    int percent = up->length == 0 ? 0 : static_cast<int>(up->offset * 100 / up->length);
    return json{{"video_id", up->video_id},
                {"status", "uploading"},
                {"upload", {{"upload_id", up->upload_id}, {"offset", up->offset}, {"length", up->length},
                            {"percent", std::min(percent, 99)}}}};
  }
  if (!view.ok()) return view.status();
  ASSIGN_OR_RETURN(engine::PipelineProgress p,
                   engine::ComputeProgress(d_.graph, view->plan, view->plan_complete, view->tasks,
                                           d_.clock.NowMillis(), d_.parallelism));
  return engine::ProgressToJson(view->video, p);
}

Status VideoService::MayWatch(const Caller& caller, std::string_view video_id) const {
  StatusOr<ports::VideoRecord> v = Owned(caller, video_id);
  if (v.status().code() != ErrorCode::kNotFound) return v.status();
  // Not a video yet: the owner of an upload in progress may watch it; for
  // anyone else it is the same answer as no upload at all.
  StatusOr<ports::UploadRecord> up = d_.svc.GetUploadByVideo(video_id);
  if (!up.ok() || up->state != ports::UploadState::kUploading ||
      !service::Authorize(caller.role, up->creator_id, caller.creator_id).ok()) {
    return v.status();
  }
  return Status::Ok();
}

StatusOr<json> VideoService::StatusJson(const Caller& caller, std::string_view video_id) const {
  RETURN_IF_ERROR(MayWatch(caller, video_id));
  return StatusJsonOf(video_id);
}

std::string VideoService::MediaUrl(const std::string& video_id, const std::string& file) const {
  if (d_.media_url) return d_.media_url(video_id, file);
  return "/media/" + video_id + "/" + file;
}

StatusOr<json> VideoService::Describe(const Caller& caller, std::string_view video_id) const {
  ASSIGN_OR_RETURN(ports::VideoRecord v, Owned(caller, video_id));
  ASSIGN_OR_RETURN(ports::ServiceStore::ViewTally views, d_.svc.GetViews(video_id));
  json j = {{"video_id", v.video_id},
            {"creator_id", v.creator_id},
            {"title", v.title},
            {"status", std::string(ports::VideoStatusName(v.status))},
            {"priority", std::string(ports::PriorityName(v.priority))},
            {"original", {{"format", v.original_format}, {"file_size_bytes", v.file_size_bytes},
                          {"duration_sec", v.duration_sec}, {"width", v.width}, {"height", v.height},
                          {"codec", v.codec}, {"bitrate_kbps", v.bitrate_kbps}}},
            {"views", {{"total", views.total}, {"first_hour", views.first_hour}}},
            {"created_at", engine::FormatUtcTime(v.created_at)},
            {"completed_at", v.completed_at ? json(engine::FormatUtcTime(*v.completed_at)) : json(nullptr)},
            {"renditions", json::array()},
            {"subtitles", json::array()}};
  if (!v.error_message.empty()) j["error_message"] = v.error_message;
  if (v.status != ports::VideoStatus::kReady) return j;
  ASSIGN_OR_RETURN(auto tasks, d_.meta.ListTasks(video_id));
  StatusOr<pipeline::RunReport> report = pipeline::BuildRunReport(v, tasks);
  if (!report.ok()) return j;  // ready but results unreadable: metadata only
  for (const auto& r : report->renditions) j["renditions"].push_back(RenditionJson(r));
  for (const auto& s : report->subtitles) {
    j["subtitles"].push_back({{"track", s.key}, {"cues", s.cues}, {"captions", s.captions},
                              {"url", MediaUrl(v.video_id, "subtitles/" + s.key + ".vtt")}});
  }
  j["manifests"] = {{"hls", MediaUrl(v.video_id, "manifest.m3u8")},
                    {"hls_ts", MediaUrl(v.video_id, "manifest_ts.m3u8")},
                    {"dash", MediaUrl(v.video_id, "manifest.mpd")}};
  if (report->posters > 0) {
    j["thumbnails"] = {{"poster", MediaUrl(v.video_id, "thumbnails/poster_1280.jpg")},
                       {"sprites_vtt", MediaUrl(v.video_id, "thumbnails/thumbnails.vtt")}};
  }
  return j;
}

StatusOr<VideoPage> VideoService::List(const Caller& caller, std::optional<ports::VideoStatus> status,
                                       std::string_view cursor, int limit) const {
  if (limit < 1 || limit > 100) return InvalidArgument("limit must be between 1 and 100");
  // Removed videos exist for admins only (Owned); the store would list them
  // to anyone who filters on "removed".
  if (status == ports::VideoStatus::kRemoved && !IsAdmin(caller)) return VideoPage{};
  ports::VideoPageQuery q;
  q.creator_id = IsAdmin(caller) ? "" : caller.creator_id;
  q.status = status;
  q.include_removed = IsAdmin(caller) && status == ports::VideoStatus::kRemoved;
  q.limit = limit + 1;  // one more tells whether a next page exists
  if (!cursor.empty()) {
    ASSIGN_OR_RETURN(auto after, DecodeCursor(cursor));
    q.after = after;
  }
  ASSIGN_OR_RETURN(std::vector<ports::VideoRecord> rows, d_.svc.ListVideoPage(q));
  VideoPage page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<size_t>(limit));
    page.next_cursor = EncodeCursor(rows.back().created_at, rows.back().video_id);
  }
  page.videos = std::move(rows);
  return page;
}

Status VideoService::Remove(const Caller& caller, std::string_view video_id) {
  ASSIGN_OR_RETURN(ports::VideoRecord v, Owned(caller, video_id));
  if (v.status != ports::VideoStatus::kRemoved) {
    // Status first: the scheduler leaves removed videos alone, so nothing
    // is planned between here and the parking below.
    RETURN_IF_ERROR(d_.meta.UpdateVideoStatus(video_id, ports::VideoStatus::kRemoved, ""));
  }
  std::vector<std::string> steps;
  for (const auto& s : d_.graph.steps()) steps.push_back(s.name);
  RETURN_IF_ERROR(d_.meta.ParkTasks(video_id, steps).status());
  StatusOr<pipeline::JobOptions> job = pipeline::JobOptionsFromJson(json::parse(v.options_json, nullptr, false));
  std::error_code ec;
  // Only a directory under public_root is ours to delete: a job submitted
  // by `vtp run` publishes wherever its user said, and that stays.
  fs::path out = job.ok() ? fs::path(job->output_dir).lexically_normal() : fs::path();
  fs::path root = fs::path(d_.public_root).lexically_normal();
  if (!out.empty() && out.parent_path() == root && out.filename() == v.video_id) fs::remove_all(out, ec);
  if (ec) return IoError("removing the outputs of " + v.video_id + ": " + ec.message());
  return RemovePublishedBlobs(d_.blobs, v.video_id);
}

Status VideoService::Servable(std::string_view video_id) const {
  StatusOr<ports::VideoRecord> v = d_.meta.GetVideo(video_id);
  if (!v.ok()) return v.status();
  if (v->status == ports::VideoStatus::kRemoved) return NotFound("video " + v->video_id + " was removed");
  return Status::Ok();
}

Status VideoService::Retry(const Caller& caller, std::string_view video_id, std::string_view step) {
  ASSIGN_OR_RETURN(ports::VideoRecord v, Owned(caller, video_id));
  if (v.status == ports::VideoStatus::kRemoved) {
    return Status(ErrorCode::kAlreadyExists, "video " + v.video_id + " was removed");
  }
  return d_.scheduler.RetryFrom(video_id, step);
}

StatusOr<ViewsOutcome> VideoService::AddViews(const Caller& caller, std::string_view video_id, int64_t count) {
  if (count < 1 || count > kMaxViewsPerCall) return InvalidArgument("count must be between 1 and 1000000");
  ASSIGN_OR_RETURN(ports::VideoRecord v, Owned(caller, video_id));
  RETURN_IF_ERROR(d_.svc.AddViews(video_id, count).status());
  ViewsOutcome out;
  ASSIGN_OR_RETURN(out.tally, d_.svc.GetViews(video_id));
  pipeline::DataPaths paths{"", d_.work_root};
  StatusOr<pipeline::PolicyOutcome> policy = pipeline::ApplyCodecPolicy(
      d_.meta, d_.scheduler, paths, d_.codec_policy, video_id, out.tally.first_hour, out.tally.total);
  if (!policy.ok()) {
    out.upgrade_error = policy.status().ToString();
    std::fprintf(stderr, "vtp serve: codec upgrade of %s not queued: %s\n", v.video_id.c_str(),
                 out.upgrade_error.c_str());
    StatusOr<pipeline::JobOptions> job = pipeline::JobOptionsFromJson(json::parse(v.options_json, nullptr, false));
    if (job.ok()) out.codecs = job->codecs;
    return out;
  }
  out.codecs = policy->upgrade.codecs;
  out.added = policy->upgrade.added;
  return out;
}

Status VideoService::AddSubtitle(const Caller& caller, std::string_view video_id, std::string_view language,
                                 std::string_view bytes) {
  if (bytes.size() > kMaxSubtitleBytes) return InvalidArgument("subtitle file is over 16 MiB");
  ASSIGN_OR_RETURN(ports::VideoRecord v, Owned(caller, video_id));
  if (v.status == ports::VideoStatus::kRemoved) {
    return Status(ErrorCode::kAlreadyExists, "video " + v.video_id + " was removed");
  }
  StatusOr<std::vector<subtitle::Cue>> cues = subtitle::ParseSubtitles(bytes, "upload");
  if (!cues.ok()) return InvalidArgument(cues.status().message());
  // The stored options are the server's state, not the request's: unreadable
  // ones are an internal error (never a throw, never the client's 422).
  StatusOr<pipeline::JobOptions> stored = pipeline::JobOptionsFromJson(json::parse(v.options_json, nullptr, false));
  if (!stored.ok()) {
    return Internal("video " + v.video_id + " has unreadable job options: " + stored.status().message());
  }
  pipeline::JobOptions job = std::move(stored).value();
  for (const auto& s : job.subtitles) {
    if (s.language == language) {
      return Status(ErrorCode::kAlreadyExists, "video " + v.video_id + " already has " + s.language + " subtitles");
    }
  }
  pipeline::SubtitleUpload sub;
  sub.language = std::string(language);
  ASSIGN_OR_RETURN(subtitle::SubtitleFormat format, subtitle::DetectSubtitleFormat(bytes, "upload"));
  sub.ext = format == subtitle::SubtitleFormat::kSrt ? "srt" : format == subtitle::SubtitleFormat::kAss ? "ass" : "vtt";
  {
    // The language tag and the track limits are the job's own rules.
    pipeline::JobOptions candidate = job;
    candidate.subtitles.push_back(sub);
    RETURN_IF_ERROR(pipeline::ValidateJobOptions(candidate));
  }
  std::string key = pipeline::SubtitleUploadKey(v.video_id, job.subtitles.size(), sub);
  ASSIGN_OR_RETURN(sub.sha256, d_.blobs.Put(key, bytes));
  std::optional<std::string> path = d_.blobs.LocalPath(key);
  if (!path) return Internal("the blob store gives no local path for " + key);
  sub.source = *path;
  job.subtitles.push_back(sub);
  v.options_json = pipeline::ToJson(job).dump();
  RETURN_IF_ERROR(d_.meta.UpdateVideo(v));
  return d_.scheduler.ReplanFrom(v.video_id, "subtitles");
}

}  // namespace vtp::control
