// The body of `vtp serve`, wired over an open Runtime: the HTTP server and
// its routes, local workers, and the orchestrator loop that
//  - starts the pipeline of each completed upload (from the outbox's
//    "video.uploaded", so a crash between the upload's commit and the start
//    loses nothing), and re-advances unfinished videos as a safety net;
//  - reclaims expired leases and replaces dead workers;
//  - pushes progress to event-stream subscribers (api/event_hub.h);
//  - fans events out to webhooks and delivers them (its own thread: a slow
//    receiver never delays the rest);
//  - expires abandoned uploads and old idempotency records.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "app/runtime.h"
#include "domain/codec_policy.h"
#include "core/status.h"
#include "pipeline/drm_options.h"
#include "service/rate_limit.h"

namespace vtp::app {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string public_url;  // "" = http://host:port
  // Local worker processes; 0 = DefaultWorkersHere() embedded, none when
  // distributed (the cluster's `vtp worker` processes do the work).
  int workers = 0;
  // --chunk-workers: the parallelism uploads' chunk plans are cut for
  // (pipeline::JobOptions::chunk_workers); 0 = the local workers, or
  // DefaultWorkersHere() when there are none. Part of the job's identity:
  // the same value gives byte-identical outputs in either mode.
  int chunk_workers = 0;
  int threads = 4;
  service::BucketConfig rate{20, 40};
  uint64_t max_upload = 64ull << 30;
  int64_t upload_expiry_ms = 24 * 3600 * 1000;
  int webhook_attempts = 8;
  std::string playback_secret;
  // --gpu-wait-ms: how long a task may wait in a GPU pool whose workers
  // are all busy before it moves to the CPU pool (<= 0: only when no GPU
  // worker is alive).
  int64_t gpu_wait_ms = 120'000;
  // --codec-policy: which codecs views earn a video.
  CodecPolicy codec_policy = CodecPolicy::Default();
  // --drm ...: the DRM every upload gets unless its options.drm changes it
  // (control::UploadDrm); scheme "" = none. Validated by the caller. The
  // AES-128 key URI defaults to pipeline::kMediaRelativeKeyUri.
  pipeline::DrmOptions drm;
  // --clearkey-license: POST /api/v1/videos/{id}/clearkey serves W3C
  // ClearKey licenses (development and tests only).
  bool clearkey_license = false;
};

// The key and license endpoints read keys from the data directory's store
// under the master key (app/drm_keys.h): an invalid $VTP_MASTER_KEY fails
// the start. Serves until `should_stop` returns true (polled a few times a second),
// then stops accepting, hands running tasks back and returns. Prints
// "vtp serve: listening on http://HOST:PORT" on stdout once ready.
Status RunServer(Runtime& rt, const ServeOptions& options, const std::function<bool()>& should_stop);

}  // namespace vtp::app
