// Port: the durable task queue that workers lease from.
//
// Storage model (every adapter; SQLite today, PostgreSQL + Redis later):
//   videos          seed columns; status and priority by their seed names;
//                   options_json (the job's options, opaque)
//   tasks           seed transcoding_tasks + pool, priority level (0..3),
//                   state, attempts/max_attempts, lease_owner,
//                   lease_expires_at, heartbeat_at, next_run_at, enqueued_at,
//                   params/result JSON; "runnable" = state pending|retrying
//                   and next_run_at <= now; "parked" = state pending and
//                   next_run_at = kParkedRunAt (never runnable; see
//                   MetadataStore::ParkTasks), so parking needs no column
//   task_attempts   one row per run (task_id, seq): worker, times, outcome
//                   (running|succeeded|failed|interrupted|lease_expired),
//                   error code + message
//   dead_letters    one row per dead task (reason, dead_at); its attempts
//                   are the task's task_attempts rows
//   events          the outbox: monotonic event_id, video_id, type, payload
//   schema_version  applied migrations (SQLite/PostgreSQL)
// The queue IS the tasks table: enqueueing is MetadataStore::CreateTasks, so
// a restart loses nothing and a task's queue state and its record can never
// disagree.
//
// Lease order. A runnable task's effective level is
//     min(3, level(priority) + floor((now - next_run_at) / aging_step_ms))
// (low 0, normal 1, high 2, urgent 3). Lease takes the task with the highest
// effective level, then the earliest next_run_at ("ready time"), then the
// smallest task_id. Within one priority level that is plain FIFO by ready
// time, so an adapter only compares the head of each (pool, level) -- a
// partial index in SQL, a sorted set per pool+priority scored by next_run_at
// in Redis.
//
// Starvation bound. After waiting (3 - level) * aging_step_ms a task is at the
// top level, where the earliest ready time wins, so from then on no task that
// became ready after it is leased before it. A task is therefore overtaken
// only by tasks that were ready before it or became ready within
// (3 - level) * aging_step_ms after it: with the default 60 s step a normal
// task stops yielding to new urgent work after 2 min (low: 3 min), and then
// waits only for what was queued ahead of it. aging_step_ms <= 0 disables
// aging (strict priority, no bound).
//
// Leases. A worker holds a task's lease while the task is running with
// lease_owner == worker_id and now <= lease_expires_at. Heartbeat, Complete,
// Fail and Release require a held lease and otherwise fail with kNotFound
// ("lease lost": expired, reclaimed, reset, parked, or never held; the
// worker must drop the work -- outputs go to deterministic keys, so a
// half-done run is harmless). The one exception is Complete of an already
// completed task, which is a no-op success (duplicate completion).
//
// Attempts. Lease counts an attempt (attempts + 1) and opens an attempt row.
// Release (SIGTERM preemption) un-counts it (outcome interrupted). Lease
// expiry and ReclaimWorker count it (outcome lease_expired): a worker that
// crashes or hangs may be the victim of a poison input, which must reach
// the DLQ after max_attempts instead of looping forever. Whenever a run
// ends with attempts >= max_attempts and no success, the task is
// dead-lettered, even if the caller asked for a retry.
//
// Events. Every transition out of running appends one outbox event in the
// same transaction: "task.completed" (not for duplicates), "task.retrying",
// "task.dead_lettered", "task.interrupted"; payload is a JSON object with at
// least task_id and step.
//
// Time comes from the Clock injected into the adapter. Error classes as in
// metadata_store.h. Thread safety: adapters are safe to call from many
// threads, and the durable ones from many processes (Lease is atomic across
// them: no task is leased twice).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"
#include "ports/records.h"

