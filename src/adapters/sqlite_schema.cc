#include "adapters/sqlite_schema.h"

#include <array>
#include <string>

namespace vtp::adapters::sqlite {
namespace {

// Version 1: the seed's videos and transcoding_tasks tables (renamed columns
// as in ports/records.h) plus what the durable queue needs. Times are integer
// ms since the epoch. tasks.priority is the numeric level (0 low .. 3 urgent)
// because the queue orders by it; videos.priority keeps the seed's names.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE videos (
  video_id        TEXT PRIMARY KEY,
  creator_id      TEXT NOT NULL,
  title           TEXT NOT NULL DEFAULT '',
  original_key    TEXT NOT NULL,
  original_format TEXT NOT NULL DEFAULT '',
  duration_sec    REAL NOT NULL DEFAULT 0,
  width           INTEGER NOT NULL DEFAULT 0,
  height          INTEGER NOT NULL DEFAULT 0,
  codec           TEXT NOT NULL DEFAULT '',
  bitrate_kbps    INTEGER NOT NULL DEFAULT 0,
  file_size_bytes INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'probing',
                    'transcoding', 'packaging', 'moderating', 'ready', 'failed', 'removed')),
  preset          TEXT NOT NULL DEFAULT 'standard',
  priority        TEXT NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  manifest_url    TEXT NOT NULL DEFAULT '',
  thumbnail_url   TEXT NOT NULL DEFAULT '',
  error_message   TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  completed_at    INTEGER
);
CREATE INDEX videos_status ON videos (status, created_at);
CREATE INDEX videos_creator ON videos (creator_id, created_at DESC);

CREATE TABLE tasks (
  task_id          TEXT PRIMARY KEY,
  video_id         TEXT NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  step             TEXT NOT NULL,
  resolution       TEXT NOT NULL DEFAULT '',
  codec            TEXT NOT NULL DEFAULT '',
  segment_index    INTEGER,
  pool             TEXT NOT NULL,
  priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
  input_key        TEXT NOT NULL DEFAULT '',
  output_key       TEXT NOT NULL DEFAULT '',
  params_json      TEXT NOT NULL DEFAULT '{}',
  result_json      TEXT NOT NULL DEFAULT '',
  state            TEXT NOT NULL CHECK (state IN ('pending', 'running', 'completed',
                     'failed', 'retrying')),
  attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts     INTEGER NOT NULL CHECK (max_attempts >= 1),
  worker_id        TEXT NOT NULL DEFAULT '',
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER,
  heartbeat_at     INTEGER,
  next_run_at      INTEGER NOT NULL,
  enqueued_at      INTEGER NOT NULL,
  started_at       INTEGER,
  completed_at     INTEGER,
  duration_ms      INTEGER,
  cpu_ms           INTEGER,
  error_message    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_video ON tasks (video_id, step);
-- Lease reads the head of each (pool, priority) in ready-time order.
CREATE INDEX tasks_runnable ON tasks (pool, priority, next_run_at, task_id)
  WHERE state IN ('pending', 'retrying');
-- ExpireLeases scans running tasks by expiry.
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'running';

CREATE TABLE task_attempts (
  task_id       TEXT NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  worker_id     TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  ended_at      INTEGER,
  outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed',
                  'interrupted', 'lease_expired')),
  error_code    TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
  task_id  TEXT PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
  video_id TEXT NOT NULL,
  step     TEXT NOT NULL,
  dead_at  INTEGER NOT NULL,
  reason   TEXT NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (dead_at, task_id);

-- AUTOINCREMENT: ids are never reused, so consumer cursors stay valid.
CREATE TABLE events (
  event_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  video_id     TEXT NOT NULL DEFAULT '',
  type         TEXT NOT NULL,
  payload_json TEXT NOT NULL DEFAULT '{}',
  created_at   INTEGER NOT NULL,
  published_at INTEGER
);
CREATE INDEX events_unpublished ON events (event_id) WHERE published_at IS NULL;
)sql";

