// The operations the API performs on videos, over the ports and the
// scheduler, with the ownership rule applied: a caller sees and changes only
// its own videos unless it is an admin, and another creator's video answers
// kNotFound exactly like a missing one (service/api_keys.h Authorize).
//
// Published outputs live under `public_root`/<video_id>/ (the job's
// output_dir); media URLs are `media_base` + "/" + video_id + "/" + file,
// or signed ones when a playback secret is configured (playback.h).
//
// Thread safety: every method may run on any thread (the ports are
// thread-safe and the object holds no mutable state).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "domain/codec_policy.h"
#include "engine/pipeline_graph.h"
#include "engine/scheduler.h"
#include "ports/blob_store.h"
#include "ports/clock.h"
#include "ports/metadata_store.h"
#include "ports/service_store.h"
#include "service/api_keys.h"

namespace vtp::control {

// Who is calling: from the API key that authenticated the request.
struct Caller {
  std::string key_id;
  std::string creator_id;
  service::Role role = service::Role::kCreator;
};

struct VideoServiceDeps {
  ports::MetadataStore& meta;
  ports::ServiceStore& svc;
  ports::BlobStore& blobs;
  engine::Scheduler& scheduler;
  const engine::PipelineGraph& graph;
  ports::Clock& clock;
  std::string public_root;  // published outputs, one directory per video
  int parallelism = 1;      // workers, for the status estimate
  // Turns a published file ("<video_id>/manifest.m3u8") into the URL a
  // player fetches; the default leaves it as "/media/<file>".
  std::function<std::string(const std::string& video_id, const std::string& file)> media_url;
  // Per-video intermediates (a tier upgrade reuses the stored chunks).
  std::string work_root = {};
  // Which codecs views earn a video (`vtp serve --codec-policy FILE`).
  CodecPolicy codec_policy = CodecPolicy::Default();
};

// What recording views did: the tally, and the codecs the policy gave the
// video (`added` are new, being encoded now).
struct ViewsOutcome {
  ports::ServiceStore::ViewTally tally;
  std::vector<std::string> codecs;
  std::vector<std::string> added;
  // Why the policy's codecs could not be queued ("" when they were): the
  // views are counted either way, so a client must not send them again.
  std::string upgrade_error;
};

// One page of GET /videos.
struct VideoPage {
  std::vector<ports::VideoRecord> videos;
  std::string next_cursor;  // "" on the last page
};

class VideoService {
 public:
  explicit VideoService(VideoServiceDeps deps) : d_(std::move(deps)) {}

  // The video if `caller` may see it; kNotFound otherwise (also for removed
  // videos unless the caller is an admin).
  StatusOr<ports::VideoRecord> Owned(const Caller& caller, std::string_view video_id) const;

  // OK when `caller` may see the video's status: it may see the video, or
  // the video is still being uploaded by it. kNotFound otherwise.
  Status MayWatch(const Caller& caller, std::string_view video_id) const;

  // The seed's status body (engine/progress_json.h), after MayWatch. A video
  // still being uploaded answers {"video_id", "status": "uploading",
  // "upload": {"upload_id", "offset", "length", "percent"}}.
  StatusOr<nlohmann::json> StatusJson(const Caller& caller, std::string_view video_id) const;
  // Same, without the access check (the event stream checked at subscribe).
  StatusOr<nlohmann::json> StatusJsonOf(std::string_view video_id) const;

  // GET /videos/{id}: metadata, status, views, renditions (from the
  // published report when ready), manifest/thumbnail/subtitle URLs.
  StatusOr<nlohmann::json> Describe(const Caller& caller, std::string_view video_id) const;

  // GET /videos: newest first. `cursor` is an opaque next_cursor from an
  // earlier page ("" for the first); kInvalidArgument when malformed or
  // limit is outside 1..100.
  StatusOr<VideoPage> List(const Caller& caller, std::optional<ports::VideoStatus> status,
                           std::string_view cursor, int limit) const;

  // OK when the video exists and is not removed: its published files may
  // be served (the /media fallback to the blob store asks, since removing
  // a video cannot reach every machine's public_root). kNotFound otherwise,
  // the store's error when it fails; no caller check (playback has its own).
  Status Servable(std::string_view video_id) const;

  // DELETE /videos/{id}: the video is marked removed, its queued and running
  // tasks are stopped (parked: a running task loses its lease) and its
  // published outputs are deleted: the local public_root/<id>/ and the
  // blobs under transcoded/<id>/ (work sync's published tree). The original
  // is kept (originals are never deleted; see docs/operations.md for
  // retention). Idempotent.
  Status Remove(const Caller& caller, std::string_view video_id);

  // POST /videos/{id}/retry: re-runs `step` and everything after it.
  // kInvalidArgument for an unknown or disabled step or one upstream of a
  // dead step; kAlreadyExists ("conflict") for a removed video.
  Status Retry(const Caller& caller, std::string_view video_id, std::string_view step);

  // POST /videos/{id}/views: adds `count` (1..1e6) views and applies the
  // codec policy (pipeline::ApplyCodecPolicy): crossing a tier's threshold
  // queues that codec's ladder. Once the views are counted the call
  // succeeds; an upgrade that cannot be queued is reported in
  // upgrade_error (and logged), not as the call's error.
  StatusOr<ViewsOutcome> AddViews(const Caller& caller, std::string_view video_id, int64_t count);

  // POST /videos/{id}/subtitles: `bytes` must parse as SRT, WebVTT or ASS
  // (kInvalidArgument naming the line otherwise); stored write-once beside
  // the original and added to the job; the subtitles, manifest and publish
  // steps run again so the published manifests list it. kAlreadyExists for
  // a language the video already has an uploaded track for, or a removed
  // video. Returns the track's language.
  Status AddSubtitle(const Caller& caller, std::string_view video_id, std::string_view language,
                     std::string_view bytes);

 private:
  std::string MediaUrl(const std::string& video_id, const std::string& file) const;
  VideoServiceDeps d_;
};

// The opaque page cursor for (created_at, video_id), and back.
std::string EncodeCursor(ports::Millis created_at, std::string_view video_id);
StatusOr<std::pair<ports::Millis, std::string>> DecodeCursor(std::string_view cursor);

}  // namespace vtp::control
