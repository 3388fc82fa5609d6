// Webhook subscriptions (per creator) and API keys (admin only).
#include <algorithm>

#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_api.h"
#include "control/keys.h"
#include "control/random.h"
#include "engine/progress.h"
#include "service/webhook.h"

namespace vtp::api::detail {
namespace {

using nlohmann::json;

json WebhookJson(const ports::WebhookRecord& w) {
  return {{"webhook_id", w.webhook_id}, {"url", w.url}, {"events", w.events},
          {"created_at", engine::FormatUtcTime(w.created_at)}};
}

json DeliveryJson(const ports::DeliveryRecord& d) {
  json j = {{"delivery_id", d.delivery_id},
            {"event_id", d.event_id},
            {"event_type", d.event_type},
            {"state", std::string(ports::DeliveryStateName(d.state))},
            {"attempts", d.attempts},
            {"last_status", d.last_status},
            {"last_error", d.last_error},
            {"created_at", engine::FormatUtcTime(d.created_at)}};
  if (d.state == ports::DeliveryState::kPending) j["next_attempt_at"] = engine::FormatUtcTime(d.next_attempt_at);
  if (d.delivered_at) j["delivered_at"] = engine::FormatUtcTime(*d.delivered_at);
  return j;
}

// http(s)://host[:port][/path], no spaces or control characters.
bool PlausibleUrl(const std::string& url) {
  size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || url.size() <= scheme || url.size() > 2048) return false;
  if (url[scheme] == '/' || url[scheme] == ':') return false;
  return std::none_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

Response CreateWebhook(ApiContext& ctx, const Request& req, const control::Caller& caller) {
  API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
  API_TAKE_OR_ANSWER(url, StringField(req, body, "url", 2048));
  API_TAKE_OR_ANSWER(secret, StringField(req, body, "secret", 256));
  if (!url) return Refuse(req, 400, "missing-field", "url is required");
  if (!PlausibleUrl(*url)) return Refuse(req, 422, "invalid-url", "url must be an http:// or https:// URL");
  std::vector<std::string> events;
  if (body.contains("events")) {
    if (!body["events"].is_array()) return Refuse(req, 400, "invalid-field", "events must be an array of strings");
    for (const auto& e : body["events"]) {
      if (!e.is_string()) return Refuse(req, 400, "invalid-field", "events must be an array of strings");
      if (!service::ParseWebhookEvent(e.get<std::string>()).ok()) {
        return Refuse(req, 422, "unknown-event", "unknown event \"" + e.get<std::string>() + "\"");
      }
      events.push_back(e.get<std::string>());
    }
  } else {
    for (auto e : service::kAllWebhookEvents) events.emplace_back(service::WebhookEventName(e));
  }
  if (events.empty()) return Refuse(req, 422, "unknown-event", "events must name at least one event");
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  if (secret && secret->size() < 16) return Refuse(req, 422, "weak-secret", "secret must be at least 16 characters");
  ports::WebhookRecord w;
  StatusOr<std::string> id = control::RandomId("wh_", 8);
  StatusOr<std::string> generated = control::RandomId("whsec_", 24);
  if (!id.ok() || !generated.ok()) return ErrorResponse(id.ok() ? generated.status() : id.status(), req);
  w.webhook_id = *id;
  w.creator_id = caller.creator_id;
  w.url = *url;
  w.secret = secret.value_or(*generated);
  w.events = events;
  if (Status s = ctx.svc.CreateWebhook(w); !s.ok()) return ErrorResponse(s, req);
  StatusOr<ports::WebhookRecord> stored = ctx.svc.GetWebhook(w.webhook_id);
  json j = WebhookJson(stored.ok() ? *stored : w);
  j["secret"] = w.secret;  // shown once, on creation
  return JsonAnswer(201, j);
}

// The webhook if the caller owns it (another creator's answers 404).
std::variant<ports::WebhookRecord, Response> OwnedWebhook(ApiContext& ctx, const Request& req,
                                                          const control::Caller& caller) {
  StatusOr<ports::WebhookRecord> w = ctx.svc.GetWebhook(req.params.at("id"));
  Status s = w.ok() ? service::Authorize(caller.role, w->creator_id, caller.creator_id) : w.status();
  if (!s.ok()) return ErrorResponse(s.code() == ErrorCode::kNotFound ? NotFound("no such webhook") : s, req);
  return *w;
}

Status AddWebhookRoutesImpl(Router& router, ApiContext& ctx) {
  Gate& g = ctx.gate;
  const std::string base = "/api/v1/webhooks";
  RETURN_IF_ERROR(router.Add("POST", base, g.Guard([&ctx](const Request& r, const control::Caller& c) {
    return CreateWebhook(ctx, r, c);
  })));
  RETURN_IF_ERROR(router.Add("GET", base, g.Guard([&ctx](const Request& r, const control::Caller& c) {
    auto list = ctx.svc.ListWebhooks(c.role == service::Role::kAdmin ? "" : c.creator_id);
    if (!list.ok()) return ErrorResponse(list.status(), r);
    json items = json::array();
    for (const auto& w : *list) items.push_back(WebhookJson(w));
    return JsonAnswer(200, {{"webhooks", items}});
  })));
  RETURN_IF_ERROR(router.Add("GET", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    API_TAKE_OR_ANSWER(w, OwnedWebhook(ctx, r, c));
    return JsonAnswer(200, WebhookJson(w));
  })));
  RETURN_IF_ERROR(router.Add("DELETE", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    API_TAKE_OR_ANSWER(w, OwnedWebhook(ctx, r, c));
    if (Status s = ctx.svc.DeleteWebhook(w.webhook_id); !s.ok()) return ErrorResponse(s, r);
    Response ok;
    ok.status = 204;
    return ok;
  })));
  return router.Add("GET", base + "/{id}/deliveries", g.Guard([&ctx](const Request& r, const control::Caller& c) {
    API_TAKE_OR_ANSWER(w, OwnedWebhook(ctx, r, c));
    auto list = ctx.svc.ListDeliveries(w.webhook_id, 100);
    if (!list.ok()) return ErrorResponse(list.status(), r);
    json items = json::array();
    for (const auto& d : *list) items.push_back(DeliveryJson(d));
    return JsonAnswer(200, {{"webhook_id", w.webhook_id}, {"deliveries", items}});
  }));
}

