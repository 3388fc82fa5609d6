// PostgresStore's ports::ServiceStore half (the class is in postgres_store.h,
// the tables in pg_schema.cc migration 4). Row I/O for these tables lives
// here, beside the only code that uses it. Where SqliteStore leans on its
// single write lock, this file locks the row it decides on (FOR UPDATE) or
// makes the decision one conditional statement.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "adapters/pg_db.h"
#include "adapters/pg_rows.h"
#include "adapters/postgres_store.h"
#include "adapters/service_rules.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using pg::Connection;
using pg::Param;
using pg::Result;
using ports::ApiKeyRecord;
using ports::DeliveryRecord;
using ports::IdempotencyRecord;
using ports::Millis;
using ports::UploadRecord;
using ports::UploadState;
using ports::VideoRecord;
using ports::WebhookRecord;

using namespace service_rules;  // NOLINT: the rules this file applies

template <typename E>
StatusOr<E> ParsedName(std::optional<E> value, std::string_view what, const std::string& raw) {
  if (!value) return Internal("stored " + std::string(what) + " '" + raw + "' is not valid");
  return *value;
}

// ---- api_keys ----------------------------------------------------------------

constexpr std::string_view kApiKeySelect =
    "SELECT key_id, secret_hash, role, creator_id, name, created_at, revoked_at FROM api_keys ";

StatusOr<ApiKeyRecord> ReadApiKey(const Result& r, int row) {
  ApiKeyRecord k;
  k.key_id = r.GetText(row, 0);
  k.secret_hash = r.GetText(row, 1);
  k.role = r.GetText(row, 2);
  k.creator_id = r.GetText(row, 3);
  k.name = r.GetText(row, 4);
  k.created_at = r.GetInt64(row, 5);
  k.revoked_at = r.GetOptInt64(row, 6);
  return k;
}

// ---- uploads -----------------------------------------------------------------

constexpr std::string_view kUploadSelect =
    "SELECT upload_id, video_id, creator_id, upload_length, upload_offset, filename, "
    "content_type, title, metadata_json, options_json, state, sha256, created_at, expires_at, "
    "completed_at FROM uploads ";

StatusOr<UploadRecord> ReadUpload(const Result& r, int row) {
  UploadRecord u;
  u.upload_id = r.GetText(row, 0);
  u.video_id = r.GetText(row, 1);
  u.creator_id = r.GetText(row, 2);
  u.length = static_cast<uint64_t>(r.GetInt64(row, 3));
  u.offset = static_cast<uint64_t>(r.GetInt64(row, 4));
  u.filename = r.GetText(row, 5);
  u.content_type = r.GetText(row, 6);
  u.title = r.GetText(row, 7);
  u.metadata_json = r.GetText(row, 8);
  u.options_json = r.GetText(row, 9);
  std::string state = r.GetText(row, 10);
  ASSIGN_OR_RETURN(u.state, ParsedName(ports::UploadStateFromName(state), "upload state", state));
  u.sha256 = r.GetText(row, 11);
  u.created_at = r.GetInt64(row, 12);
  u.expires_at = r.GetInt64(row, 13);
  u.completed_at = r.GetOptInt64(row, 14);
  return u;
}

Status InsertUpload(Connection& conn, const UploadRecord& u) {
  return conn
      .Exec("INSERT INTO uploads (upload_id, video_id, creator_id, upload_length, "
            "upload_offset, filename, content_type, title, metadata_json, options_json, "
            "state, sha256, created_at, expires_at, completed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            {u.upload_id, u.video_id, u.creator_id, static_cast<int64_t>(u.length),
             static_cast<int64_t>(u.offset), u.filename, u.content_type, u.title,
             u.metadata_json, u.options_json, ports::UploadStateName(u.state), u.sha256,
             u.created_at, u.expires_at, u.completed_at})
      .status();
}

// Saves what the upload calls change: offset, state, sha256, completed_at.
Status SaveUploadProgress(Connection& conn, const UploadRecord& u) {
  return conn
      .Exec("UPDATE uploads SET upload_offset = $2, state = $3, sha256 = $4, "
            "completed_at = $5 WHERE upload_id = $1",
            {u.upload_id, static_cast<int64_t>(u.offset), ports::UploadStateName(u.state),
             u.sha256, u.completed_at})
      .status();
}

