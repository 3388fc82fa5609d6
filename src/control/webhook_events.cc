// The outbox -> webhook event table of webhooks.h.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "control/webhooks.h"
#include "engine/progress.h"
#include "ports/task_queue.h"

namespace vtp::control {
namespace {

using service::WebhookEvent;
// ordered_json: the body's keys stay in the documented order.
using Data = nlohmann::ordered_json;

std::string StringField(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t CountField(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() > 0) return static_cast<uint64_t>(it->get<int64_t>());
  return 0;
}

// Statuses between probing and ready (transcoding, packaging, ...) are not
// announced: video.processing already said the work started.
std::optional<std::pair<WebhookEvent, Data>> FromVideoStatus(const nlohmann::json& payload) {
  const std::string status = StringField(payload, "status");
  if (status == ports::VideoStatusName(ports::VideoStatus::kProbing)) {
    return std::pair{WebhookEvent::kVideoProcessing, Data::object()};
  }
  if (status == ports::VideoStatusName(ports::VideoStatus::kReady)) {
    return std::pair{WebhookEvent::kVideoReady, Data::object()};
  }
  if (status == ports::VideoStatusName(ports::VideoStatus::kFailed)) {
    return std::pair{WebhookEvent::kVideoFailed, Data{{"error_message", StringField(payload, "error_message")}}};
  }
  return std::nullopt;
}

std::optional<std::pair<WebhookEvent, Data>> Classify(const ports::Event& event, const nlohmann::json& payload) {
  if (event.type == ports::kEventVideoUploaded) {
    return std::pair{WebhookEvent::kVideoUploaded, Data{{"upload_id", StringField(payload, "upload_id")},
                                                        {"sha256", StringField(payload, "sha256")},
                                                        {"bytes", CountField(payload, "bytes")}}};
  }
  if (event.type == ports::kEventVideoStatus) return FromVideoStatus(payload);
  if (event.type == ports::kEventTaskDeadLettered) {
    // The store's "reason" names the attempt count and the last error.
    return std::pair{WebhookEvent::kTaskDeadLettered, Data{{"task_id", StringField(payload, "task_id")},
                                                           {"step", StringField(payload, "step")},
                                                           {"error", StringField(payload, "reason")}}};
  }
  return std::nullopt;
}

}  // namespace

std::optional<WebhookMessage> WebhookMessageFor(const ports::Event& event) {
  const nlohmann::json payload = nlohmann::json::parse(event.payload_json, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return std::nullopt;
  auto classified = Classify(event, payload);
  if (!classified) return std::nullopt;
  auto& [type, data] = *classified;
  const Data body = {{"id", "evt_" + std::to_string(event.event_id)},
                     {"type", std::string(service::WebhookEventName(type))},
                     {"created_at", engine::FormatUtcTime(event.created_at)},
                     {"video_id", event.video_id},
                     {"data", std::move(data)}};
  WebhookMessage message;
  message.event = type;
  message.event_id = event.event_id;
  message.video_id = event.video_id;
  // The payload's strings were checked as UTF-8 by the parser; video_id
  // was not: bytes that are not UTF-8 become U+FFFD, never an exception.
  message.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return message;
}

}  // namespace vtp::control
