#include "adapters/pg_schema.h"

#include <array>
#include <string>

namespace vtp::adapters::pg {
namespace {

// Version 1: the seed's videos and transcoding_tasks tables (renamed columns
// as in ports/records.h) plus what the durable queue needs. Times are integer
// ms since the epoch. tasks.priority is the numeric level (0 low .. 3 urgent)
// because the queue orders by it; videos.priority keeps the seed's names.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE videos (
  video_id        TEXT COLLATE "C" PRIMARY KEY,
  creator_id      TEXT COLLATE "C" NOT NULL,
  title           TEXT COLLATE "C" NOT NULL DEFAULT '',
  original_key    TEXT COLLATE "C" NOT NULL,
  original_format TEXT COLLATE "C" NOT NULL DEFAULT '',
  duration_sec    DOUBLE PRECISION NOT NULL DEFAULT 0,
  width           BIGINT NOT NULL DEFAULT 0,
  height          BIGINT NOT NULL DEFAULT 0,
  codec           TEXT COLLATE "C" NOT NULL DEFAULT '',
  bitrate_kbps    BIGINT NOT NULL DEFAULT 0,
  file_size_bytes BIGINT NOT NULL DEFAULT 0,
  status          TEXT COLLATE "C" NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'probing',
                    'transcoding', 'packaging', 'moderating', 'ready', 'failed', 'removed')),
  preset          TEXT COLLATE "C" NOT NULL DEFAULT 'standard',
  priority        TEXT COLLATE "C" NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  manifest_url    TEXT COLLATE "C" NOT NULL DEFAULT '',
  thumbnail_url   TEXT COLLATE "C" NOT NULL DEFAULT '',
  error_message   TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL,
  completed_at    BIGINT
);
CREATE INDEX videos_status ON videos (status, created_at);
CREATE INDEX videos_creator ON videos (creator_id, created_at DESC);

CREATE TABLE tasks (
  task_id          TEXT COLLATE "C" PRIMARY KEY,
  video_id         TEXT COLLATE "C" NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  step             TEXT COLLATE "C" NOT NULL,
  resolution       TEXT COLLATE "C" NOT NULL DEFAULT '',
  codec            TEXT COLLATE "C" NOT NULL DEFAULT '',
  segment_index    BIGINT,
  pool             TEXT COLLATE "C" NOT NULL,
  priority         BIGINT NOT NULL CHECK (priority BETWEEN 0 AND 3),
  input_key        TEXT COLLATE "C" NOT NULL DEFAULT '',
  output_key       TEXT COLLATE "C" NOT NULL DEFAULT '',
  params_json      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  result_json      TEXT COLLATE "C" NOT NULL DEFAULT '',
  state            TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'running', 'completed',
                     'failed', 'retrying')),
  attempts         BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts     BIGINT NOT NULL CHECK (max_attempts >= 1),
  worker_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_owner      TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_expires_at BIGINT,
  heartbeat_at     BIGINT,
  next_run_at      BIGINT NOT NULL,
  enqueued_at      BIGINT NOT NULL,
  started_at       BIGINT,
  completed_at     BIGINT,
  duration_ms      BIGINT,
  cpu_ms           BIGINT,
  error_message    TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX tasks_video ON tasks (video_id, step);
-- Lease reads the head of each (pool, priority) in ready-time order.
CREATE INDEX tasks_runnable ON tasks (pool, priority, next_run_at, task_id)
  WHERE state IN ('pending', 'retrying');
-- ExpireLeases scans running tasks by expiry.
CREATE INDEX tasks_leased ON tasks (lease_expires_at) WHERE state = 'running';

CREATE TABLE task_attempts (
  task_id       TEXT COLLATE "C" NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
  seq           BIGINT NOT NULL,
  attempt       BIGINT NOT NULL,
  worker_id     TEXT COLLATE "C" NOT NULL,
  started_at    BIGINT NOT NULL,
  ended_at      BIGINT,
  outcome       TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed',
                  'interrupted', 'lease_expired')),
  error_code    TEXT COLLATE "C" NOT NULL DEFAULT '',
  error_message TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY (task_id, seq)
);