namespace vtp::ports {

inline constexpr std::string_view kEventTaskCompleted = "task.completed";
inline constexpr std::string_view kEventTaskRetrying = "task.retrying";
inline constexpr std::string_view kEventTaskDeadLettered = "task.dead_lettered";
inline constexpr std::string_view kEventTaskInterrupted = "task.interrupted";
// error_code recorded for a run whose lease expired.
inline constexpr std::string_view kLeaseExpiredErrorCode = "lease_expired";

struct QueueOptions {
  // One priority level of boost per this much waiting; <= 0 disables aging.
  Millis aging_step_ms = 60'000;
  // An expired task becomes runnable this long after ExpireLeases reclaims it.
  Millis expired_lease_retry_delay_ms = 0;
};

// The effective level defined above. Pure; shared by every adapter.
inline int EffectivePriorityLevel(Priority base, Millis ready_at, Millis now,
                                  Millis aging_step_ms) {
  int level = PriorityLevel(base);
  if (aging_step_ms <= 0 || now <= ready_at) return level;
  int64_t boost = (now - ready_at) / aging_step_ms;
  return static_cast<int>(std::min<int64_t>(kMaxPriorityLevel, level + boost));
}

// What Lease compares. Adapters fill one per (pool, level) head.
struct LeaseCandidate {
  std::string task_id;
  Priority priority = Priority::kNormal;
  Millis ready_at = 0;  // next_run_at
};

// True when `a` is leased before `b` at `now`.
inline bool LeasesBefore(const LeaseCandidate& a, const LeaseCandidate& b, Millis now,
                         Millis aging_step_ms) {
  int ea = EffectivePriorityLevel(a.priority, a.ready_at, now, aging_step_ms);
  int eb = EffectivePriorityLevel(b.priority, b.ready_at, now, aging_step_ms);
  if (ea != eb) return ea > eb;
  if (a.ready_at != b.ready_at) return a.ready_at < b.ready_at;
  return a.task_id < b.task_id;
}

// How a run failed, and what the engine decided (it owns the retry policy).
struct TaskFailure {
  std::string error_code;  // ErrorCodeName() of the error, e.g. "encode_failed"
  std::string error_message;
  // Retry no sooner than this long after the store records the failure
  // (negative counts as 0): a delay, not a time, so the backoff is measured
  // from the failure's own timestamp whatever the caller's clock read.
  // nullopt dead-letters the task now (non-retryable error or last attempt).
  std::optional<Millis> retry_after;
};

class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // Atomically takes the best runnable task in any of `pools` (order above):
  // state running, lease_owner = worker_id = `worker_id`, lease_expires_at =
  // now + lease_ms, started_at = heartbeat_at = now, attempts + 1, and a new
  // attempt row (outcome running). Returns the updated record, or
  // nullopt when nothing is runnable. kInvalidArgument for an empty worker
  // id or pool list, or lease_ms <= 0.
  virtual StatusOr<std::optional<TaskRecord>> Lease(std::string_view worker_id,
                                                    const std::vector<std::string>& pools,
                                                    Millis lease_ms) = 0;

  // Leases `task_id` itself, exactly as Lease would had it been the best
  // candidate -- when it is runnable now and waits in one of `pools` -- for a
  // dispatcher that picks the task elsewhere (a Redis sorted set) and claims
  // it in the source of truth. Returns nullopt and changes nothing when the
  // task is not runnable in `pools` now (leased by another worker, completed,
  // dead, parked, due later, moved to another pool). kNotFound for an unknown
  // task; kInvalidArgument as Lease.
  virtual StatusOr<std::optional<TaskRecord>> LeaseTask(std::string_view task_id,
                                                        std::string_view worker_id,
                                                        const std::vector<std::string>& pools,
                                                        Millis lease_ms) = 0;

  // Extends a held lease to now + lease_ms (and sets heartbeat_at = now).
  virtual Status Heartbeat(std::string_view task_id, std::string_view worker_id,
                           Millis lease_ms) = 0;

  // Records success: state completed, result_json, cpu_ms, completed_at and
  // duration_ms, lease released, attempt outcome succeeded. A completed task
  // is left untouched and OK is returned (duplicate completion, from any
  // worker). Otherwise requires a held lease.
  virtual Status Complete(std::string_view task_id, std::string_view worker_id,
                          std::string_view result_json, int64_t cpu_ms) = 0;

  // Complete, then Lease, in one atomic step: what a busy worker does next,
  // for one write transaction per task instead of two. Complete's and
  // Lease's contracts apply; when the completion fails nothing is leased.
  // Returns the newly leased task, or nullopt when nothing is runnable.
  virtual StatusOr<std::optional<TaskRecord>> CompleteAndLease(
      std::string_view task_id, std::string_view worker_id, std::string_view result_json,
      int64_t cpu_ms, const std::vector<std::string>& pools, Millis lease_ms) = 0;

  // Records a failed run (attempt outcome failed, with the error) and either
  // schedules a retry (state retrying, next_run_at = now + retry_after) or
  // dead-letters the task (state failed + a dead letter whose attempts are
  // every run). Requires a held lease.
  virtual Status Fail(std::string_view task_id, std::string_view worker_id,
                      const TaskFailure& failure) = 0;

  // Hands a task back without counting the run (SIGTERM / spot preemption):
  // state pending, attempts - 1, attempt outcome interrupted, lease released.
  // next_run_at is kept, so the task keeps its place and its aging credit.
  // Requires a held lease.
  virtual Status Release(std::string_view task_id, std::string_view worker_id) = 0;

  // Reclaims every running task with now > lease_expires_at: the run counts
  // as a failed attempt (outcome lease_expired); the task becomes retrying,
  // runnable after QueueOptions::expired_lease_retry_delay_ms, or is
  // dead-lettered when that was its last attempt. Returns how many tasks were
  // reclaimed. Call periodically from any one or more processes.
  virtual StatusOr<int> ExpireLeases() = 0;

  // Reclaims every running task leased to `worker_id` now, exactly as
  // ExpireLeases would once the lease ran out (counted attempt, outcome
  // lease_expired, retry after expired_lease_retry_delay_ms or dead letter,
  // the same events). For a supervisor that saw the worker's process die:
  // its tasks need not wait out the lease. The worker, if it is somehow
  // still alive, gets "lease lost". Returns how many tasks were reclaimed.
  // kInvalidArgument for an empty worker id.
  virtual StatusOr<int> ReclaimWorker(std::string_view worker_id) = 0;
};

}  // namespace vtp::ports
