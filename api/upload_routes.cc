// POST /videos/upload (the seed's initiation) and the tus 1.0.0 endpoints
// under /uploads. The bytes of a PATCH stream straight to the upload's part
// file (control/uploads.h); nothing here buffers a body.
#include <nlohmann/json.hpp>

#include "api/direct_upload_routes.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "control/random.h"
#include "control/upload_jobs.h"
#include "control/upload_records.h"
#include "engine/progress.h"
#include "service/tus.h"

namespace vtp::api::detail {
namespace {

using nlohmann::json;

constexpr std::string_view kUploads = "/api/v1/uploads";

// Headers a browser client (tus-js-client, Uppy) must be allowed to read.
constexpr const char* kExposed =
    "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires, Tus-Resumable, Tus-Version, "
    "Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Vtp-Video-Id, Retry-After";

void AddCors(Response& r) {
  r.headers.Set("Access-Control-Allow-Origin", "*");
  r.headers.Set("Access-Control-Expose-Headers", kExposed);
}

service::TusRequestHeaders TusHeaders(const Request& req) {
  auto get = [&](std::string_view n) -> std::optional<std::string> {
    auto v = req.headers.Get(n);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  service::TusRequestHeaders h;
  h.tus_resumable = get("Tus-Resumable");
  h.content_type = get("Content-Type");
  h.upload_offset = get("Upload-Offset");
  h.upload_length = get("Upload-Length");
  h.upload_defer_length = get("Upload-Defer-Length");
  h.upload_metadata = get("Upload-Metadata");
  h.upload_checksum = get("Upload-Checksum");
  return h;
}

Response TusAnswer(int status, const service::HeaderList& headers) {
  Response r;
  r.status = status;
  for (const auto& [n, v] : headers) r.headers.Set(n, v);
  AddCors(r);
  return r;
}

Response TusRefusal(const Request& req, const service::TusError& e) {
  Response r = ProblemResponse(MakeProblem(e.status, "upload-" + std::to_string(e.status), e.message, req.path));
  for (const auto& [n, v] : service::ErrorHeaders(e)) r.headers.Set(n, v);
  AddCors(r);
  return r;
}

std::string UploadUrl(const ApiContext& ctx, const std::string& upload_id) {
  return ctx.config.public_url + std::string(kUploads) + "/" + upload_id;
}

// The upload if the caller owns it; the tus-style refusal otherwise (404 for
// another creator's, like a missing one).
std::variant<ports::UploadRecord, Response> OwnedUpload(ApiContext& ctx, const Request& req,
                                                        const control::Caller& caller) {
  StatusOr<ports::UploadRecord> up = ctx.svc.GetUpload(req.params.at("id"));
  Status s = up.ok() ? service::Authorize(caller.role, up->creator_id, caller.creator_id) : up.status();
  if (s.code() == ErrorCode::kNotFound) return TusRefusal(req, {404, "no such upload", {}});
  if (!s.ok()) {
    Response r = ErrorResponse(s, req);
    AddCors(r);
    return r;
  }
  return *up;
}

Response Initiate(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
  API_TAKE_OR_ANSWER(filename, StringField(req, body, "filename", 255));
  API_TAKE_OR_ANSWER(content_type, StringField(req, body, "content_type", 127));
  API_TAKE_OR_ANSWER(size, IntField(req, body, "file_size_bytes"));
  API_TAKE_OR_ANSWER(title, StringField(req, body, "title", 500));
  API_TAKE_OR_ANSWER(priority, StringField(req, body, "priority", 16));
  API_TAKE_OR_ANSWER(sha256, StringField(req, body, "sha256", 64));
  if (!filename || filename->empty() || !content_type || !size) {
    return Refuse(req, 400, "missing-field", "filename, content_type and file_size_bytes are required");
  }
  const std::string& type = *content_type;
  if (type.rfind("video/", 0) != 0 && type.rfind("audio/", 0) != 0 && type != "application/octet-stream") {
    return Refuse(req, 422, "unsupported-content-type", "content_type must be video/*, audio/* or application/octet-stream");
  }
  if (*size < 0) return Refuse(req, 422, "invalid-size", "file_size_bytes must not be negative");
  if (priority && *priority == "urgent" && caller.role != service::Role::kAdmin) {
    return Refuse(req, 403, "forbidden", "only an admin key may ask for urgent priority");
  }
  json client = body.contains("options") ? body.at("options") : json::object();
  StatusOr<std::string> options = control::UploadOptionsJson(client, priority.value_or("normal"), ctx.config.upload_drm);
  if (!options.ok()) return Refuse(req, 422, "invalid-options", options.status().message());
  control::NewUpload nu;
  StatusOr<std::string> vid = control::RandomId("v", 8);
  if (!vid.ok()) return ErrorResponse(vid.status(), req);
  nu.video_id = *vid;
  nu.creator_id = caller.creator_id;
  nu.filename = *filename;
  nu.content_type = type;
  nu.title = title.value_or(*filename);
  nu.length = static_cast<uint64_t>(*size);
  nu.options_json = *options;
  nu.metadata.entries["filename"] = *filename;
  nu.metadata.entries["filetype"] = type;
  if (sha256) nu.metadata.entries["sha256"] = *sha256;
  if (UseDirectUpload(ctx, nu)) return InitiateDirect(ctx, req, nu);
  StatusOr<ports::UploadRecord> up = ctx.uploads.Create(nu);
  if (up.status().code() == ErrorCode::kInvalidArgument || up.status().code() == ErrorCode::kLimitExceeded) {
    return Refuse(req, 422, "invalid-upload", up.status().message());
  }
  if (!up.ok()) return ErrorResponse(up.status(), req);
  json answer = {{"video_id", up->video_id},
                 {"upload_url", UploadUrl(ctx, up->upload_id)},
                 {"upload_id", up->upload_id},
                 {"max_chunk_size", ctx.config.max_chunk_size},
                 {"protocol", "tus"},
                 {"tus_resumable", std::string(service::kTusVersion)}};
  if (up->expires_at > 0) answer["expires_at"] = engine::FormatUtcTime(up->expires_at);
  Response r = JsonAnswer(201, answer);
  r.headers.Set("Location", std::string(kVideosPath) + "/" + up->video_id);
  return r;
}

Response TusCreate(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  control::NewUpload base;
  StatusOr<std::string> vid = control::RandomId("v", 8);
  if (!vid.ok()) return ErrorResponse(vid.status(), req);
  base.video_id = *vid;
  base.creator_id = caller.creator_id;
  base.options_json = *control::UploadOptionsJson(json::object(), "normal");
  service::TusOr<ports::UploadRecord> up = ctx.uploads.CreateFromTus(TusHeaders(req), base);
  if (!up.ok()) return TusRefusal(req, up.error());
  Response r = TusAnswer(201, service::CreatedHeaders(control::ToTusState(*up)));
  r.headers.Set("Location", UploadUrl(ctx, up->upload_id));
  r.headers.Set("Vtp-Video-Id", up->video_id);
  return r;
}

// Adapts the upload's PatchWriter to the HTTP layer's BodyReader.
class PatchBody final : public BodyReader {
 public:
  PatchBody(std::unique_ptr<control::PatchWriter> w, Request head) : writer_(std::move(w)), head_(std::move(head)) {}
  Status Write(std::string_view bytes) override { return writer_->Write(bytes); }
  Response Finish(const Status& body_status) override {
    service::TusOr<service::HeaderList> done = writer_->Finish(body_status.ok());
    if (!done.ok()) return TusRefusal(head_, done.error());
    return TusAnswer(204, *done);
  }

 private:
  std::unique_ptr<control::PatchWriter> writer_;
  Request head_;
};

StreamStart TusPatch(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  auto owned = OwnedUpload(ctx, req, caller);
  if (auto* r = std::get_if<Response>(&owned)) return StreamStart::Answer(std::move(*r));
  std::optional<uint64_t> length;
  if (auto cl = req.headers.Get("Content-Length")) {
    service::TusOr<uint64_t> n = service::ParseTusInteger("Content-Length", *cl);
    if (!n.ok()) return StreamStart::Answer(TusRefusal(req, n.error()));
    length = *n;
  }
  auto writer = ctx.uploads.BeginPatch(req.params.at("id"), TusHeaders(req), length);
  if (!writer.ok()) return StreamStart::Answer(TusRefusal(req, writer.error()));
  auto w = std::move(writer).value();
  return StreamStart::Read(std::make_unique<PatchBody>(std::move(w), req));
}

Response TusOptions(ApiContext& ctx, const Request& req) {
  Response r = TusAnswer(204, ctx.uploads.Options());
  r.headers.Set("Access-Control-Allow-Methods", "POST, HEAD, PATCH, DELETE, OPTIONS");
  auto asked = req.headers.Get("Access-Control-Request-Headers");
  r.headers.Set("Access-Control-Allow-Headers",
                asked ? std::string(*asked)
                      : "Authorization, Content-Type, Tus-Resumable, Upload-Length, Upload-Offset, "
                        "Upload-Metadata, Upload-Checksum, Idempotency-Key");
  r.headers.Set("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace

Status AddUploadRoutes(Router& router, ApiContext& ctx) {
  Gate& g = ctx.gate;
  const std::string base(kUploads);
  RETURN_IF_ERROR(router.Add("POST", std::string(kVideosPath) + "/upload",
                             g.Guard([&ctx](const Request& r, const control::Caller& c) { return Initiate(ctx, r, c); })));
  RETURN_IF_ERROR(router.Add("POST", base, g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return TusCreate(ctx, r, c);
  })));
  RETURN_IF_ERROR(router.Add("HEAD", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    auto owned = OwnedUpload(ctx, r, c);
    if (auto* refusal = std::get_if<Response>(&owned)) return std::move(*refusal);
    auto h = ctx.uploads.Head(r.params.at("id"), TusHeaders(r));
    return h.ok() ? TusAnswer(200, *h) : TusRefusal(r, h.error());
  })));
  RETURN_IF_ERROR(router.Add("DELETE", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    auto owned = OwnedUpload(ctx, r, c);
    if (auto* refusal = std::get_if<Response>(&owned)) return std::move(*refusal);
    if (control::IsDirectUpload(std::get<ports::UploadRecord>(owned))) return AbortDirect(ctx, r);
    auto h = ctx.uploads.Terminate(r.params.at("id"), TusHeaders(r));
    return h.ok() ? TusAnswer(204, *h) : TusRefusal(r, h.error());
  })));
  RETURN_IF_ERROR(router.AddStreaming("PATCH", base + "/{id}", g.GuardStream([&ctx](const Request& r, const control::Caller& c) {
    return TusPatch(ctx, r, c);
  })));
  RETURN_IF_ERROR(AddDirectUploadRoutes(router, ctx));
  RETURN_IF_ERROR(router.Add("OPTIONS", base, [&ctx](const Request& r) { return TusOptions(ctx, r); }));
  return router.Add("OPTIONS", base + "/{id}", [&ctx](const Request& r) { return TusOptions(ctx, r); });
}

}  // namespace vtp::api::detail
