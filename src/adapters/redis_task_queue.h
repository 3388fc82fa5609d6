// RedisTaskQueue: the task queue's dispatcher on Redis, over a SQL store that
// stays the source of truth (SqliteStore, PostgresStore). Redis only answers
// "which task next" cheaply across processes; every claim and every state
// change is made in the backing store, so a Redis flush, restart or outage
// loses nothing: Reconcile() puts back whatever is missing.
//
// Keys (prefix from RedisTaskQueueOptions, default "vtp:"):
//   <prefix>task_queue:<pool>:<low|normal|high|urgent>
//       sorted set per (pool, priority level); member task_id, score
//       next_run_at (ms). Equal scores order by member bytes, so each set's
//       head is the port's (ready time, task_id) order within the level.
//       Holds waiting tasks (pending/retrying, not parked), including those
//       in backoff (score in the future). Entries are hints: one may be
//       stale (its task leased, finished or moved meanwhile); a pop that
//       finds it stale fixes or drops it.
//   <prefix>pipeline:<video_id>
//       hash, a progress cache for cheap reads: field <task_id> -> the task's
//       state name as this class last saw it ("pending", "running",
//       "retrying", "completed", "failed", or "parked" for a parked pending
//       task); field "updated_at" -> clock ms of the last write. PEXPIREd
//       pipeline_ttl_ms after each write. Tasks reclaimed by ExpireLeases /
//       ReclaimWorker keep their last state here until their next
//       transition; RebuildPipeline() rewrites it from the store.
//
// CompleteAndLease pops first; when the backing queue is a ChainedTaskClaim
// (PostgresStore) the completion and the claim of the popped task are then
// ONE backing transaction, and both pipeline-hash writes one round trip.
// Otherwise (and when that transaction fails) it is Complete, then Lease.
//
// Lease: one Lua script (atomic, so two workers never pop the same member)
// looks at the head of every level set of the asked pools whose score <= now,
// picks the best exactly as ports::LeasesBefore (effective level with aging,
// ready time, then task_id bytes), ZREMs and returns it; then
// backing.LeaseTask claims it. A claim that answers nullopt means the entry
// was stale: the task is re-added with its true pool/level/next_run_at if it
// still waits, else dropped, and the next head is popped (at most
// kMaxPopsPerLease times). A claim that fails puts the entry back and
// returns the error.
//
// Write-through: every call that can make a task waiting ZADDs it after the
// backing call committed (CreateTasks, Fail, Release, RequeueDeadLetter,
// RerouteTask, ResetTasks; ParkTasks removes the parked entries;
// ExpireLeases/ReclaimWorker run Reconcile when they reclaimed anything). A
// Redis failure there never fails the call -- the state is committed and
// Reconcile repairs Redis -- it is counted (write_through_failures()).
// Lease and Reconcile do fail with kIo when Redis is down (a worker backs
// off and retries).
//
// Thread safety: safe from many threads; several instances (processes) may
// share one Redis and one store. Lifetime: backing stores, client and clock
// must outlive this object.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/redis_client.h"
#include "core/status.h"
#include "ports/clock.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/task_queue.h"

namespace vtp::adapters {

class ChainedTaskClaim;  // postgres_store.h

struct RedisTaskQueueOptions {
  std::string key_prefix = "vtp:";
  // Must equal the backing store's QueueOptions::aging_step_ms.
  ports::Millis aging_step_ms = 60'000;
  // Pools Reconcile restores. Pools this instance sees in CreateTasks, Lease
  // and RerouteTask are added to it as they appear.
  std::vector<std::string> pools = {"cpu"};
  // Reconcile lists at most this many waiting tasks per pool, earliest ready
  // first (the port has no cursor); later ones follow on a later Reconcile.
  int reconcile_limit = 100'000;
  // ZADDs per pipelined round trip in Reconcile.
  int reconcile_batch = 500;
  // TTL of a pipeline:<video_id> hash after its last write.
  ports::Millis pipeline_ttl_ms = 7LL * 24 * 3600 * 1000;
};

class RedisTaskQueue final : public ports::MetadataStore, public ports::TaskQueue {
 public:
  // Pops of stale entries one Lease may go through before answering nullopt.
  static constexpr int kMaxPopsPerLease = 64;

