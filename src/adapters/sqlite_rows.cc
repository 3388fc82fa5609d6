#include "adapters/sqlite_rows.h"

#include <array>
#include <string>
#include <type_traits>
#include <utility>

namespace vtp::adapters::sqlite {
namespace {

using ports::AttemptRecord;
using ports::DeadLetter;
using ports::Event;
using ports::TaskRecord;
using ports::VideoRecord;

// Column lists in bind/read order. The SQL below is assembled from these
// constant identifiers only; every value travels as a bound parameter.
constexpr std::array<std::string_view, 20> kVideoColumns = {
    "video_id",        "creator_id",    "title",      "original_key", "original_format",
    "duration_sec",    "width",         "height",     "codec",        "bitrate_kbps",
    "file_size_bytes", "status",        "preset",     "priority",     "manifest_url",
    "thumbnail_url",   "error_message", "created_at", "completed_at", "options_json"};
constexpr std::array<std::string_view, 26> kTaskColumns = {
    "task_id",     "video_id",         "step",         "resolution",
    "codec",       "segment_index",    "pool",         "priority",
    "input_key",   "output_key",       "params_json",  "result_json",
    "state",       "attempts",         "max_attempts", "worker_id",
    "lease_owner", "lease_expires_at", "heartbeat_at", "next_run_at",
    "enqueued_at", "started_at",       "completed_at", "duration_ms",
    "cpu_ms",      "error_message"};
constexpr std::array<std::string_view, 9> kAttemptColumns = {
    "task_id",  "seq",     "attempt",    "worker_id",    "started_at",
    "ended_at", "outcome", "error_code", "error_message"};
constexpr std::array<std::string_view, 5> kDeadLetterColumns = {"task_id", "video_id", "step",
                                                                "dead_at", "reason"};
constexpr std::array<std::string_view, 6> kEventColumns = {
    "event_id", "video_id", "type", "payload_json", "created_at", "published_at"};

template <size_t N>
std::string ColumnList(const std::array<std::string_view, N>& cols) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += cols[i];
  }
  return out;
}

// "SELECT c1, c2, ... FROM table " (the caller appends WHERE/ORDER BY).
template <size_t N>
std::string SelectSql(std::string_view table, const std::array<std::string_view, N>& cols) {
  return "SELECT " + ColumnList(cols) + " FROM " + std::string(table) + " ";
}

// "<verb> INTO table (c1, ...) VALUES (?1, ...)".
template <size_t N>
std::string InsertSql(std::string_view verb, std::string_view table,
                      const std::array<std::string_view, N>& cols) {
  std::string values;
  for (size_t i = 0; i < N; ++i) values += (i > 0 ? ", ?" : "?") + std::to_string(i + 1);
  return std::string(verb) + " INTO " + std::string(table) + " (" + ColumnList(cols) +
         ") VALUES (" + values + ")";
}

// "UPDATE table SET c(k+1) = ?(k+1), ... WHERE c1 = ?1 AND ... ck = ?k": the
// first `keys` columns identify the row, so the same binder serves INSERT and
// UPDATE.
template <size_t N>
std::string UpdateSql(std::string_view table, const std::array<std::string_view, N>& cols,
                      size_t keys) {
  std::string sets;
  std::string where;
  for (size_t i = 0; i < N; ++i) {
    std::string term = std::string(cols[i]) + " = ?" + std::to_string(i + 1);
    if (i < keys) {
      where += (where.empty() ? "" : " AND ") + term;
    } else {
      sets += (sets.empty() ? "" : ", ") + term;
    }
  }
  return "UPDATE " + std::string(table) + " SET " + sets + " WHERE " + where;
}

