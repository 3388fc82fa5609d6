// SqliteStore's ports::TaskQueue half. Every call is one BEGIN IMMEDIATE
// transaction: load the task, let task_transitions.h decide, persist.
#include <utility>
#include <vector>

#include "adapters/sqlite_db.h"
#include "adapters/sqlite_rows.h"
#include "adapters/sqlite_store.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using ports::Millis;
using ports::TaskRecord;
using sqlite::Connection;

StatusOr<TaskRecord> MustLoadTask(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(std::optional<TaskRecord> task, sqlite::LoadTask(conn, task_id));
  if (!task) return TaskNotFound(task_id);
  return *std::move(task);
}

// The task Lease should take: the best of the per-(pool, level) heads.
StatusOr<std::optional<ports::LeaseCandidate>> BestCandidate(Connection& conn,
                                                             const std::vector<std::string>& pools,
                                                             Millis now, Millis aging_step_ms) {
  std::optional<ports::LeaseCandidate> best;
  for (const std::string& pool : pools) {
    for (int level = 0; level <= ports::kMaxPriorityLevel; ++level) {
      ASSIGN_OR_RETURN(std::optional<ports::LeaseCandidate> head,
                       sqlite::RunnableHead(conn, pool, static_cast<ports::Priority>(level), now));
      if (head && (!best || ports::LeasesBefore(*head, *best, now, aging_step_ms))) {
        best = std::move(head);
      }
    }
  }
  return best;
}

// Ends the run of each of `tasks` the way `plan` says (ExpireLeases,
// ReclaimWorker).
template <typename Plan>
Status EndRuns(Connection& conn, const std::vector<TaskRecord>& tasks, Millis now, Plan plan) {
  for (const TaskRecord& task : tasks) {
    RETURN_IF_ERROR(sqlite::PersistRunEnd(conn, plan(task), now));
  }
  return Status::Ok();
}

// Starts a run of `task` (runnable) for `worker_id`: the row and its attempt.
StatusOr<std::optional<TaskRecord>> StartRunIn(Connection& conn, const TaskRecord& task,
                                               std::string_view worker_id, Millis now,
                                               Millis lease_ms) {
  ASSIGN_OR_RETURN(int seq, sqlite::NextAttemptSeq(conn, task.task_id));
  RunStart run = StartRun(task, worker_id, now, lease_ms, seq);
  RETURN_IF_ERROR(sqlite::SaveTask(conn, run.task));
  RETURN_IF_ERROR(sqlite::InsertAttempt(conn, run.attempt));
  return std::optional<TaskRecord>(std::move(run.task));
}

// Lease's body inside the caller's write transaction.
StatusOr<std::optional<TaskRecord>> LeaseIn(Connection& conn, Millis now, std::string_view worker_id,
                                            const std::vector<std::string>& pools, Millis lease_ms,
                                            Millis aging_step_ms) {
  ASSIGN_OR_RETURN(std::optional<ports::LeaseCandidate> best,
                   BestCandidate(conn, pools, now, aging_step_ms));
  if (!best) return std::optional<TaskRecord>();
  ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, best->task_id));
  return StartRunIn(conn, task, worker_id, now, lease_ms);
}

// Complete's body inside the caller's write transaction.
Status CompleteIn(Connection& conn, Millis now, std::string_view task_id, std::string_view worker_id,
                  std::string_view result_json, int64_t cpu_ms) {
  ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, task_id));
  ASSIGN_OR_RETURN(std::optional<RunEnd> end, PlanComplete(task, worker_id, result_json, cpu_ms, now));
  if (!end) return Status::Ok();  // duplicate completion
  return sqlite::PersistRunEnd(conn, *end, now);
}

}  // namespace

