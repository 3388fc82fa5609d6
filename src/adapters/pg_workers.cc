// PostgresStore's ports::WorkerRegistry over the `workers` table (migration
// 5). Every call is one statement, so racing processes need no row locks:
// registration is an upsert, liveness and purging are ranges on last_seen.
#include <string>

#include "adapters/pg_db.h"
#include "adapters/pg_rows.h"
#include "adapters/postgres_store.h"
#include "adapters/worker_records.h"

namespace vtp::adapters {
namespace {

using pg::Connection;
using pg::Result;
using ports::Millis;
using ports::WorkerRecord;

constexpr std::string_view kWorkerSelect =
    "SELECT worker_id, host, pid, pools, capabilities, started_at, last_seen FROM workers ";

StatusOr<WorkerRecord> ReadWorker(const Result& r, int row) {
  WorkerRecord w;
  w.worker_id = r.GetText(row, 0);
  w.host = r.GetText(row, 1);
  w.pid = r.GetInt64(row, 2);
  w.pools = SplitNames(r.GetText(row, 3));
  w.capabilities = SplitNames(r.GetText(row, 4));
  w.started_at = r.GetInt64(row, 5);
  w.last_seen = r.GetInt64(row, 6);
  return w;
}

}  // namespace

Status PostgresStore::RegisterWorker(const WorkerRecord& worker) {
  RETURN_IF_ERROR(ValidateWorker(worker));
  return Write([&](Connection& conn, Millis now) -> Status {
    WorkerRecord w = NewWorker(worker, now);
    // A restarted process reusing its id replaces the whole row.
    return conn
        .Exec("INSERT INTO workers (worker_id, host, pid, pools, capabilities, started_at, "
              "last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (worker_id) DO UPDATE "
              "SET host = excluded.host, pid = excluded.pid, pools = excluded.pools, "
              "capabilities = excluded.capabilities, started_at = excluded.started_at, "
              "last_seen = excluded.last_seen",
              {w.worker_id, w.host, w.pid, JoinNames(w.pools), JoinNames(w.capabilities),
               w.started_at, w.last_seen})
        .status();
  });
}

Status PostgresStore::TouchWorker(std::string_view worker_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec("UPDATE workers SET last_seen = $2 WHERE worker_id = $1",
                                         {worker_id, now}));
    if (r.Affected() == 0) return WorkerNotFound(worker_id);
    return Status::Ok();
  });
}

StatusOr<bool> PostgresStore::DeregisterWorker(std::string_view worker_id) {
  bool removed = false;
  Status done = Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec("DELETE FROM workers WHERE worker_id = $1", {worker_id}));
    removed = r.Affected() > 0;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return removed;
}

StatusOr<std::vector<WorkerRecord>> PostgresStore::ListLiveWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  std::vector<WorkerRecord> workers;
  Status done = Read([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec(std::string(kWorkerSelect) +
                                             "WHERE last_seen >= $1 ORDER BY worker_id",
                                         {now - stale_after_ms}));
    ASSIGN_OR_RETURN(workers, pg::Collect(r, ReadWorker));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return workers;
}

StatusOr<int> PostgresStore::PurgeWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  int purged = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Result r, conn.Exec("DELETE FROM workers WHERE last_seen < $1",
                                         {now - stale_after_ms}));
    purged = static_cast<int>(r.Affected());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return purged;
}

}  // namespace vtp::adapters
