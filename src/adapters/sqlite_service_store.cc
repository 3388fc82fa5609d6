// SqliteStore's ports::ServiceStore half (the class is in sqlite_store.h,
// the tables in sqlite_schema.cc migration 4). Row I/O for these tables
// lives here, beside the only code that uses it.
#include "adapters/sqlite_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "adapters/sqlite_db.h"
#include "adapters/sqlite_rows.h"
#include "adapters/service_rules.h"
#include "adapters/task_transitions.h"

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
using sqlite::Connection;
using sqlite::Statement;

using namespace service_rules;  // NOLINT: the rules this file applies

template <typename E>
StatusOr<E> ParsedName(std::optional<E> value, std::string_view what, const std::string& raw) {
  if (!value) return Internal("stored " + std::string(what) + " '" + raw + "' is not valid");
  return *value;
}

// ---- api_keys ----------------------------------------------------------------

constexpr std::string_view kApiKeySelect =
    "SELECT key_id, secret_hash, role, creator_id, name, created_at, revoked_at FROM api_keys ";

StatusOr<ApiKeyRecord> ReadApiKey(const Statement& s) {
  ApiKeyRecord k;
  k.key_id = s.ColumnText(0);
  k.secret_hash = s.ColumnText(1);
  k.role = s.ColumnText(2);
  k.creator_id = s.ColumnText(3);
  k.name = s.ColumnText(4);
  k.created_at = s.ColumnInt(5);
  k.revoked_at = s.ColumnOptInt(6);
  return k;
}

// ---- uploads -----------------------------------------------------------------

constexpr std::string_view kUploadSelect =
    "SELECT upload_id, video_id, creator_id, upload_length, upload_offset, filename, "
    "content_type, title, metadata_json, options_json, state, sha256, created_at, expires_at, "
    "completed_at FROM uploads ";

StatusOr<UploadRecord> ReadUpload(const Statement& s) {
  UploadRecord u;
  u.upload_id = s.ColumnText(0);
  u.video_id = s.ColumnText(1);
  u.creator_id = s.ColumnText(2);
  u.length = static_cast<uint64_t>(s.ColumnInt(3));
  u.offset = static_cast<uint64_t>(s.ColumnInt(4));
  u.filename = s.ColumnText(5);
  u.content_type = s.ColumnText(6);
  u.title = s.ColumnText(7);
  u.metadata_json = s.ColumnText(8);
  u.options_json = s.ColumnText(9);
  std::string state = s.ColumnText(10);
  ASSIGN_OR_RETURN(u.state, ParsedName(ports::UploadStateFromName(state), "upload state", state));
  u.sha256 = s.ColumnText(11);
  u.created_at = s.ColumnInt(12);
  u.expires_at = s.ColumnInt(13);
  u.completed_at = s.ColumnOptInt(14);
  return u;
}

Status InsertUpload(Connection& conn, const UploadRecord& u) {
  ASSIGN_OR_RETURN(
      Statement s,
      conn.Prepare("INSERT INTO uploads (upload_id, video_id, creator_id, upload_length, "
                   "upload_offset, filename, content_type, title, metadata_json, options_json, "
                   "state, sha256, created_at, expires_at, completed_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
  s.Text(u.upload_id).Text(u.video_id).Text(u.creator_id);
  s.Int(static_cast<int64_t>(u.length)).Int(static_cast<int64_t>(u.offset));
  s.Text(u.filename).Text(u.content_type).Text(u.title).Text(u.metadata_json);
  s.Text(u.options_json).Text(ports::UploadStateName(u.state)).Text(u.sha256);
  s.Int(u.created_at).Int(u.expires_at).OptInt(u.completed_at);
  return s.Run();
}

// Saves what the upload calls change: offset, state, sha256, completed_at.
Status SaveUploadProgress(Connection& conn, const UploadRecord& u) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare("UPDATE uploads SET upload_offset = ?2, state = ?3, sha256 = ?4, "
                                "completed_at = ?5 WHERE upload_id = ?1"));
  s.Text(u.upload_id).Int(static_cast<int64_t>(u.offset)).Text(ports::UploadStateName(u.state));
  return s.Text(u.sha256).OptInt(u.completed_at).Run();
}

