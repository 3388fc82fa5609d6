// SqliteStore: the metadata store, task queue, event bus and service store
// ports over ONE SQLite database file -- the embedded adapter set of the
// durable engine and the API service.
//
// Schema (sqlite_schema.cc, migrations 1-6; times are integer ms since the
// epoch):
//   videos(video_id PK, creator_id, title, original_key, original_format,
//          duration_sec, width, height, codec, bitrate_kbps, file_size_bytes,
//          status, preset, priority, manifest_url, thumbnail_url,
//          error_message, created_at, completed_at, options_json (v2))
//          seed columns; status/priority as the seed's names (CHECKed);
//          (v4) idx_creator(creator_id, created_at DESC, video_id) behind
//          ListVideoPage (replaces v1's videos_creator)
//   tasks(task_id PK, video_id FK, step, resolution, codec, segment_index,
//         pool, priority 0..3, input_key, output_key, params_json,
//         result_json, state, attempts, max_attempts, worker_id, lease_owner,
//         lease_expires_at, heartbeat_at, next_run_at, enqueued_at,
//         started_at, completed_at, duration_ms, cpu_ms, error_message)
//         partial index tasks_runnable(pool, priority, next_run_at, task_id)
//         WHERE state IN (pending, retrying); tasks_leased(lease_expires_at)
//         and (v2) tasks_owner(lease_owner, task_id) WHERE state = running.
//         A parked task is a pending row with next_run_at = kParkedRunAt
//         (INT64_MAX): it sorts last in tasks_runnable and never passes
//         next_run_at <= now.
//   task_attempts(task_id FK, seq, attempt, worker_id, started_at, ended_at,
//                 outcome, error_code, error_message; PK (task_id, seq))
//   dead_letters(task_id PK FK, video_id, step, dead_at, reason)
//   events(event_id INTEGER PK AUTOINCREMENT, video_id, type, payload_json,
//          created_at, published_at)    -- the outbox and the event bus
//   (v4, ports/service_store.h; sqlite_service_store.cc)
//   api_keys(key_id PK, secret_hash, role CHECKed, creator_id, name,
//            created_at, revoked_at)
//   uploads(upload_id PK, video_id UNIQUE, creator_id, upload_length,
//           upload_offset, filename, content_type, title, metadata_json,
//           options_json, state CHECKed, sha256, created_at, expires_at
//           (0: never), completed_at); partial index uploads_expiring
//   idempotency(scope, key, fingerprint, status (0: in progress),
//               response_json, created_at; PK (scope, key))
//   webhooks(webhook_id PK, creator_id, url, secret, events_json (a JSON
//            array), created_at)
//   webhook_deliveries(delivery_id INTEGER PK AUTOINCREMENT, webhook_id,
//            event_id, event_type, payload_json, state CHECKed, attempts,
//            next_attempt_at, last_status, last_error, created_at,
//            delivered_at; UNIQUE (webhook_id, event_id)); index
//            webhook_deliveries_due(state, next_attempt_at). No FK to
//            webhooks: deliveries outlive a deleted webhook, as dead.
//   video_views(video_id FK, minute since the video's created_at, count;
//               PK (video_id, minute))
//   cursors(name PK, value)
//   (v5, ports/worker_registry.h; sqlite_workers.cc)
//   workers(worker_id PK, host, pid, pools, capabilities (both name lists
//           joined by ','), started_at, last_seen); index
//           workers_last_seen(last_seen)
//   (v6, ports/key_vault.h; sqlite_key_vault.cc)
//   content_keys(video_id, label, kid (32 hex), wrapped (hex), created_at;
//                PK (video_id, label), UNIQUE (video_id, kid))
//   schema_version(version PK, description, applied_at)
//
// Durability and concurrency:
//  - WAL journal (readers never block the writer), foreign keys on,
//    synchronous=NORMAL by default (a committed transaction survives a
//    process crash; kFull also survives power loss at one fsync per commit).
//  - Every read-modify-write runs in BEGIN IMMEDIATE, which takes the
//    database's single write lock before reading: Lease, Complete, Fail, ...
//    are atomic across threads AND processes opening the same file, so no
//    task is ever leased twice. Time is read after the lock is taken.
//  - A writer waits up to busy_timeout_ms for the lock, then gets kIo
//    ("database is busy"); callers retry later.
//  - Opening runs pending migrations (once, even with concurrent openers:
//    setup holds an flock on "<path>.setup-lock");
//    a file whose schema is newer than this build is refused with
//    kInvalidArgument and left untouched.
//
// Thread safety: a SqliteStore may be shared by threads (one mutex
// serialises its one connection); processes each open their own.
// Lifetime: `clock` must outlive the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"
#include "ports/event_bus.h"
#include "ports/key_vault.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"

