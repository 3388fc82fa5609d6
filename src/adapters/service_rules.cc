#include "adapters/service_rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace vtp::adapters::service_rules {
namespace {

std::string Describe(const ports::UploadRecord& u) {
  return "upload " + u.upload_id + " is " + std::string(ports::UploadStateName(u.state)) + " at " +
         std::to_string(u.offset) + "/" + std::to_string(u.length);
}

}  // namespace

Status AlreadyExists(std::string what) { return Status(ErrorCode::kAlreadyExists, std::move(what) + " exists"); }

Status RequireNonEmpty(std::string_view value, std::string_view what) {
  if (value.empty()) return InvalidArgument(std::string(what) + " is empty");
  return Status::Ok();
}

Status ValidateApiKey(const ports::ApiKeyRecord& key) {
  RETURN_IF_ERROR(RequireNonEmpty(key.key_id, "key_id"));
  RETURN_IF_ERROR(RequireNonEmpty(key.secret_hash, "secret_hash"));
  RETURN_IF_ERROR(RequireNonEmpty(key.creator_id, "creator_id"));
  if (key.role != "creator" && key.role != "admin") {
    return InvalidArgument("role must be creator or admin, not '" + key.role + "'");
  }
  return Status::Ok();
}

Status ValidateUpload(const ports::UploadRecord& upload) {
  RETURN_IF_ERROR(RequireNonEmpty(upload.upload_id, "upload_id"));
  return RequireNonEmpty(upload.video_id, "video_id");
}

Status ValidateWebhook(const ports::WebhookRecord& webhook) {
  RETURN_IF_ERROR(RequireNonEmpty(webhook.webhook_id, "webhook_id"));
  RETURN_IF_ERROR(RequireNonEmpty(webhook.creator_id, "creator_id"));
  RETURN_IF_ERROR(RequireNonEmpty(webhook.url, "url"));
  RETURN_IF_ERROR(RequireNonEmpty(webhook.secret, "secret"));
  if (webhook.events.empty()) return InvalidArgument("webhook subscribes to no events");
  for (const std::string& e : webhook.events) RETURN_IF_ERROR(RequireNonEmpty(e, "event name"));
  return Status::Ok();
}

Status UploadNotFound(std::string_view upload_id) { return NotFound("no upload " + std::string(upload_id)); }
Status WebhookNotFound(std::string_view webhook_id) { return NotFound("no webhook " + std::string(webhook_id)); }
Status DeliveryNotFound(int64_t delivery_id) { return NotFound("no delivery " + std::to_string(delivery_id)); }

Status AdvanceUpload(ports::UploadRecord& u, uint64_t expected, uint64_t new_offset) {
  if (u.state != ports::UploadState::kUploading || u.offset != expected) {
    return InvalidArgument(Describe(u) + ", not uploading at " + std::to_string(expected));
  }
  if (new_offset <= expected || new_offset > u.length) {
    return InvalidArgument("offset " + std::to_string(new_offset) + " is outside (" + std::to_string(expected) +
                           ", " + std::to_string(u.length) + "]");
  }
  u.offset = new_offset;
  return Status::Ok();
}

Status CompleteUpload(ports::UploadRecord& u, std::string_view sha256, const ports::VideoRecord& video,
                      ports::Millis now) {
  if (u.state != ports::UploadState::kUploading || u.offset != u.length) {
    return InvalidArgument(Describe(u) + ", not complete-able");
  }
  if (video.video_id != u.video_id) {
    return InvalidArgument("upload " + u.upload_id + " becomes video " + u.video_id + ", not " + video.video_id);
  }
  u.state = ports::UploadState::kCompleted;
  u.sha256 = std::string(sha256);
  u.completed_at = now;
  return Status::Ok();
}

Status TerminateUpload(ports::UploadRecord& u) {
  if (u.state == ports::UploadState::kCompleted) return InvalidArgument(Describe(u) + ": delete its video instead");
  u.state = ports::UploadState::kTerminated;
  return Status::Ok();
}

ports::Event VideoUploadedEvent(const ports::UploadRecord& upload, ports::Millis now) {
  ports::Event e;
  e.video_id = upload.video_id;
  e.type = std::string(ports::kEventVideoUploaded);
  e.payload_json =
      nlohmann::json{{"upload_id", upload.upload_id}, {"sha256", upload.sha256}, {"bytes", upload.length}}.dump();
  e.created_at = now;
  return e;
}

Status RecordDeliveryAttempt(ports::DeliveryRecord& d, const ports::DeliveryOutcome& outcome, ports::Millis now) {
  if (d.state != ports::DeliveryState::kPending) {
    return InvalidArgument("delivery " + std::to_string(d.delivery_id) + " is " +
                           std::string(ports::DeliveryStateName(d.state)) + ", not pending");
  }
  ++d.attempts;
  d.last_status = outcome.status;
  if (outcome.delivered) {
    d.state = ports::DeliveryState::kDelivered;
    d.last_error.clear();
    d.delivered_at = now;
    return Status::Ok();
  }
  d.last_error = outcome.error;
  d.state = outcome.retry_at ? ports::DeliveryState::kPending : ports::DeliveryState::kDead;
  if (outcome.retry_at) d.next_attempt_at = *outcome.retry_at;
  return Status::Ok();
}

int64_t ViewMinute(ports::Millis video_created_at, ports::Millis now) {
  return std::max<ports::Millis>(0, now - video_created_at) / kMinuteMs;
}

}  // namespace vtp::adapters::service_rules