std::optional<int64_t> Widen(std::optional<int> v) {
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

template <typename E>
StatusOr<E> Parsed(std::optional<E> value, std::string_view what, const std::string& raw) {
  if (!value) return Internal("stored " + std::string(what) + " '" + raw + "' is not valid");
  return *value;
}

void BindVideo(Statement& s, const VideoRecord& v) {
  s.Text(v.video_id).Text(v.creator_id).Text(v.title).Text(v.original_key);
  s.Text(v.original_format).Real(v.duration_sec).Int(v.width).Int(v.height).Text(v.codec);
  s.Int(v.bitrate_kbps).Int(v.file_size_bytes).Text(ports::VideoStatusName(v.status));
  s.Text(v.preset).Text(ports::PriorityName(v.priority)).Text(v.manifest_url);
  s.Text(v.thumbnail_url).Text(v.error_message).Int(v.created_at).OptInt(v.completed_at);
  s.Text(v.options_json);
}

StatusOr<VideoRecord> ReadVideo(const Statement& s) {
  VideoRecord v;
  v.video_id = s.ColumnText(0);
  v.creator_id = s.ColumnText(1);
  v.title = s.ColumnText(2);
  v.original_key = s.ColumnText(3);
  v.original_format = s.ColumnText(4);
  v.duration_sec = s.ColumnReal(5);
  v.width = static_cast<int>(s.ColumnInt(6));
  v.height = static_cast<int>(s.ColumnInt(7));
  v.codec = s.ColumnText(8);
  v.bitrate_kbps = static_cast<int>(s.ColumnInt(9));
  v.file_size_bytes = s.ColumnInt(10);
  std::string status = s.ColumnText(11);
  ASSIGN_OR_RETURN(v.status, Parsed(ports::VideoStatusFromName(status), "video status", status));
  v.preset = s.ColumnText(12);
  std::string priority = s.ColumnText(13);
  ASSIGN_OR_RETURN(v.priority, Parsed(ports::PriorityFromName(priority), "priority", priority));
  v.manifest_url = s.ColumnText(14);
  v.thumbnail_url = s.ColumnText(15);
  v.error_message = s.ColumnText(16);
  v.created_at = s.ColumnInt(17);
  v.completed_at = s.ColumnOptInt(18);
  v.options_json = s.ColumnText(19);
  return v;
}

void BindTask(Statement& s, const TaskRecord& t) {
  s.Text(t.task_id).Text(t.video_id).Text(t.step).Text(t.resolution).Text(t.codec);
  s.OptInt(Widen(t.segment_index)).Text(t.pool).Int(ports::PriorityLevel(t.priority));
  s.Text(t.input_key).Text(t.output_key).Text(t.params_json).Text(t.result_json);
  s.Text(ports::TaskStateName(t.state)).Int(t.attempts).Int(t.max_attempts).Text(t.worker_id);
  s.Text(t.lease_owner).OptInt(t.lease_expires_at).OptInt(t.heartbeat_at).Int(t.next_run_at);
  s.Int(t.enqueued_at).OptInt(t.started_at).OptInt(t.completed_at).OptInt(t.duration_ms);
  s.OptInt(t.cpu_ms).Text(t.error_message);
}

StatusOr<TaskRecord> ReadTask(const Statement& s) {
  TaskRecord t;
  t.task_id = s.ColumnText(0);
  t.video_id = s.ColumnText(1);
  t.step = s.ColumnText(2);
  t.resolution = s.ColumnText(3);
  t.codec = s.ColumnText(4);
  if (auto seg = s.ColumnOptInt(5)) t.segment_index = static_cast<int>(*seg);
  t.pool = s.ColumnText(6);
  int64_t level = s.ColumnInt(7);
  ASSIGN_OR_RETURN(
      t.priority, Parsed(ports::PriorityFromLevel(level), "priority level", std::to_string(level)));
  t.input_key = s.ColumnText(8);
  t.output_key = s.ColumnText(9);
  t.params_json = s.ColumnText(10);
  t.result_json = s.ColumnText(11);
  std::string state = s.ColumnText(12);
  ASSIGN_OR_RETURN(t.state, Parsed(ports::TaskStateFromName(state), "task state", state));
  t.attempts = static_cast<int>(s.ColumnInt(13));
  t.max_attempts = static_cast<int>(s.ColumnInt(14));
  t.worker_id = s.ColumnText(15);
  t.lease_owner = s.ColumnText(16);
  t.lease_expires_at = s.ColumnOptInt(17);
  t.heartbeat_at = s.ColumnOptInt(18);
  t.next_run_at = s.ColumnInt(19);
  t.enqueued_at = s.ColumnInt(20);
  t.started_at = s.ColumnOptInt(21);
  t.completed_at = s.ColumnOptInt(22);
  t.duration_ms = s.ColumnOptInt(23);
  t.cpu_ms = s.ColumnOptInt(24);
  t.error_message = s.ColumnText(25);
  return t;
}

void BindAttempt(Statement& s, const AttemptRecord& a) {
  s.Text(a.task_id).Int(a.seq).Int(a.attempt).Text(a.worker_id).Int(a.started_at);
  s.OptInt(a.ended_at).Text(ports::AttemptOutcomeName(a.outcome)).Text(a.error_code);
  s.Text(a.error_message);
}

StatusOr<AttemptRecord> ReadAttempt(const Statement& s) {
  AttemptRecord a;
  a.task_id = s.ColumnText(0);
  a.seq = static_cast<int>(s.ColumnInt(1));
  a.attempt = static_cast<int>(s.ColumnInt(2));
  a.worker_id = s.ColumnText(3);
  a.started_at = s.ColumnInt(4);
  a.ended_at = s.ColumnOptInt(5);
  std::string outcome = s.ColumnText(6);
  ASSIGN_OR_RETURN(a.outcome,
                   Parsed(ports::AttemptOutcomeFromName(outcome), "attempt outcome", outcome));
  a.error_code = s.ColumnText(7);
  a.error_message = s.ColumnText(8);
  return a;
}

StatusOr<DeadLetter> ReadDeadLetter(const Statement& s) {
  DeadLetter d;
  d.task_id = s.ColumnText(0);
  d.video_id = s.ColumnText(1);
  d.step = s.ColumnText(2);
  d.dead_at = s.ColumnInt(3);
  d.reason = s.ColumnText(4);
  return d;
}

StatusOr<Event> ReadEvent(const Statement& s) {
  Event e;
  e.event_id = s.ColumnInt(0);
  e.video_id = s.ColumnText(1);
  e.type = s.ColumnText(2);
  e.payload_json = s.ColumnText(3);
  e.created_at = s.ColumnInt(4);
  e.published_at = s.ColumnOptInt(5);
  return e;
}

}  // namespace

