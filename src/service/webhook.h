// Webhook policy: the signature header receivers verify, the retry
// schedule of a failing delivery, and the event type names.
//
// Signature header (one header, e.g. `Vtp-Signature`):
//   t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>
// Signing the timestamp together with the body lets a receiver refuse a
// captured delivery replayed later (outside its tolerance window); it
// should also remember delivery ids inside the window to refuse a replay
// within it. More than one v1 may appear (one per secret during a rotation);
// unknown keys are ignored so a future scheme (v2) can be added alongside.
//
// Pure: time and jitter seeds are parameters. Thread-safe: free functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::service {

// The header value for `body` sent at `unix_seconds`.
std::string SignWebhook(std::string_view secret, std::string_view body, int64_t unix_seconds);

struct WebhookSignature {
  int64_t timestamp = 0;
  std::vector<std::string> v1;  // lowercase hex digests, as sent
};
// kInvalidArgument unless there is exactly one `t` (non-negative decimal
// seconds) and at least one `v1` of 64 lowercase hex digits.
StatusOr<WebhookSignature> ParseWebhookSignature(std::string_view header);

// Checks `header` against `body` as a receiver would:
//   kInvalidArgument  the header is malformed;
//   kDeadlineExceeded |now_seconds - t| > tolerance_seconds (stale or
//                     replayed, or from a clock too far ahead);
//   kCorruptInput     no v1 matches (wrong secret, or body/timestamp
//                     altered). Compared in constant time.
Status VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body, int64_t now_seconds,
                     int64_t tolerance_seconds);

// Delay before delivery attempt `attempt` + 1, after `attempt` (>= 1;
// smaller counts as 1) failed: the exponential step base_ms * 2^(attempt-1)
// capped at max_ms, then "equal jitter": a value in [step/2, step] drawn
// deterministically from (jitter_seed, attempt), so a fleet of failed
// deliveries spreads out yet a given delivery's schedule is reproducible
// (seed it from the delivery id). Never exceeds max_ms; 0 if max_ms <= 0.
int64_t NextAttemptDelay(int attempt, int64_t base_ms, int64_t max_ms, uint64_t jitter_seed);

// True once `attempts` deliveries have failed and no more may be made
// (attempts >= max_attempts; max_attempts < 1 counts as 1).
bool ShouldDeadLetter(int attempts, int max_attempts);

enum class WebhookEvent { kVideoUploaded, kVideoProcessing, kVideoReady, kVideoFailed, kTaskDeadLettered };

// "video.uploaded", "video.processing", "video.ready", "video.failed",
// "task.dead_lettered".
std::string_view WebhookEventName(WebhookEvent event);
// Inverse of WebhookEventName (exact match); kInvalidArgument otherwise,
// e.g. for a subscription naming an unknown event.
StatusOr<WebhookEvent> ParseWebhookEvent(std::string_view name);
// Every event, in declaration order.
inline constexpr std::array<WebhookEvent, 5> kAllWebhookEvents = {
    WebhookEvent::kVideoUploaded, WebhookEvent::kVideoProcessing, WebhookEvent::kVideoReady,
    WebhookEvent::kVideoFailed, WebhookEvent::kTaskDeadLettered};

}  // namespace vtp::service