StatusOr<std::optional<UploadRecord>> LoadUploadWhere(Connection& conn, std::string_view where,
                                                      std::string_view value) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kUploadSelect) + std::string(where), {value}));
  return pg::First(r, ReadUpload);
}

// The upload row, locked until the transaction ends: every upload transition
// decides on the row it holds, so racing API instances queue up here.
StatusOr<std::optional<UploadRecord>> LockUpload(Connection& conn, std::string_view upload_id) {
  return LoadUploadWhere(conn, "WHERE upload_id = $1 FOR UPDATE", upload_id);
}

// ---- idempotency ---------------------------------------------------------------

StatusOr<IdempotencyRecord> ReadIdempotency(const Result& r, int row) {
  IdempotencyRecord rec;
  rec.scope = r.GetText(row, 0);
  rec.key = r.GetText(row, 1);
  rec.fingerprint = r.GetText(row, 2);
  rec.status = static_cast<int>(r.GetInt64(row, 3));
  rec.response_json = r.GetText(row, 4);
  rec.created_at = r.GetInt64(row, 5);
  return rec;
}

// A record found by BeginIdempotent's insert can vanish before it is read
// (abandoned or purged by another instance); the reservation is then tried
// again, this many times in all.
constexpr int kReserveTries = 8;

// nullopt when the reservation was made; else the record that holds the key.
StatusOr<std::optional<IdempotencyRecord>> ReserveIdempotent(Connection& conn,
                                                             std::string_view scope,
                                                             std::string_view key,
                                                             std::string_view fingerprint,
                                                             Millis now) {
  for (int i = 0; i < kReserveTries; ++i) {
    // ON CONFLICT waits for a racing insert of the key to commit or roll back.
    ASSIGN_OR_RETURN(Result inserted,
                     conn.Exec("INSERT INTO idempotency (scope, key, fingerprint, created_at) "
                               "VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING",
                               {scope, key, fingerprint, now}));
    if (inserted.Affected() == 1) return std::optional<IdempotencyRecord>();
    // A new statement: under READ COMMITTED it sees the winner's row.
    ASSIGN_OR_RETURN(Result found,
                     conn.Exec("SELECT scope, key, fingerprint, status, response_json, "
                               "created_at FROM idempotency WHERE scope = $1 AND key = $2",
                               {scope, key}));
    ASSIGN_OR_RETURN(std::optional<IdempotencyRecord> existing, pg::First(found, ReadIdempotency));
    if (existing) return existing;
  }
  return IoError("idempotency key " + std::string(scope) + "/" + std::string(key) +
                 " kept changing; try again");
}

// ---- webhooks ------------------------------------------------------------------

constexpr std::string_view kWebhookSelect =
    "SELECT webhook_id, creator_id, url, secret, events_json, created_at FROM webhooks ";

