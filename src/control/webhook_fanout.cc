#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "control/webhooks.h"

namespace vtp::control {
namespace {

// EnqueueDeliveries is all-or-nothing; after one webhook of the batch was
// deleted under us, the others still get theirs.
StatusOr<int> EnqueueEach(ports::ServiceStore& svc, const std::vector<ports::DeliveryRecord>& deliveries) {
  int enqueued = 0;
  for (const ports::DeliveryRecord& delivery : deliveries) {
    StatusOr<int> n = svc.EnqueueDeliveries({delivery});
    if (!n.ok() && n.status().code() == ErrorCode::kNotFound) continue;
    if (!n.ok()) return n.status();
    enqueued += *n;
  }
  return enqueued;
}

}  // namespace

StatusOr<int> WebhookFanout::RunOnce(int batch) {
  if (batch < 1) return InvalidArgument("webhook fan-out batch must be at least 1");
  ASSIGN_OR_RETURN(const int64_t cursor, svc_.GetCursor(kWebhookCursor));
  ASSIGN_OR_RETURN(const std::vector<ports::Event> events, meta_.ReadEvents(cursor, batch));
  int enqueued = 0;
  int64_t done = cursor;
  for (const ports::Event& event : events) {
    if (std::optional<WebhookMessage> message = WebhookMessageFor(event)) {
      StatusOr<int> n = FanOut(*message);
      if (!n.ok()) {
        // Keep the progress made; the error is the one worth returning.
        if (done > cursor) static_cast<void>(svc_.SetCursor(kWebhookCursor, done));
        return n.status();
      }
      enqueued += *n;
    }
    done = event.event_id;
  }
  if (done > cursor) RETURN_IF_ERROR(svc_.SetCursor(kWebhookCursor, done));
  return enqueued;
}

StatusOr<int> WebhookFanout::HandleEvent(const ports::Event& event) {
  std::optional<WebhookMessage> message = WebhookMessageFor(event);
  if (!message) return 0;
  return FanOut(*message);
}

StatusOr<int> WebhookFanout::FanOut(const WebhookMessage& message) {
  StatusOr<ports::VideoRecord> video = meta_.GetVideo(message.video_id);
  if (!video.ok() && video.status().code() == ErrorCode::kNotFound) return 0;
  if (!video.ok()) return video.status();
  // ListWebhooks("") lists every creator's webhooks: a video without a
  // creator (submitted from the CLI) must not be announced to all of them.
  if (video->creator_id.empty()) return 0;
  ASSIGN_OR_RETURN(const std::vector<ports::WebhookRecord> webhooks, svc_.ListWebhooks(video->creator_id));

  const std::string_view type = service::WebhookEventName(message.event);
  std::vector<ports::DeliveryRecord> deliveries;
  for (const ports::WebhookRecord& webhook : webhooks) {
    if (webhook.creator_id != video->creator_id) continue;
    if (std::find(webhook.events.begin(), webhook.events.end(), type) == webhook.events.end()) continue;
    ports::DeliveryRecord delivery;
    delivery.webhook_id = webhook.webhook_id;
    delivery.event_id = message.event_id;
    delivery.event_type = std::string(type);
    delivery.payload_json = message.body;
    deliveries.push_back(std::move(delivery));
  }
  if (deliveries.empty()) return 0;
  StatusOr<int> n = svc_.EnqueueDeliveries(deliveries);
  if (n.ok() || n.status().code() != ErrorCode::kNotFound) return n;
  return EnqueueEach(svc_, deliveries);
}

}  // namespace vtp::control
