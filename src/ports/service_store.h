// Port: what the API service keeps besides the pipeline's own records --
// API keys, resumable uploads, idempotent responses, webhook subscriptions
// and their deliveries, view counts and named cursors. The durable adapter
// (SqliteStore) keeps these tables in the same database as the videos, so an
// upload's completion, its video row and its outbox event commit together.
//
// Contract shared by every adapter (tests/ports/service_store_contract_test.cc):
//  - Every call is atomic; times come from the adapter's injected Clock.
//  - Error classes: kNotFound (no such record), kAlreadyExists (duplicate
//    id), kInvalidArgument (malformed record, or a compare-and-set whose
//    expectation no longer holds: the message says which), kIo (storage).
//  - Secrets are stored as given: API keys only as their hash (the caller
//    hashes), webhook secrets in clear because signing needs them.
//
// Thread safety: as MetadataStore.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"
#include "ports/records.h"

namespace vtp::ports {

// Outbox event appended by CompleteUpload, in the same transaction as the
// video row it creates: the service's "persist, then publish" step.
inline constexpr std::string_view kEventVideoUploaded = "video.uploaded";

struct ApiKeyRecord {
  std::string key_id;       // 12 hex digits (service/api_keys.h)
  std::string secret_hash;  // HashSecret(secret)
  std::string role;         // "creator" | "admin"
  std::string creator_id;   // whose videos the key acts for
  std::string name;         // a label for humans
  Millis created_at = 0;    // stamped by the store
  std::optional<Millis> revoked_at;

  bool operator==(const ApiKeyRecord&) const = default;
};

enum class UploadState { kUploading, kCompleted, kTerminated };
inline constexpr std::array<std::pair<UploadState, std::string_view>, 3> kUploadStateNames = {{
    {UploadState::kUploading, "uploading"},
    {UploadState::kCompleted, "completed"},
    {UploadState::kTerminated, "terminated"},
}};
constexpr std::string_view UploadStateName(UploadState s) { return EnumName(kUploadStateNames, s); }
constexpr std::optional<UploadState> UploadStateFromName(std::string_view name) {
  return EnumFromName(kUploadStateNames, name);
}

// One resumable upload; the bytes live in a part file / multipart upload
// owned by the upload code, the record says how many of them are durable.
struct UploadRecord {
  std::string upload_id;
  std::string video_id;      // the video it becomes
  std::string creator_id;
  uint64_t length = 0;       // declared total size
  uint64_t offset = 0;       // bytes durably received
  std::string filename;      // as the client named it (display only)
  std::string content_type;
  std::string title;
  std::string metadata_json = "{}";  // tus Upload-Metadata as a JSON object
  std::string options_json = "{}";   // the job options the video will run with
  UploadState state = UploadState::kUploading;
  std::string sha256;        // of the whole upload, set by CompleteUpload
  Millis created_at = 0;     // stamped by the store
  Millis expires_at = 0;     // 0: never
  std::optional<Millis> completed_at;

  bool operator==(const UploadRecord&) const = default;
};

// A stored response to a POST carrying Idempotency-Key. status 0 marks a
// request still being processed (the reservation BeginIdempotent made).
struct IdempotencyRecord {
  std::string scope;        // the caller (API key id)
  std::string key;          // the Idempotency-Key header
  std::string fingerprint;  // service::RequestFingerprint
  int status = 0;
  std::string response_json;  // {"headers": [[n, v], ...], "body": "..."}
  Millis created_at = 0;

  bool operator==(const IdempotencyRecord&) const = default;
};

struct WebhookRecord {
  std::string webhook_id;
  std::string creator_id;
  std::string url;
  std::string secret;               // signs deliveries (service/webhook.h)
  std::vector<std::string> events;  // webhook event names, sorted, unique
  Millis created_at = 0;