StatusOr<WebhookRecord> ReadWebhook(const Result& r, int row) {
  WebhookRecord w;
  w.webhook_id = r.GetText(row, 0);
  w.creator_id = r.GetText(row, 1);
  w.url = r.GetText(row, 2);
  w.secret = r.GetText(row, 3);
  std::string events = r.GetText(row, 4);
  nlohmann::json parsed = nlohmann::json::parse(events, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return Internal("stored webhook events '" + events + "' are not valid");
  for (const nlohmann::json& e : parsed) {
    if (!e.is_string()) return Internal("stored webhook events '" + events + "' are not valid");
    w.events.push_back(e.get<std::string>());
  }
  w.created_at = r.GetInt64(row, 5);
  return w;
}

// Share-locks the webhooks `deliveries` name, in id order (so concurrent
// batches cannot deadlock here): a racing DeleteWebhook waits for this
// transaction, then kills what it inserted. kNotFound names a missing one.
Status ShareLockWebhooks(Connection& conn, const std::vector<DeliveryRecord>& deliveries) {
  std::set<std::string> ids;
  for (const DeliveryRecord& d : deliveries) ids.insert(d.webhook_id);
  std::vector<std::string> wanted(ids.begin(), ids.end());
  ASSIGN_OR_RETURN(Result r, conn.Exec("SELECT webhook_id FROM webhooks "
                                       "WHERE webhook_id = ANY($1::text[]) "
                                       "ORDER BY webhook_id FOR SHARE",
                                       {Param::TextArray(wanted)}));
  std::set<std::string> found;
  for (int i = 0; i < r.Rows(); ++i) found.insert(r.GetText(i, 0));
  for (const std::string& id : wanted) {
    if (found.count(id) == 0) return WebhookNotFound(id);
  }
  return Status::Ok();
}

// ---- webhook_deliveries -----------------------------------------------------------

constexpr std::string_view kDeliverySelect =
    "SELECT delivery_id, webhook_id, event_id, event_type, payload_json, state, attempts, "
    "next_attempt_at, last_status, last_error, created_at, delivered_at FROM webhook_deliveries ";

StatusOr<DeliveryRecord> ReadDelivery(const Result& r, int row) {
  DeliveryRecord d;
  d.delivery_id = r.GetInt64(row, 0);
  d.webhook_id = r.GetText(row, 1);
  d.event_id = r.GetInt64(row, 2);
  d.event_type = r.GetText(row, 3);
  d.payload_json = r.GetText(row, 4);
  std::string state = r.GetText(row, 5);
  ASSIGN_OR_RETURN(d.state,
                   ParsedName(ports::DeliveryStateFromName(state), "delivery state", state));
  d.attempts = static_cast<int>(r.GetInt64(row, 6));
  d.next_attempt_at = r.GetInt64(row, 7);
  d.last_status = static_cast<int>(r.GetInt64(row, 8));
  d.last_error = r.GetText(row, 9);
  d.created_at = r.GetInt64(row, 10);
  d.delivered_at = r.GetOptInt64(row, 11);
  return d;
}

// `suffix` follows the WHERE clause (" FOR UPDATE" or "").
StatusOr<std::optional<DeliveryRecord>> LoadDelivery(Connection& conn, int64_t delivery_id,
                                                     std::string_view suffix) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kDeliverySelect) +
                                           "WHERE delivery_id = $1" + std::string(suffix),
                                       {delivery_id}));
  return pg::First(r, ReadDelivery);
}

// Returns whether it was inserted (false: its (webhook, event) was there).
StatusOr<bool> InsertDelivery(Connection& conn, const DeliveryRecord& d, Millis now) {
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec("INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, "
                             "payload_json, state, next_attempt_at, created_at) "
                             "VALUES ($1, $2, $3, $4, 'pending', $5, $5) "
                             "ON CONFLICT (webhook_id, event_id) DO NOTHING",
                             {d.webhook_id, d.event_id, d.event_type, d.payload_json, now}));
  return r.Affected() == 1;
}

Status SaveDeliveryAttempt(Connection& conn, const DeliveryRecord& d) {
  return conn
      .Exec("UPDATE webhook_deliveries SET state = $2, attempts = $3, next_attempt_at = $4, "
            "last_status = $5, last_error = $6, delivered_at = $7 WHERE delivery_id = $1",
            {d.delivery_id, ports::DeliveryStateName(d.state), d.attempts, d.next_attempt_at,
             d.last_status, d.last_error, d.delivered_at})
      .status();
}

// ---- video_views -------------------------------------------------------------------

StatusOr<ports::ServiceStore::ViewTally> LoadViewTally(Connection& conn,
                                                       std::string_view video_id) {
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec("SELECT COALESCE(SUM(count), 0)::bigint, "
                             "COALESCE(SUM(count) FILTER (WHERE minute < $2), 0)::bigint "
                             "FROM video_views WHERE video_id = $1",
                             {video_id, kFirstHourMinutes}));
  ports::ServiceStore::ViewTally tally;
  if (r.Rows() > 0) {
    tally.total = r.GetInt64(0, 0);
    tally.first_hour = r.GetInt64(0, 1);
  }
  return tally;
}

}  // namespace

// ---- API keys ------------------------------------------------------------------

Status PostgresStore::CreateApiKey(const ApiKeyRecord& key) {
  RETURN_IF_ERROR(ValidateApiKey(key));
  return Write([&](Connection& conn, Millis now) -> Status {
    Status inserted = conn.Exec("INSERT INTO api_keys (key_id, secret_hash, role, creator_id, "
                                "name, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                                {key.key_id, key.secret_hash, key.role, key.creator_id, key.name,
                                 now})
                          .status();
    if (inserted.code() == ErrorCode::kAlreadyExists) return AlreadyExists("api key " + key.key_id);
    return inserted;
  });
}

StatusOr<ApiKeyRecord> PostgresStore::GetApiKey(std::string_view key_id) {
  std::optional<ApiKeyRecord> key;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kApiKeySelect) + "WHERE key_id = $1",
                                         {key_id}));
    ASSIGN_OR_RETURN(key, pg::First(r, ReadApiKey));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!key) return NotFound("no api key " + std::string(key_id));
  return *std::move(key);
}