// ---- videos ----------------------------------------------------------------

Status InsertVideo(Connection& conn, const VideoRecord& video) {
  static const std::string sql = InsertSql("INSERT", "videos", kVideoColumns);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindVideo(s, video);
  return s.Run();
}

Status SaveVideo(Connection& conn, const VideoRecord& video) {
  static const std::string sql = UpdateSql("videos", kVideoColumns, 1);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindVideo(s, video);
  return s.Run();
}

StatusOr<std::optional<VideoRecord>> LoadVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql = SelectSql("videos", kVideoColumns) + "WHERE video_id = ?1";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(video_id);
  return First(s, ReadVideo);
}

StatusOr<std::vector<VideoRecord>> LoadVideos(Connection& conn,
                                              std::optional<ports::VideoStatus> status) {
  // ?1 IS NULL selects every status.
  static const std::string sql = SelectSql("videos", kVideoColumns) +
                                 "WHERE ?1 IS NULL OR status = ?1 ORDER BY created_at, video_id";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  if (status) {
    s.Text(ports::VideoStatusName(*status));
  } else {
    s.OptInt(std::nullopt);
  }
  return Collect(s, ReadVideo);
}

StatusOr<std::vector<VideoRecord>> LoadVideoPage(Connection& conn,
                                                 const ports::VideoPageQuery& query) {
  // Assembled from constant fragments, one cached statement per shape, so
  // each shape keeps its own plan (a creator's page seeks idx_creator).
  std::string sql = SelectSql("videos", kVideoColumns) + "WHERE 1";
  if (!query.creator_id.empty()) sql += " AND creator_id = ?";
  if (query.status) {
    sql += " AND status = ?";
  } else if (!query.include_removed) {
    sql += " AND status <> 'removed'";
  }
  // Keyset continuation, (created_at, video_id) < after, written so the
  // created_at term bounds the index range.
  if (query.after) sql += " AND created_at <= ? AND (created_at < ? OR video_id < ?)";
  sql += " ORDER BY created_at DESC, video_id DESC LIMIT ?";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  if (!query.creator_id.empty()) s.Text(query.creator_id);
  if (query.status) s.Text(ports::VideoStatusName(*query.status));
  if (query.after) s.Int(query.after->first).Int(query.after->first).Text(query.after->second);
  s.Int(query.limit);
  return Collect(s, ReadVideo);
}

// ---- tasks -----------------------------------------------------------------

Status InsertTask(Connection& conn, const TaskRecord& task) {
  static const std::string sql = InsertSql("INSERT", "tasks", kTaskColumns);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindTask(s, task);
  return s.Run();
}

Status SaveTask(Connection& conn, const TaskRecord& task) {
  static const std::string sql = UpdateSql("tasks", kTaskColumns, 1);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindTask(s, task);
  return s.Run();
}

