#include "adapters/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "adapters/sqlite_db.h"
#include "adapters/sqlite_rows.h"
#include "adapters/sqlite_schema.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using ports::AttemptRecord;
using ports::DeadLetter;
using ports::Event;
using ports::Millis;
using ports::TaskRecord;
using ports::VideoRecord;
using sqlite::Connection;

Status Configure(Connection& conn, const SqliteStoreOptions& options) {
  {
    // journal_mode answers with the mode now in force; a file system without
    // shared-memory support silently keeps the old one, which we refuse.
    ASSIGN_OR_RETURN(sqlite::Statement wal, conn.Prepare("PRAGMA journal_mode = WAL"));
    ASSIGN_OR_RETURN(bool row, wal.Step());
    std::string mode = row ? wal.ColumnText(0) : "";
    if (mode != "wal") return IoError("cannot enable WAL journal (journal_mode is " + mode + ")");
  }
  RETURN_IF_ERROR(conn.Exec(options.synchronous == SqliteStoreOptions::Sync::kFull
                                ? "PRAGMA synchronous = FULL"
                                : "PRAGMA synchronous = NORMAL"));
  return conn.Exec("PRAGMA foreign_keys = ON");
}

StatusOr<DeadLetter> WithAttempts(Connection& conn, DeadLetter dead) {
  ASSIGN_OR_RETURN(dead.attempts, sqlite::LoadAttempts(conn, dead.task_id));
  return dead;
}

Status NotDead(std::string_view task_id) {
  return NotFound("task " + std::string(task_id) + " is not dead");
}

StatusOr<int64_t> InsertEventAt(Connection& conn, Event event, Millis now) {
  event.created_at = now;
  return sqlite::InsertEvent(conn, event);
}

// One task of CreateTasks. Returns whether it was inserted or unparked.
StatusOr<bool> CreateTask(Connection& conn, const TaskRecord& in, Millis now) {
  // Checked explicitly (not only by the foreign key) for a clear message.
  ASSIGN_OR_RETURN(std::optional<VideoRecord> video, sqlite::LoadVideo(conn, in.video_id));
  if (!video) return VideoNotFound(in.video_id);
  ASSIGN_OR_RETURN(std::optional<TaskRecord> existing, sqlite::LoadTask(conn, in.task_id));
  std::optional<TaskRecord> row = PlanCreateTask(existing ? &*existing : nullptr, in, now);
  if (!row) return false;
  RETURN_IF_ERROR(existing ? sqlite::SaveTask(conn, *row) : sqlite::InsertTask(conn, *row));
  return true;
}

// ResetTasks / ParkTasks. Returns how many tasks were selected.
StatusOr<int> ResetSteps(Connection& conn, std::string_view video_id,
                         const std::vector<std::string>& steps, ResetMode mode, Millis now) {
  ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks, sqlite::LoadTasksOfVideo(conn, video_id));
  int reset = 0;
  for (const TaskRecord& t : tasks) {
    if (!SelectsStep(t, steps)) continue;
    TaskReset plan = PlanReset(t, mode, now);
    if (plan.interrupted) {
      RETURN_IF_ERROR(sqlite::CloseOpenAttempt(conn, t.task_id, *plan.interrupted, now));
    }
    RETURN_IF_ERROR(sqlite::SaveTask(conn, plan.task));
    RETURN_IF_ERROR(sqlite::DeleteDeadLetter(conn, t.task_id).status());
    ++reset;
  }
  return reset;
}

}  // namespace

namespace {

// Serialises first-time setup (journal mode, migrations) between processes
// opening one database: on a fresh file SQLite answers a second concurrent
// switch to WAL with an immediate SQLITE_BUSY that no busy handler sees, so
// two `vtp` commands started together on a new data directory would fail.
class SetupLock {
 public:
  explicit SetupLock(const std::string& db_path)
      : fd_(::open((db_path + ".setup-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~SetupLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  SetupLock(const SetupLock&) = delete;
  SetupLock& operator=(const SetupLock&) = delete;

 private:
  int fd_;
};

}  // namespace

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                         ports::Clock& clock,
                                                         SqliteStoreOptions options) {
  SetupLock setup(path);
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                   Connection::Open(path, options.busy_timeout_ms));
  RETURN_IF_ERROR(Configure(*conn, options).WithContext(path));
  RETURN_IF_ERROR(sqlite::Migrate(*conn, sqlite::StoreMigrations(), clock.NowMillis())
                      .status()
                      .WithContext(path));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(conn), clock, options));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> conn, ports::Clock& clock,
                         SqliteStoreOptions options)
    : clock_(clock), options_(options), conn_(std::move(conn)) {}

