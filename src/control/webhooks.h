// Webhooks: from the event outbox to creators' HTTP receivers, in two
// durable stages that each survive a crash at any point.
//
//   outbox events --WebhookFanout--> deliveries (ServiceStore, pending)
//                 --WebhookDeliverer--> POST to the webhook's URL, retried
//                                       with backoff, dead after max_attempts
//
// What is announced (WebhookMessageFor):
//   outbox "video.uploaded"                      -> video.uploaded
//          data {"upload_id", "sha256", "bytes"}
//   outbox "video.status", status "probing"      -> video.processing, data {}
//   outbox "video.status", status "ready"        -> video.ready, data {}
//   outbox "video.status", status "failed"       -> video.failed
//          data {"error_message"}
//   outbox "task.dead_lettered"                  -> task.dead_lettered
//          data {"task_id", "step", "error"}
// Every other outbox event (and one whose payload is not a JSON object) is
// not announced. The body delivered is, byte for byte for a given event:
//   {"id":"evt_<event_id>","type":"<webhook event>","created_at":"<RFC 3339
//    UTC of the outbox event, whole seconds>","video_id":"...","data":{...}}
// `id` is the same for every webhook receiving the event, so a receiver can
// deduplicate on it; `Vtp-Delivery` names one delivery to one webhook.
//
// Request of a delivery (WebhookDeliverer): POST <webhook url> with
//   Content-Type: application/json
//   User-Agent: vtp-webhooks/1
//   Vtp-Event: <webhook event>
//   Vtp-Delivery: <delivery id>
//   Vtp-Signature: t=<unix seconds>,v1=<hex>   (service::SignWebhook)
// Any 2xx reply delivers it. Anything else (another status, 3xx included:
// redirects are not followed; no reply; a timeout) is a failed attempt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ports/clock.h"
#include "ports/http_client.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "service/webhook.h"

namespace vtp::control {

// The ServiceStore cursor WebhookFanout keeps its outbox position in.
inline constexpr std::string_view kWebhookCursor = "webhooks";
inline constexpr std::string_view kWebhookUserAgent = "vtp-webhooks/1";

// One outbox event as a webhook announces it.
struct WebhookMessage {
  service::WebhookEvent event = service::WebhookEvent::kVideoUploaded;
  int64_t event_id = 0;  // the outbox event's
  std::string video_id;
  std::string body;  // delivered and signed exactly as is

  bool operator==(const WebhookMessage&) const = default;
};

// The table above. Pure and deterministic: the same event gives the same
// bytes. nullopt for an event no webhook announces.
std::optional<WebhookMessage> WebhookMessageFor(const ports::Event& event);

// Turns outbox events into pending deliveries for the webhooks of the
// video's creator that subscribe to the event's type.
//
// Crash safety: the cursor (kWebhookCursor) moves only after the
// deliveries of the events before it are enqueued, and enqueueing is
// idempotent per (webhook, event), so events re-read after a crash are
// harmless. For the same reason two fan-outs running at once are safe (if
// wasteful). Thread safety: RunOnce may be called from any thread.
class WebhookFanout {
 public:
  // The stores are borrowed and must outlive the object.
  WebhookFanout(ports::MetadataStore& meta, ports::ServiceStore& svc) : meta_(meta), svc_(svc) {}

  // Reads up to `batch` (>= 1) outbox events after the cursor, enqueues
  // their deliveries and advances the cursor past them. An event whose
  // video no longer exists is skipped, and so is a webhook deleted while
  // this runs. Returns how many deliveries were enqueued (0 when caught
  // up). On a store error the cursor stays after the last event fully
  // handled and the error is returned.
  StatusOr<int> RunOnce(int batch = 500);

  // Enqueues the deliveries of one event, whatever the cursor: the handler
  // of a consumer group (distributed mode reads the event stream with one,
  // each API instance a consumer). Idempotent: a delivery is unique per
  // (webhook, event), so a redelivered event enqueues nothing new. Returns
  // how many deliveries were enqueued.
  StatusOr<int> HandleEvent(const ports::Event& event);

 private:
  // Enqueues `message` to the subscribed webhooks of the video's creator.
  StatusOr<int> FanOut(const WebhookMessage& message);

  ports::MetadataStore& meta_;
  ports::ServiceStore& svc_;
};

struct DeliveryPolicy {
  int max_attempts = 8;               // then the delivery is dead
  int64_t base_delay_ms = 1000;       // service::NextAttemptDelay's schedule
  int64_t max_delay_ms = 3'600'000;
  int64_t timeout_ms = 10'000;        // one whole HTTP exchange
};

// Makes one attempt at each due delivery and records how it went.
//
// A failed attempt is retried at (time the attempt ended) +
// service::NextAttemptDelay(attempts so far, base, max, seed = delivery id),
// until service::ShouldDeadLetter says the delivery is dead. last_error
// says why: "HTTP <status>", "timed out", or the client's reason when no
// reply came. A delivery whose webhook is gone, or whose URL the client
// refuses (kInvalidArgument), is dead at once: retrying cannot help.
//
// Deliveries are not leased: run one deliverer per store. (Two would each
// send a due delivery; a receiver deduplicates on Vtp-Delivery.) Calls
// block for up to timeout_ms per delivery. Thread safety: RunOnce may be
// called from any thread, one call at a time.
class WebhookDeliverer {
 public:
  // Every collaborator is borrowed and must outlive the object.
  WebhookDeliverer(ports::ServiceStore& svc, ports::HttpClient& http, ports::Clock& clock,
                   DeliveryPolicy policy = {})
      : svc_(svc), http_(http), clock_(clock), policy_(policy) {}

  // Attempts up to `batch` (>= 1) due deliveries, oldest first. Returns how
  // many attempts were recorded. A store error stops the batch and is
  // returned (deliveries not yet recorded stay due). kInvalidArgument for
  // batch < 1 or policy.timeout_ms < 1, before anything is sent.
  StatusOr<int> RunOnce(int batch = 50);

 private:
  // Attempts one delivery and records the outcome; false when the store no
  // longer had it pending (settled meanwhile, e.g. its webhook deleted).
  StatusOr<bool> Deliver(const ports::DeliveryRecord& delivery);
  // Sends the delivery to `webhook` and judges the reply.
  ports::DeliveryOutcome Attempt(const ports::DeliveryRecord& delivery, const ports::WebhookRecord& webhook);
  // The outcome of an attempt that did not deliver.
  ports::DeliveryOutcome Failed(const ports::DeliveryRecord& delivery, int status, std::string error,
                                bool retryable) const;

  ports::ServiceStore& svc_;
  ports::HttpClient& http_;
  ports::Clock& clock_;
  DeliveryPolicy policy_;
};

}  // namespace vtp::control
