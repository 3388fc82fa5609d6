// The /api/v1 surface of `vtp serve`, mapped onto the control plane:
//
//   POST   /api/v1/videos/upload            start an upload (tus URL back, or
//          presigned S3 part URLs when the blob store takes direct uploads)
//   POST   /api/v1/uploads/{id}/complete    direct upload: {"parts": [...]}
//   POST   /api/v1/uploads/{id}/abort       direct upload: discard it
//   POST   /api/v1/uploads                  tus creation (tus-js-client "endpoint")
//   HEAD   /api/v1/uploads/{id}             tus offset
//   PATCH  /api/v1/uploads/{id}             tus bytes (streamed to disk)
//   DELETE /api/v1/uploads/{id}             tus termination (direct: abort)
//   OPTIONS /api/v1/uploads[/{id}]          tus discovery
//   GET    /api/v1/videos                   the caller's videos, paginated
//   GET    /api/v1/videos/{id}              metadata, renditions, URLs
//   DELETE /api/v1/videos/{id}              hide and remove outputs
//   GET    /api/v1/videos/{id}/status       the seed's status body
//   GET    /api/v1/videos/{id}/events       the same as Server-Sent Events
//   POST   /api/v1/videos/{id}/retry        {"from_step": ...}
//   POST   /api/v1/videos/{id}/subtitles    {"language", "content"} or text body
//   POST   /api/v1/videos/{id}/views        {"count": n}
//   GET    /api/v1/videos/{id}/keys/{kid}   HLS AES-128 key (16 bytes)
//   POST   /api/v1/videos/{id}/clearkey     W3C ClearKey license (when enabled)
//          (both: the API key, or ?token=<playback token> with a playback
//          secret; see api/drm_routes.cc)
//   POST/GET /api/v1/webhooks, GET/DELETE /api/v1/webhooks/{id},
//   GET    /api/v1/webhooks/{id}/deliveries
//   POST/GET /api/v1/keys, DELETE /api/v1/keys/{id}   (admin)
//   GET    /api/v1/openapi.json, GET /healthz   (no key needed)
//   GET    /media/{video_id}/{file...}      published outputs (or, with a
//          playback secret, /media/t/{token}/{video_id}/{file...})
//
// docs/openapi.json describes every route; a test checks the two agree.
#pragma once

#include <cstdint>
#include <string>

#include "api/event_hub.h"
#include "api/gate.h"
#include "api/router.h"
#include "control/direct_uploads.h"
#include "control/drm_keys_service.h"
#include "control/uploads.h"
#include "control/video_service.h"
#include "ports/blob_store.h"
#include "ports/clock.h"
#include "pipeline/drm_options.h"
#include "ports/service_store.h"

namespace vtp::api {

inline constexpr std::string_view kVideosPath = "/api/v1/videos";

struct ApiConfig {
  // Absolute base of URLs handed to clients ("http://127.0.0.1:8080");
  // "" = relative URLs.
  std::string public_url;
  uint64_t max_chunk_size = 100ull << 20;  // advisory, the seed's 100 MiB
  // Signed playback URLs: "" = media is public (by unguessable id).
  std::string playback_secret;
  std::string public_root;  // published outputs, served under /media
  // `vtp serve --drm`: the DRM every upload gets unless its options say
  // otherwise ("options.drm" is merged over it); scheme "" = none.
  pipeline::DrmOptions upload_drm;
};

struct ApiContext {
  ports::ServiceStore& svc;
  ports::Clock& clock;
  control::VideoService& videos;
  control::UploadService& uploads;
  EventHub& hub;
  Gate& gate;
  ApiConfig config;
  // The key and license endpoints; nullptr = none served (they answer 404).
  control::DrmKeyService* drm_keys = nullptr;
  // Direct-to-storage uploads (control/direct_uploads.h); nullptr or a
  // store without them = every upload is tus.
  control::DirectUploadService* direct_uploads = nullptr;
  // Published files missing from config.public_root are answered from here
  // (work sync: transcoded/<video>/...); nullptr = local files only.
  ports::BlobStore* published_blobs = nullptr;
};

// Adds every route above. `ctx` must outlive the router's server.
Status AddServiceRoutes(Router& router, ApiContext& ctx);

// The OpenAPI document served at /api/v1/openapi.json (docs/openapi.json,
// compiled in).
std::string_view OpenApiDocument();

namespace detail {
Status AddVideoRoutes(Router& router, ApiContext& ctx);
Status AddUploadRoutes(Router& router, ApiContext& ctx);
Status AddWebhookRoutes(Router& router, ApiContext& ctx);
Status AddKeyRoutes(Router& router, ApiContext& ctx);
Status AddMediaRoutes(Router& router, ApiContext& ctx);
Status AddDrmRoutes(Router& router, ApiContext& ctx);
}  // namespace detail

}  // namespace vtp::api
