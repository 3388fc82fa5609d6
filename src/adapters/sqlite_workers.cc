// SqliteStore's ports::WorkerRegistry over the `workers` table (migration 5).
#include <string>

#include "adapters/sqlite_db.h"
#include "adapters/sqlite_rows.h"
#include "adapters/sqlite_store.h"
#include "adapters/worker_records.h"

namespace vtp::adapters {
namespace {

using ports::Millis;
using ports::WorkerRecord;
using sqlite::Connection;
using sqlite::Statement;

constexpr std::string_view kWorkerSelect =
    "SELECT worker_id, host, pid, pools, capabilities, started_at, last_seen FROM workers ";

StatusOr<WorkerRecord> ReadWorker(const Statement& s) {
  WorkerRecord w;
  w.worker_id = s.ColumnText(0);
  w.host = s.ColumnText(1);
  w.pid = s.ColumnInt(2);
  w.pools = SplitNames(s.ColumnText(3));
  w.capabilities = SplitNames(s.ColumnText(4));
  w.started_at = s.ColumnInt(5);
  w.last_seen = s.ColumnInt(6);
  return w;
}

}  // namespace

Status SqliteStore::RegisterWorker(const WorkerRecord& worker) {
  RETURN_IF_ERROR(ValidateWorker(worker));
  return Write([&](Connection& conn, Millis now) -> Status {
    WorkerRecord w = NewWorker(worker, now);
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("INSERT OR REPLACE INTO workers (worker_id, host, pid, pools, "
                                  "capabilities, started_at, last_seen) VALUES (?1, ?2, ?3, ?4, "
                                  "?5, ?6, ?7)"));
    s.Text(w.worker_id).Text(w.host).Int(w.pid).Text(JoinNames(w.pools));
    s.Text(JoinNames(w.capabilities)).Int(w.started_at).Int(w.last_seen);
    return s.Run();
  });
}

Status SqliteStore::TouchWorker(std::string_view worker_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s,
                     conn.Prepare("UPDATE workers SET last_seen = ?2 WHERE worker_id = ?1"));
    RETURN_IF_ERROR(s.Text(worker_id).Int(now).Run());
    if (conn.Changes() == 0) return WorkerNotFound(worker_id);
    return Status::Ok();
  });
}

StatusOr<bool> SqliteStore::DeregisterWorker(std::string_view worker_id) {
  bool removed = false;
  Status done = Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM workers WHERE worker_id = ?1"));
    RETURN_IF_ERROR(s.Text(worker_id).Run());
    removed = conn.Changes() > 0;
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return removed;
}

StatusOr<std::vector<WorkerRecord>> SqliteStore::ListLiveWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  std::vector<WorkerRecord> workers;
  Status done = Read([&](Connection& conn, Millis now) -> Status {
    static const std::string sql =
        std::string(kWorkerSelect) + "WHERE last_seen >= ?1 ORDER BY worker_id";
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
    s.Int(now - stale_after_ms);
    ASSIGN_OR_RETURN(workers, sqlite::Collect(s, ReadWorker));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return workers;
}

StatusOr<int> SqliteStore::PurgeWorkers(Millis stale_after_ms) {
  RETURN_IF_ERROR(ValidateStaleness(stale_after_ms));
  int purged = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM workers WHERE last_seen < ?1"));
    RETURN_IF_ERROR(s.Int(now - stale_after_ms).Run());
    purged = static_cast<int>(conn.Changes());
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return purged;
}

}  // namespace vtp::adapters