// Version 2: the job's options travel with the video (a retry re-plans with
// them); existing videos get the empty object. ReclaimWorker looks up a
// worker's running tasks, so they get a partial index of their own -- the
// running set is small, but without it the lookup scans every task ever
// enqueued.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE videos ADD COLUMN options_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX tasks_owner ON tasks (lease_owner, task_id) WHERE state = 'running';
)sql";

// Version 3: the scheduler's after-report question (TallyStep) is answered
// from indexes alone: tasks_video gains the state (a covering index for the
// count) and dead letters get one by video.
constexpr std::string_view kV3 = R"sql(
DROP INDEX tasks_video;
CREATE INDEX tasks_video ON tasks (video_id, step, state);
CREATE INDEX dead_letters_by_video ON dead_letters (video_id);
)sql";

// Version 4: what the API service keeps (ports/service_store.h). Deliveries
// outlive their webhook (DeleteWebhook marks them dead, ListDeliveries still
// shows them), so they carry no foreign key to it; view buckets go with
// their video. idx_creator is the seed's index for a creator's videos
// newest first; it covers the tie-break on video_id, so the older
// videos_creator is dropped.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE api_keys (
  key_id      TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('creator', 'admin')),
  creator_id  TEXT NOT NULL,
  name        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

-- upload_length/upload_offset: tus Upload-Length / Upload-Offset.
CREATE TABLE uploads (
  upload_id     TEXT PRIMARY KEY,
  video_id      TEXT NOT NULL UNIQUE,
  creator_id    TEXT NOT NULL,
  upload_length INTEGER NOT NULL CHECK (upload_length >= 0),
  upload_offset INTEGER NOT NULL DEFAULT 0
                  CHECK (upload_offset BETWEEN 0 AND upload_length),
  filename      TEXT NOT NULL DEFAULT '',
  content_type  TEXT NOT NULL DEFAULT '',
  title         TEXT NOT NULL DEFAULT '',
  metadata_json TEXT NOT NULL DEFAULT '{}',
  options_json  TEXT NOT NULL DEFAULT '{}',
  state         TEXT NOT NULL CHECK (state IN ('uploading', 'completed', 'terminated')),
  sha256        TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL DEFAULT 0,
  completed_at  INTEGER
);
CREATE INDEX uploads_expiring ON uploads (expires_at, upload_id)
  WHERE state = 'uploading' AND expires_at > 0;

-- status 0: the request is still being processed.
CREATE TABLE idempotency (
  scope         TEXT NOT NULL,
  key           TEXT NOT NULL,
  fingerprint   TEXT NOT NULL,
  status        INTEGER NOT NULL DEFAULT 0,
  response_json TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_time ON idempotency (created_at);

-- events_json: a JSON array of event names, sorted, unique.
CREATE TABLE webhooks (
  webhook_id  TEXT PRIMARY KEY,
  creator_id  TEXT NOT NULL,
  url         TEXT NOT NULL,
  secret      TEXT NOT NULL,
  events_json TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX webhooks_creator ON webhooks (creator_id, created_at);

-- AUTOINCREMENT: delivery ids only grow, as ListDeliveries' order needs.
CREATE TABLE webhook_deliveries (
  delivery_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      TEXT NOT NULL,
  event_id        INTEGER NOT NULL,
  event_type      TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

-- minute: whole minutes between the video's created_at and the view.
CREATE TABLE video_views (
  video_id TEXT NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  minute   INTEGER NOT NULL CHECK (minute >= 0),
  count    INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (video_id, minute)
) WITHOUT ROWID;

CREATE TABLE cursors (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

CREATE INDEX idx_creator ON videos (creator_id, created_at DESC, video_id);
DROP INDEX videos_creator;
)sql";

// Version 5: the worker registry (ports/worker_registry.h). pools and
// capabilities are name lists joined by ',' (names never hold one); liveness
// is a range on last_seen, and so is purging dead workers.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE workers (
  worker_id    TEXT PRIMARY KEY,
  host         TEXT NOT NULL DEFAULT '',
  pid          INTEGER NOT NULL DEFAULT 0,
  pools        TEXT NOT NULL DEFAULT '',
  capabilities TEXT NOT NULL DEFAULT '',
  started_at   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL
);
CREATE INDEX workers_last_seen ON workers (last_seen);
)sql";

// Version 6: the key vault (ports/key_vault.h). kid is 32 lowercase hex
// digits, wrapped the hex of the opaque AES-GCM envelope (the statement
// layer binds text only). No foreign key to videos: a key may be issued
// before its video row exists (local `vtp run`), and keys stay readable as
// long as the player may ask for them.
constexpr std::string_view kV6 = R"sql(
CREATE TABLE content_keys (
  video_id   TEXT NOT NULL,
  label      TEXT NOT NULL,
  kid        TEXT NOT NULL CHECK (length(kid) = 32),
  wrapped    TEXT NOT NULL CHECK (length(wrapped) > 0),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (video_id, label),
  UNIQUE (video_id, kid)
) WITHOUT ROWID;
)sql";