CREATE TABLE dead_letters (
  task_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
  video_id TEXT COLLATE "C" NOT NULL,
  step     TEXT COLLATE "C" NOT NULL,
  dead_at  BIGINT NOT NULL,
  reason   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX dead_letters_by_time ON dead_letters (dead_at, task_id);

-- BIGSERIAL: ids are never reused, so consumer cursors stay valid.
CREATE TABLE events (
  event_id     BIGSERIAL PRIMARY KEY,
  video_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
  type         TEXT COLLATE "C" NOT NULL,
  payload_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_at   BIGINT NOT NULL,
  published_at BIGINT
);
CREATE INDEX events_unpublished ON events (event_id) WHERE published_at IS NULL;
)sql";

// Version 2: the job's options travel with the video (a retry re-plans with
// them); existing videos get the empty object. ReclaimWorker looks up a
// worker's running tasks, so they get a partial index of their own -- the
// running set is small, but without it the lookup scans every task ever
// enqueued.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE videos ADD COLUMN options_json TEXT COLLATE "C" NOT NULL DEFAULT '{}';
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
  key_id      TEXT COLLATE "C" PRIMARY KEY,
  secret_hash TEXT COLLATE "C" NOT NULL,
  role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('creator', 'admin')),
  creator_id  TEXT COLLATE "C" NOT NULL,
  name        TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);

-- upload_length/upload_offset: tus Upload-Length / Upload-Offset.
CREATE TABLE uploads (
  upload_id     TEXT COLLATE "C" PRIMARY KEY,
  video_id      TEXT COLLATE "C" NOT NULL UNIQUE,
  creator_id    TEXT COLLATE "C" NOT NULL,
  upload_length BIGINT NOT NULL CHECK (upload_length >= 0),
  upload_offset BIGINT NOT NULL DEFAULT 0
                  CHECK (upload_offset BETWEEN 0 AND upload_length),
  filename      TEXT COLLATE "C" NOT NULL DEFAULT '',
  content_type  TEXT COLLATE "C" NOT NULL DEFAULT '',
  title         TEXT COLLATE "C" NOT NULL DEFAULT '',
  metadata_json TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  options_json  TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  state         TEXT COLLATE "C" NOT NULL CHECK (state IN ('uploading', 'completed', 'terminated')),
  sha256        TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL DEFAULT 0,
  completed_at  BIGINT
);
CREATE INDEX uploads_expiring ON uploads (expires_at, upload_id)
  WHERE state = 'uploading' AND expires_at > 0;

