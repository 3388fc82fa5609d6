// PostgresStore's ports::TaskQueue half. Every call is one READ COMMITTED
// transaction: lock the task row(s), let task_transitions.h decide, persist.
// The hot calls cost two round trips each (Lease three): BEGIN rides with
// the locking read, and the writes are deferred to ride with COMMIT
// (pg::Connection::Defer); CompleteAndLease puts the completion's event last
// so the events lock is held for COMMIT only.
// Claims (Lease, LeaseTask) use SKIP LOCKED so concurrent leasers in other
// sessions pass each other instead of queueing (postgres_store.h).
#include <algorithm>
#include <utility>
#include <vector>

#include "adapters/pg_db.h"
#include "adapters/pg_rows.h"
#include "adapters/postgres_store.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using ports::LeaseCandidate;
using ports::Millis;
using ports::TaskRecord;
using pg::Connection;

// The task row, locked until the transaction ends.
StatusOr<TaskRecord> MustLockTask(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::LockTask(conn, task_id));
  if (!task) return TaskNotFound(task_id);
  return *std::move(task);
}

// The task row locked with its latest attempt.
StatusOr<pg::EndingTask> MustLockEnding(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(std::optional<pg::EndingTask> ending, pg::LockEndingTask(conn, task_id));
  if (!ending) return TaskNotFound(task_id);
  return *std::move(ending);
}

// Every write of a run's end, deferred to COMMIT, the event last.
void DeferRunEnd(Connection& conn, const RunEnd& end,
                 std::optional<ports::AttemptRecord> last_attempt, Millis now) {
  pg::DeferRunEndRows(conn, end, std::move(last_attempt), now);
  pg::DeferRunEndEvent(conn, end, now);
}

void SortByLeaseOrder(std::vector<LeaseCandidate>& heads, Millis now, Millis aging_step_ms) {
  std::sort(heads.begin(), heads.end(), [&](const LeaseCandidate& a, const LeaseCandidate& b) {
    return ports::LeasesBefore(a, b, now, aging_step_ms);
  });
}

// Ends the run of each of `tasks` (locked) the way `plan` says
// (ExpireLeases, ReclaimWorker).
template <typename Plan>
Status EndRuns(Connection& conn, const std::vector<TaskRecord>& tasks, Millis now, Plan plan) {
  for (const TaskRecord& task : tasks) {
    RETURN_IF_ERROR(pg::PersistRunEnd(conn, plan(task), now));
  }
  return Status::Ok();
}

// Starts a run of `claimed` (runnable, locked) for `worker_id`: the row and
// its attempt, both deferred to COMMIT.
TaskRecord StartRunIn(Connection& conn, const pg::ClaimedTask& claimed,
                      std::string_view worker_id, Millis now, Millis lease_ms) {
  RunStart run = StartRun(claimed.task, worker_id, now, lease_ms, claimed.next_seq);
  pg::DeferSaveTask(conn, run.task);
  pg::DeferInsertAttempt(conn, run.attempt);
  return std::move(run.task);
}

// The best head that this session could lock and that is still runnable
// (locked), or nullopt. First the heads as they stand, best first, each
// claimed with SKIP LOCKED and re-checked (another session may have leased
// it since the look); when every one is gone, the heads no session holds,
// locked in one query.
StatusOr<std::optional<pg::ClaimedTask>> ClaimBest(Connection& conn, Millis now,
                                                   const std::vector<std::string>& pools,
                                                   Millis aging_step_ms) {
  using Claimed = std::optional<pg::ClaimedTask>;
  ASSIGN_OR_RETURN(std::vector<LeaseCandidate> heads, pg::RunnableHeads(conn, pools, now, false));
  if (heads.empty()) return Claimed();
  SortByLeaseOrder(heads, now, aging_step_ms);
  for (const LeaseCandidate& head : heads) {
    ASSIGN_OR_RETURN(Claimed claimed, pg::TryClaimTask(conn, head.task_id));
    if (claimed && IsRunnableIn(claimed->task, pools, now)) return claimed;
  }
  ASSIGN_OR_RETURN(heads, pg::RunnableHeads(conn, pools, now, true));
  if (heads.empty()) return Claimed();
  SortByLeaseOrder(heads, now, aging_step_ms);
  ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::LoadTask(conn, heads.front().task_id));
  if (!task) return Claimed();
  ASSIGN_OR_RETURN(int seq, pg::NextAttemptSeq(conn, task->task_id));
  return Claimed(pg::ClaimedTask{*std::move(task), seq});
}

// Lease's body inside the caller's write transaction.
StatusOr<std::optional<TaskRecord>> LeaseIn(Connection& conn, Millis now,
                                            std::string_view worker_id,
                                            const std::vector<std::string>& pools,
                                            Millis lease_ms, Millis aging_step_ms) {
  ASSIGN_OR_RETURN(std::optional<pg::ClaimedTask> claimed,
                   ClaimBest(conn, now, pools, aging_step_ms));
  if (!claimed) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(StartRunIn(conn, *claimed, worker_id, now, lease_ms));
}

// Complete's decision inside the caller's write transaction: the task
// locked with its latest attempt, then the planned end (nullopt for a
// duplicate completion). Nothing is written yet.
StatusOr<std::optional<RunEnd>> PlanCompleteIn(Connection& conn, Millis now,
                                               std::string_view task_id,
                                               std::string_view worker_id,
                                               std::string_view result_json, int64_t cpu_ms,
                                               std::optional<ports::AttemptRecord>* last) {
  ASSIGN_OR_RETURN(pg::EndingTask ending, MustLockEnding(conn, task_id));
  *last = std::move(ending.last_attempt);
  return PlanComplete(ending.task, worker_id, result_json, cpu_ms, now);
}