StatusOr<std::optional<TaskRecord>> LoadTask(Connection& conn, std::string_view task_id) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) + "WHERE task_id = ?1";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(task_id);
  return First(s, ReadTask);
}

StatusOr<std::vector<TaskRecord>> LoadTasksOfVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) + "WHERE video_id = ?1 ORDER BY task_id";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(video_id);
  return Collect(s, ReadTask);
}

StatusOr<ports::StepTally> LoadStepTally(Connection& conn, std::string_view video_id,
                                         std::string_view step) {
  ports::StepTally tally;
  {
    ASSIGN_OR_RETURN(Statement s, conn.Prepare(std::string("SELECT COUNT(*) FROM tasks ") + kUnfinishedOfStepWhere));
    s.Text(video_id).Text(step);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) tally.unfinished = static_cast<int>(s.ColumnInt(0));
  }
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(
      "SELECT EXISTS (SELECT 1 FROM dead_letters WHERE video_id = ?1)"));
  s.Text(video_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  tally.any_dead = row && s.ColumnInt(0) != 0;
  return tally;
}

StatusOr<std::vector<ports::TaskSummary>> LoadTaskSummaries(Connection& conn, std::string_view video_id) {
  static const std::string sql =
      "SELECT task_id, step, state, next_run_at FROM tasks WHERE video_id = ?1 ORDER BY task_id";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(video_id);
  return Collect(s, [](const Statement& row) -> StatusOr<ports::TaskSummary> {
    std::string state = row.ColumnText(2);
    auto parsed = ports::TaskStateFromName(state);
    if (!parsed) return Internal("tasks.state holds '" + state + "'");
    return ports::TaskSummary{row.ColumnText(0), row.ColumnText(1), *parsed, row.ColumnInt(3)};
  });
}

StatusOr<std::optional<ports::LeaseCandidate>> RunnableHead(Connection& conn, std::string_view pool,
                                                            ports::Priority priority,
                                                            ports::Millis now) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(kRunnableHeadSql));
  s.Text(pool).Int(ports::PriorityLevel(priority)).Int(now);
  return First(s, [priority](const Statement& row) -> StatusOr<ports::LeaseCandidate> {
    return ports::LeaseCandidate{row.ColumnText(0), priority, row.ColumnInt(1)};
  });
}

StatusOr<std::vector<TaskRecord>> LoadWaitingTasks(Connection& conn, std::string_view pool, int limit) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) +
                                 "WHERE state IN ('pending', 'retrying') AND pool = ?1 "
                                 "AND next_run_at < ?2 ORDER BY next_run_at, task_id LIMIT ?3";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(pool).Int(ports::kParkedRunAt).Int(limit);
  return Collect(s, ReadTask);
}

StatusOr<std::vector<TaskRecord>> LoadExpiredLeases(Connection& conn, ports::Millis now) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) +
                                 "WHERE state = 'running' AND lease_expires_at < ?1 "
                                 "ORDER BY lease_expires_at, task_id";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Int(now);
  return Collect(s, ReadTask);
}

StatusOr<std::vector<TaskRecord>> LoadLeasesOf(Connection& conn, std::string_view worker_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) + std::string(kLeasesOfWorkerWhere);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(worker_id);
  return Collect(s, ReadTask);
}

// ---- task_attempts ---------------------------------------------------------

Status InsertAttempt(Connection& conn, const AttemptRecord& attempt) {
  static const std::string sql = InsertSql("INSERT", "task_attempts", kAttemptColumns);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindAttempt(s, attempt);
  return s.Run();
}

Status SaveAttempt(Connection& conn, const AttemptRecord& attempt) {
  static const std::string sql = UpdateSql("task_attempts", kAttemptColumns, 2);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  BindAttempt(s, attempt);
  return s.Run();
}

StatusOr<std::vector<AttemptRecord>> LoadAttempts(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("task_attempts", kAttemptColumns) + "WHERE task_id = ?1 ORDER BY seq";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(task_id);
  return Collect(s, ReadAttempt);
}

StatusOr<std::optional<AttemptRecord>> LoadLastAttempt(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("task_attempts", kAttemptColumns) + "WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(task_id);
  return First(s, ReadAttempt);
}

StatusOr<int> NextAttemptSeq(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 "
                                             "FROM task_attempts WHERE task_id = ?1"));
  s.Text(task_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.ColumnInt(0)) : 1;
}

// ---- dead_letters ----------------------------------------------------------

