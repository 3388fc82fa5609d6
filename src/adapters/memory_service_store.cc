// InMemoryStore's ports::ServiceStore half (the class is in memory_store.h).
#include "adapters/memory_store.h"
#include "adapters/service_rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

namespace vtp::adapters {
namespace {

using ports::ApiKeyRecord;
using ports::DeliveryRecord;
using ports::DeliveryState;
using ports::IdempotencyRecord;
using ports::Millis;
using ports::UploadRecord;
using ports::UploadState;
using ports::VideoRecord;
using ports::WebhookRecord;

using namespace service_rules;  // NOLINT: the rules this file applies

// Newest first: (created_at, video_id) descending.
bool NewerThan(const VideoRecord& a, const VideoRecord& b) {
  return std::tie(a.created_at, a.video_id) > std::tie(b.created_at, b.video_id);
}

bool OnPage(const VideoRecord& v, const ports::VideoPageQuery& q) {
  if (!q.creator_id.empty() && v.creator_id != q.creator_id) return false;
  if (q.status && v.status != *q.status) return false;
  bool removed_visible = q.include_removed || q.status == ports::VideoStatus::kRemoved;
  if (v.status == ports::VideoStatus::kRemoved && !removed_visible) return false;
  if (q.after && std::tie(v.created_at, v.video_id) >= std::tie(q.after->first, q.after->second)) {
    return false;
  }
  return true;
}

}  // namespace

// ---- API keys ----------------------------------------------------------------

Status InMemoryStore::CreateApiKey(const ApiKeyRecord& key) {
  RETURN_IF_ERROR(ValidateApiKey(key));
  std::lock_guard<std::mutex> lock(mu_);
  if (api_keys_.count(key.key_id) != 0) return AlreadyExists("api key " + key.key_id);
  ApiKeyRecord row = key;
  row.created_at = clock_.NowMillis();
  row.revoked_at.reset();
  api_keys_.emplace(row.key_id, std::move(row));
  return Status::Ok();
}

StatusOr<ApiKeyRecord> InMemoryStore::GetApiKey(std::string_view key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = api_keys_.find(key_id);
  if (it == api_keys_.end()) return NotFound("no api key " + std::string(key_id));
  return it->second;
}

StatusOr<std::vector<ApiKeyRecord>> InMemoryStore::ListApiKeys() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ApiKeyRecord> out;
  for (const auto& [id, k] : api_keys_) out.push_back(k);
  std::stable_sort(out.begin(), out.end(), [](const ApiKeyRecord& a, const ApiKeyRecord& b) {
    return a.created_at < b.created_at;  // ties keep key_id order (map order)
  });
  return out;
}

Status InMemoryStore::RevokeApiKey(std::string_view key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = api_keys_.find(key_id);
  if (it == api_keys_.end()) return NotFound("no api key " + std::string(key_id));
  if (!it->second.revoked_at) it->second.revoked_at = clock_.NowMillis();
  return Status::Ok();
}

// ---- Uploads -----------------------------------------------------------------

Status InMemoryStore::CreateUpload(const UploadRecord& upload) {
  RETURN_IF_ERROR(ValidateUpload(upload));
  std::lock_guard<std::mutex> lock(mu_);
  if (uploads_.count(upload.upload_id) != 0) return AlreadyExists("upload " + upload.upload_id);
  for (const auto& [id, u] : uploads_) {
    if (u.video_id == upload.video_id) return AlreadyExists("upload of video " + u.video_id);
  }
  UploadRecord row = upload;
  row.offset = 0;
  row.state = UploadState::kUploading;
  row.sha256.clear();
  row.created_at = clock_.NowMillis();
  row.completed_at.reset();
  uploads_.emplace(row.upload_id, std::move(row));
  return Status::Ok();
}

StatusOr<UploadRecord> InMemoryStore::GetUpload(std::string_view upload_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const UploadRecord* u = FindUploadLocked(upload_id);
  if (u == nullptr) return UploadNotFound(upload_id);
  return *u;
}

StatusOr<UploadRecord> InMemoryStore::GetUploadByVideo(std::string_view video_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, u] : uploads_) {
    if (u.video_id == video_id) return u;
  }
  return NotFound("no upload of video " + std::string(video_id));
}

Status InMemoryStore::AdvanceUpload(std::string_view upload_id, uint64_t expected,
                                    uint64_t new_offset) {
  std::lock_guard<std::mutex> lock(mu_);
  UploadRecord* u = FindUploadLocked(upload_id);
  if (u == nullptr) return UploadNotFound(upload_id);
  return service_rules::AdvanceUpload(*u, expected, new_offset);
}

Status InMemoryStore::CompleteUpload(std::string_view upload_id, std::string_view sha256,
                                     const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  std::lock_guard<std::mutex> lock(mu_);
  UploadRecord* u = FindUploadLocked(upload_id);
  if (u == nullptr) return UploadNotFound(upload_id);
  Millis now = clock_.NowMillis();
  UploadRecord done = *u;
  RETURN_IF_ERROR(service_rules::CompleteUpload(done, sha256, video, now));
  if (videos_.count(video.video_id) != 0) return AlreadyExists("video " + video.video_id);
  VideoRecord row = NewVideo(video, now);
  AppendEventLocked(VideoCreatedEvent(row), now);
  videos_.emplace(row.video_id, std::move(row));
  *u = std::move(done);
  AppendEventLocked(VideoUploadedEvent(*u, now), now);
  return Status::Ok();
}