SqliteStore::~SqliteStore() = default;

int SqliteStore::LatestSchemaVersion() {
  return static_cast<int>(sqlite::StoreMigrations().size());
}

Status SqliteStore::Write(const Body& body) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite::Transaction txn(*conn_);
  RETURN_IF_ERROR(txn.Begin(sqlite::Transaction::Mode::kImmediate));
  RETURN_IF_ERROR(body(*conn_, clock_.NowMillis()));
  return txn.Commit();
}

Status SqliteStore::Read(const Body& body) {
  std::lock_guard<std::mutex> lock(mu_);
  sqlite::Transaction txn(*conn_);
  RETURN_IF_ERROR(txn.Begin(sqlite::Transaction::Mode::kRead));
  RETURN_IF_ERROR(body(*conn_, clock_.NowMillis()));
  return txn.Commit();
}

// ---- Videos ----------------------------------------------------------------

Status SqliteStore::CreateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  return Write(
      [&](Connection& conn, Millis now) { return sqlite::InsertNewVideo(conn, video, now); });
}

StatusOr<VideoRecord> SqliteStore::GetVideo(std::string_view video_id) {
  std::optional<VideoRecord> video;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(video, sqlite::LoadVideo(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!video) return VideoNotFound(video_id);
  return *std::move(video);
}

Status SqliteStore::UpdateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> current, sqlite::LoadVideo(conn, video.video_id));
    if (!current) return VideoNotFound(video.video_id);
    return sqlite::SaveVideo(conn, MergeVideoUpdate(*current, video));
  });
}

Status SqliteStore::UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                                      std::string_view error_message) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, sqlite::LoadVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    SetVideoStatus(*video, status, error_message, now);
    RETURN_IF_ERROR(sqlite::SaveVideo(conn, *video));
    return InsertEventAt(conn, VideoStatusEvent(*video), now).status();
  });
}

StatusOr<std::vector<VideoRecord>> SqliteStore::ListVideos(
    std::optional<ports::VideoStatus> status) {
  std::vector<VideoRecord> videos;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(videos, sqlite::LoadVideos(conn, status));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return videos;
}

// ---- Tasks -----------------------------------------------------------------

StatusOr<int> SqliteStore::CreateTasks(const std::vector<TaskRecord>& tasks) {
  for (const TaskRecord& t : tasks) RETURN_IF_ERROR(ValidateNewTask(t));
  int written = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    written = 0;
    for (const TaskRecord& t : tasks) {
      ASSIGN_OR_RETURN(bool wrote, CreateTask(conn, t, now));
      if (wrote) ++written;
    }
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return written;
}

