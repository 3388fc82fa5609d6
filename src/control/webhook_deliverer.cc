#include <string>
#include <utility>
#include <vector>

#include "control/webhooks.h"

namespace vtp::control {
namespace {

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Unix seconds for the signature, rounded down also before 1970.
int64_t FloorSeconds(ports::Millis ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

StatusOr<int> WebhookDeliverer::RunOnce(int batch) {
  if (batch < 1) return InvalidArgument("webhook delivery batch must be at least 1");
  // Checked here: the client would refuse every request, and each refusal
  // would kill a delivery.
  if (policy_.timeout_ms < 1) return InvalidArgument("webhook delivery timeout_ms must be at least 1");
  ASSIGN_OR_RETURN(const std::vector<ports::DeliveryRecord> due, svc_.DueDeliveries(batch));
  int recorded = 0;
  for (const ports::DeliveryRecord& delivery : due) {
    ASSIGN_OR_RETURN(const bool counted, Deliver(delivery));
    if (counted) ++recorded;
  }
  return recorded;
}

StatusOr<bool> WebhookDeliverer::Deliver(const ports::DeliveryRecord& delivery) {
  StatusOr<ports::WebhookRecord> webhook = svc_.GetWebhook(delivery.webhook_id);
  ports::DeliveryOutcome outcome;
  if (webhook.ok()) {
    outcome = Attempt(delivery, *webhook);
  } else if (webhook.status().code() == ErrorCode::kNotFound) {
    outcome = Failed(delivery, 0, "webhook deleted", /*retryable=*/false);
  } else {
    return webhook.status();
  }
  Status recorded = svc_.RecordDeliveryAttempt(delivery.delivery_id, outcome);
  // Not pending any more: DeleteWebhook settled it while the POST was out.
  if (recorded.code() == ErrorCode::kInvalidArgument || recorded.code() == ErrorCode::kNotFound) return false;
  RETURN_IF_ERROR(recorded);
  return true;
}

ports::DeliveryOutcome WebhookDeliverer::Attempt(const ports::DeliveryRecord& delivery,
                                                 const ports::WebhookRecord& webhook) {
  ports::HttpRequest request;
  request.url = webhook.url;
  request.body = delivery.payload_json;
  request.timeout_ms = policy_.timeout_ms;
  request.max_reply_bytes = 0;  // only the status matters
  const int64_t now_seconds = FloorSeconds(clock_.NowMillis());
  request.headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", std::string(kWebhookUserAgent)},
      {"Vtp-Event", delivery.event_type},
      {"Vtp-Delivery", std::to_string(delivery.delivery_id)},
      {"Vtp-Signature", service::SignWebhook(webhook.secret, request.body, now_seconds)},
  };
  StatusOr<ports::HttpReply> reply = http_.Send(request);
  if (reply.ok() && IsSuccess(reply->status)) {
    ports::DeliveryOutcome delivered;
    delivered.delivered = true;
    delivered.status = reply->status;
    return delivered;
  }
  if (reply.ok()) return Failed(delivery, reply->status, "HTTP " + std::to_string(reply->status), true);
  if (reply.status().code() == ErrorCode::kDeadlineExceeded) return Failed(delivery, 0, "timed out", true);
  // A URL the client refuses stays refused.
  const bool retryable = reply.status().code() != ErrorCode::kInvalidArgument;
  return Failed(delivery, 0, reply.status().message(), retryable);
}

ports::DeliveryOutcome WebhookDeliverer::Failed(const ports::DeliveryRecord& delivery, int status,
                                                std::string error, bool retryable) const {
  ports::DeliveryOutcome outcome;
  outcome.status = status;
  outcome.error = std::move(error);
  const int attempts = delivery.attempts + 1;
  if (retryable && !service::ShouldDeadLetter(attempts, policy_.max_attempts)) {
    // From the end of the attempt: one that ran into its timeout must not be
    // due again at once.
    outcome.retry_at = clock_.NowMillis() + service::NextAttemptDelay(attempts, policy_.base_delay_ms,
                                                                      policy_.max_delay_ms,
                                                                      static_cast<uint64_t>(delivery.delivery_id));
  }
  return outcome;
}

}  // namespace vtp::control
