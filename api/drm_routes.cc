// GET /videos/{id}/keys/{kid} (the HLS AES-128 key) and
// POST /videos/{id}/clearkey (the W3C Clear Key license): the HTTP mapping
// only; which key is served to whom is control/drm_keys_service.h.
//
// Credentials. A player fetches the key with what it fetched the playlist
// with: on a server with a playback secret that is the video's playback
// token (service/playback.h), accepted here as ?token=<expires>.<signature>
// (a refused token answers 403 playback-token-refused, as /media/t/... does).
// Without ?token= the request needs the API key (Gate steps 1-3: 401
// without one). Answers are never stored for an Idempotency-Key replay and
// carry Cache-Control: no-store, because they hold keys.
#include <functional>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "service/playback.h"

namespace vtp::api::detail {
namespace {

using KeyHandler = std::function<Response(const Request&, const control::KeyReader&)>;

constexpr size_t kMaxLicenseRequestBytes = 16 << 10;

void Secret(Response& r) {
  r.headers.Set("Cache-Control", "no-store");
  if (!r.headers.Has("Access-Control-Allow-Origin")) r.headers.Set("Access-Control-Allow-Origin", "*");
}

// The playback token when ?token= is present, the API key otherwise.
Handler KeyGuard(ApiContext& ctx, KeyHandler handler) {
  Handler by_key = ctx.gate.GuardSecret([handler](const Request& r, const control::Caller& c) {
    return handler(r, control::KeyReader{c});
  });
  return [&ctx, handler, by_key](const Request& r) -> Response {
    std::optional<std::string_view> token = r.Query("token");
    if (!token) return by_key(r);
    Status ok = ctx.config.playback_secret.empty()
                    ? InvalidArgument("this server issues no playback tokens")
                    : service::VerifyPlayback(ctx.config.playback_secret, r.params.at("id"), *token,
                                              ctx.clock.NowMillis() / 1000);
    Response res = ok.ok() ? handler(r, control::KeyReader{std::nullopt})
                           : Refuse(r, 403, "playback-token-refused", ok.message());
    Secret(res);
    return res;
  };
}

Response NoKeyService(const Request& r) {
  return Refuse(r, 404, kSlugRouteNotFound, "this server serves no keys");
}

Response Aes128Key(ApiContext& ctx, const Request& r, const control::KeyReader& who) {
  if (!ctx.drm_keys) return NoKeyService(r);
  StatusOr<cenc::Key> key = ctx.drm_keys->Aes128Key(who, r.params.at("id"), r.params.at("kid"));
  if (key.status().code() == ErrorCode::kInvalidArgument) return Refuse(r, 400, "invalid-kid", key.status().message());
  if (!key.ok()) return ErrorResponse(key.status(), r);
  Response res;
  res.status = 200;
  res.body.assign(reinterpret_cast<const char*>(key->data()), key->size());
  res.headers.Set("Content-Type", "application/octet-stream");
  Secret(res);
  return res;
}

Response ClearKeyLicense(ApiContext& ctx, const Request& r, const control::KeyReader& who) {
  if (!ctx.drm_keys) return NoKeyService(r);
  StatusOr<std::string> license = ctx.drm_keys->ClearKeyLicense(who, r.params.at("id"), r.body);
  if (license.status().code() == ErrorCode::kInvalidArgument) {
    return Refuse(r, 400, "invalid-license-request", license.status().message());
  }
  if (!license.ok()) return ErrorResponse(license.status(), r);
  Response res = Response::Json(200, std::move(license).value());
  Secret(res);
  return res;
}

}  // namespace

Status AddDrmRoutes(Router& router, ApiContext& ctx) {
  const std::string base = std::string(kVideosPath) + "/{id}";
  RETURN_IF_ERROR(router.Add("GET", base + "/keys/{kid}", KeyGuard(ctx, [&ctx](const Request& r, const control::KeyReader& w) {
    return Aes128Key(ctx, r, w);
  })));
  RouteOptions small;
  small.max_body_bytes = kMaxLicenseRequestBytes;
  return router.Add("POST", base + "/clearkey", KeyGuard(ctx, [&ctx](const Request& r, const control::KeyReader& w) {
    return ClearKeyLicense(ctx, r, w);
  }), small);
}

}  // namespace vtp::api::detail