StatusOr<std::optional<TaskRecord>> SqliteStore::Lease(std::string_view worker_id,
                                                       const std::vector<std::string>& pools,
                                                       Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  // Idle workers poll: a look in a read snapshot (which never waits for the
  // writer, under WAL) keeps empty polls from queueing for the write lock.
  // A connection whose last Lease found work is busy, not polling, and goes
  // straight for the lock.
  if (!last_lease_found_.load()) {
    bool runnable = false;
    RETURN_IF_ERROR(Read([&](Connection& conn, Millis now) -> Status {
      ASSIGN_OR_RETURN(auto best, BestCandidate(conn, pools, now, options_.queue.aging_step_ms));
      runnable = best.has_value();
      return Status::Ok();
    }));
    if (!runnable) return std::optional<TaskRecord>();
  }
  std::optional<TaskRecord> leased;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(leased, LeaseIn(conn, now, worker_id, pools, lease_ms, options_.queue.aging_step_ms));
    return Status::Ok();
  });
  last_lease_found_.store(done.ok() && leased.has_value());
  if (!done.ok()) return done;
  return leased;
}

StatusOr<std::optional<TaskRecord>> SqliteStore::CompleteAndLease(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const std::vector<std::string>& pools, Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    RETURN_IF_ERROR(CompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms));
    ASSIGN_OR_RETURN(leased, LeaseIn(conn, now, worker_id, pools, lease_ms, options_.queue.aging_step_ms));
    return Status::Ok();
  });
  last_lease_found_.store(done.ok() && leased.has_value());
  if (!done.ok()) return done;
  return leased;
}

StatusOr<std::optional<TaskRecord>> SqliteStore::LeaseTask(std::string_view task_id,
                                                           std::string_view worker_id,
                                                           const std::vector<std::string>& pools,
                                                           Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::optional<TaskRecord> leased;
  RETURN_IF_ERROR(Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, task_id));
    if (!IsRunnableIn(task, pools, now)) return Status::Ok();
    ASSIGN_OR_RETURN(leased, StartRunIn(conn, task, worker_id, now, lease_ms));
    return Status::Ok();
  }));
  return leased;
}

Status SqliteStore::Heartbeat(std::string_view task_id, std::string_view worker_id,
                              Millis lease_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, task_id));
    ASSIGN_OR_RETURN(TaskRecord extended, PlanHeartbeat(task, worker_id, lease_ms, now));
    return sqlite::SaveTask(conn, extended);
  });
}

Status SqliteStore::Complete(std::string_view task_id, std::string_view worker_id,
                             std::string_view result_json, int64_t cpu_ms) {
  return Write([&](Connection& conn, Millis now) -> Status {
    return CompleteIn(conn, now, task_id, worker_id, result_json, cpu_ms);
  });
}

Status SqliteStore::Fail(std::string_view task_id, std::string_view worker_id,
                         const ports::TaskFailure& failure) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanFail(task, worker_id, failure, now));
    return sqlite::PersistRunEnd(conn, end, now);
  });
}

Status SqliteStore::Release(std::string_view task_id, std::string_view worker_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(TaskRecord task, MustLoadTask(conn, task_id));
    ASSIGN_OR_RETURN(RunEnd end, PlanRelease(task, worker_id, now));
    return sqlite::PersistRunEnd(conn, end, now);
  });
}

StatusOr<int> SqliteStore::ExpireLeases() {
  int reclaimed = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::vector<TaskRecord> expired, sqlite::LoadExpiredLeases(conn, now));
    RETURN_IF_ERROR(EndRuns(conn, expired, now, [&](const TaskRecord& task) {
      return PlanExpiry(task, now, options_.queue);
    }));
    reclaimed = static_cast<int>(expired.size());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return reclaimed;
}

StatusOr<int> SqliteStore::ReclaimWorker(std::string_view worker_id) {
  RETURN_IF_ERROR(ValidateWorkerId(worker_id));
  int reclaimed = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::vector<TaskRecord> leased, sqlite::LoadLeasesOf(conn, worker_id));
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