  bool operator==(const WebhookRecord&) const = default;
};

enum class DeliveryState { kPending, kDelivered, kDead };
inline constexpr std::array<std::pair<DeliveryState, std::string_view>, 3> kDeliveryStateNames = {{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kDelivered, "delivered"},
    {DeliveryState::kDead, "dead"},
}};
constexpr std::string_view DeliveryStateName(DeliveryState s) { return EnumName(kDeliveryStateNames, s); }
constexpr std::optional<DeliveryState> DeliveryStateFromName(std::string_view name) {
  return EnumFromName(kDeliveryStateNames, name);
}

// One event to deliver to one webhook, and how delivering it went.
struct DeliveryRecord {
  int64_t delivery_id = 0;   // assigned by the store, increasing
  std::string webhook_id;
  int64_t event_id = 0;      // the outbox event it comes from; unique per webhook
  std::string event_type;    // "video.ready", ...
  std::string payload_json;  // the exact body sent (signed as is)
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  Millis next_attempt_at = 0;
  int last_status = 0;        // HTTP status of the last attempt, 0 if none came back
  std::string last_error;     // "" after a success
  Millis created_at = 0;
  std::optional<Millis> delivered_at;

  bool operator==(const DeliveryRecord&) const = default;
};

// How one delivery attempt ended (RecordDeliveryAttempt).
struct DeliveryOutcome {
  bool delivered = false;
  int status = 0;
  std::string error;
  // When not delivered: retry at this time, or nullopt to dead-letter it.
  std::optional<Millis> retry_at;
};

