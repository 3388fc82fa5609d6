#include "service/webhook.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "service/digest.h"
#include "service/encoding.h"

namespace vtp::service {
namespace {

std::string Expected(std::string_view secret, std::string_view body, int64_t timestamp) {
  std::string message = std::to_string(timestamp);
  message += '.';
  message += body;
  return HexEncode(HmacSha256(secret, message));
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// SplitMix64's output function: a well-mixed 64-bit value from any input.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string SignWebhook(std::string_view secret, std::string_view body, int64_t unix_seconds) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + Expected(secret, body, unix_seconds);
}

StatusOr<WebhookSignature> ParseWebhookSignature(std::string_view header) {
  WebhookSignature sig;
  bool have_t = false;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("signature: item without '='");
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (have_t) return InvalidArgument("signature: more than one t");
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), sig.timestamp);
      if (ec != std::errc() || end != value.data() + value.size() || value.empty() || sig.timestamp < 0) {
        return InvalidArgument("signature: t is not a Unix time in seconds");
      }
      have_t = true;
    } else if (key == "v1") {
      if (value.size() != 64 || !IsLowerHex(value)) return InvalidArgument("signature: v1 is not 64 hex digits");
      sig.v1.emplace_back(value);
    }
  }
  if (!have_t) return InvalidArgument("signature: missing t");
  if (sig.v1.empty()) return InvalidArgument("signature: missing v1");
  return sig;
}

Status VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body, int64_t now_seconds,
                     int64_t tolerance_seconds) {
  ASSIGN_OR_RETURN(WebhookSignature sig, ParseWebhookSignature(header));
  // Both signs: a timestamp far in the future is as suspect as an old one.
  // Unsigned difference: exact for any pair of int64 values.
  const auto now_u = static_cast<uint64_t>(now_seconds);
  const auto t_u = static_cast<uint64_t>(sig.timestamp);
  const uint64_t skew = now_seconds >= sig.timestamp ? now_u - t_u : t_u - now_u;
  if (tolerance_seconds < 0 || skew > static_cast<uint64_t>(tolerance_seconds)) {
    return Status(ErrorCode::kDeadlineExceeded,
                  "signature timestamp is " + std::to_string(skew) + " s away from now (tolerance " +
                      std::to_string(tolerance_seconds) + " s)");
  }
  const std::string expected = Expected(secret, body, sig.timestamp);
  bool match = false;
  for (const std::string& candidate : sig.v1) match |= ConstantTimeEquals(candidate, expected);
  if (!match) return Status(ErrorCode::kCorruptInput, "signature mismatch");
  return Status::Ok();
}

int64_t NextAttemptDelay(int attempt, int64_t base_ms, int64_t max_ms, uint64_t jitter_seed) {
  if (max_ms <= 0) return 0;
  base_ms = std::clamp<int64_t>(base_ms, 0, max_ms);
  int64_t step = base_ms;
  // Doubling stops at the cap, so no shift or multiplication can overflow.
  for (int i = 1; i < attempt && step < max_ms; ++i) step = step > max_ms / 2 ? max_ms : step * 2;
  step = std::min(step, max_ms);
  const int64_t half = step / 2;
  const uint64_t r = Mix(jitter_seed ^ Mix(static_cast<uint64_t>(std::max(attempt, 1))));
  return half + static_cast<int64_t>(r % static_cast<uint64_t>(step - half + 1));
}

bool ShouldDeadLetter(int attempts, int max_attempts) { return attempts >= std::max(max_attempts, 1); }

std::string_view WebhookEventName(WebhookEvent event) {
  switch (event) {
    case WebhookEvent::kVideoUploaded: return "video.uploaded";
    case WebhookEvent::kVideoProcessing: return "video.processing";
    case WebhookEvent::kVideoReady: return "video.ready";
    case WebhookEvent::kVideoFailed: return "video.failed";
    case WebhookEvent::kTaskDeadLettered: return "task.dead_lettered";
  }
  return "unknown";
}

StatusOr<WebhookEvent> ParseWebhookEvent(std::string_view name) {
  for (WebhookEvent e : kAllWebhookEvents) {
    if (WebhookEventName(e) == name) return e;
  }
  return InvalidArgument("unknown webhook event '" + std::string(name) + "'");
}

}  // namespace vtp::service