Response CreateKey(ApiContext& ctx, const Request& req) {
  API_TAKE_OR_ANSWER(body, ParseJsonObject(req));
  API_TAKE_OR_ANSWER(role, StringField(req, body, "role", 16));
  API_TAKE_OR_ANSWER(creator, StringField(req, body, "creator_id", 64));
  API_TAKE_OR_ANSWER(name, StringField(req, body, "name", 200));
  if (!role || !creator) return Refuse(req, 400, "missing-field", "role and creator_id are required");
  StatusOr<control::CreatedKey> key = control::CreateKey(ctx.svc, *role, *creator, name.value_or(""));
  if (key.status().code() == ErrorCode::kInvalidArgument) return Refuse(req, 422, "invalid-key", key.status().message());
  if (!key.ok()) return ErrorResponse(key.status(), req);
  json j = control::KeyJson(key->record);
  j["token"] = key->token;  // shown once
  return JsonAnswer(201, j);
}

}  // namespace

Status AddWebhookRoutes(Router& router, ApiContext& ctx) { return AddWebhookRoutesImpl(router, ctx); }

Status AddKeyRoutes(Router& router, ApiContext& ctx) {
  Gate& g = ctx.gate;
  const std::string base = "/api/v1/keys";
  RETURN_IF_ERROR(router.Add("POST", base, g.Guard([&ctx](const Request& r, const control::Caller&) {
    return CreateKey(ctx, r);
  }, Access::kAdminOnly)));
  RETURN_IF_ERROR(router.Add("GET", base, g.Guard([&ctx](const Request& r, const control::Caller&) {
    auto keys = ctx.svc.ListApiKeys();
    if (!keys.ok()) return ErrorResponse(keys.status(), r);
    json items = json::array();
    for (const auto& k : *keys) items.push_back(control::KeyJson(k));
    return JsonAnswer(200, {{"keys", items}});
  }, Access::kAdminOnly)));
  return router.Add("DELETE", base + "/{id}", g.Guard([&ctx](const Request& r, const control::Caller&) {
    Status s = ctx.svc.RevokeApiKey(r.params.at("id"));
    if (!s.ok()) return ErrorResponse(s, r);
    Response ok;
    ok.status = 204;
    return ok;
  }, Access::kAdminOnly));
}

}  // namespace vtp::api::detail