// `column` is a constant identifier (upload_id or video_id).
StatusOr<std::optional<UploadRecord>> LoadUploadBy(Connection& conn, std::string_view column,
                                                   std::string_view value) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kUploadSelect) + "WHERE " +
                                             std::string(column) + " = ?1"));
  s.Text(value);
  return sqlite::First(s, ReadUpload);
}

// ---- idempotency ---------------------------------------------------------------

StatusOr<IdempotencyRecord> ReadIdempotency(const Statement& s) {
  IdempotencyRecord r;
  r.scope = s.ColumnText(0);
  r.key = s.ColumnText(1);
  r.fingerprint = s.ColumnText(2);
  r.status = static_cast<int>(s.ColumnInt(3));
  r.response_json = s.ColumnText(4);
  r.created_at = s.ColumnInt(5);
  return r;
}

// ---- webhooks ------------------------------------------------------------------

constexpr std::string_view kWebhookSelect =
    "SELECT webhook_id, creator_id, url, secret, events_json, created_at FROM webhooks ";

StatusOr<WebhookRecord> ReadWebhook(const Statement& s) {
  WebhookRecord w;
  w.webhook_id = s.ColumnText(0);
  w.creator_id = s.ColumnText(1);
  w.url = s.ColumnText(2);
  w.secret = s.ColumnText(3);
  std::string events = s.ColumnText(4);
  nlohmann::json parsed = nlohmann::json::parse(events, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return Internal("stored webhook events '" + events + "' are not valid");
  for (const nlohmann::json& e : parsed) {
    if (!e.is_string()) return Internal("stored webhook events '" + events + "' are not valid");
    w.events.push_back(e.get<std::string>());
  }
  w.created_at = s.ColumnInt(5);
  return w;
}

StatusOr<bool> WebhookExists(Connection& conn, std::string_view webhook_id) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare("SELECT 1 FROM webhooks WHERE webhook_id = ?1"));
  return s.Text(webhook_id).Step();
}

// ---- webhook_deliveries -----------------------------------------------------------

constexpr std::string_view kDeliverySelect =
    "SELECT delivery_id, webhook_id, event_id, event_type, payload_json, state, attempts, "
    "next_attempt_at, last_status, last_error, created_at, delivered_at FROM webhook_deliveries ";

StatusOr<DeliveryRecord> ReadDelivery(const Statement& s) {
  DeliveryRecord d;
  d.delivery_id = s.ColumnInt(0);
  d.webhook_id = s.ColumnText(1);
  d.event_id = s.ColumnInt(2);
  d.event_type = s.ColumnText(3);
  d.payload_json = s.ColumnText(4);
  std::string state = s.ColumnText(5);
  ASSIGN_OR_RETURN(d.state,
                   ParsedName(ports::DeliveryStateFromName(state), "delivery state", state));
  d.attempts = static_cast<int>(s.ColumnInt(6));
  d.next_attempt_at = s.ColumnInt(7);
  d.last_status = static_cast<int>(s.ColumnInt(8));
  d.last_error = s.ColumnText(9);
  d.created_at = s.ColumnInt(10);
  d.delivered_at = s.ColumnOptInt(11);
  return d;
}

StatusOr<std::optional<DeliveryRecord>> LoadDelivery(Connection& conn, int64_t delivery_id) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare(std::string(kDeliverySelect) + "WHERE delivery_id = ?1"));
  s.Int(delivery_id);
  return sqlite::First(s, ReadDelivery);
}