-- status 0: the request is still being processed.
CREATE TABLE idempotency (
  scope         TEXT COLLATE "C" NOT NULL,
  key           TEXT COLLATE "C" NOT NULL,
  fingerprint   TEXT COLLATE "C" NOT NULL,
  status        BIGINT NOT NULL DEFAULT 0,
  response_json TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_time ON idempotency (created_at);

-- events_json: a JSON array of event names, sorted, unique.
CREATE TABLE webhooks (
  webhook_id  TEXT COLLATE "C" PRIMARY KEY,
  creator_id  TEXT COLLATE "C" NOT NULL,
  url         TEXT COLLATE "C" NOT NULL,
  secret      TEXT COLLATE "C" NOT NULL,
  events_json TEXT COLLATE "C" NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX webhooks_creator ON webhooks (creator_id, created_at);

-- BIGSERIAL: delivery ids only grow, as ListDeliveries' order needs.
CREATE TABLE webhook_deliveries (
  delivery_id     BIGSERIAL PRIMARY KEY,
  webhook_id      TEXT COLLATE "C" NOT NULL,
  event_id        BIGINT NOT NULL,
  event_type      TEXT COLLATE "C" NOT NULL,
  payload_json    TEXT COLLATE "C" NOT NULL,
  state           TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at BIGINT NOT NULL,
  last_status     BIGINT NOT NULL DEFAULT 0,
  last_error      TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at      BIGINT NOT NULL,
  delivered_at    BIGINT,
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);

-- minute: whole minutes between the video's created_at and the view.
CREATE TABLE video_views (
  video_id TEXT COLLATE "C" NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  minute   BIGINT NOT NULL CHECK (minute >= 0),
  count    BIGINT NOT NULL CHECK (count >= 0),
  PRIMARY KEY (video_id, minute)
);

CREATE TABLE cursors (
  name  TEXT COLLATE "C" PRIMARY KEY,
  value BIGINT NOT NULL
);

CREATE INDEX idx_creator ON videos (creator_id, created_at DESC, video_id);
DROP INDEX videos_creator;
)sql";

// Version 5: the worker registry (ports/worker_registry.h). pools and
// capabilities are name lists joined by ',' (names never hold one); liveness
// is a range on last_seen, and so is purging dead workers.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE workers (
  worker_id    TEXT COLLATE "C" PRIMARY KEY,
  host         TEXT COLLATE "C" NOT NULL DEFAULT '',
  pid          BIGINT NOT NULL DEFAULT 0,
  pools        TEXT COLLATE "C" NOT NULL DEFAULT '',
  capabilities TEXT COLLATE "C" NOT NULL DEFAULT '',
  started_at   BIGINT NOT NULL,
  last_seen    BIGINT NOT NULL
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
  video_id   TEXT COLLATE "C" NOT NULL,
  label      TEXT COLLATE "C" NOT NULL,
  kid        TEXT COLLATE "C" NOT NULL CHECK (length(kid) = 32),
  wrapped    TEXT COLLATE "C" NOT NULL CHECK (length(wrapped) > 0),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (video_id, label),
  UNIQUE (video_id, kid)
);
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

Status Newer(int current, int latest) {
  return InvalidArgument("database schema version " + std::to_string(current) +
                         " is newer than this vtp supports (" + std::to_string(latest) +
                         "); upgrade vtp to open it");
}

}  // namespace

std::span<const Migration> StoreMigrations() { return kMigrations; }

StatusOr<int> SchemaVersion(Connection& conn) {
  {
    // A scan of pg_tables under the statement's own snapshot, not
    // to_regclass: a session that waited for the migration lock may still
    // hold a cached "no such table" from before the holder committed.
    ASSIGN_OR_RETURN(Result exists,
                     conn.Exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE "
                               "schemaname = current_schema() AND tablename = 'schema_version')"));
    if (!exists.GetBool(0, 0)) return 0;
  }
  ASSIGN_OR_RETURN(Result max, conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  return static_cast<int>(max.GetInt64(0, 0));
}

StatusOr<int> Migrate(Connection& conn, std::span<const Migration> migrations, ports::Millis now) {
  RETURN_IF_ERROR(CheckNumbering(migrations));
  const int latest = static_cast<int>(migrations.size());
  {
    // The common case -- already current -- needs no lock.
    ASSIGN_OR_RETURN(int current, SchemaVersion(conn));
    if (current > latest) return Newer(current, latest);
    if (current == latest) return latest;
  }
  Status done = WithTransaction(conn, TxMode::kWrite, [&](Connection& c) -> Status {
    RETURN_IF_ERROR(
        c.Exec("SELECT pg_advisory_xact_lock($1::bigint)", {kMigrationLockKey}).status());
    ASSIGN_OR_RETURN(int current, SchemaVersion(c));
    if (current > latest) return Newer(current, latest);
    RETURN_IF_ERROR(
        c.ExecScript("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                     "description TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
    for (const Migration& m : migrations.subspan(static_cast<size_t>(current))) {
      RETURN_IF_ERROR(c.ExecScript(m.sql).WithContext("migration " + std::to_string(m.version)));
      RETURN_IF_ERROR(c.Exec("INSERT INTO schema_version (version, description, applied_at) "
                             "VALUES ($1::int, $2, $3::bigint)",
                             {m.version, m.description, now})
                          .status());
    }
    return Status::Ok();
  });
  RETURN_IF_ERROR(done);
  return latest;
}

}  // namespace vtp::adapters::pg
