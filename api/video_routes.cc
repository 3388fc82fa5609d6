// GET/DELETE /videos/{id}, GET /videos, status, events, retry, views,
// subtitles.
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "engine/progress.h"

namespace vtp::api::detail {
namespace {

using nlohmann::json;

json ListItem(const ports::VideoRecord& v) {
  return {{"video_id", v.video_id},
          {"title", v.title},
          {"status", std::string(ports::VideoStatusName(v.status))},
          {"created_at", engine::FormatUtcTime(v.created_at)},
          {"duration_sec", v.duration_sec}};
}

Response ListVideos(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  std::optional<ports::VideoStatus> status;
  if (auto s = req.Query("status")) {
    status = ports::VideoStatusFromName(*s);
    if (!status) return Refuse(req, 400, "bad-query", "unknown status \"" + std::string(*s) + "\"");
  }
  int limit = 20;
  if (auto l = req.Query("limit")) {
    if (l->empty() || l->size() > 4 || l->find_first_not_of("0123456789") != std::string_view::npos) {
      return Refuse(req, 400, "bad-query", "limit must be an integer between 1 and 100");
    }
    limit = std::stoi(std::string(*l));
  }
  StatusOr<control::VideoPage> page = ctx.videos.List(caller, status, req.Query("cursor").value_or(""), limit);
  if (!page.ok()) return ErrorResponse(page.status(), req);
  json items = json::array();
  for (const auto& v : page->videos) items.push_back(ListItem(v));
  json body = {{"videos", items}, {"next_cursor", page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor)}};
  return JsonAnswer(200, body);
}

Response Retry(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
  API_TAKE_OR_ANSWER(step, StringField(req, body, "from_step", 64));
  if (!step) return Refuse(req, 400, "missing-field", "from_step is required");
  Status s = ctx.videos.Retry(caller, req.params.at("id"), *step);
  if (s.code() == ErrorCode::kInvalidArgument) return Refuse(req, 422, "cannot-retry", s.message());
  if (!s.ok()) return ErrorResponse(s, req);
  return JsonAnswer(200, {{"status", "retrying"}, {"retry_from", *step}});
}

Response Views(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  int64_t count = 1;
  if (!req.body.empty()) {
    API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
    API_TAKE_OR_ANSWER(n, IntField(req, body, "count"));
    if (n) count = *n;
  }
  StatusOr<control::ViewsOutcome> out = ctx.videos.AddViews(caller, req.params.at("id"), count);
  if (out.status().code() == ErrorCode::kInvalidArgument) {
    return Refuse(req, 422, "invalid-count", out.status().message());
  }
  if (!out.ok()) return ErrorResponse(out.status(), req);
  json body = {{"video_id", req.params.at("id")}, {"views", out->tally.total},
               {"first_hour", out->tally.first_hour}, {"codecs", out->codecs},
               {"codecs_added", out->added}};
  if (!out->upgrade_error.empty()) body["codecs_error"] = out->upgrade_error;
  return JsonAnswer(200, body);
}

// JSON {"language": "en", "content": "<srt/vtt text>"} or the raw file with
// ?language=en and a text/* Content-Type.
Response Subtitles(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  std::string language, content;
  std::optional<std::string_view> type = req.headers.Get("Content-Type");
  if (type && type->size() >= 5 && EqualsIgnoreCase(type->substr(0, 5), "text/")) {
    language = std::string(req.Query("language").value_or(""));
    content = req.body;
  } else {
    API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
    API_TAKE_OR_ANSWER(lang, StringField(req, body, "language", 35));
    API_TAKE_OR_ANSWER(text, StringField(req, body, "content", 16 << 20));
    if (!lang || !text) return Refuse(req, 400, "missing-field", "language and content are required");
    language = *lang;
    content = *text;
  }
  if (language.empty()) return Refuse(req, 400, "missing-field", "language is required");
  Status s = ctx.videos.AddSubtitle(caller, req.params.at("id"), language, content);
  if (s.code() == ErrorCode::kInvalidArgument) return Refuse(req, 422, "invalid-subtitles", s.message());
  if (!s.ok()) return ErrorResponse(s, req);
  // Accepted: the subtitles, manifest and publish steps run again.
  return JsonAnswer(202, {{"video_id", req.params.at("id")}, {"language", language}, {"status", "processing"}});
}

Response Events(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  const std::string& id = req.params.at("id");
  if (Status access = ctx.videos.MayWatch(caller, id); !access.ok()) return ErrorResponse(access, req);
  return ctx.hub.Subscribe(id, std::string(req.headers.Get("Last-Event-ID").value_or("")));
}

}  // namespace

Status AddVideoRoutes(Router& router, ApiContext& ctx) {
  Gate& g = ctx.gate;
  const std::string base(kVideosPath);
  RETURN_IF_ERROR(router.Add("GET", base, g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return ListVideos(ctx, r, c);
  })));
  RETURN_IF_ERROR(router.Add("GET", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    StatusOr<json> j = ctx.videos.Describe(c, r.params.at("id"));
    return j.ok() ? JsonAnswer(200, *j) : ErrorResponse(j.status(), r);
  })));
  RETURN_IF_ERROR(router.Add("DELETE", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    Status s = ctx.videos.Remove(c, r.params.at("id"));
    if (!s.ok()) return ErrorResponse(s, r);
    Response ok;
    ok.status = 204;
    return ok;
  })));
  RETURN_IF_ERROR(router.Add("GET", base + "/{id}/status", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    StatusOr<json> j = ctx.videos.StatusJson(c, r.params.at("id"));
    if (!j.ok()) return ErrorResponse(j.status(), r);
    Response res = JsonAnswer(200, *j);
    res.headers.Set("Cache-Control", "no-store");
    return res;
  })));
  RETURN_IF_ERROR(router.Add("GET", base + "/{id}/events", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return Events(ctx, r, c);
  })));
  RETURN_IF_ERROR(router.Add("POST", base + "/{id}/retry", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return Retry(ctx, r, c);
  })));
  RETURN_IF_ERROR(router.Add("POST", base + "/{id}/views", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return Views(ctx, r, c);
  })));
  RouteOptions big;
  big.max_body_bytes = (16 << 20) + (1 << 20);
  return router.Add("POST", base + "/{id}/subtitles", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return Subtitles(ctx, r, c);
  }), big);
}

}  // namespace vtp::api::detail