// Returns whether it was inserted (false: its (webhook, event) was there).
StatusOr<bool> InsertDelivery(Connection& conn, const DeliveryRecord& d, Millis now) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare("INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, "
                                "payload_json, state, next_attempt_at, created_at) "
                                "VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) "
                                "ON CONFLICT (webhook_id, event_id) DO NOTHING"));
  s.Text(d.webhook_id).Int(d.event_id).Text(d.event_type).Text(d.payload_json).Int(now);
  RETURN_IF_ERROR(s.Run());
  return conn.Changes() == 1;
}

Status SaveDeliveryAttempt(Connection& conn, const DeliveryRecord& d) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare("UPDATE webhook_deliveries SET state = ?2, attempts = ?3, "
                                "next_attempt_at = ?4, last_status = ?5, last_error = ?6, "
                                "delivered_at = ?7 WHERE delivery_id = ?1"));
  s.Int(d.delivery_id).Text(ports::DeliveryStateName(d.state)).Int(d.attempts);
  s.Int(d.next_attempt_at).Int(d.last_status).Text(d.last_error).OptInt(d.delivered_at);
  return s.Run();
}

// ---- video_views -------------------------------------------------------------------

StatusOr<ports::ServiceStore::ViewTally> LoadViewTally(Connection& conn,
                                                       std::string_view video_id) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare("SELECT COALESCE(SUM(count), 0), "
                                "COALESCE(SUM(CASE WHEN minute < ?2 THEN count END), 0) "
                                "FROM video_views WHERE video_id = ?1"));
  s.Text(video_id).Int(kFirstHourMinutes);
  ASSIGN_OR_RETURN(bool row, s.Step());
  ports::ServiceStore::ViewTally tally;
  if (row) {
    tally.total = s.ColumnInt(0);
    tally.first_hour = s.ColumnInt(1);
  }
  return tally;
}

}  // namespace

// ---- API keys ------------------------------------------------------------------

Status SqliteStore::CreateApiKey(const ApiKeyRecord& key) {
  RETURN_IF_ERROR(ValidateApiKey(key));
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("INSERT INTO api_keys (key_id, secret_hash, role, creator_id, "
                                  "name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    s.Text(key.key_id).Text(key.secret_hash).Text(key.role).Text(key.creator_id).Text(key.name);
    Status inserted = s.Int(now).Run();
    if (inserted.code() == ErrorCode::kAlreadyExists) return AlreadyExists("api key " + key.key_id);
    return inserted;
  });
}

StatusOr<ApiKeyRecord> SqliteStore::GetApiKey(std::string_view key_id) {
  std::optional<ApiKeyRecord> key;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kApiKeySelect) + "WHERE key_id = ?1"));
    s.Text(key_id);
    ASSIGN_OR_RETURN(key, sqlite::First(s, ReadApiKey));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!key) return NotFound("no api key " + std::string(key_id));
  return *std::move(key);
}

StatusOr<std::vector<ApiKeyRecord>> SqliteStore::ListApiKeys() {
  std::vector<ApiKeyRecord> keys;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare(std::string(kApiKeySelect) + "ORDER BY created_at, key_id"));
    ASSIGN_OR_RETURN(keys, sqlite::Collect(s, ReadApiKey));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return keys;
}

Status SqliteStore::RevokeApiKey(std::string_view key_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("UPDATE api_keys SET revoked_at = "
                                               "COALESCE(revoked_at, ?2) WHERE key_id = ?1"));
    RETURN_IF_ERROR(s.Text(key_id).Int(now).Run());
    if (conn.Changes() == 0) return NotFound("no api key " + std::string(key_id));
    return Status::Ok();
  });
}

// ---- Uploads -------------------------------------------------------------------

Status SqliteStore::CreateUpload(const UploadRecord& upload) {
  RETURN_IF_ERROR(ValidateUpload(upload));
  return Write([&](Connection& conn, Millis now) -> Status {
    UploadRecord row = upload;
    row.offset = 0;
    row.state = UploadState::kUploading;
    row.sha256.clear();
    row.created_at = now;
    row.completed_at.reset();
    // The UNIQUE constraint names the column (upload_id or video_id).
    return InsertUpload(conn, row);
  });
}

