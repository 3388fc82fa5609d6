// PostgresStore: the metadata store, task queue, event bus, service store,
// worker registry and key vault ports over ONE PostgreSQL database -- the
// distributed adapter set (issue 7). PostgreSQL is the source of truth; any
// number of processes on any number of machines may open the same database.
//
// Schema (pg_schema.cc): migrations 1..6 mirror sqlite_schema.cc table for
// table and column for column (see sqlite_store.h for the list). Dialect:
// times are BIGINT ms since the epoch, always from the injected Clock (never
// now() in SQL); ids of events and webhook_deliveries are BIGSERIAL; the same
// CHECKs, partial indexes (tasks_runnable, tasks_owner, uploads_expiring)
// and schema_version(version, description, applied_at).
//
// Concurrency:
//  - Every read-modify-write runs in one READ COMMITTED transaction that
//    locks the rows it decides on (SELECT ... FOR UPDATE) before deciding,
//    so two processes never both act on the same stale row. Reads that need
//    several queries run in REPEATABLE READ READ ONLY (one snapshot).
//  - Lease: one query finds the head of each (pool, level) runnable queue
//    (tasks_runnable order: next_run_at, task_id); the best by
//    ports::LeasesBefore is claimed with FOR UPDATE SKIP LOCKED re-checking
//    it is still runnable; if another session got it first the next head is
//    tried; when every head is taken, one more query locks the heads that
//    nobody holds (SKIP LOCKED) and the best of those is leased. A task is
//    never leased twice; under contention the order is best-effort.
//    LeaseTask locks the one row the same way.
//  - Round trips: BEGIN travels with a call's first (locking) read and its
//    writes travel with COMMIT (libpq pipeline mode, pg::Connection::Defer),
//    so Complete, LeaseTask, Heartbeat-like calls cost two round trips,
//    Lease three, CompleteAndLease four. Statements are prepared once per
//    session.
//  - Serialization failures and deadlocks re-run the whole transaction
//    (pg::WithTransaction); a session broken by a server restart is
//    reconnected once, so the first call after the server is back works.
//    During an outage calls return kIo.
//  - Event order (EventBus contract: ids strictly increasing in commit
//    order): every event insert first takes the transaction-scoped advisory
//    lock kEventsLockKey (pg_rows.h, InsertEvent), so the sequence value is
//    drawn and the transaction commits while no other event writer can draw
//    one; a poller reading "event_id > last seen" can therefore never see a
//    later id commit before an earlier one. Rolled-back ids leave gaps, never
//    reuse. Writers take that lock after their row locks; the rare deadlock
//    this allows is detected by the server and retried.
//  - Migrations run under pg_advisory_xact_lock, so concurrent openers apply
//    each exactly once; a database whose schema is newer than this build is
//    refused with kInvalidArgument and left untouched.
//
// Thread safety: a PostgresStore may be shared by threads (a pool of
// sessions, PostgresStoreOptions::pool_size); processes each open their own.
// Lifetime: `clock` must outlive the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

namespace pg {
class Connection;
class Pool;
}  // namespace pg

// A task queue that can complete one task and claim a given other one
// (TaskQueue::Complete then TaskQueue::LeaseTask, both contracts applying) in
// ONE transaction. RedisTaskQueue uses it when its backing queue offers it:
// its pop names the next task before the completion is written.
class ChainedTaskClaim {
 public:
  virtual ~ChainedTaskClaim() = default;
  // When the completion fails nothing is claimed. Returns the claimed task,
  // or nullopt when `next_task_id` is not runnable in `pools` now;
  // kNotFound when it does not exist (the completion is then not kept
  // either).
  virtual StatusOr<std::optional<ports::TaskRecord>> CompleteAndLeaseTask(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, std::string_view next_task_id, const std::vector<std::string>& pools,
      ports::Millis lease_ms) = 0;
};

struct PostgresStoreOptions {
  ports::QueueOptions queue;
  // Sessions shared by the store's callers (>= 1).
  int pool_size = 4;
  // Server-side limit per statement (0: none); a statement past it is kIo.
  int statement_timeout_ms = 30'000;
};

class PostgresStore final : public ports::MetadataStore,
                            public ports::TaskQueue,
                            public ports::EventBus,
                            public ports::ServiceStore,
                            public ports::WorkerRegistry,
                            public ports::KeyVault,
                            public ChainedTaskClaim {
 public:
  // Connects to `conninfo_or_url` ("postgresql://user@host:port/db" or
  // "host=... port=... dbname=...") and migrates the database.
  // kInvalidArgument for a malformed URL/conninfo or a schema newer than
  // this build's; kIo when the server cannot be reached.
  static StatusOr<std::unique_ptr<PostgresStore>> Open(const std::string& conninfo_or_url,
                                                       ports::Clock& clock,
                                                       PostgresStoreOptions options = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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

  // ChainedTaskClaim
  StatusOr<std::optional<ports::TaskRecord>> CompleteAndLeaseTask(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, std::string_view next_task_id, const std::vector<std::string>& pools,
      ports::Millis lease_ms) override;

  // ports::EventBus (the events table; see "Event order" above)
  StatusOr<int64_t> Publish(const ports::Event& event) override;
  StatusOr<std::vector<ports::Event>> Poll(int64_t after_id, int limit) override;

  // ports::ServiceStore (pg_service_store.cc)
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

  // ports::WorkerRegistry (pg_workers.cc)
  Status RegisterWorker(const ports::WorkerRecord& worker) override;
  Status TouchWorker(std::string_view worker_id) override;
  StatusOr<bool> DeregisterWorker(std::string_view worker_id) override;
  StatusOr<std::vector<ports::WorkerRecord>> ListLiveWorkers(ports::Millis stale_after_ms) override;
  StatusOr<int> PurgeWorkers(ports::Millis stale_after_ms) override;

  // ports::KeyVault (pg_key_vault.cc)
  StatusOr<ports::WrappedKey> PutKeyIfAbsent(const ports::WrappedKey& key) override;
  StatusOr<ports::WrappedKey> GetKeyByLabel(std::string_view video_id,
                                            std::string_view label) override;
  StatusOr<ports::WrappedKey> GetKeyByKid(std::string_view video_id,
                                          const cenc::Kid& kid) override;

 private:
  // The helpers every half of the store uses (postgres_store.cc defines
  // them; pg_service_store.cc, pg_workers.cc and pg_key_vault.cc call them).
  // `now` is read from the clock at the start of each try of the body.
  using Body = std::function<Status(pg::Connection& conn, ports::Millis now)>;

  PostgresStore(std::unique_ptr<pg::Pool> pool, ports::Clock& clock,
                PostgresStoreOptions options);

  // Runs `body` on a pooled session inside a READ COMMITTED read-write
  // transaction (pg::WithTransaction: committed when it returns OK, rolled
  // back otherwise, re-run on serialization failure/deadlock/lost session).
  // The body must lock what it decides on (SELECT ... FOR UPDATE) and must be
  // re-runnable: assign its outputs, never append to them.
  Status Write(const Body& body);
  // Runs `body` inside a REPEATABLE READ READ ONLY transaction (one
  // snapshot); same retry rules.
  Status Read(const Body& body);

  ports::Clock& clock_;
  const PostgresStoreOptions options_;
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace vtp::adapters