namespace vtp::adapters {

namespace sqlite {
class Connection;
}  // namespace sqlite

struct SqliteStoreOptions {
  ports::QueueOptions queue;
  // How long a writer waits for another connection's write lock.
  int busy_timeout_ms = 5000;
  enum class Sync { kNormal, kFull };
  Sync synchronous = Sync::kNormal;
};

class SqliteStore final : public ports::MetadataStore,
                          public ports::TaskQueue,
                          public ports::EventBus,
                          public ports::ServiceStore,
                          public ports::WorkerRegistry,
                          public ports::KeyVault {
 public:
  // Opens or creates the database at `path` and migrates it. kIo when the
  // file cannot be opened or is not a database; kInvalidArgument when its
  // schema is newer than this build's.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path, ports::Clock& clock,
                                                     SqliteStoreOptions options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // The schema version this build creates and accepts at most.
  static int LatestSchemaVersion();

  // ports::MetadataStore
  Status CreateVideo(const ports::VideoRecord& video) override;
  StatusOr<ports::VideoRecord> GetVideo(std::string_view video_id) override;
  Status UpdateVideo(const ports::VideoRecord& video) override;
  Status UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                           std::string_view error_message) override;
  StatusOr<std::vector<ports::VideoRecord>> ListVideos(
      std::optional<ports::VideoStatus> status) override;
  StatusOr<int> CreateTasks(const std::vector<ports::TaskRecord>& tasks) override;
  StatusOr<ports::TaskRecord> GetTask(std::string_view task_id) override;
  StatusOr<std::vector<ports::TaskRecord>> ListTasks(std::string_view video_id) override;
  StatusOr<std::vector<ports::TaskSummary>> ListTaskSummaries(std::string_view video_id) override;
  StatusOr<ports::StepTally> TallyStep(std::string_view video_id, std::string_view step) override;
  StatusOr<int> ResetTasks(std::string_view video_id,
                           const std::vector<std::string>& steps) override;
  StatusOr<int> ParkTasks(std::string_view video_id,
                          const std::vector<std::string>& steps) override;
  StatusOr<std::vector<ports::TaskRecord>> ListWaitingTasks(std::string_view pool,
                                                            int limit) override;
  StatusOr<bool> RerouteTask(const ports::TaskReroute& reroute) override;
  StatusOr<std::vector<ports::AttemptRecord>> ListAttempts(std::string_view task_id) override;
  StatusOr<std::vector<ports::DeadLetter>> ListDeadLetters() override;
  StatusOr<ports::DeadLetter> GetDeadLetter(std::string_view task_id) override;
  Status RequeueDeadLetter(std::string_view task_id) override;
  StatusOr<int64_t> AppendEvent(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> ReadEvents(int64_t after_id, int limit) override;
  StatusOr<std::vector<ports::Event>> ReadUnpublishedEvents(int limit) override;
  StatusOr<int> MarkEventsPublished(int64_t through_id) override;

  // ports::TaskQueue
  StatusOr<std::optional<ports::TaskRecord>> Lease(std::string_view worker_id,
                                                   const std::vector<std::string>& pools,
                                                   ports::Millis lease_ms) override;
  StatusOr<std::optional<ports::TaskRecord>> LeaseTask(std::string_view task_id,
                                                       std::string_view worker_id,
                                                       const std::vector<std::string>& pools,
                                                       ports::Millis lease_ms) override;
  Status Heartbeat(std::string_view task_id, std::string_view worker_id,
                   ports::Millis lease_ms) override;
  Status Complete(std::string_view task_id, std::string_view worker_id,
                  std::string_view result_json, int64_t cpu_ms) override;
  StatusOr<std::optional<ports::TaskRecord>> CompleteAndLease(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, const std::vector<std::string>& pools, ports::Millis lease_ms) override;
  Status Fail(std::string_view task_id, std::string_view worker_id,
              const ports::TaskFailure& failure) override;
  Status Release(std::string_view task_id, std::string_view worker_id) override;
  StatusOr<int> ExpireLeases() override;
  StatusOr<int> ReclaimWorker(std::string_view worker_id) override;

  // ports::EventBus (the events table)
  StatusOr<int64_t> Publish(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> Poll(int64_t after_id, int limit) override;

  // ports::ServiceStore (sqlite_service_store.cc)
  Status CreateApiKey(const ports::ApiKeyRecord& key) override;
  StatusOr<ports::ApiKeyRecord> GetApiKey(std::string_view key_id) override;
  StatusOr<std::vector<ports::ApiKeyRecord>> ListApiKeys() override;
  Status RevokeApiKey(std::string_view key_id) override;
  Status CreateUpload(const ports::UploadRecord& upload) override;
  StatusOr<ports::UploadRecord> GetUpload(std::string_view upload_id) override;
  StatusOr<ports::UploadRecord> GetUploadByVideo(std::string_view video_id) override;
  Status AdvanceUpload(std::string_view upload_id, uint64_t expected, uint64_t new_offset) override;
  Status CompleteUpload(std::string_view upload_id, std::string_view sha256,
                        const ports::VideoRecord& video) override;
  Status TerminateUpload(std::string_view upload_id) override;
  StatusOr<std::vector<ports::UploadRecord>> ListExpiredUploads(ports::Millis now,
                                                                int limit) override;
  StatusOr<std::optional<ports::IdempotencyRecord>> BeginIdempotent(
      std::string_view scope, std::string_view key, std::string_view fingerprint) override;
  Status FinishIdempotent(std::string_view scope, std::string_view key, int status,
                          std::string_view response_json) override;
  Status AbandonIdempotent(std::string_view scope, std::string_view key) override;
  StatusOr<int> PurgeIdempotent(ports::Millis cutoff) override;
  Status CreateWebhook(const ports::WebhookRecord& webhook) override;
  StatusOr<ports::WebhookRecord> GetWebhook(std::string_view webhook_id) override;
  StatusOr<std::vector<ports::WebhookRecord>> ListWebhooks(std::string_view creator_id) override;
  Status DeleteWebhook(std::string_view webhook_id) override;
  StatusOr<int> EnqueueDeliveries(const std::vector<ports::DeliveryRecord>& deliveries) override;
  StatusOr<std::vector<ports::DeliveryRecord>> DueDeliveries(int limit) override;
  Status RecordDeliveryAttempt(int64_t delivery_id, const ports::DeliveryOutcome& outcome) override;
  StatusOr<ports::DeliveryRecord> GetDelivery(int64_t delivery_id) override;
  StatusOr<std::vector<ports::DeliveryRecord>> ListDeliveries(std::string_view webhook_id,
                                                              int limit) override;
  StatusOr<int64_t> AddViews(std::string_view video_id, int64_t count) override;
  StatusOr<ViewTally> GetViews(std::string_view video_id) override;
  StatusOr<std::vector<ports::VideoRecord>> ListVideoPage(
      const ports::VideoPageQuery& query) override;
  StatusOr<int64_t> GetCursor(std::string_view name) override;
  Status SetCursor(std::string_view name, int64_t value) override;

  // ports::WorkerRegistry (sqlite_workers.cc)
  Status RegisterWorker(const ports::WorkerRecord& worker) override;
  Status TouchWorker(std::string_view worker_id) override;
  StatusOr<bool> DeregisterWorker(std::string_view worker_id) override;
  StatusOr<std::vector<ports::WorkerRecord>> ListLiveWorkers(ports::Millis stale_after_ms) override;
  StatusOr<int> PurgeWorkers(ports::Millis stale_after_ms) override;

  // ports::KeyVault (sqlite_key_vault.cc)
  StatusOr<ports::WrappedKey> PutKeyIfAbsent(const ports::WrappedKey& key) override;
  StatusOr<ports::WrappedKey> GetKeyByLabel(std::string_view video_id,
                                            std::string_view label) override;
  StatusOr<ports::WrappedKey> GetKeyByKid(std::string_view video_id,
                                          const cenc::Kid& kid) override;

 private:
  using Body = std::function<Status(sqlite::Connection& conn, ports::Millis now)>;

  SqliteStore(std::unique_ptr<sqlite::Connection> conn, ports::Clock& clock,
              SqliteStoreOptions options);

  // Runs `body` under mu_ inside BEGIN IMMEDIATE (committed when it returns
  // OK, rolled back otherwise); `now` is read once the write lock is held.
  Status Write(const Body& body);
  // Runs `body` under mu_ inside a read transaction (one snapshot).
  Status Read(const Body& body);

  ports::Clock& clock_;
  const SqliteStoreOptions options_;
  std::mutex mu_;  // guards conn_ and every statement cached on it
  std::atomic<bool> last_lease_found_{false};  // see Lease: skip the idle check
  std::unique_ptr<sqlite::Connection> conn_;
};

}  // namespace vtp::adapters