StatusOr<std::vector<ApiKeyRecord>> PostgresStore::ListApiKeys() {
  std::vector<ApiKeyRecord> keys;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r,
                     conn.Exec(std::string(kApiKeySelect) + "ORDER BY created_at, key_id"));
    ASSIGN_OR_RETURN(keys, pg::Collect(r, ReadApiKey));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return keys;
}

Status PostgresStore::RevokeApiKey(std::string_view key_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    // One conditional statement: the first revocation's time wins.
    ASSIGN_OR_RETURN(Result r, conn.Exec("UPDATE api_keys SET revoked_at = "
                                         "COALESCE(revoked_at, $2) WHERE key_id = $1",
                                         {key_id, now}));
    if (r.Affected() == 0) return NotFound("no api key " + std::string(key_id));
    return Status::Ok();
  });
}

// ---- Uploads -------------------------------------------------------------------

Status PostgresStore::CreateUpload(const UploadRecord& upload) {
  RETURN_IF_ERROR(ValidateUpload(upload));
  return Write([&](Connection& conn, Millis now) -> Status {
    UploadRecord row = upload;
    row.offset = 0;
    row.state = UploadState::kUploading;
    row.sha256.clear();
    row.created_at = now;
    row.completed_at.reset();
    // The unique constraint's name says which id was taken.
    return InsertUpload(conn, row);
  });
}

StatusOr<UploadRecord> PostgresStore::GetUpload(std::string_view upload_id) {
  std::optional<UploadRecord> upload;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(upload, LoadUploadWhere(conn, "WHERE upload_id = $1", upload_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!upload) return UploadNotFound(upload_id);
  return *std::move(upload);
}

StatusOr<UploadRecord> PostgresStore::GetUploadByVideo(std::string_view video_id) {
  std::optional<UploadRecord> upload;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(upload, LoadUploadWhere(conn, "WHERE video_id = $1", video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!upload) return NotFound("no upload of video " + std::string(video_id));
  return *std::move(upload);
}

Status PostgresStore::AdvanceUpload(std::string_view upload_id, uint64_t expected,
                                    uint64_t new_offset) {
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LockUpload(conn, upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::AdvanceUpload(*u, expected, new_offset));
    return SaveUploadProgress(conn, *u);
  });
}

Status PostgresStore::CompleteUpload(std::string_view upload_id, std::string_view sha256,
                                     const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  // Lock order: the upload row, the new video row, then (inside the event
  // inserts) the events lock -- row locks before the events lock, as
  // postgres_store.h asks.
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LockUpload(conn, upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::CompleteUpload(*u, sha256, video, now));
    RETURN_IF_ERROR(pg::InsertNewVideo(conn, video, now));
    RETURN_IF_ERROR(SaveUploadProgress(conn, *u));
    return pg::InsertEvent(conn, VideoUploadedEvent(*u, now)).status();
  });
}

Status PostgresStore::TerminateUpload(std::string_view upload_id) {
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<UploadRecord> u, LockUpload(conn, upload_id));
    if (!u) return UploadNotFound(upload_id);
    RETURN_IF_ERROR(service_rules::TerminateUpload(*u));
    return SaveUploadProgress(conn, *u);
  });
}

StatusOr<std::vector<UploadRecord>> PostgresStore::ListExpiredUploads(Millis now, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<UploadRecord> uploads;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    // The state and expires_at > 0 terms repeat uploads_expiring's WHERE.
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kUploadSelect) +
                                             "WHERE state = 'uploading' AND expires_at > 0 "
                                             "AND expires_at <= $1 "
                                             "ORDER BY expires_at, upload_id LIMIT $2",
                                         {now, limit}));
    ASSIGN_OR_RETURN(uploads, pg::Collect(r, ReadUpload));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return uploads;
}

// ---- Idempotency -----------------------------------------------------------------