StatusOr<UploadRecord> SqliteStore::GetUpload(std::string_view upload_id) {
  std::optional<UploadRecord> upload;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(upload, LoadUploadBy(conn, "upload_id", upload_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!upload) return UploadNotFound(upload_id);
  return *std::move(upload);
}

StatusOr<UploadRecord> SqliteStore::GetUploadByVideo(std::string_view video_id) {
  std::optional<UploadRecord> upload;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(upload, LoadUploadBy(conn, "video_id", video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!upload) return NotFound("no upload of video " + std::string(video_id));
  return *std::move(upload);
}

Status SqliteStore::AdvanceUpload(std::string_view upload_id, uint64_t expected,
                                  uint64_t new_offset) {
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LoadUploadBy(conn, "upload_id", upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::AdvanceUpload(*u, expected, new_offset));
    return SaveUploadProgress(conn, *u);
  });
}

Status SqliteStore::CompleteUpload(std::string_view upload_id, std::string_view sha256,
                                   const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LoadUploadBy(conn, "upload_id", upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::CompleteUpload(*u, sha256, video, now));
    RETURN_IF_ERROR(sqlite::InsertNewVideo(conn, video, now));
    RETURN_IF_ERROR(SaveUploadProgress(conn, *u));
    return sqlite::InsertEvent(conn, VideoUploadedEvent(*u, now)).status();
  });
}

Status SqliteStore::TerminateUpload(std::string_view upload_id) {
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LoadUploadBy(conn, "upload_id", upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::TerminateUpload(*u));
    return SaveUploadProgress(conn, *u);
  });
}

StatusOr<std::vector<UploadRecord>> SqliteStore::ListExpiredUploads(Millis now, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<UploadRecord> uploads;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    // The state and expires_at > 0 terms repeat uploads_expiring's WHERE.
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kUploadSelect) +
                                               "WHERE state = 'uploading' AND expires_at > 0 "
                                               "AND expires_at <= ?1 "
                                               "ORDER BY expires_at, upload_id LIMIT ?2"));
    s.Int(now).Int(limit);
    ASSIGN_OR_RETURN(uploads, sqlite::Collect(s, ReadUpload));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return uploads;
}

// ---- Idempotency -----------------------------------------------------------------

StatusOr<std::optional<IdempotencyRecord>> SqliteStore::BeginIdempotent(
    std::string_view scope, std::string_view key, std::string_view fingerprint) {
  RETURN_IF_ERROR(RequireNonEmpty(scope, "idempotency scope"));
  RETURN_IF_ERROR(RequireNonEmpty(key, "idempotency key"));
  std::optional<IdempotencyRecord> existing;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    {
      ASSIGN_OR_RETURN(Statement s,
                       conn.Prepare("SELECT scope, key, fingerprint, status, response_json, "
                                    "created_at FROM idempotency WHERE scope = ?1 AND key = ?2"));
      s.Text(scope).Text(key);
      ASSIGN_OR_RETURN(existing, sqlite::First(s, ReadIdempotency));
    }
    if (existing) return Status::Ok();
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("INSERT INTO idempotency (scope, key, fingerprint, "
                                               "created_at) VALUES (?1, ?2, ?3, ?4)"));
    return s.Text(scope).Text(key).Text(fingerprint).Int(now).Run();
  });
  if (!done.ok()) return done;
  return existing;
}

Status SqliteStore::FinishIdempotent(std::string_view scope, std::string_view key, int status,
                                     std::string_view response_json) {
  if (status < 100 || status > 599) {
    return InvalidArgument("response status " + std::to_string(status) + " is not 100..599");
  }
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("UPDATE idempotency SET status = ?3, response_json = ?4 "
                                  "WHERE scope = ?1 AND key = ?2 AND status = 0"));
    RETURN_IF_ERROR(s.Text(scope).Text(key).Int(status).Text(response_json).Run());
    if (conn.Changes() == 0) {
      return NotFound("no idempotency reservation " + std::string(scope) + "/" + std::string(key));
    }
    return Status::Ok();
  });
}

