#include "app/serve_loop.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "adapters/blob_sweeper.h"
#include "adapters/curl_http_client.h"
#include "api/event_hub.h"
#include "api/gate.h"
#include "api/http_server.h"
#include "api/service_api.h"
#include "app/drm_keys.h"
#include "app/local_workers.h"
#include "control/direct_uploads.h"
#include "control/upload_jobs.h"
#include "control/drm_keys_service.h"
#include "control/uploads.h"
#include "control/video_service.h"
#include "control/webhooks.h"
#include "pipeline/report.h"
#include "service/playback.h"

namespace vtp::app {
namespace {

using ports::Millis;

constexpr std::string_view kOrchestratorCursor = "orchestrator";
constexpr Millis kIdempotencyTtlMs = 24 * 3600 * 1000;
constexpr int64_t kPlaybackTtlSeconds = 6 * 3600;  // signed media URLs handed out by the API
// Registry entries this stale are dead workers' (live ones refresh every 5 s).
constexpr Millis kPurgeWorkersAfterMs = 3600 * 1000;

void Pause(Millis ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

void Warn(const char* what, const Status& s) {
  if (!s.ok()) std::fprintf(stderr, "vtp serve: %s: %s\n", what, s.ToString().c_str());
}

// Starts the pipeline of every upload completed since the last call.
Status StartUploaded(Runtime& rt) {
  ASSIGN_OR_RETURN(int64_t cursor, rt.store->GetCursor(kOrchestratorCursor));
  ASSIGN_OR_RETURN(std::vector<ports::Event> events, rt.store->ReadEvents(cursor, 500));
  for (const auto& e : events) {
    if (e.type == ports::kEventVideoUploaded) RETURN_IF_ERROR(rt.scheduler->Advance(e.video_id).status());
  }
  if (!events.empty()) RETURN_IF_ERROR(rt.store->SetCursor(kOrchestratorCursor, events.back().event_id));
  return Status::Ok();
}

// The safety net Drive also runs: a report whose planning failed, a worker
// that died between completing and planning. With `reclaim`, tasks leased
// by local workers of an earlier, killed server go back to the queue now
// rather than when their leases expire.
Status AdvanceUnfinished(Runtime& rt, bool reclaim) {
  for (auto st : {ports::VideoStatus::kUploaded, ports::VideoStatus::kProbing, ports::VideoStatus::kTranscoding,
                  ports::VideoStatus::kPackaging}) {
    ASSIGN_OR_RETURN(auto videos, rt.store->ListVideos(st));
    for (const auto& v : videos) {
      if (reclaim) {
        ASSIGN_OR_RETURN(auto tasks, rt.store->ListTaskSummaries(v.video_id));
        std::vector<std::string> owners;
        for (const auto& t : tasks) {
          if (t.state != ports::TaskState::kRunning) continue;
          ASSIGN_OR_RETURN(ports::TaskRecord full, rt.store->GetTask(t.task_id));
          owners.push_back(full.lease_owner);
        }
        Warn("reclaiming dead workers' tasks", ReclaimDeadLocalWorkers(*rt.store, owners).status());
      }
      Warn("advancing a video", rt.scheduler->Advance(v.video_id).status());
    }
  }
  return Status::Ok();
}

// The GPU fallback (Scheduler::RerouteWaiting): tasks waiting for a GPU
// worker that went away, or for too long, move to the CPU pool.
Status RerouteStalled(Runtime& rt) {
  ASSIGN_OR_RETURN(engine::RerouteResult rerouted, rt.scheduler->RerouteWaiting(rt.clock.NowMillis(), rt.reroute));
  for (const auto& e : rerouted.errors) Warn("re-planning a GPU task for the CPU", Status(ErrorCode::kInternal, e));
  return Status::Ok();
}

// A published file's URL under `base`: signed for kPlaybackTtlSeconds when a playback
// secret is set (service/playback.h).
std::string MediaUrl(const std::string& secret, const std::string& base, ports::Clock& clock,
                     const std::string& video, const std::string& file) {
  if (secret.empty()) return base + "/media/" + video + "/" + file;
  int64_t expires = clock.NowMillis() / 1000 + kPlaybackTtlSeconds;
  return base + "/media/t/" + service::SignPlayback(secret, video, expires) + "/" + video + "/" + file;
}

// Webhook fan-out and delivery until `stop`.
void WebhookLoop(Runtime& rt, int attempts, const std::atomic<bool>& stop) {
  adapters::CurlHttpClient http;
  control::DeliveryPolicy policy;
  policy.max_attempts = attempts;
  control::WebhookFanout fanout(*rt.store, *rt.store);
  control::WebhookDeliverer deliverer(*rt.store, http, rt.clock, policy);
  Millis next_catch_up = 0;
  while (!stop) {
    // Distributed: the API instances share the event stream's work as one
    // consumer group (low latency). The stream can lose events a flushed
    // Redis held, so the outbox cursor still runs every few seconds behind
    // it: deliveries are unique per (webhook, event), so an event both paths
    // see is delivered once. Embedded: the outbox cursor alone.
    StatusOr<int> fanned = 0;
    if (rt.backends->stream_events()) {
      fanned = rt.backends->ConsumeEvents("webhooks", [&](const ports::Event& e) { return fanout.HandleEvent(e).status(); });
      if (rt.clock.NowMillis() >= next_catch_up) {
        Warn("webhook fan-out from the outbox", fanout.RunOnce().status());
        next_catch_up = rt.clock.NowMillis() + 5000;
      }
    } else {
      fanned = fanout.RunOnce();
    }
    Warn("webhook fan-out", fanned.status());
    StatusOr<int> sent = deliverer.RunOnce();
    Warn("webhook delivery", sent.status());
    if ((fanned.ok() && *fanned > 0) || (sent.ok() && *sent > 0)) continue;
    Pause(200);
  }
}

}  // namespace

Status RunServer(Runtime& rt, const ServeOptions& o, const std::function<bool()>& should_stop) {
  const int workers_n = o.workers > 0 ? o.workers : rt.config.distributed() ? 0 : pipeline::DefaultWorkersHere();
  const int chunk_workers = o.chunk_workers > 0 ? o.chunk_workers
                            : workers_n > 0     ? workers_n
                                                : pipeline::DefaultWorkersHere();
  const std::string public_root = rt.data_dir + "/public";

  control::UploadConfig up_cfg;
  up_cfg.dir = rt.data_dir + "/uploads";
  up_cfg.max_size = o.max_upload;
  up_cfg.expiry_ms = o.upload_expiry_ms;
  control::UploadJobDefaults job_defaults{public_root, rt.paths.blob_root, chunk_workers, o.codec_policy, o.drm};
  control::UploadService uploads(
      up_cfg, *rt.store, *rt.blobs, rt.clock,
      [job_defaults](const ports::UploadRecord& u, const std::string& sha) {
        return control::VideoForUpload(u, sha, job_defaults);
      },
      [&rt](const std::string& video_id) { Warn("starting a pipeline", rt.scheduler->Advance(video_id).status()); });
  RETURN_IF_ERROR(uploads.Recover());
  // Direct-to-S3 uploads when the blob store takes them (else tus only).
  control::DirectUploadConfig direct_cfg;
  direct_cfg.max_size = o.max_upload;
  direct_cfg.expiry_ms = o.upload_expiry_ms;
  control::DirectUploadService direct_uploads(
      direct_cfg, *rt.store, *rt.blobs, rt.clock,
      [job_defaults](const ports::UploadRecord& u, const std::string& sha) {
        return control::VideoForUpload(u, sha, job_defaults);
      },
      [&rt](const std::string& video_id) { Warn("starting a pipeline", rt.scheduler->Advance(video_id).status()); });

  control::VideoServiceDeps deps{*rt.store, *rt.store, *rt.blobs, *rt.scheduler, rt.graph, rt.clock,
                                 public_root, chunk_workers, nullptr};
  deps.work_root = rt.paths.work_root;
  deps.codec_policy = o.codec_policy;
  // Bound below once the listening port (and so the URL) is known.
  std::string media_base;
  deps.media_url = [&media_base, &o, &rt](const std::string& video, const std::string& file) {
    return MediaUrl(o.playback_secret, media_base, rt.clock, video, file);
  };
  control::VideoService videos(deps);
  api::EventHub hub(*rt.store, [&videos](const std::string& id) { return videos.StatusJsonOf(id); });
  RETURN_IF_ERROR(hub.Init());
  api::GateOptions gate_opts;
  gate_opts.rate = o.rate;
  RETURN_IF_ERROR(service::ValidateBucketConfig(o.rate));
  api::Gate gate(*rt.store, rt.clock, gate_opts);
  api::ApiConfig cfg;
  cfg.public_root = public_root;
  cfg.playback_secret = o.playback_secret;
  cfg.upload_drm = o.drm;
  // Lookups only: the empty origin never matters, keys are made by the drm
  // step in the workers. With --drm a bad master key stops the start; without
  // it the key source (and DATA/master.key) waits for the first key request.
  std::unique_ptr<ports::KeySource> keys;
  if (o.drm.enabled()) {
    ASSIGN_OR_RETURN(keys, OpenKeySource(*rt.store, rt.data_dir, KeyOrigin{}));
  } else {
    keys = LazyKeySource(*rt.store, rt.data_dir, KeyOrigin{});
  }
  control::DrmKeyService drm_keys(videos, *rt.store, *keys, {o.clearkey_license});
  api::ApiContext ctx{*rt.store, rt.clock, videos, uploads, hub, gate, cfg, &drm_keys};
  if (rt.config.work_sync) ctx.published_blobs = rt.blobs;
  ctx.direct_uploads = &direct_uploads;

  api::Router router;
  RETURN_IF_ERROR(api::AddServiceRoutes(router, ctx));
  api::HttpServer server(std::move(router));
  api::ServerOptions so;
  so.address = o.host;
  so.port = o.port;
  so.threads = o.threads;
  ASSIGN_OR_RETURN(uint16_t port, server.Start(so));
  std::string self = "http://" + (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) + ":" +
                     std::to_string(port);
  ctx.config.public_url = o.public_url.empty() ? self : o.public_url;
  media_base = ctx.config.public_url;

  // Before our own workers exist, so every local lease still held is an
  // earlier server's.
  Warn("resuming unfinished videos", AdvanceUnfinished(rt, true));
  LocalWorkers workers(SelfExe(), {"--data", rt.data_dir}, *rt.store, rt.store);
  RETURN_IF_ERROR(workers.Start(workers_n));
  std::atomic<bool> stop_hooks{false};
  std::thread hooks([&] { WebhookLoop(rt, o.webhook_attempts, stop_hooks); });
  // Blob upkeep, at start and then hourly, off the main loop (listing a
  // large catalogue takes long): originals whose replica write failed (their
  // ingest succeeded on the primary) or a replica added later; intermediates
  // under segments/ older than 7 days (work sync's; a bucket lifecycle rule
  // does the same on S3, this is the backstop).
  std::thread blob_upkeep([&] {
    Millis next = 0;
    while (!stop_hooks) {
      if (rt.clock.NowMillis() >= next) {
        Warn("replicating originals", rt.backends->ReplicateOriginals().status());
        Warn("sweeping segments", adapters::SweepSegments(*rt.blobs, rt.clock).status());
        next = rt.clock.NowMillis() + 3600 * 1000;
      }
      Pause(500);
    }
  });
  std::printf("vtp serve: listening on %s (%d workers, data %s)\n", self.c_str(), workers_n, rt.data_dir.c_str());
  std::fflush(stdout);

  rt.reroute.gpu_wait_ms = o.gpu_wait_ms;
  Millis next_tick = 0, next_sweep = 0, next_reroute = 0, next_hourly = 0;
  Status failure;
  while (!should_stop()) {
    Warn("progress events", hub.Poll().status());
    Millis now = rt.clock.NowMillis();
    if (now >= next_tick) {
      (void)rt.store->ExpireLeases();
      StatusOr<int> died = workers.Supervise();
      if (!died.ok()) {
        failure = died.status();
        break;
      }
      Warn("starting uploaded videos", StartUploaded(rt));
      next_tick = now + 250;
    }
    if (now >= next_reroute) {
      // A worker counts as dead only after 2 refresh intervals: once a second
      // is plenty (this lists every registration).
      Warn("reclaiming dead workers' tasks",
           ReclaimDeadRegisteredWorkers(*rt.store, *rt.store, now, 2 * engine::kWorkerRefreshMs).status());
      Warn("moving stalled GPU tasks", RerouteStalled(rt));
      // Distributed mode: a flushed or restarted Redis gets its queue back
      // from the store, and outbox events reach the stream.
      Warn("reconciling the Redis queue", rt.backends->Reconcile().status());
      next_reroute = now + 1000;
    }
    Warn("relaying events", rt.backends->RelayEvents().status());
    if (now >= next_sweep) {
      Warn("advancing unfinished videos", AdvanceUnfinished(rt, false));
      // Direct ones first: UploadService's sweep would not abort their parts.
      Warn("expiring direct uploads", direct_uploads.ExpireUploads().status());
      Warn("expiring uploads", uploads.ExpireUploads().status());
      next_sweep = now + 5000;
    }
    if (now >= next_hourly) {
      Warn("purging idempotency records", rt.store->PurgeIdempotent(now - kIdempotencyTtlMs).status());
      // Workers that died without deregistering (already ignored by routing).
      Warn("purging dead workers", rt.store->PurgeWorkers(kPurgeWorkersAfterMs).status());
      next_hourly = now + 3600 * 1000;
    }
    Pause(50);
  }
  std::printf("vtp serve: stopping\n");
  std::fflush(stdout);
  server.Stop();
  stop_hooks = true;
  hooks.join();
  blob_upkeep.join();
  workers.StopAll();
  return failure;
}

}  // namespace vtp::app