StatusOr<TaskRecord> SqliteStore::GetTask(std::string_view task_id) {
  std::optional<TaskRecord> task;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(task, sqlite::LoadTask(conn, task_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!task) return TaskNotFound(task_id);
  return *std::move(task);
}

StatusOr<std::vector<TaskRecord>> SqliteStore::ListTasks(std::string_view video_id) {
  std::vector<TaskRecord> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, sqlite::LoadTasksOfVideo(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<std::vector<ports::TaskSummary>> SqliteStore::ListTaskSummaries(std::string_view video_id) {
  std::vector<ports::TaskSummary> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, sqlite::LoadTaskSummaries(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<ports::StepTally> SqliteStore::TallyStep(std::string_view video_id, std::string_view step) {
  ports::StepTally tally;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tally, sqlite::LoadStepTally(conn, video_id, step));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tally;
}

StatusOr<int> SqliteStore::ResetTasks(std::string_view video_id,
                                      const std::vector<std::string>& steps) {
  int reset = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(reset, ResetSteps(conn, video_id, steps, ResetMode::kRunNow, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return reset;
}

StatusOr<int> SqliteStore::ParkTasks(std::string_view video_id,
                                     const std::vector<std::string>& steps) {
  int parked = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(parked, ResetSteps(conn, video_id, steps, ResetMode::kPark, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return parked;
}

StatusOr<std::vector<TaskRecord>> SqliteStore::ListWaitingTasks(std::string_view pool, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<TaskRecord> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, sqlite::LoadWaitingTasks(conn, pool, limit));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<bool> SqliteStore::RerouteTask(const ports::TaskReroute& reroute) {
  RETURN_IF_ERROR(ValidateReroute(reroute));
  bool moved = false;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, sqlite::LoadTask(conn, reroute.task_id));
    if (!task) return TaskNotFound(reroute.task_id);
    std::optional<TaskRerouted> plan = PlanReroute(*task, reroute);
    moved = plan.has_value();
    if (!plan) return Status::Ok();
    RETURN_IF_ERROR(sqlite::SaveTask(conn, plan->task));
    return InsertEventAt(conn, plan->event, now).status();
  });
  if (!done.ok()) return done;
  return moved;
}

StatusOr<std::vector<AttemptRecord>> SqliteStore::ListAttempts(std::string_view task_id) {
  std::vector<AttemptRecord> attempts;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, sqlite::LoadTask(conn, task_id));
    if (!task) return TaskNotFound(task_id);
    ASSIGN_OR_RETURN(attempts, sqlite::LoadAttempts(conn, task_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return attempts;
}

// ---- Dead letters ----------------------------------------------------------

StatusOr<std::vector<DeadLetter>> SqliteStore::ListDeadLetters() {
  std::vector<DeadLetter> out;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::vector<DeadLetter> dead, sqlite::LoadDeadLetters(conn));
    out.clear();
    for (DeadLetter& d : dead) {
      ASSIGN_OR_RETURN(DeadLetter full, WithAttempts(conn, std::move(d)));
      out.push_back(std::move(full));
    }
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return out;
}

StatusOr<DeadLetter> SqliteStore::GetDeadLetter(std::string_view task_id) {
  std::optional<DeadLetter> out;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<DeadLetter> dead, sqlite::LoadDeadLetter(conn, task_id));
    if (!dead) return NotDead(task_id);
    ASSIGN_OR_RETURN(out, WithAttempts(conn, *std::move(dead)));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return *std::move(out);
}

Status SqliteStore::RequeueDeadLetter(std::string_view task_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(bool was_dead, sqlite::DeleteDeadLetter(conn, task_id));
    if (!was_dead) return NotDead(task_id);
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, sqlite::LoadTask(conn, task_id));
    if (!task) return Internal("dead letter without task " + std::string(task_id));
    ResetTask(*task, now);
    return sqlite::SaveTask(conn, *task);
  });
}

// ---- Events ----------------------------------------------------------------

StatusOr<int64_t> SqliteStore::AppendEvent(const Event& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  int64_t id = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(id, InsertEventAt(conn, event, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return id;
}

StatusOr<std::vector<Event>> SqliteStore::ReadEvents(int64_t after_id, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<Event> events;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(events, sqlite::LoadEvents(conn, after_id, limit, false));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return events;
}

StatusOr<std::vector<Event>> SqliteStore::ReadUnpublishedEvents(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<Event> events;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(events, sqlite::LoadEvents(conn, 0, limit, true));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return events;
}

StatusOr<int> SqliteStore::MarkEventsPublished(int64_t through_id) {
  int marked = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(marked, sqlite::MarkPublished(conn, through_id, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return marked;
}

StatusOr<int64_t> SqliteStore::Publish(const Event& event) { return AppendEvent(event); }

StatusOr<std::vector<Event>> SqliteStore::Poll(int64_t after_id, int limit) {
  return ReadEvents(after_id, limit);
}

}  // namespace vtp::adapters