Status SqliteStore::AbandonIdempotent(std::string_view scope, std::string_view key) {
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM idempotency "
                                               "WHERE scope = ?1 AND key = ?2 AND status = 0"));
    return s.Text(scope).Text(key).Run();
  });
}

StatusOr<int> SqliteStore::PurgeIdempotent(Millis cutoff) {
  int purged = 0;
  Status done = Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM idempotency WHERE created_at < ?1"));
    RETURN_IF_ERROR(s.Int(cutoff).Run());
    purged = static_cast<int>(conn.Changes());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return purged;
}

// ---- Webhooks --------------------------------------------------------------------

Status SqliteStore::CreateWebhook(const WebhookRecord& webhook) {
  RETURN_IF_ERROR(ValidateWebhook(webhook));
  std::vector<std::string> events = webhook.events;
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  std::string events_json = nlohmann::json(events).dump();
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("INSERT INTO webhooks (webhook_id, creator_id, url, secret, "
                                  "events_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    s.Text(webhook.webhook_id).Text(webhook.creator_id).Text(webhook.url).Text(webhook.secret);
    Status inserted = s.Text(events_json).Int(now).Run();
    if (inserted.code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("webhook " + webhook.webhook_id);
    }
    return inserted;
  });
}

StatusOr<WebhookRecord> SqliteStore::GetWebhook(std::string_view webhook_id) {
  std::optional<WebhookRecord> webhook;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare(std::string(kWebhookSelect) + "WHERE webhook_id = ?1"));
    s.Text(webhook_id);
    ASSIGN_OR_RETURN(webhook, sqlite::First(s, ReadWebhook));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!webhook) return WebhookNotFound(webhook_id);
  return *std::move(webhook);
}

StatusOr<std::vector<WebhookRecord>> SqliteStore::ListWebhooks(std::string_view creator_id) {
  std::vector<WebhookRecord> webhooks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    std::string where = creator_id.empty() ? "" : "WHERE creator_id = ?1 ";
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kWebhookSelect) + where +
                                               "ORDER BY created_at, webhook_id"));
    if (!creator_id.empty()) s.Text(creator_id);
    ASSIGN_OR_RETURN(webhooks, sqlite::Collect(s, ReadWebhook));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return webhooks;
}

Status SqliteStore::DeleteWebhook(std::string_view webhook_id) {
  return Write([&](Connection& conn, Millis) -> Status {
    {
      ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM webhooks WHERE webhook_id = ?1"));
      RETURN_IF_ERROR(s.Text(webhook_id).Run());
      if (conn.Changes() == 0) return WebhookNotFound(webhook_id);
    }
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("UPDATE webhook_deliveries SET state = 'dead', "
                                               "last_error = 'webhook deleted' "
                                               "WHERE webhook_id = ?1 AND state = 'pending'"));
    return s.Text(webhook_id).Run();
  });
}

StatusOr<int> SqliteStore::EnqueueDeliveries(const std::vector<DeliveryRecord>& deliveries) {
  for (const DeliveryRecord& d : deliveries) {
    RETURN_IF_ERROR(RequireNonEmpty(d.event_type, "delivery event_type"));
  }
  int inserted = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    inserted = 0;
    for (const DeliveryRecord& d : deliveries) {
      ASSIGN_OR_RETURN(bool exists, WebhookExists(conn, d.webhook_id));
      if (!exists) return WebhookNotFound(d.webhook_id);
      ASSIGN_OR_RETURN(bool added, InsertDelivery(conn, d, now));
      if (added) ++inserted;
    }
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return inserted;
}