Status InMemoryStore::TerminateUpload(std::string_view upload_id) {
  std::lock_guard<std::mutex> lock(mu_);
  UploadRecord* u = FindUploadLocked(upload_id);
  if (u == nullptr) return UploadNotFound(upload_id);
  return service_rules::TerminateUpload(*u);
}

StatusOr<std::vector<UploadRecord>> InMemoryStore::ListExpiredUploads(Millis now, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<UploadRecord> out;
  for (const auto& [id, u] : uploads_) {
    if (u.state == UploadState::kUploading && u.expires_at != 0 && u.expires_at <= now) {
      out.push_back(u);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const UploadRecord& a, const UploadRecord& b) {
    return a.expires_at < b.expires_at;
  });
  if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  return out;
}

UploadRecord* InMemoryStore::FindUploadLocked(std::string_view upload_id) {
  auto it = uploads_.find(upload_id);
  return it == uploads_.end() ? nullptr : &it->second;
}

// ---- Idempotency -------------------------------------------------------------

StatusOr<std::optional<IdempotencyRecord>> InMemoryStore::BeginIdempotent(
    std::string_view scope, std::string_view key, std::string_view fingerprint) {
  RETURN_IF_ERROR(RequireNonEmpty(scope, "idempotency scope"));
  RETURN_IF_ERROR(RequireNonEmpty(key, "idempotency key"));
  std::lock_guard<std::mutex> lock(mu_);
  ScopedKey id{std::string(scope), std::string(key)};
  auto it = idempotency_.find(id);
  if (it != idempotency_.end()) return std::optional<IdempotencyRecord>(it->second);
  IdempotencyRecord row;
  row.scope = id.first;
  row.key = id.second;
  row.fingerprint = std::string(fingerprint);
  row.created_at = clock_.NowMillis();
  idempotency_.emplace(std::move(id), std::move(row));
  return std::optional<IdempotencyRecord>();
}

Status InMemoryStore::FinishIdempotent(std::string_view scope, std::string_view key, int status,
                                       std::string_view response_json) {
  if (status < 100 || status > 599) {
    return InvalidArgument("response status " + std::to_string(status) + " is not 100..599");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idempotency_.find(ScopedKey{std::string(scope), std::string(key)});
  if (it == idempotency_.end() || it->second.status != 0) {
    return NotFound("no idempotency reservation " + std::string(scope) + "/" + std::string(key));
  }
  it->second.status = status;
  it->second.response_json = std::string(response_json);
  return Status::Ok();
}

Status InMemoryStore::AbandonIdempotent(std::string_view scope, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idempotency_.find(ScopedKey{std::string(scope), std::string(key)});
  if (it != idempotency_.end() && it->second.status == 0) idempotency_.erase(it);
  return Status::Ok();
}

StatusOr<int> InMemoryStore::PurgeIdempotent(Millis cutoff) {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::erase_if(
      idempotency_, [cutoff](const auto& entry) { return entry.second.created_at < cutoff; }));
}

// ---- Webhooks ----------------------------------------------------------------

Status InMemoryStore::CreateWebhook(const WebhookRecord& webhook) {
  RETURN_IF_ERROR(ValidateWebhook(webhook));
  std::lock_guard<std::mutex> lock(mu_);
  if (webhooks_.count(webhook.webhook_id) != 0) {
    return AlreadyExists("webhook " + webhook.webhook_id);
  }
  WebhookRecord row = webhook;
  std::sort(row.events.begin(), row.events.end());
  row.events.erase(std::unique(row.events.begin(), row.events.end()), row.events.end());
  row.created_at = clock_.NowMillis();
  webhooks_.emplace(row.webhook_id, std::move(row));
  return Status::Ok();
}

StatusOr<WebhookRecord> InMemoryStore::GetWebhook(std::string_view webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(webhook_id);
  if (it == webhooks_.end()) return WebhookNotFound(webhook_id);
  return it->second;
}

StatusOr<std::vector<WebhookRecord>> InMemoryStore::ListWebhooks(std::string_view creator_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WebhookRecord> out;
  for (const auto& [id, w] : webhooks_) {
    if (creator_id.empty() || w.creator_id == creator_id) out.push_back(w);
  }
  std::stable_sort(out.begin(), out.end(), [](const WebhookRecord& a, const WebhookRecord& b) {
    return a.created_at < b.created_at;  // ties keep webhook_id order (map order)
  });
  return out;
}

Status InMemoryStore::DeleteWebhook(std::string_view webhook_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = webhooks_.find(webhook_id);
  if (it == webhooks_.end()) return WebhookNotFound(webhook_id);
  for (auto& [id, d] : deliveries_) {
    if (d.webhook_id == webhook_id && d.state == DeliveryState::kPending) {
      d.state = DeliveryState::kDead;
      d.last_error = "webhook deleted";
    }
  }
  webhooks_.erase(it);
  return Status::Ok();
}