constexpr std::array<Migration, 6> kMigrations = {{
    {1, "videos, tasks, task_attempts, dead_letters, events", kV1},
    {2, "videos.options_json, tasks_owner index", kV2},
    {3, "tasks_video covers state, dead_letters_by_video", kV3},
    {4, "api_keys, uploads, idempotency, webhooks, webhook_deliveries, video_views, "
        "cursors, idx_creator", kV4},
    {5, "workers (the worker registry)", kV5},
    {6, "content_keys (the key vault)", kV6},
}};

Status CheckNumbering(std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Internal("migration list is not numbered 1..N at index " + std::to_string(i));
    }
  }
  return Status::Ok();
}

}  // namespace

std::span<const Migration> StoreMigrations() { return kMigrations; }

StatusOr<int> SchemaVersion(Connection& conn) {
  {
    ASSIGN_OR_RETURN(Statement exists,
                     conn.Prepare("SELECT count(*) FROM sqlite_master "
                                  "WHERE type = 'table' AND name = 'schema_version'"));
    ASSIGN_OR_RETURN(bool row, exists.Step());
    if (!row || exists.ColumnInt(0) == 0) return 0;
  }
  ASSIGN_OR_RETURN(Statement max,
                   conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  ASSIGN_OR_RETURN(bool row, max.Step());
  return row ? static_cast<int>(max.ColumnInt(0)) : 0;
}

StatusOr<int> Migrate(Connection& conn, std::span<const Migration> migrations, ports::Millis now) {
  RETURN_IF_ERROR(CheckNumbering(migrations));
  const int latest = static_cast<int>(migrations.size());
  Transaction txn(conn);
  RETURN_IF_ERROR(txn.Begin(Transaction::Mode::kImmediate));
  RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  ASSIGN_OR_RETURN(int current, SchemaVersion(conn));
  if (current > latest) {
    return InvalidArgument("database schema version " + std::to_string(current) +
                           " is newer than this vtp supports (" + std::to_string(latest) +
                           "); upgrade vtp to open it");
  }
  for (const Migration& m : migrations.subspan(static_cast<size_t>(current))) {
    RETURN_IF_ERROR(
        conn.Exec(std::string(m.sql)).WithContext("migration " + std::to_string(m.version)));
    ASSIGN_OR_RETURN(Statement record,
                     conn.Prepare("INSERT INTO schema_version (version, description, "
                                  "applied_at) VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(record.Int(m.version).Text(m.description).Int(now).Run());
  }
  RETURN_IF_ERROR(txn.Commit());
  return latest;
}

}  // namespace vtp::adapters::sqlite
