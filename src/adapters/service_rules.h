// The ServiceStore rules every adapter applies the same way: record
// validation, the upload, delivery and view transitions, and the error
// messages. Adapters own storage and transactions only; what a call may do
// and what it leaves behind is decided here, once (as task_transitions.h
// does for the queue).
//
// Pure: values in, values out; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ports/records.h"
#include "ports/service_store.h"

namespace vtp::adapters::service_rules {

inline constexpr ports::Millis kMinuteMs = 60'000;
inline constexpr int64_t kFirstHourMinutes = 60;  // minutes 0..59 count as the first hour
inline constexpr int kMaxPageLimit = 1000;

Status AlreadyExists(std::string what);
// kInvalidArgument "<what> is empty" when `value` is.
Status RequireNonEmpty(std::string_view value, std::string_view what);

Status ValidateApiKey(const ports::ApiKeyRecord& key);
Status ValidateUpload(const ports::UploadRecord& upload);
Status ValidateWebhook(const ports::WebhookRecord& webhook);

Status UploadNotFound(std::string_view upload_id);
Status WebhookNotFound(std::string_view webhook_id);
Status DeliveryNotFound(int64_t delivery_id);

// AdvanceUpload's compare-and-set: `u` must be uploading at `expected` and
// `new_offset` in (expected, length]. On success `u` holds the new offset.
Status AdvanceUpload(ports::UploadRecord& u, uint64_t expected, uint64_t new_offset);
// CompleteUpload's checks (uploading, every byte there, the right video);
// on success `u` is completed with `sha256` at `now`.
Status CompleteUpload(ports::UploadRecord& u, std::string_view sha256, const ports::VideoRecord& video,
                      ports::Millis now);
// TerminateUpload: refused for a completed upload; otherwise terminated.
Status TerminateUpload(ports::UploadRecord& u);
// The kEventVideoUploaded outbox event of a completed upload.
ports::Event VideoUploadedEvent(const ports::UploadRecord& upload, ports::Millis now);

// RecordDeliveryAttempt: `d` must be pending; it then carries the attempt.
Status RecordDeliveryAttempt(ports::DeliveryRecord& d, const ports::DeliveryOutcome& outcome, ports::Millis now);

// The per-minute view bucket of a view at `now` (minutes since the video's
// creation, never negative).
int64_t ViewMinute(ports::Millis video_created_at, ports::Millis now);

}  // namespace vtp::adapters::service_rules
