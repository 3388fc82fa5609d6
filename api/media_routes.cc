// Published outputs under /media, the OpenAPI document, the health check,
// and the assembly of every route (AddServiceRoutes).
#include <algorithm>
#include <optional>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "api/static_files.h"
#include "service/playback.h"

namespace vtp::api {
namespace detail {
namespace {

bool PlausibleVideoId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

Response NotPublished(const Request& req) {
  return ProblemResponse(MakeProblem(404, kSlugRouteNotFound, "no such file", req.path));
}

// "keys/<32 hex>": the video's HLS AES-128 key, which playlists written
// with {root}keys/{kid} name beside the media (no output file has that
// path: keys are never written to outputs).
std::optional<std::string> KeyPath(const std::string& path) {
  constexpr std::string_view kPrefix = "keys/";
  if (path.size() != kPrefix.size() + 32 || path.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  return path.substr(kPrefix.size());
}

// The media's files, or the AES-128 key under keys/<kid>. Whoever may read
// the video's media may read its AES-128 key (never a DRM content key).
Response ServeMedia(ApiContext& ctx, const StaticFiles& files, const Request& r, const std::string& video) {
  const std::string& path = r.params.at("path");
  std::optional<std::string> kid = KeyPath(path);
  if (!kid) return files.Serve(r, video + "/" + path);
  if (!ctx.drm_keys) return NotPublished(r);
  StatusOr<cenc::Key> key = ctx.drm_keys->Aes128Key(control::KeyReader{std::nullopt}, video, *kid);
  if (!key.ok()) return key.status().code() == ErrorCode::kInternal ? ErrorResponse(key.status(), r) : NotPublished(r);
  Response res;
  res.status = 200;
  res.body.assign(reinterpret_cast<const char*>(key->data()), key->size());
  res.headers.Set("Content-Type", "application/octet-stream");
  res.headers.Set("Cache-Control", "no-store");
  res.headers.Set("Access-Control-Allow-Origin", "*");
  return res;
}

}  // namespace

Status AddMediaRoutes(Router& router, ApiContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.config.public_root, ec);
  ASSIGN_OR_RETURN(StaticFiles files, StaticFiles::Open(ctx.config.public_root));
  if (ctx.config.playback_secret.empty()) {
    return router.Add("GET", "/media/{video}/{path...}", [files, &ctx](const Request& r) {
      const std::string& video = r.params.at("video");
      if (!PlausibleVideoId(video)) return NotPublished(r);
      return ServeMedia(ctx, files, r, video);
    });
  }
  return router.Add("GET", "/media/t/{token}/{video}/{path...}", [files, &ctx](const Request& r) {
    const std::string& video = r.params.at("video");
    if (!PlausibleVideoId(video)) return NotPublished(r);
    Status ok = service::VerifyPlayback(ctx.config.playback_secret, video, r.params.at("token"),
                                        ctx.clock.NowMillis() / 1000);
    if (!ok.ok()) {
      Response res = ProblemResponse(MakeProblem(403, "playback-token-refused", ok.message(), r.path));
      res.headers.Set("Access-Control-Allow-Origin", "*");
      return res;
    }
    return ServeMedia(ctx, files, r, video);
  });
}

}  // namespace detail

Status AddServiceRoutes(Router& router, ApiContext& ctx) {
  RETURN_IF_ERROR(detail::AddVideoRoutes(router, ctx));
  RETURN_IF_ERROR(detail::AddUploadRoutes(router, ctx));
  RETURN_IF_ERROR(detail::AddWebhookRoutes(router, ctx));
  RETURN_IF_ERROR(detail::AddKeyRoutes(router, ctx));
  RETURN_IF_ERROR(detail::AddMediaRoutes(router, ctx));
  RETURN_IF_ERROR(detail::AddDrmRoutes(router, ctx));
  RETURN_IF_ERROR(router.Add("GET", "/api/v1/openapi.json", [](const Request&) {
    Response r = Response::Json(200, std::string(OpenApiDocument()));
    r.headers.Set("Access-Control-Allow-Origin", "*");
    r.headers.Set("Cache-Control", "public, max-age=300");
    return r;
  }));
  return router.Add("GET", "/healthz", [&ctx](const Request&) {
    return JsonAnswer(200, {{"status", "ok"}, {"subscribers", ctx.hub.subscribers()}});
  });
}

}  // namespace vtp::api