StatusOr<int> InMemoryStore::EnqueueDeliveries(const std::vector<DeliveryRecord>& deliveries) {
  for (const DeliveryRecord& d : deliveries) {
    RETURN_IF_ERROR(RequireNonEmpty(d.event_type, "delivery event_type"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const DeliveryRecord& d : deliveries) {
    if (webhooks_.count(d.webhook_id) == 0) return WebhookNotFound(d.webhook_id);
  }
  Millis now = clock_.NowMillis();
  int inserted = 0;
  for (const DeliveryRecord& d : deliveries) {
    bool present = std::any_of(deliveries_.begin(), deliveries_.end(), [&](const auto& entry) {
      return entry.second.webhook_id == d.webhook_id && entry.second.event_id == d.event_id;
    });
    if (present) continue;
    DeliveryRecord row;
    row.delivery_id = ++last_delivery_id_;
    row.webhook_id = d.webhook_id;
    row.event_id = d.event_id;
    row.event_type = d.event_type;
    row.payload_json = d.payload_json;
    row.next_attempt_at = now;
    row.created_at = now;
    deliveries_.emplace(row.delivery_id, std::move(row));
    ++inserted;
  }
  return inserted;
}

StatusOr<std::vector<DeliveryRecord>> InMemoryStore::DueDeliveries(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  std::vector<DeliveryRecord> out;
  for (const auto& [id, d] : deliveries_) {
    if (d.state == DeliveryState::kPending && d.next_attempt_at <= now) out.push_back(d);
  }
  std::stable_sort(out.begin(), out.end(), [](const DeliveryRecord& a, const DeliveryRecord& b) {
    return a.next_attempt_at < b.next_attempt_at;  // ties keep delivery_id order
  });
  if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  return out;
}

Status InMemoryStore::RecordDeliveryAttempt(int64_t delivery_id,
                                            const ports::DeliveryOutcome& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = deliveries_.find(delivery_id);
  if (it == deliveries_.end()) return DeliveryNotFound(delivery_id);
  return service_rules::RecordDeliveryAttempt(it->second, outcome, clock_.NowMillis());
}

StatusOr<DeliveryRecord> InMemoryStore::GetDelivery(int64_t delivery_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = deliveries_.find(delivery_id);
  if (it == deliveries_.end()) return DeliveryNotFound(delivery_id);
  return it->second;
}

StatusOr<std::vector<DeliveryRecord>> InMemoryStore::ListDeliveries(std::string_view webhook_id,
                                                                    int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DeliveryRecord> out;
  for (auto it = deliveries_.rbegin(); it != deliveries_.rend(); ++it) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (it->second.webhook_id == webhook_id) out.push_back(it->second);
  }
  return out;
}

// ---- Views -------------------------------------------------------------------

StatusOr<int64_t> InMemoryStore::AddViews(std::string_view video_id, int64_t count) {
  if (count < 1) return InvalidArgument("view count " + std::to_string(count) + " is below 1");
  std::lock_guard<std::mutex> lock(mu_);
  auto video = videos_.find(video_id);
  if (video == videos_.end()) return VideoNotFound(video_id);
  auto& buckets = views_[std::string(video_id)];
  buckets[ViewMinute(video->second.created_at, clock_.NowMillis())] += count;
  int64_t total = 0;
  for (const auto& [minute, n] : buckets) total += n;
  return total;
}

StatusOr<InMemoryStore::ViewTally> InMemoryStore::GetViews(std::string_view video_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (videos_.count(video_id) == 0) return VideoNotFound(video_id);
  ViewTally tally;
  auto it = views_.find(video_id);
  if (it == views_.end()) return tally;
  for (const auto& [minute, n] : it->second) {
    tally.total += n;
    if (minute < kFirstHourMinutes) tally.first_hour += n;
  }
  return tally;
}

// ---- Videos by owner -----------------------------------------------------------

StatusOr<std::vector<VideoRecord>> InMemoryStore::ListVideoPage(
    const ports::VideoPageQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    return InvalidArgument("page limit " + std::to_string(query.limit) + " is not 1..1000");
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VideoRecord> out;
  for (const auto& [id, v] : videos_) {
    if (OnPage(v, query)) out.push_back(v);
  }
  std::sort(out.begin(), out.end(), NewerThan);
  if (out.size() > static_cast<size_t>(query.limit)) out.resize(static_cast<size_t>(query.limit));
  return out;
}

// ---- Cursors -------------------------------------------------------------------

StatusOr<int64_t> InMemoryStore::GetCursor(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cursors_.find(name);
  return it == cursors_.end() ? 0 : it->second;
}

Status InMemoryStore::SetCursor(std::string_view name, int64_t value) {
  RETURN_IF_ERROR(RequireNonEmpty(name, "cursor name"));
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cursors_.try_emplace(std::string(name), value);
  if (!inserted) it->second = std::max(it->second, value);
  return Status::Ok();
}

}  // namespace vtp::adapters
