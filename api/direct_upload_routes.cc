// The s3-multipart flavour of POST /videos/upload and its completion and
// abort routes. The bytes never pass through this server.
#include "api/direct_upload_routes.h"

#include <variant>

#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "control/direct_uploads.h"
#include "engine/progress.h"
#include "service/api_keys.h"

namespace vtp::api::detail {
namespace {

using nlohmann::json;

constexpr std::string_view kUploads = "/api/v1/uploads";

std::string_view SlugFor(int status) {
  switch (status) {
    case 400: return "invalid-parts";
    case 404: return "upload-404";
    case 409: return "upload-409";
    case 410: return "upload-410";
    case 413: return "upload-413";
    case 422: return "size-mismatch";
    case service::kStatusChecksumMismatch: return "upload-460";
    default: return "internal";
  }
}

Response DirectRefusal(const Request& req, const service::TusError& e) {
  Response r = ProblemResponse(MakeProblem(e.status, SlugFor(e.status), e.message, req.path));
  r.headers.Set("Access-Control-Allow-Origin", "*");
  return r;
}

std::string UploadPath(const ApiContext& ctx, const std::string& upload_id, std::string_view action) {
  return ctx.config.public_url + std::string(kUploads) + "/" + upload_id + "/" + std::string(action);
}

// nullopt when the caller may act on the upload; the refusal otherwise (404
// for another creator's, like a missing one).
std::optional<Response> RefuseUnowned(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  StatusOr<ports::UploadRecord> up = ctx.svc.GetUpload(req.params.at("id"));
  Status s = up.ok() ? service::Authorize(caller.role, up->creator_id, caller.creator_id) : up.status();
  if (s.code() == ErrorCode::kNotFound) return DirectRefusal(req, {404, "no such upload", {}});
  if (!s.ok()) return ErrorResponse(s, req);
  return std::nullopt;
}

// {"parts": [{"part_number": n, "etag": "..."}, ...]} or a 400.
std::variant<std::vector<ports::UploadedPart>, Response> ParseParts(const Request& req) {
  API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
  auto bad = [&req](std::string detail) { return Refuse(req, 400, "invalid-parts", std::move(detail)); };
  if (!body.contains("parts") || !body["parts"].is_array() || body["parts"].empty()) {
    return bad("parts must be a non-empty array of {part_number, etag}");
  }
  if (body["parts"].size() > static_cast<size_t>(ports::kMaxUploadParts)) return bad("more than 10000 parts");
  std::vector<ports::UploadedPart> parts;
  for (const json& p : body["parts"]) {
    if (!p.is_object() || !p.contains("part_number") || !p["part_number"].is_number_integer() ||
        !p.contains("etag") || !p["etag"].is_string()) {
      return bad("each part needs an integer part_number and a string etag");
    }
    const int64_t n = p["part_number"].get<int64_t>();
    std::string etag = p["etag"].get<std::string>();
    if (n < 1 || n > ports::kMaxUploadParts) return bad("part_number must be 1..10000");
    if (etag.empty() || etag.size() > 256) return bad("etag must be 1..256 characters");
    parts.push_back({static_cast<int>(n), std::move(etag)});
  }
  return parts;
}

Response Complete(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  if (auto refusal = RefuseUnowned(ctx, req, caller)) return std::move(*refusal);
  API_TAKE_OR_ANSWER(parts, ParseParts(req));
  service::TusOr<ports::UploadRecord> done = ctx.direct_uploads->Complete(req.params.at("id"), parts);
  if (!done.ok()) return DirectRefusal(req, done.error());
  json answer = {{"video_id", done->video_id},
                 {"upload_id", done->upload_id},
                 {"state", std::string(ports::UploadStateName(done->state))},
                 {"sha256", done->sha256},
                 {"bytes", done->length}};
  Response r = JsonAnswer(200, answer);
  r.headers.Set("Location", std::string(kVideosPath) + "/" + done->video_id);
  r.headers.Set("Access-Control-Allow-Origin", "*");
  return r;
}

Response Abort(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  if (auto refusal = RefuseUnowned(ctx, req, caller)) return std::move(*refusal);
  return AbortDirect(ctx, req);
}

}  // namespace

bool UseDirectUpload(const ApiContext& ctx, const control::NewUpload& upload) {
  // A zero-byte upload has nothing to send: tus completes it at once. One
  // over CopyObject's limit could never complete directly (direct_uploads.h).
  return ctx.direct_uploads != nullptr && ctx.direct_uploads->Enabled() && control::FitsDirectUpload(upload.length);
}

Response InitiateDirect(ApiContext& ctx, const Request& req, const control::NewUpload& upload) {
  service::TusOr<control::DirectUpload> made = ctx.direct_uploads->Create(upload);
  if (!made.ok()) {
    const service::TusError& e = made.error();
    if (e.status == 400) return Refuse(req, 422, "invalid-upload", e.message);
    if (e.status == 409) return Refuse(req, 409, "already-exists", e.message);
    return DirectRefusal(req, e);
  }
  json parts = json::array();
  for (const control::PartUrl& p : made->parts) {
    parts.push_back({{"part_number", p.part_number}, {"url", p.url}, {"expires_at", engine::FormatUtcTime(p.expires_at)}});
  }
  const std::string& id = made->record.upload_id;
  json answer = {{"video_id", made->record.video_id},
                 {"upload_id", id},
                 {"protocol", "s3-multipart"},
                 {"part_size", made->part_size},
                 {"parts", std::move(parts)},
                 {"complete_url", UploadPath(ctx, id, "complete")},
                 {"abort_url", UploadPath(ctx, id, "abort")}};
  if (made->record.expires_at > 0) answer["expires_at"] = engine::FormatUtcTime(made->record.expires_at);
  Response r = JsonAnswer(201, answer);
  r.headers.Set("Location", std::string(kVideosPath) + "/" + made->record.video_id);
  return r;
}

Response AbortDirect(ApiContext& ctx, const Request& req) {
  if (ctx.direct_uploads == nullptr) return DirectRefusal(req, {404, "no such upload", {}});
  service::TusOr<bool> aborted = ctx.direct_uploads->Abort(req.params.at("id"));
  if (!aborted.ok()) return DirectRefusal(req, aborted.error());
  Response r;
  r.status = 204;
  // Whether the storage discarded the parts now, or leaves them to its
  // lifecycle rule (control/direct_uploads.h).
  r.headers.Set("Vtp-Parts-Discarded", *aborted ? "true" : "false");
  r.headers.Set("Access-Control-Allow-Origin", "*");
  return r;
}

Status AddDirectUploadRoutes(Router& router, ApiContext& ctx) {
  Gate& g = ctx.gate;
  const std::string base(kUploads);
  RETURN_IF_ERROR(router.Add("POST", base + "/{id}/complete", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    if (ctx.direct_uploads == nullptr) return DirectRefusal(r, {404, "no such upload", {}});
    return Complete(ctx, r, c);
  })));
  return router.Add("POST", base + "/{id}/abort", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    if (ctx.direct_uploads == nullptr) return DirectRefusal(r, {404, "no such upload", {}});
    return Abort(ctx, r, c);
  }));
}

}  // namespace vtp::api::detail