Status SaveDeadLetter(Connection& conn, const DeadLetter& dead) {
  static const std::string sql = InsertSql("INSERT OR REPLACE", "dead_letters", kDeadLetterColumns);
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(dead.task_id).Text(dead.video_id).Text(dead.step).Int(dead.dead_at).Text(dead.reason);
  return s.Run();
}

StatusOr<bool> DeleteDeadLetter(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare("DELETE FROM dead_letters WHERE task_id = ?1"));
  RETURN_IF_ERROR(s.Text(task_id).Run());
  return conn.Changes() == 1;
}

StatusOr<std::optional<DeadLetter>> LoadDeadLetter(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("dead_letters", kDeadLetterColumns) + "WHERE task_id = ?1";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  s.Text(task_id);
  return First(s, ReadDeadLetter);
}

StatusOr<std::vector<DeadLetter>> LoadDeadLetters(Connection& conn) {
  static const std::string sql =
      SelectSql("dead_letters", kDeadLetterColumns) + "ORDER BY dead_at, task_id";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(sql));
  return Collect(s, ReadDeadLetter);
}

// ---- events ----------------------------------------------------------------

StatusOr<int64_t> InsertEvent(Connection& conn, const Event& event) {
  ASSIGN_OR_RETURN(Statement s,
                   conn.Prepare("INSERT INTO events (video_id, type, payload_json, created_at) "
                                "VALUES (?1, ?2, ?3, ?4) RETURNING event_id"));
  s.Text(event.video_id).Text(event.type).Text(event.payload_json).Int(event.created_at);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Internal("INSERT ... RETURNING returned no row");
  int64_t id = s.ColumnInt(0);
  RETURN_IF_ERROR(s.Run());  // finishes the statement so the insert completes
  return id;
}

StatusOr<std::vector<Event>> LoadEvents(Connection& conn, int64_t after_id, int limit,
                                        bool unpublished_only) {
  static const std::string all_sql =
      SelectSql("events", kEventColumns) + "WHERE event_id > ?1 ORDER BY event_id LIMIT ?2";
  static const std::string unpublished_sql =
      SelectSql("events", kEventColumns) +
      "WHERE published_at IS NULL AND event_id > ?1 ORDER BY event_id LIMIT ?2";
  ASSIGN_OR_RETURN(Statement s, conn.Prepare(unpublished_only ? unpublished_sql : all_sql));
  s.Int(after_id).Int(limit);
  return Collect(s, ReadEvent);
}

StatusOr<int> MarkPublished(Connection& conn, int64_t through_id, ports::Millis now) {
  ASSIGN_OR_RETURN(Statement s, conn.Prepare("UPDATE events SET published_at = ?1 "
                                             "WHERE published_at IS NULL AND event_id <= ?2"));
  RETURN_IF_ERROR(s.Int(now).Int(through_id).Run());
  return static_cast<int>(conn.Changes());
}

// ---- composite writes ------------------------------------------------------

Status InsertNewVideo(Connection& conn, const VideoRecord& video, ports::Millis now) {
  VideoRecord row = NewVideo(video, now);
  Status inserted = InsertVideo(conn, row);
  if (inserted.code() == ErrorCode::kAlreadyExists) {
    return Status(ErrorCode::kAlreadyExists, "video " + video.video_id + " exists");
  }
  RETURN_IF_ERROR(inserted);
  Event event = VideoCreatedEvent(row);
  event.created_at = now;
  return InsertEvent(conn, event).status();
}

Status CloseOpenAttempt(Connection& conn, std::string_view task_id, const RunEnd& end,
                        ports::Millis now) {
  ASSIGN_OR_RETURN(std::optional<AttemptRecord> last, LoadLastAttempt(conn, task_id));
  if (!last || last->outcome != ports::AttemptOutcome::kRunning) return Status::Ok();
  CloseAttempt(*last, end, now);
  return SaveAttempt(conn, *last);
}

Status PersistRunEnd(Connection& conn, const RunEnd& end, ports::Millis now) {
  RETURN_IF_ERROR(SaveTask(conn, end.task));
  RETURN_IF_ERROR(CloseOpenAttempt(conn, end.task.task_id, end, now));
  if (end.dead_letter) RETURN_IF_ERROR(SaveDeadLetter(conn, *end.dead_letter));
  Event event = end.event;
  event.created_at = now;
  return InsertEvent(conn, event).status();
}

}  // namespace vtp::adapters::sqlite
