#include "api/gate.h"

#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "service/api_keys.h"
#include "service/idempotency.h"

namespace vtp::api {
namespace {

using nlohmann::json;

Response Unauthorized(const Request& request, std::string detail) {
  Response r = ProblemResponse(MakeProblem(401, "unauthorized", std::move(detail), request.path));
  r.headers.Set("WWW-Authenticate", "Bearer realm=\"vtp\"");
  return r;
}

json ResponseToJson(const Response& r) {
  json headers = json::array();
  for (const auto& [name, value] : r.headers.fields()) headers.push_back({name, value});
  return {{"headers", headers}, {"body", r.body}};
}

Response ResponseFromJson(int status, const std::string& stored) {
  Response r;
  r.status = status;
  json j = json::parse(stored, nullptr, false);
  if (j.is_discarded()) return ProblemResponse(MakeProblem(500, kSlugInternal, "stored response is unreadable"));
  for (const auto& h : j.value("headers", json::array())) r.headers.Add(h.at(0), h.at(1));
  r.body = j.value("body", "");
  return r;
}

}  // namespace

Response ErrorResponse(const Status& status, const Request& request) {
  Response r = ProblemResponse(ProblemFromStatus(status, request.path));
  if (r.status == 503) r.headers.Set("Retry-After", "1");
  return r;
}

Gate::Gate(ports::ServiceStore& store, ports::Clock& clock, GateOptions options)
    : store_(store), clock_(clock), limiter_(options.rate, options.max_limited_keys) {}

std::variant<control::Caller, Response> Gate::Authenticate(const Request& request) {
  std::optional<std::string_view> auth = request.headers.Get("Authorization");
  if (!auth) return Unauthorized(request, "an API key is required: Authorization: Bearer <key>");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth->size() <= kBearer.size() || !EqualsIgnoreCase(auth->substr(0, kBearer.size()), kBearer)) {
    return Unauthorized(request, "the Authorization header must be \"Bearer <key>\"");
  }
  StatusOr<service::ApiKey> key = service::ParseApiKey(auth->substr(kBearer.size()));
  if (!key.ok()) return Unauthorized(request, "the API key is not valid");
  StatusOr<ports::ApiKeyRecord> stored = store_.GetApiKey(key->key_id);
  if (!stored.ok()) {
    if (stored.status().code() == ErrorCode::kNotFound) return Unauthorized(request, "the API key is not valid");
    return ErrorResponse(stored.status(), request);
  }
  if (stored->revoked_at || !service::SecretMatches(stored->secret_hash, key->secret)) {
    return Unauthorized(request, "the API key is not valid");
  }
  StatusOr<service::Role> role = service::ParseRole(stored->role);
  if (!role.ok()) return ErrorResponse(Internal("stored key has role " + stored->role), request);
  return control::Caller{stored->key_id, stored->creator_id, *role};
}

std::optional<Response> Gate::Limit(const control::Caller& caller) {
  service::Decision d;
  {
    std::lock_guard<std::mutex> lock(limiter_mu_);
    d = limiter_.Take(caller.key_id, clock_.NowMillis());
  }
  if (d.allowed) return std::nullopt;
  Response r = ProblemResponse(MakeProblem(429, "rate-limited", "too many requests for this API key"));
  int64_t after = service::RetryAfterSeconds(d.retry_after_ms);
  if (after >= 0) r.headers.Set("Retry-After", std::to_string(after));
  return r;
}