// LeaseTask's body inside the caller's write transaction.
StatusOr<std::optional<TaskRecord>> LeaseTaskIn(Connection& conn, Millis now,
                                                std::string_view task_id,
                                                std::string_view worker_id,
                                                const std::vector<std::string>& pools,
                                                Millis lease_ms) {
  // A row another session holds is being claimed or changed by it: not
  // runnable for us now.
  ASSIGN_OR_RETURN(std::optional<pg::ClaimedTask> claimed, pg::TryClaimTask(conn, task_id));
  if (!claimed) {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> exists, pg::LoadTask(conn, task_id));
    if (!exists) return TaskNotFound(task_id);
    return std::optional<TaskRecord>();
  }
  if (!IsRunnableIn(claimed->task, pools, now)) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(StartRunIn(conn, *claimed, worker_id, now, lease_ms));
}

}  // namespace

StatusOr<std::optional<TaskRecord>> PostgresStore::Lease(std::string_view worker_id,
                                                       const std::vector<std::string>& pools,
                                                       Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(leased, LeaseIn(conn, now, worker_id, pools, lease_ms,
                                     options_.queue.aging_step_ms));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return leased;
}

StatusOr<std::optional<TaskRecord>> PostgresStore::CompleteAndLease(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const std::vector<std::string>& pools, Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    std::optional<ports::AttemptRecord> last;
    ASSIGN_OR_RETURN(std::optional<RunEnd> end,
                     PlanCompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms, &last));
    if (end) pg::DeferRunEndRows(conn, *end, std::move(last), now);
    ASSIGN_OR_RETURN(leased, LeaseIn(conn, now, worker_id, pools, lease_ms,
                                     options_.queue.aging_step_ms));
    // The event last: the events lock is then held for COMMIT only.
    if (end) pg::DeferRunEndEvent(conn, *end, now);
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return leased;
}

StatusOr<std::optional<TaskRecord>> PostgresStore::LeaseTask(std::string_view task_id,
                                                           std::string_view worker_id,
                                                           const std::vector<std::string>& pools,
                                                           Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  RETURN_IF_ERROR(Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(leased, LeaseTaskIn(conn, now, task_id, worker_id, pools, lease_ms));
    return Status::Ok();
  }));
  return leased;
}

StatusOr<std::optional<TaskRecord>> PostgresStore::CompleteAndLeaseTask(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, std::string_view next_task_id, const std::vector<std::string>& pools,
    Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  RETURN_IF_ERROR(Write([&](Connection& conn, Millis now) -> Status {
    std::optional<ports::AttemptRecord> last;
    ASSIGN_OR_RETURN(std::optional<RunEnd> end,
                     PlanCompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms, &last));
    if (end) pg::DeferRunEndRows(conn, *end, std::move(last), now);
    ASSIGN_OR_RETURN(leased, LeaseTaskIn(conn, now, next_task_id, worker_id, pools, lease_ms));
    if (end) pg::DeferRunEndEvent(conn, *end, now);
    return Status::Ok();
  }));
  return leased;
}

Status PostgresStore::Heartbeat(std::string_view task_id, std::string_view worker_id,
                              Millis lease_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLockTask(conn, task_id));
    ASSIGN_OR_RETURN(TaskRecord extended, PlanHeartbeat(task, worker_id, lease_ms, now));
    pg::DeferSaveTask(conn, extended);
    return Status::Ok();
  });
}

Status PostgresStore::Complete(std::string_view task_id, std::string_view worker_id,
                             std::string_view result_json, int64_t cpu_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    std::optional<ports::AttemptRecord> last;
    ASSIGN_OR_RETURN(std::optional<RunEnd> end,
                     PlanCompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms, &last));
    if (end) DeferRunEnd(conn, *end, std::move(last), now);  // else a duplicate completion
    return Status::Ok();
  });
}

Status PostgresStore::Fail(std::string_view task_id, std::string_view worker_id,
                         const ports::TaskFailure& failure) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(pg::EndingTask ending, MustLockEnding(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanFail(ending.task, worker_id, failure, now));
    DeferRunEnd(conn, end, std::move(ending.last_attempt), now);
    return Status::Ok();
  });
}

Status PostgresStore::Release(std::string_view task_id, std::string_view worker_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(pg::EndingTask ending, MustLockEnding(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanRelease(ending.task, worker_id, now));
    DeferRunEnd(conn, end, std::move(ending.last_attempt), now);
    return Status::Ok();
  });
}

StatusOr<int> PostgresStore::ExpireLeases() {
  int reclaimed = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::vector<TaskRecord> expired, pg::LockExpiredLeases(conn, now));
    RETURN_IF_ERROR(EndRuns(conn, expired, now, [&](const TaskRecord& task) {
      return PlanExpiry(task, now, options_.queue);
    }));
    reclaimed = static_cast<int>(expired.size());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return reclaimed;
}

StatusOr<int> PostgresStore::ReclaimWorker(std::string_view worker_id) {
  RETURN_IF_ERROR(ValidateWorkerId(worker_id));
  int reclaimed = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::vector<TaskRecord> leased, pg::LockLeasesOf(conn, worker_id));
    RETURN_IF_ERROR(EndRuns(conn, leased, now, [&](const TaskRecord& task) {
      return PlanReclaim(task, now, options_.queue);
    }));
    reclaimed = static_cast<int>(leased.size());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return reclaimed;
}

}  // namespace vtp::adapters
