// PostgresStore's ports::MetadataStore and ports::EventBus halves, and the
// store's shared plumbing (Open, Write, Read). Every write is one READ
// COMMITTED transaction that locks the rows it decides on before the pure
// functions of task_transitions.h decide.
#include "adapters/postgres_store.h"

#include <optional>
#include <utility>

#include "adapters/pg_db.h"
#include "adapters/pg_rows.h"
#include "adapters/pg_schema.h"
#include "adapters/task_transitions.h"

namespace vtp::adapters {
namespace {

using ports::AttemptRecord;
using ports::DeadLetter;
using ports::Event;
using ports::Millis;
using ports::TaskRecord;
using ports::VideoRecord;
using pg::Connection;

StatusOr<DeadLetter> WithAttempts(Connection& conn, DeadLetter dead) {
  ASSIGN_OR_RETURN(dead.attempts, pg::LoadAttempts(conn, dead.task_id));
  return dead;
}

Status NotDead(std::string_view task_id) {
  return NotFound("task " + std::string(task_id) + " is not dead");
}

StatusOr<int64_t> InsertEventAt(Connection& conn, Event event, Millis now) {
  event.created_at = now;
  return pg::InsertEvent(conn, event);
}

// One task of CreateTasks. Returns whether it was inserted or unparked.
StatusOr<bool> CreateTask(Connection& conn, const TaskRecord& in, Millis now) {
  // Checked explicitly (not only by the foreign key) for a clear message.
  ASSIGN_OR_RETURN(std::optional<VideoRecord> video, pg::LoadVideo(conn, in.video_id));
  if (!video) return VideoNotFound(in.video_id);
  ASSIGN_OR_RETURN(std::optional<TaskRecord> existing, pg::LockTask(conn, in.task_id));
  std::optional<TaskRecord> row = PlanCreateTask(existing ? &*existing : nullptr, in, now);
  if (!row) return false;
  if (existing) {
    RETURN_IF_ERROR(pg::SaveTask(conn, *row));
    return true;
  }
  // Another session may insert the same id between our look and our insert:
  // then it is theirs, and this call skips it as if it had seen it.
  return pg::InsertTaskIfAbsent(conn, *row);
}

// ResetTasks / ParkTasks. Returns how many tasks were selected.
StatusOr<int> ResetSteps(Connection& conn, std::string_view video_id,
                         const std::vector<std::string>& steps, ResetMode mode, Millis now) {
  ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks, pg::LockTasksOfVideo(conn, video_id));
  int reset = 0;
  for (const TaskRecord& t : tasks) {
    if (!SelectsStep(t, steps)) continue;
    TaskReset plan = PlanReset(t, mode, now);
    if (plan.interrupted) {
      RETURN_IF_ERROR(pg::CloseOpenAttempt(conn, t.task_id, *plan.interrupted, now));
    }
    RETURN_IF_ERROR(pg::SaveTask(conn, plan.task));
    RETURN_IF_ERROR(pg::DeleteDeadLetter(conn, t.task_id).status());
    ++reset;
  }
  return reset;
}

}  // namespace

StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& conninfo_or_url,
                                                             ports::Clock& clock,
                                                             PostgresStoreOptions options) {
  if (options.pool_size < 1) return InvalidArgument("postgres: pool_size must be >= 1");
  pg::ConnectOptions connect;
  connect.statement_timeout_ms = options.statement_timeout_ms;
  ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool,
                   pg::Pool::Open(conninfo_or_url, options.pool_size, connect));
  {
    ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool->Acquire());
    RETURN_IF_ERROR(pg::Migrate(*conn, pg::StoreMigrations(), clock.NowMillis()).status());
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool), clock, options));
}

PostgresStore::PostgresStore(std::unique_ptr<pg::Pool> pool, ports::Clock& clock,
                             PostgresStoreOptions options)
    : clock_(clock), options_(options), pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

int PostgresStore::LatestSchemaVersion() {
  return static_cast<int>(pg::StoreMigrations().size());
}

Status PostgresStore::Write(const Body& body) {
  ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_->Acquire());
  return pg::WithTransaction(*conn, pg::TxMode::kWrite,
                             [&](Connection& c) { return body(c, clock_.NowMillis()); });
}

Status PostgresStore::Read(const Body& body) {
  ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_->Acquire());
  return pg::WithTransaction(*conn, pg::TxMode::kRead,
                             [&](Connection& c) { return body(c, clock_.NowMillis()); });
}

// ---- Videos ----------------------------------------------------------------

Status PostgresStore::CreateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  return Write(
      [&](Connection& conn, Millis now) { return pg::InsertNewVideo(conn, video, now); });
}

StatusOr<VideoRecord> PostgresStore::GetVideo(std::string_view video_id) {
  std::optional<VideoRecord> video;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(video, pg::LoadVideo(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!video) return VideoNotFound(video_id);
  return *std::move(video);
}

Status PostgresStore::UpdateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  return Write([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> current, pg::LockVideo(conn, video.video_id));
    if (!current) return VideoNotFound(video.video_id);
    return pg::SaveVideo(conn, MergeVideoUpdate(*current, video));
  });
}

Status PostgresStore::UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                                      std::string_view error_message) {
  return Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<VideoRecord> video, pg::LockVideo(conn, video_id));
    if (!video) return VideoNotFound(video_id);
    SetVideoStatus(*video, status, error_message, now);
    RETURN_IF_ERROR(pg::SaveVideo(conn, *video));
    return InsertEventAt(conn, VideoStatusEvent(*video), now).status();
  });
}