Response Gate::Idempotent(const Request& request, const control::Caller& caller, const AuthedHandler& handler) {
  std::optional<std::string_view> key = request.headers.Get("Idempotency-Key");
  if (!key) return handler(request, caller);
  if (Status s = service::ValidateIdempotencyKey(*key); !s.ok()) {
    return ProblemResponse(MakeProblem(400, "bad-idempotency-key", s.message(), request.path));
  }
  std::string fingerprint = service::RequestFingerprint(request.method, request.path, request.body);
  StatusOr<std::optional<ports::IdempotencyRecord>> begun =
      store_.BeginIdempotent(caller.key_id, *key, fingerprint);
  if (!begun.ok()) return ErrorResponse(begun.status(), request);
  if (begun->has_value()) {
    const ports::IdempotencyRecord& rec = **begun;
    if (service::Compare(rec.fingerprint, fingerprint) == service::IdempotencyOutcome::kConflict) {
      return ProblemResponse(MakeProblem(409, "idempotency-key-reused",
                                         "this Idempotency-Key was used for a different request", request.path));
    }
    if (rec.status == 0) {
      Response r = ProblemResponse(MakeProblem(409, "idempotency-key-in-progress",
                                               "the first request with this Idempotency-Key is still running",
                                               request.path));
      r.headers.Set("Retry-After", "1");
      return r;
    }
    Response replay = ResponseFromJson(rec.status, rec.response_json);
    replay.headers.Set("Idempotent-Replayed", "true");
    return replay;
  }
  Response r;
  try {
    r = handler(request, caller);
  } catch (...) {
    // The router answers a throwing handler with 500: like any 5xx, the key
    // must stay usable for a retry, not look "in progress" forever.
    (void)store_.AbandonIdempotent(caller.key_id, *key);
    throw;
  }
  Status saved = r.status >= 500 ? store_.AbandonIdempotent(caller.key_id, *key)
                                 : store_.FinishIdempotent(caller.key_id, *key, r.status, ResponseToJson(r).dump());
  (void)saved;  // the response stands; a lost record only means no replay
  return r;
}

Handler Gate::Guard(AuthedHandler handler, Access access) {
  return [this, handler = std::move(handler), access](const Request& request) -> Response {
    Response r = Decide(request, handler, access, true);
    // Keys travel in the Authorization header, never in cookies, so any
    // origin may call the API from a browser.
    if (!r.headers.Has("Access-Control-Allow-Origin")) r.headers.Set("Access-Control-Allow-Origin", "*");
    return r;
  };
}

Handler Gate::GuardSecret(AuthedHandler handler) {
  return [this, handler = std::move(handler)](const Request& request) -> Response {
    Response r = Decide(request, handler, Access::kAnyKey, false);
    if (!r.headers.Has("Access-Control-Allow-Origin")) r.headers.Set("Access-Control-Allow-Origin", "*");
    return r;
  };
}

Response Gate::Decide(const Request& request, const AuthedHandler& handler, Access access, bool replayable) {
  auto who = Authenticate(request);
  if (auto* r = std::get_if<Response>(&who)) return std::move(*r);
  const control::Caller& caller = std::get<control::Caller>(who);
  if (access == Access::kAdminOnly && caller.role != service::Role::kAdmin) {
    return ProblemResponse(MakeProblem(403, "forbidden", "this operation needs an admin key", request.path));
  }
  if (auto refused = Limit(caller)) return std::move(*refused);
  if (replayable && request.method == "POST") return Idempotent(request, caller, handler);
  return handler(request, caller);
}

StreamHandler Gate::GuardStream(AuthedStreamHandler handler) {
  return [this, handler = std::move(handler)](const Request& request) -> StreamStart {
    StreamStart start = DecideStream(request, handler);
    // As Guard: a browser client must be able to read a 401 or 429 too.
    if (start.response && !start.response->headers.Has("Access-Control-Allow-Origin")) {
      start.response->headers.Set("Access-Control-Allow-Origin", "*");
    }
    return start;
  };
}

StreamStart Gate::DecideStream(const Request& request, const AuthedStreamHandler& handler) {
  auto who = Authenticate(request);
  if (auto* r = std::get_if<Response>(&who)) return StreamStart::Answer(std::move(*r));
  const control::Caller& caller = std::get<control::Caller>(who);
  if (auto refused = Limit(caller)) return StreamStart::Answer(std::move(*refused));
  return handler(request, caller);
}

}  // namespace vtp::api