StatusOr<std::vector<DeliveryRecord>> SqliteStore::DueDeliveries(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<DeliveryRecord> due;
  Status done = Read([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kDeliverySelect) +
                                               "WHERE state = 'pending' AND next_attempt_at <= ?1 "
                                               "ORDER BY next_attempt_at, delivery_id LIMIT ?2"));
    s.Int(now).Int(limit);
    ASSIGN_OR_RETURN(due, sqlite::Collect(s, ReadDelivery));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return due;
}

Status SqliteStore::RecordDeliveryAttempt(int64_t delivery_id,
                                          const ports::DeliveryOutcome& outcome) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<DeliveryRecord> d, LoadDelivery(conn, delivery_id));
    if (!d) return DeliveryNotFound(delivery_id);
    RETURN_IF_ERROR(service_rules::RecordDeliveryAttempt(*d, outcome, now));
    return SaveDeliveryAttempt(conn, *d);
  });
}

StatusOr<DeliveryRecord> SqliteStore::GetDelivery(int64_t delivery_id) {
  std::optional<DeliveryRecord> delivery;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(delivery, LoadDelivery(conn, delivery_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!delivery) return DeliveryNotFound(delivery_id);
  return *std::move(delivery);
}

StatusOr<std::vector<DeliveryRecord>> SqliteStore::ListDeliveries(std::string_view webhook_id,
                                                                  int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<DeliveryRecord> deliveries;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string(kDeliverySelect) +
                                               "WHERE webhook_id = ?1 "
                                               "ORDER BY delivery_id DESC LIMIT ?2"));
    s.Text(webhook_id).Int(limit);
    ASSIGN_OR_RETURN(deliveries, sqlite::Collect(s, ReadDelivery));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return deliveries;
}

// ---- Views -----------------------------------------------------------------------

StatusOr<int64_t> SqliteStore::AddViews(std::string_view video_id, int64_t count) {
  if (count < 1) return InvalidArgument("view count " + std::to_string(count) + " is below 1");
  int64_t total = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, sqlite::LoadVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    {
      ASSIGN_OR_RETURN(Statement s,
                       conn.Prepare("INSERT INTO video_views (video_id, minute, count) "
                                    "VALUES (?1, ?2, ?3) ON CONFLICT (video_id, minute) "
                                    "DO UPDATE SET count = count + excluded.count"));
      RETURN_IF_ERROR(s.Text(video_id).Int(ViewMinute(video->created_at, now)).Int(count).Run());
    }
    ASSIGN_OR_RETURN(ViewTally tally, LoadViewTally(conn, video_id));
    total = tally.total;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return total;
}

StatusOr<SqliteStore::ViewTally> SqliteStore::GetViews(std::string_view video_id) {
  ViewTally tally;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, sqlite::LoadVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    ASSIGN_OR_RETURN(tally, LoadViewTally(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tally;
}

// ---- Videos by owner -----------------------------------------------------------------

StatusOr<std::vector<VideoRecord>> SqliteStore::ListVideoPage(const ports::VideoPageQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    return InvalidArgument("page limit " + std::to_string(query.limit) + " is not 1..1000");
  }
  std::vector<VideoRecord> videos;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(videos, sqlite::LoadVideoPage(conn, query));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return videos;
}

// ---- Cursors -------------------------------------------------------------------------

StatusOr<int64_t> SqliteStore::GetCursor(std::string_view name) {
  int64_t value = 0;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("SELECT value FROM cursors WHERE name = ?1"));
    ASSIGN_OR_RETURN(bool row, s.Text(name).Step());
    value = row ? s.ColumnInt(0) : 0;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return value;
}

Status SqliteStore::SetCursor(std::string_view name, int64_t value) {
  RETURN_IF_ERROR(RequireNonEmpty(name, "cursor name"));
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("INSERT INTO cursors (name, value) VALUES (?1, ?2) "
                                               "ON CONFLICT (name) DO UPDATE "
                                               "SET value = max(value, excluded.value)"));
    return s.Text(name).Int(value).Run();
  });
}

}  // namespace vtp::adapters