  RedisTaskQueue(ports::MetadataStore& backing_store, ports::TaskQueue& backing_queue,
                 RedisClient& redis, ports::Clock& clock, RedisTaskQueueOptions options);

  // Adds every waiting task of every known pool that is missing from Redis
  // (ZADD NX, pipelined). Returns how many were missing. kIo when Redis or
  // the store fails. Call every few seconds (orchestrator; workers whose
  // Lease found nothing); after a flush or restart it restores the queue.
  StatusOr<int> Reconcile();
  // Rewrites <prefix>pipeline:<video_id> from the store.
  Status RebuildPipeline(std::string_view video_id);
  // The pipeline hash as stored (field -> value); empty when absent.
  StatusOr<std::map<std::string, std::string>> ReadPipeline(std::string_view video_id);
  // Redis writes that failed after the backing call committed (for logs and
  // metrics), and the last such error ("" if none).
  int64_t write_through_failures() const { return write_failures_.load(); }
  std::string last_write_through_error() const;

  // Key names (for tests and operators).
  std::string QueueKey(std::string_view pool, ports::Priority priority) const;
  std::string PipelineKey(std::string_view video_id) const;

  // ---- ports::MetadataStore ----
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

  // ---- ports::TaskQueue ----
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

 private:
  // What the pop script returned: the entry it removed.
  struct Popped {
    std::string task_id;
    std::string key;
    std::string score;
  };
  using Commands = std::vector<std::vector<std::string>>;

  StatusOr<std::optional<Popped>> Pop(const std::vector<std::string>& pools);
  // Handles an entry whose claim answered nullopt (see Lease above).
  void SettleStale(const Popped& popped);
  // Commands that make Redis agree with `task` as the store has it: queued
  // under its pool and level when waiting (removed from them when parked),
  // and its state in the pipeline hash.
  void AppendSync(const ports::TaskRecord& task, Commands& commands) const;
  void AppendPipelineState(std::string_view video_id, std::string_view task_id,
                           std::string_view state, Commands& commands) const;
  // Reads the task back and syncs it; failures only counted.
  void SyncTask(std::string_view task_id);
  void SyncVideoSteps(std::string_view video_id, const std::vector<std::string>& steps);
  void WriteThrough(const Commands& commands);
  void CountFailure(const Status& status);
  void NotePools(const std::vector<std::string>& pools);
  std::vector<std::string> KnownPools() const;
  void RememberLease(const ports::TaskRecord& task);
  // The video of a task this instance leased ("" when unknown); forgets it.
  std::string TakeLeasedVideo(std::string_view task_id);
  // The pipeline hash's "completed" for `task_id`; AfterCompleted writes it.
  void AppendCompleted(std::string_view task_id, Commands& commands);
  void AfterCompleted(std::string_view task_id);
  // CompleteAndLease after the pop named the next task: one backing
  // transaction through chain_.
  StatusOr<std::optional<ports::TaskRecord>> ChainPopped(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, const Popped& popped, const std::vector<std::string>& pools,
      ports::Millis lease_ms);
  StatusOr<int> ReconcilePool(const std::string& pool);

  ports::MetadataStore& store_;
  ports::TaskQueue& queue_;
  // queue_ when it can complete and claim in one transaction, else null.
  ChainedTaskClaim* const chain_;
  RedisClient& redis_;
  ports::Clock& clock_;
  const RedisTaskQueueOptions options_;
  std::atomic<int64_t> write_failures_{0};
  mutable std::mutex mu_;  // guards the members below
  std::string last_error_;
  std::set<std::string> pools_;
  std::unordered_map<std::string, std::string> leased_video_;  // task_id -> video_id
};

}  // namespace vtp::adapters