StatusOr<std::optional<IdempotencyRecord>> PostgresStore::BeginIdempotent(
    std::string_view scope, std::string_view key, std::string_view fingerprint) {
  RETURN_IF_ERROR(RequireNonEmpty(scope, "idempotency scope"));
  RETURN_IF_ERROR(RequireNonEmpty(key, "idempotency key"));
  std::optional<IdempotencyRecord> existing;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(existing, ReserveIdempotent(conn, scope, key, fingerprint, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return existing;
}

Status PostgresStore::FinishIdempotent(std::string_view scope, std::string_view key, int status,
                                       std::string_view response_json) {
  if (status < 100 || status > 599) {
    return InvalidArgument("response status " + std::to_string(status) + " is not 100..599");
  }
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec("UPDATE idempotency SET status = $3, response_json = $4 "
                                         "WHERE scope = $1 AND key = $2 AND status = 0",
                                         {scope, key, status, response_json}));
    if (r.Affected() == 0) {
      return NotFound("no idempotency reservation " + std::string(scope) + "/" + std::string(key));
    }
    return Status::Ok();
  });
}

Status PostgresStore::AbandonIdempotent(std::string_view scope, std::string_view key) {
  return Write([&](Connection& conn, Millis) -> Status {
    return conn
        .Exec("DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND status = 0",
              {scope, key})
        .status();
  });
}

StatusOr<int> PostgresStore::PurgeIdempotent(Millis cutoff) {
  int purged = 0;
  Status done = Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r,
                     conn.Exec("DELETE FROM idempotency WHERE created_at < $1", {cutoff}));
    purged = static_cast<int>(r.Affected());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return purged;
}

// ---- Webhooks --------------------------------------------------------------------

Status PostgresStore::CreateWebhook(const WebhookRecord& webhook) {
  RETURN_IF_ERROR(ValidateWebhook(webhook));
  std::vector<std::string> events = webhook.events;
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  std::string events_json = nlohmann::json(events).dump();
  return Write([&](Connection& conn, Millis now) -> Status {
    Status inserted = conn.Exec("INSERT INTO webhooks (webhook_id, creator_id, url, secret, "
                                "events_json, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                                {webhook.webhook_id, webhook.creator_id, webhook.url,
                                 webhook.secret, events_json, now})
                          .status();
    if (inserted.code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists("webhook " + webhook.webhook_id);
    }
    return inserted;
  });
}

StatusOr<WebhookRecord> PostgresStore::GetWebhook(std::string_view webhook_id) {
  std::optional<WebhookRecord> webhook;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kWebhookSelect) + "WHERE webhook_id = $1",
                                         {webhook_id}));
    ASSIGN_OR_RETURN(webhook, pg::First(r, ReadWebhook));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!webhook) return WebhookNotFound(webhook_id);
  return *std::move(webhook);
}

StatusOr<std::vector<WebhookRecord>> PostgresStore::ListWebhooks(std::string_view creator_id) {
  std::vector<WebhookRecord> webhooks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    constexpr std::string_view kOrder = "ORDER BY created_at, webhook_id";
    StatusOr<Result> r =
        creator_id.empty()
            ? conn.Exec(std::string(kWebhookSelect) + std::string(kOrder))
            : conn.Exec(std::string(kWebhookSelect) + "WHERE creator_id = $1 " +
                            std::string(kOrder),
                        {creator_id});
    if (!r.ok()) return r.status();
    ASSIGN_OR_RETURN(webhooks, pg::Collect(*r, ReadWebhook));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return webhooks;
}

Status PostgresStore::DeleteWebhook(std::string_view webhook_id) {
  return Write([&](Connection& conn, Millis) -> Status {
    // The DELETE waits for enqueuers holding the row (ShareLockWebhooks); the
    // UPDATE, a later statement, then sees what they inserted.
    ASSIGN_OR_RETURN(Result deleted,
                     conn.Exec("DELETE FROM webhooks WHERE webhook_id = $1", {webhook_id}));
    if (deleted.Affected() == 0) return WebhookNotFound(webhook_id);
    return conn
        .Exec("UPDATE webhook_deliveries SET state = 'dead', last_error = 'webhook deleted' "
              "WHERE webhook_id = $1 AND state = 'pending'",
              {webhook_id})
        .status();
  });
}

StatusOr<int> PostgresStore::EnqueueDeliveries(const std::vector<DeliveryRecord>& deliveries) {
  for (const DeliveryRecord& d : deliveries) {
    RETURN_IF_ERROR(RequireNonEmpty(d.event_type, "delivery event_type"));
  }
  if (deliveries.empty()) return 0;
  int inserted = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    inserted = 0;
    RETURN_IF_ERROR(ShareLockWebhooks(conn, deliveries));
    // In the caller's order, so delivery ids follow it as in SqliteStore; a
    // racing batch with the same pairs waits on each conflicting insert.
    for (const DeliveryRecord& d : deliveries) {
      ASSIGN_OR_RETURN(bool added, InsertDelivery(conn, d, now));
      if (added) ++inserted;
    }
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return inserted;
}