struct VideoPageQuery {
  std::string creator_id;  // "" = every creator's (admin)
  std::optional<VideoStatus> status;
  bool include_removed = false;  // removed videos are hidden unless asked for
  // Newest first; continue after this (created_at, video_id) when given.
  std::optional<std::pair<Millis, std::string>> after;
  int limit = 20;  // 1..1000
};

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;

  // ---- API keys ----------------------------------------------------------
  // kAlreadyExists for a taken key_id; kInvalidArgument for an empty
  // key_id/secret_hash/creator_id or a role other than creator/admin.
  virtual Status CreateApiKey(const ApiKeyRecord& key) = 0;
  virtual StatusOr<ApiKeyRecord> GetApiKey(std::string_view key_id) = 0;
  // Every key, revoked ones included, oldest first.
  virtual StatusOr<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // Sets revoked_at = now (idempotent: a revoked key keeps its first time).
  virtual Status RevokeApiKey(std::string_view key_id) = 0;

  // ---- Uploads -----------------------------------------------------------
  // Inserts as kUploading with offset 0 (a zero-length upload is still
  // inserted uploading: the caller completes it). kAlreadyExists for a
  // taken upload_id or video_id already used by another upload.
  virtual Status CreateUpload(const UploadRecord& upload) = 0;
  virtual StatusOr<UploadRecord> GetUpload(std::string_view upload_id) = 0;
  // The upload that becomes `video_id`.
  virtual StatusOr<UploadRecord> GetUploadByVideo(std::string_view video_id) = 0;
  // Compare-and-set of the durable offset: kInvalidArgument unless the
  // upload is kUploading with offset == expected and new_offset is in
  // (expected, length].
  virtual Status AdvanceUpload(std::string_view upload_id, uint64_t expected, uint64_t new_offset) = 0;
  // One transaction: the upload (kUploading, offset == length) becomes
  // kCompleted with `sha256`, `video` is inserted exactly as CreateVideo
  // would (appending "video.created"), and kEventVideoUploaded is appended
  // with {"upload_id", "sha256", "bytes"}. kInvalidArgument when the upload
  // is not complete-able; kAlreadyExists when the video exists.
  virtual Status CompleteUpload(std::string_view upload_id, std::string_view sha256,
                                const VideoRecord& video) = 0;
  // kUploading -> kTerminated (tus termination, expiry). kInvalidArgument
  // for a completed upload (its video exists; delete that instead).
  virtual Status TerminateUpload(std::string_view upload_id) = 0;
  // Uploads still kUploading whose expires_at is set and <= now.
  virtual StatusOr<std::vector<UploadRecord>> ListExpiredUploads(Millis now, int limit) = 0;

  // ---- Idempotency -------------------------------------------------------
  // Reserves (scope, key) for a request with `fingerprint`: returns nullopt
  // when the reservation was made (go ahead, then Finish or Abandon), or
  // the existing record (replay it, refuse a different fingerprint, or a
  // status 0 one still in progress).
  virtual StatusOr<std::optional<IdempotencyRecord>> BeginIdempotent(std::string_view scope,
                                                                     std::string_view key,
                                                                     std::string_view fingerprint) = 0;
  // Stores the response of a reservation. kNotFound without one.
  virtual Status FinishIdempotent(std::string_view scope, std::string_view key, int status,
                                  std::string_view response_json) = 0;
  // Drops a reservation (the request failed in a way worth retrying).
  virtual Status AbandonIdempotent(std::string_view scope, std::string_view key) = 0;
  // Removes records created before `cutoff`; returns how many.
  virtual StatusOr<int> PurgeIdempotent(Millis cutoff) = 0;

  // ---- Webhooks ----------------------------------------------------------
  // kAlreadyExists for a taken id; kInvalidArgument for empty url/secret/
  // creator_id or no events.
  virtual Status CreateWebhook(const WebhookRecord& webhook) = 0;
  virtual StatusOr<WebhookRecord> GetWebhook(std::string_view webhook_id) = 0;
  // A creator's webhooks ("" = all), oldest first.
  virtual StatusOr<std::vector<WebhookRecord>> ListWebhooks(std::string_view creator_id) = 0;
  // Removes the subscription; its pending deliveries become dead with
  // last_error "webhook deleted". kNotFound when absent.
  virtual Status DeleteWebhook(std::string_view webhook_id) = 0;
  // Inserts pending deliveries (next_attempt_at = now). A (webhook_id,
  // event_id) already present is skipped, so re-feeding an event is a
  // no-op. Returns how many were inserted. kNotFound for an unknown webhook.
  virtual StatusOr<int> EnqueueDeliveries(const std::vector<DeliveryRecord>& deliveries) = 0;
  // Pending deliveries with next_attempt_at <= now, oldest first.
  virtual StatusOr<std::vector<DeliveryRecord>> DueDeliveries(int limit) = 0;
  // Records one attempt: attempts + 1, last_status/last_error; delivered ->
  // kDelivered (delivered_at = now), else pending at retry_at or kDead.
  // kNotFound for an unknown id; kInvalidArgument unless pending.
  virtual Status RecordDeliveryAttempt(int64_t delivery_id, const DeliveryOutcome& outcome) = 0;
  virtual StatusOr<DeliveryRecord> GetDelivery(int64_t delivery_id) = 0;
  // A webhook's deliveries, newest first, at most `limit`.
  virtual StatusOr<std::vector<DeliveryRecord>> ListDeliveries(std::string_view webhook_id, int limit) = 0;

  // ---- Views (the popularity signal) -------------------------------------
  // Adds `count` (>= 1) views at now to the video's per-minute bucket
  // (minutes since its created_at); returns the new total. kNotFound for an
  // unknown video, kInvalidArgument for count < 1.
  virtual StatusOr<int64_t> AddViews(std::string_view video_id, int64_t count) = 0;
  // Total views, and those within the first hour after the video's
  // created_at (the seed's tier-2 signal).
  struct ViewTally {
    int64_t total = 0;
    int64_t first_hour = 0;
    bool operator==(const ViewTally&) const = default;
  };
  virtual StatusOr<ViewTally> GetViews(std::string_view video_id) = 0;

  // ---- Videos by owner ---------------------------------------------------
  // One page of videos, newest first (created_at DESC, video_id DESC).
  virtual StatusOr<std::vector<VideoRecord>> ListVideoPage(const VideoPageQuery& query) = 0;

  // ---- Cursors -----------------------------------------------------------
  // A named position in the event outbox (0 when never set), for consumers
  // such as the webhook fan-out that must survive a restart.
  virtual StatusOr<int64_t> GetCursor(std::string_view name) = 0;
  // Moves the cursor forward (a smaller value is ignored).
  virtual Status SetCursor(std::string_view name, int64_t value) = 0;
};

}  // namespace vtp::ports