StatusOr<std::vector<VideoRecord>> PostgresStore::ListVideos(
    std::optional<ports::VideoStatus> status) {
  std::vector<VideoRecord> videos;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(videos, pg::LoadVideos(conn, status));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return videos;
}

// ---- Tasks -----------------------------------------------------------------

StatusOr<int> PostgresStore::CreateTasks(const std::vector<TaskRecord>& tasks) {
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

StatusOr<TaskRecord> PostgresStore::GetTask(std::string_view task_id) {
  std::optional<TaskRecord> task;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(task, pg::LoadTask(conn, task_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  if (!task) return TaskNotFound(task_id);
  return *std::move(task);
}

StatusOr<std::vector<TaskRecord>> PostgresStore::ListTasks(std::string_view video_id) {
  std::vector<TaskRecord> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, pg::LoadTasksOfVideo(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<std::vector<ports::TaskSummary>> PostgresStore::ListTaskSummaries(std::string_view video_id) {
  std::vector<ports::TaskSummary> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, pg::LoadTaskSummaries(conn, video_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<ports::StepTally> PostgresStore::TallyStep(std::string_view video_id, std::string_view step) {
  ports::StepTally tally;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tally, pg::LoadStepTally(conn, video_id, step));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tally;
}

StatusOr<int> PostgresStore::ResetTasks(std::string_view video_id,
                                      const std::vector<std::string>& steps) {
  int reset = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(reset, ResetSteps(conn, video_id, steps, ResetMode::kRunNow, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return reset;
}

StatusOr<int> PostgresStore::ParkTasks(std::string_view video_id,
                                     const std::vector<std::string>& steps) {
  int parked = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(parked, ResetSteps(conn, video_id, steps, ResetMode::kPark, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return parked;
}

StatusOr<std::vector<TaskRecord>> PostgresStore::ListWaitingTasks(std::string_view pool, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<TaskRecord> tasks;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(tasks, pg::LoadWaitingTasks(conn, pool, limit));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return tasks;
}

StatusOr<bool> PostgresStore::RerouteTask(const ports::TaskReroute& reroute) {
  RETURN_IF_ERROR(ValidateReroute(reroute));
  bool moved = false;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::LockTask(conn, reroute.task_id));
    if (!task) return TaskNotFound(reroute.task_id);
    std::optional<TaskRerouted> plan = PlanReroute(*task, reroute);
    moved = plan.has_value();
    if (!plan) return Status::Ok();
    RETURN_IF_ERROR(pg::SaveTask(conn, plan->task));
    return InsertEventAt(conn, plan->event, now).status();
  });
  if (!done.ok()) return done;
  return moved;
}

StatusOr<std::vector<AttemptRecord>> PostgresStore::ListAttempts(std::string_view task_id) {
  std::vector<AttemptRecord> attempts;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::LoadTask(conn, task_id));
    if (!task) return TaskNotFound(task_id);
    ASSIGN_OR_RETURN(attempts, pg::LoadAttempts(conn, task_id));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return attempts;
}

// ---- Dead letters ----------------------------------------------------------

StatusOr<std::vector<DeadLetter>> PostgresStore::ListDeadLetters() {
  std::vector<DeadLetter> out;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::vector<DeadLetter> dead, pg::LoadDeadLetters(conn));
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

StatusOr<DeadLetter> PostgresStore::GetDeadLetter(std::string_view task_id) {
  std::optional<DeadLetter> out;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(std::optional<DeadLetter> dead, pg::LoadDeadLetter(conn, task_id));
    if (!dead) return NotDead(task_id);
    ASSIGN_OR_RETURN(out, WithAttempts(conn, *std::move(dead)));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return *std::move(out);
}

Status PostgresStore::RequeueDeadLetter(std::string_view task_id) {
  return Write([&](Connection& conn, Millis now) -> Status {
    // The task row first: every writer locks a task before its dead letter.
    ASSIGN_OR_RETURN(std::optional<TaskRecord> task, pg::LockTask(conn, task_id));
    ASSIGN_OR_RETURN(bool was_dead, pg::DeleteDeadLetter(conn, task_id));
    if (!was_dead) return NotDead(task_id);
    if (!task) return Internal("dead letter without task " + std::string(task_id));
    ResetTask(*task, now);
    return pg::SaveTask(conn, *task);
  });
}

// ---- Events ----------------------------------------------------------------

StatusOr<int64_t> PostgresStore::AppendEvent(const Event& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  int64_t id = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(id, InsertEventAt(conn, event, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return id;
}

StatusOr<std::vector<Event>> PostgresStore::ReadEvents(int64_t after_id, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<Event> events;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(events, pg::LoadEvents(conn, after_id, limit, false));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return events;
}

StatusOr<std::vector<Event>> PostgresStore::ReadUnpublishedEvents(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::vector<Event> events;
  Status done = Read([&](Connection& conn, Millis) -> Status {
    ASSIGN_OR_RETURN(events, pg::LoadEvents(conn, 0, limit, true));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return events;
}

StatusOr<int> PostgresStore::MarkEventsPublished(int64_t through_id) {
  int marked = 0;
  Status done = Write([&](Connection& conn, Millis now) -> Status {
    ASSIGN_OR_RETURN(marked, pg::MarkPublished(conn, through_id, now));
    return Status::Ok();
  });
  if (!done.ok()) return done;
  return marked;
}

StatusOr<int64_t> PostgresStore::Publish(const Event& event) { return AppendEvent(event); }

StatusOr<std::vector<Event>> PostgresStore::Poll(int64_t after_id, int limit) {
  return ReadEvents(after_id, limit);
}

}  // namespace vtp::adapters