StatusOr<std::vector<DeliveryRecord>> PostgresStore::DueDeliveries(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<DeliveryRecord> due;
  Status done = Read([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kDeliverySelect) +
                                             "WHERE state = 'pending' AND next_attempt_at <= $1 "
                                             "ORDER BY next_attempt_at, delivery_id LIMIT $2",
                                         {now, limit}));
    ASSIGN_OR_RETURN(due, pg::Collect(r, ReadDelivery));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return due;
}

Status PostgresStore::RecordDeliveryAttempt(int64_t delivery_id,
                                            const ports::DeliveryOutcome& outcome) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<DeliveryRecord> d,
                     LoadDelivery(conn, delivery_id, " FOR UPDATE"));
    if (!d) return DeliveryNotFound(delivery_id);
    RETURN_IF_ERROR(service_rules::RecordDeliveryAttempt(*d, outcome, now));
    return SaveDeliveryAttempt(conn, *d);
  });
}

StatusOr<DeliveryRecord> PostgresStore::GetDelivery(int64_t delivery_id) {
  std::optional<DeliveryRecord> delivery;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(delivery, LoadDelivery(conn, delivery_id, ""));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!delivery) return DeliveryNotFound(delivery_id);
  return *std::move(delivery);
}

StatusOr<std::vector<DeliveryRecord>> PostgresStore::ListDeliveries(std::string_view webhook_id,
                                                                    int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<DeliveryRecord> deliveries;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kDeliverySelect) +
                                             "WHERE webhook_id = $1 "
                                             "ORDER BY delivery_id DESC LIMIT $2",
                                         {webhook_id, limit}));
    ASSIGN_OR_RETURN(deliveries, pg::Collect(r, ReadDelivery));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return deliveries;
}

// ---- Views -----------------------------------------------------------------------

StatusOr<int64_t> PostgresStore::AddViews(std::string_view video_id, int64_t count) {
  if (count < 1) return InvalidArgument("view count " + std::to_string(count) + " is below 1");
  int64_t total = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, pg::LoadVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    // One statement adds to the bucket, so concurrent viewers never lose a
    // count; a video deleted meanwhile fails the foreign key (kNotFound).
    RETURN_IF_ERROR(conn.Exec("INSERT INTO video_views (video_id, minute, count) "
                              "VALUES ($1, $2, $3) ON CONFLICT (video_id, minute) "
                              "DO UPDATE SET count = video_views.count + excluded.count",
                              {video_id, ViewMinute(video->created_at, now), count})
                        .status());
    ASSIGN_OR_RETURN(ViewTally tally, LoadViewTally(conn, video_id));
    total = tally.total;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return total;
}

StatusOr<PostgresStore::ViewTally> PostgresStore::GetViews(std::string_view video_id) {
  ViewTally tally;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, pg::LoadVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    ASSIGN_OR_RETURN(tally, LoadViewTally(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tally;
}

// ---- Videos by owner -----------------------------------------------------------------

StatusOr<std::vector<VideoRecord>> PostgresStore::ListVideoPage(
    const ports::VideoPageQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    return InvalidArgument("page limit " + std::to_string(query.limit) + " is not 1..1000");
  }
  std::vector<VideoRecord> videos;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(videos, pg::LoadVideoPage(conn, query));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return videos;
}

// ---- Cursors -------------------------------------------------------------------------

StatusOr<int64_t> PostgresStore::GetCursor(std::string_view name) {
  int64_t value = 0;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec("SELECT value FROM cursors WHERE name = $1", {name}));
    value = r.Rows() > 0 ? r.GetInt64(0, 0) : 0;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return value;
}

Status PostgresStore::SetCursor(std::string_view name, int64_t value) {
  RETURN_IF_ERROR(RequireNonEmpty(name, "cursor name"));
  return Write([&](Connection& conn, Millis) -> Status {
    // One statement: two instances moving the cursor keep the larger value.
    return conn
        .Exec("INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) "
              "DO UPDATE SET value = GREATEST(cursors.value, excluded.value)",
              {name, value})
        .status();
  });
}

}  // namespace vtp::adapters
