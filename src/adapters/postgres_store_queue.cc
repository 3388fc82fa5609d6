// PostgresStore's ports::TaskQueue half. Every call is one READ COMMITTED
// transaction: lock the task row(s), let task_transitions.h decide, persist.
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

// Starts a run of `task` (runnable, locked) for `worker_id`: the row and its
// attempt.
StatusOr<std::optional<TaskRecord>> StartRunIn(Connection& conn, const TaskRecord& task,
                                               std::string_view worker_id, Millis now,
                                               Millis lease_ms) {
  ASSIGN_OR_RETURN(int seq, pg::NextAttemptSeq(conn, task.task_id));
  RunStart run = StartRun(task, worker_id, now, lease_ms, seq);
  RETURN_IF_ERROR(pg::SaveTask(conn, run.task));
  RETURN_IF_ERROR(pg::InsertAttempt(conn, run.attempt));
  return std::optional<TaskRecord>(std::move(run.task));
}

// The best head that this session could lock and that is still runnable
// (locked), or nullopt. First the heads as they stand, best first, each
// claimed with SKIP LOCKED and re-checked (another session may have leased
// it since the look); when every one is gone, the heads no session holds,
// locked in one query.
StatusOr<std::optional<TaskRecord>> ClaimBest(Connection& conn, Millis now,
                                              const std::vector<std::string>& pools,
                                              Millis aging_step_ms) {
  ASSIGN_OR_RETURN(std::vector<LeaseCandidate> heads, pg::RunnableHeads(conn, pools, now, false));
  if (heads.empty()) return std::optional<TaskRecord>();
  SortByLeaseOrder(heads, now, aging_step_ms);
  for (const LeaseCandidate& head : heads) {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::TryLockTask(conn, head.task_id));
    if (task && IsRunnableIn(*task, pools, now)) return task;
  }
  ASSIGN_OR_RETURN(heads, pg::RunnableHeads(conn, pools, now, true));
  if (heads.empty()) return std::optional<TaskRecord>();
  SortByLeaseOrder(heads, now, aging_step_ms);
  return pg::LoadTask(conn, heads.front().task_id);
}

// Lease's body inside the caller's write transaction.
StatusOr<std::optional<TaskRecord>> LeaseIn(Connection& conn, Millis now,
                                            std::string_view worker_id,
                                            const std::vector<std::string>& pools,
                                            Millis lease_ms, Millis aging_step_ms) {
  ASSIGN_OR_RETURN(std::optional<TaskRecord> task, ClaimBest(conn, now, pools, aging_step_ms));
  if (!task) return std::optional<TaskRecord>();
  return StartRunIn(conn, *task, worker_id, now, lease_ms);
}

// Complete's body inside the caller's write transaction.
Status CompleteIn(Connection& conn, Millis now, std::string_view task_id,
                  std::string_view worker_id, std::string_view result_json, int64_t cpu_ms) {
  ASSIGN_OR_RETURN(TaskRecord task, MustLockTask(conn, task_id));
  ASSIGN_OR_RETURN(std::optional<RunEnd> end,
                   PlanComplete(task, worker_id, result_json, cpu_ms, now));
  if (!end) return Status::Ok();  // duplicate completion
  return pg::PersistRunEnd(conn, *end, now);
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
    RETURN_IF_ERROR(CompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms));
    ASSIGN_OR_RETURN(leased, LeaseIn(conn, now, worker_id, pools, lease_ms, options_.queue.aging_step_ms));
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
    // A row another session holds is being claimed or changed by it: not
    // runnable for us now.
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::TryLockTask(conn, task_id));
    if (!task) {
      ASSIGN_OR_RETURN(std::optional<TaskRecord> exists, pg::LoadTask(conn, task_id));
      if (!exists) return TaskNotFound(task_id);
      return Status::Ok();
    }
    if (!IsRunnableIn(*task, pools, now)) return Status::Ok();
    ASSIGN_OR_RETURN(leased, StartRunIn(conn, *task, worker_id, now, lease_ms));
    return Status::Ok();
  }));
  return leased;
}

Status PostgresStore::Heartbeat(std::string_view task_id, std::string_view worker_id,
                              Millis lease_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLockTask(conn, task_id));
    ASSIGN_OR_RETURN(TaskRecord extended, PlanHeartbeat(task, worker_id, lease_ms, now));
    return pg::SaveTask(conn, extended);
  });
}

Status PostgresStore::Complete(std::string_view task_id, std::string_view worker_id,
                             std::string_view result_json, int64_t cpu_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    return CompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms);
  });
}

Status PostgresStore::Fail(std::string_view task_id, std::string_view worker_id,
                         const ports::TaskFailure& failure) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLockTask(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanFail(task, worker_id, failure, now));
    return pg::PersistRunEnd(conn, end, now);
  });
}

Status PostgresStore::Release(std::string_view task_id, std::string_view worker_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLockTask(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanRelease(task, worker_id, now));
    return pg::PersistRunEnd(conn, end, now);
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
