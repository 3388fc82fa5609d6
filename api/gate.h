// What every /api/v1 request passes before its handler runs:
//
//  1. Authentication: "Authorization: Bearer vtp_<id>_<secret>" looked up
//     by id and checked against the stored hash (service/api_keys.h).
//     Missing, malformed, unknown, wrong or revoked → 401 with
//     WWW-Authenticate: Bearer (one answer for all, so keys cannot be probed).
//  2. Role: admin-only routes answer 403 to a creator key.
//  3. Rate limit: a token bucket per key (service/rate_limit.h); refusal →
//     429 with Retry-After in whole seconds.
//  4. Idempotency (POST only): a request carrying Idempotency-Key is
//     reserved per (key id, Idempotency-Key). The same key with the same
//     method, path and body replays the first response (with
//     "Idempotent-Replayed: true"); with anything else → 409; while the
//     first is still running → 409 too. 5xx answers are not stored, so the
//     client may retry them with the same key.
//
// Store failures (kIo) answer 503 with Retry-After: 1.
//
// Thread safety: Gate is shared by every I/O thread; the limiter is guarded
// by a mutex, the store is thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "api/http_message.h"
#include "api/router.h"
#include "control/video_service.h"
#include "core/status.h"
#include "ports/clock.h"
#include "ports/service_store.h"
#include "service/rate_limit.h"

namespace vtp::api {

using AuthedHandler = std::function<Response(const Request&, const control::Caller&)>;
using AuthedStreamHandler = std::function<StreamStart(const Request&, const control::Caller&)>;

struct GateOptions {
  service::BucketConfig rate;  // per API key
  size_t max_limited_keys = 100'000;
};

enum class Access { kAnyKey, kAdminOnly };

class Gate {
 public:
  Gate(ports::ServiceStore& store, ports::Clock& clock, GateOptions options);

  // Wraps `handler` with steps 1-4 (4 for POST only).
  Handler Guard(AuthedHandler handler, Access access = Access::kAnyKey);
  // Steps 1-3 only, for routes whose answers carry secrets (content keys):
  // an Idempotency-Key is ignored, so no answer is ever stored for replay.
  Handler GuardSecret(AuthedHandler handler);
  // Steps 1-3 for a streaming route (uploads).
  StreamHandler GuardStream(AuthedStreamHandler handler);

  // Step 1 alone: the caller, or the 401/503 problem response.
  std::variant<control::Caller, Response> Authenticate(const Request& request);

 private:
  // `replayable`: step 4 applies (POST only).
  Response Decide(const Request& request, const AuthedHandler& handler, Access access, bool replayable);
  StreamStart DecideStream(const Request& request, const AuthedStreamHandler& handler);
  std::optional<Response> Limit(const control::Caller& caller);
  Response Idempotent(const Request& request, const control::Caller& caller, const AuthedHandler& handler);

  ports::ServiceStore& store_;
  ports::Clock& clock_;
  std::mutex limiter_mu_;
  service::RateLimiter limiter_;  // guarded by limiter_mu_
};

// The response for a failed Status at `request`'s path, as problem+json;
// kIo also gets Retry-After.
Response ErrorResponse(const Status& status, const Request& request);

}  // namespace vtp::api
