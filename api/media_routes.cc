// Published outputs under /media, the OpenAPI document, the health check,
// and the assembly of every route (AddServiceRoutes).
#include <algorithm>
#include <optional>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "api/static_files.h"
#include "ports/blob_store.h"
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

// Headers of a published blob's answer; the ETag is its recorded SHA-256.
void AddBlobHeaders(Response& r, const std::string& key, const std::string& sha256) {
  r.headers.Set("ETag", "\"" + sha256 + "\"");
  r.headers.Set("Cache-Control", std::string(CacheControlFor(key)));
  r.headers.Set("Accept-Ranges", "bytes");
  r.headers.Set("Access-Control-Allow-Origin", "*");
  r.headers.Set("Access-Control-Expose-Headers", "Content-Range, Content-Length, Accept-Ranges, ETag");
  r.headers.Set("Content-Type", std::string(MimeTypeFor(key)));
}

// With work sync (pipeline/work_sync.h) the published tree lives in the blob
// store under transcoded/<video>/ and may be missing from this machine's
// public_root: the file is answered from there, read whole (or the
// requested range) into memory with GetRange and sent by this process (not
// a redirect to a presigned URL, so the playback token and every header
// stay exactly those of a local file: ranges, HEAD, If-None-Match, CORS).
// `raw_path` must already be a valid blob key (published names are plain
// ASCII; anything percent-encoded is 404). Called where StaticFiles
// answered 404, ApiContext::published_blobs is set and the video may be
// served (VideoService::Servable).
Response ServePublishedBlob(const ports::BlobStore& blobs, const Request& r, const std::string& video,
                            const std::string& raw_path) {
  const std::string key = "transcoded/" + video + "/" + raw_path;
  if (!ports::ValidateBlobKey(key).ok()) return NotPublished(r);
  StatusOr<uint64_t> size = blobs.Size(key);
  if (!size.ok()) {
    return size.status().code() == ErrorCode::kNotFound ? NotPublished(r) : ErrorResponse(size.status(), r);
  }
  StatusOr<std::string> sha = blobs.Checksum(key);
  if (!sha.ok()) return ErrorResponse(sha.status(), r);
  Response res;
  AddBlobHeaders(res, key, *sha);
  if (auto inm = r.headers.Get("If-None-Match"); inm && *inm == "\"" + *sha + "\"") {
    res.status = 304;
    return res;
  }
  RangeRequest range;
  if (auto header = r.headers.Get("Range")) range = ParseRange(*header, *size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    Response bad = ProblemResponse(
        MakeProblem(416, kSlugRangeNotSatisfiable, "file has " + std::to_string(*size) + " bytes", r.path));
    AddBlobHeaders(bad, key, *sha);
    bad.headers.Set("Content-Range", "bytes */" + std::to_string(*size));
    return bad;
  }
  ByteRange slice{0, *size == 0 ? 0 : *size - 1};
  if (range.kind == RangeRequest::Kind::kPartial) {
    slice = range.range;
    res.status = 206;
    res.headers.Set("Content-Range", "bytes " + std::to_string(slice.first) + "-" + std::to_string(slice.last) +
                                         "/" + std::to_string(*size));
  }
  const uint64_t length = *size == 0 ? 0 : slice.last - slice.first + 1;
  if (r.method == "HEAD") {
    res.headers.Set("Content-Length", std::to_string(length));
    return res;
  }
  StatusOr<std::string> body = blobs.GetRange(key, slice.first, length);
  if (!body.ok()) return ErrorResponse(body.status(), r);
  res.body = std::move(body).value();
  return res;
}

// The media's files, or the AES-128 key under keys/<kid>. Whoever may read
// the video's media may read its AES-128 key (never a DRM content key).
Response ServeMedia(ApiContext& ctx, const StaticFiles& files, const Request& r, const std::string& video) {
  const std::string& path = r.params.at("path");
  std::optional<std::string> kid = KeyPath(path);
  if (!kid) {
    Response res = files.Serve(r, video + "/" + path);
    if (res.status == 404 && ctx.published_blobs != nullptr) {
      // The store outlives a removal: a task still running when the video
      // was removed can push after Remove deleted transcoded/<video>/, and
      // a failed delete leaves blobs behind. Never serve those.
      Status servable = ctx.videos.Servable(video);
      if (!servable.ok()) {
        return servable.code() == ErrorCode::kNotFound ? NotPublished(r) : ErrorResponse(servable, r);
      }
      return ServePublishedBlob(*ctx.published_blobs, r, video, path);
    }
    return res;
  }
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
