#include "adapters/pg_rows.h"

#include <array>
#include <string>
#include <utility>

namespace vtp::adapters::pg {
namespace {

using ports::AttemptRecord;
using ports::DeadLetter;
using ports::Event;
using ports::TaskRecord;
using ports::VideoRecord;

// Column lists in parameter/read order. The SQL below is assembled from these
// constant identifiers only; every value travels as a parameter.
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

// "c1, c2, ...", each prefixed with `table_alias` ("t." or "").
template <size_t N>
std::string ColumnList(const std::array<std::string_view, N>& cols,
                       std::string_view table_alias = "") {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += table_alias;
    out += cols[i];
  }
  return out;
}

// "SELECT c1, c2, ... FROM table " (the caller appends WHERE/ORDER BY).
template <size_t N>
std::string SelectSql(std::string_view table, const std::array<std::string_view, N>& cols) {
  return "SELECT " + ColumnList(cols) + " FROM " + std::string(table) + " ";
}

// "INSERT INTO table (c1, ...) VALUES ($1, ...)"; the column types type the
// parameters.
template <size_t N>
std::string InsertSql(std::string_view table, const std::array<std::string_view, N>& cols) {
  std::string values;
  for (size_t i = 0; i < N; ++i) values += (i > 0 ? ", $" : "$") + std::to_string(i + 1);
  return "INSERT INTO " + std::string(table) + " (" + ColumnList(cols) + ") VALUES (" + values +
         ")";
}

// "UPDATE table SET c(k+1) = $(k+1), ... WHERE c1 = $1 AND ... ck = $k": the
// first `keys` columns identify the row, so one binder serves INSERT and
// UPDATE.
template <size_t N>
std::string UpdateSql(std::string_view table, const std::array<std::string_view, N>& cols,
                      size_t keys) {
  std::string sets;
  std::string where;
  for (size_t i = 0; i < N; ++i) {
    std::string term = std::string(cols[i]) + " = $" + std::to_string(i + 1);
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

Params VideoParams(const VideoRecord& v) {
  return {v.video_id,
          v.creator_id,
          v.title,
          v.original_key,
          v.original_format,
          v.duration_sec,
          v.width,
          v.height,
          v.codec,
          v.bitrate_kbps,
          v.file_size_bytes,
          ports::VideoStatusName(v.status),
          v.preset,
          ports::PriorityName(v.priority),
          v.manifest_url,
          v.thumbnail_url,
          v.error_message,
          v.created_at,
          v.completed_at,
          v.options_json};
}

StatusOr<VideoRecord> ReadVideo(const Result& r, int i) {
  VideoRecord v;
  v.video_id = r.GetText(i, 0);
  v.creator_id = r.GetText(i, 1);
  v.title = r.GetText(i, 2);
  v.original_key = r.GetText(i, 3);
  v.original_format = r.GetText(i, 4);
  v.duration_sec = r.GetDouble(i, 5);
  v.width = static_cast<int>(r.GetInt64(i, 6));
  v.height = static_cast<int>(r.GetInt64(i, 7));
  v.codec = r.GetText(i, 8);
  v.bitrate_kbps = static_cast<int>(r.GetInt64(i, 9));
  v.file_size_bytes = r.GetInt64(i, 10);
  std::string status = r.GetText(i, 11);
  ASSIGN_OR_RETURN(v.status, Parsed(ports::VideoStatusFromName(status), "video status", status));
  v.preset = r.GetText(i, 12);
  std::string priority = r.GetText(i, 13);
  ASSIGN_OR_RETURN(v.priority, Parsed(ports::PriorityFromName(priority), "priority", priority));
  v.manifest_url = r.GetText(i, 14);
  v.thumbnail_url = r.GetText(i, 15);
  v.error_message = r.GetText(i, 16);
  v.created_at = r.GetInt64(i, 17);
  v.completed_at = r.GetOptInt64(i, 18);
  v.options_json = r.GetText(i, 19);
  return v;
}

Params TaskParams(const TaskRecord& t) {
  return {t.task_id,
          t.video_id,
          t.step,
          t.resolution,
          t.codec,
          Widen(t.segment_index),
          t.pool,
          ports::PriorityLevel(t.priority),
          t.input_key,
          t.output_key,
          t.params_json,
          t.result_json,
          ports::TaskStateName(t.state),
          t.attempts,
          t.max_attempts,
          t.worker_id,
          t.lease_owner,
          t.lease_expires_at,
          t.heartbeat_at,
          t.next_run_at,
          t.enqueued_at,
          t.started_at,
          t.completed_at,
          t.duration_ms,
          t.cpu_ms,
          t.error_message};
}

StatusOr<TaskRecord> ReadTask(const Result& r, int i) {
  TaskRecord t;
  t.task_id = r.GetText(i, 0);
  t.video_id = r.GetText(i, 1);
  t.step = r.GetText(i, 2);
  t.resolution = r.GetText(i, 3);
  t.codec = r.GetText(i, 4);
  if (auto seg = r.GetOptInt64(i, 5)) t.segment_index = static_cast<int>(*seg);
  t.pool = r.GetText(i, 6);
  int64_t level = r.GetInt64(i, 7);
  ASSIGN_OR_RETURN(
      t.priority, Parsed(ports::PriorityFromLevel(level), "priority level", std::to_string(level)));
  t.input_key = r.GetText(i, 8);
  t.output_key = r.GetText(i, 9);
  t.params_json = r.GetText(i, 10);
  t.result_json = r.GetText(i, 11);
  std::string state = r.GetText(i, 12);
  ASSIGN_OR_RETURN(t.state, Parsed(ports::TaskStateFromName(state), "task state", state));
  t.attempts = static_cast<int>(r.GetInt64(i, 13));
  t.max_attempts = static_cast<int>(r.GetInt64(i, 14));
  t.worker_id = r.GetText(i, 15);
  t.lease_owner = r.GetText(i, 16);
  t.lease_expires_at = r.GetOptInt64(i, 17);
  t.heartbeat_at = r.GetOptInt64(i, 18);
  t.next_run_at = r.GetInt64(i, 19);
  t.enqueued_at = r.GetInt64(i, 20);
  t.started_at = r.GetOptInt64(i, 21);
  t.completed_at = r.GetOptInt64(i, 22);
  t.duration_ms = r.GetOptInt64(i, 23);
  t.cpu_ms = r.GetOptInt64(i, 24);
  t.error_message = r.GetText(i, 25);
  return t;
}

Params AttemptParams(const AttemptRecord& a) {
  return {a.task_id,    a.seq,
          a.attempt,    a.worker_id,
          a.started_at, a.ended_at,
          ports::AttemptOutcomeName(a.outcome), a.error_code,
          a.error_message};
}

// The attempt whose columns start at column `c` of row `i`.
StatusOr<AttemptRecord> ReadAttemptAt(const Result& r, int i, int c) {
  AttemptRecord a;
  a.task_id = r.GetText(i, c + 0);
  a.seq = static_cast<int>(r.GetInt64(i, c + 1));
  a.attempt = static_cast<int>(r.GetInt64(i, c + 2));
  a.worker_id = r.GetText(i, c + 3);
  a.started_at = r.GetInt64(i, c + 4);
  a.ended_at = r.GetOptInt64(i, c + 5);
  std::string outcome = r.GetText(i, c + 6);
  ASSIGN_OR_RETURN(a.outcome,
                   Parsed(ports::AttemptOutcomeFromName(outcome), "attempt outcome", outcome));
  a.error_code = r.GetText(i, c + 7);
  a.error_message = r.GetText(i, c + 8);
  return a;
}

StatusOr<AttemptRecord> ReadAttempt(const Result& r, int i) { return ReadAttemptAt(r, i, 0); }

StatusOr<DeadLetter> ReadDeadLetter(const Result& r, int i) {
  DeadLetter d;
  d.task_id = r.GetText(i, 0);
  d.video_id = r.GetText(i, 1);
  d.step = r.GetText(i, 2);
  d.dead_at = r.GetInt64(i, 3);
  d.reason = r.GetText(i, 4);
  return d;
}

StatusOr<Event> ReadEvent(const Result& r, int i) {
  Event e;
  e.event_id = r.GetInt64(i, 0);
  e.video_id = r.GetText(i, 1);
  e.type = r.GetText(i, 2);
  e.payload_json = r.GetText(i, 3);
  e.created_at = r.GetInt64(i, 4);
  e.published_at = r.GetOptInt64(i, 5);
  return e;
}

const std::string& SaveDeadLetterSql() {
  static const std::string sql =
      InsertSql("dead_letters", kDeadLetterColumns) +
      " ON CONFLICT (task_id) DO UPDATE SET video_id = EXCLUDED.video_id, "
      "step = EXCLUDED.step, dead_at = EXCLUDED.dead_at, reason = EXCLUDED.reason";
  return sql;
}

StatusOr<std::vector<TaskRecord>> QueryTasks(Connection& conn, const std::string& sql,
                                             const Params& params) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, params));
  return Collect(r, ReadTask);
}

StatusOr<std::optional<TaskRecord>> QueryTask(Connection& conn, const std::string& sql,
                                              std::string_view task_id) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  return First(r, ReadTask);
}

}  // namespace

// ---- videos ----------------------------------------------------------------

Status InsertVideo(Connection& conn, const VideoRecord& video) {
  static const std::string sql = InsertSql("videos", kVideoColumns);
  return conn.Exec(sql, VideoParams(video)).status();
}

Status SaveVideo(Connection& conn, const VideoRecord& video) {
  static const std::string sql = UpdateSql("videos", kVideoColumns, 1);
  return conn.Exec(sql, VideoParams(video)).status();
}

StatusOr<std::optional<VideoRecord>> LoadVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql = SelectSql("videos", kVideoColumns) + "WHERE video_id = $1";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {video_id}));
  return First(r, ReadVideo);
}

StatusOr<std::optional<VideoRecord>> LockVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql =
      SelectSql("videos", kVideoColumns) + "WHERE video_id = $1 FOR UPDATE";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {video_id}));
  return First(r, ReadVideo);
}

StatusOr<std::vector<VideoRecord>> LoadVideos(Connection& conn,
                                              std::optional<ports::VideoStatus> status) {
  // $1 IS NULL selects every status.
  static const std::string sql =
      SelectSql("videos", kVideoColumns) +
      "WHERE $1::text IS NULL OR status = $1::text ORDER BY created_at, video_id";
  Param p = status ? Param(ports::VideoStatusName(*status)) : Param(std::nullopt);
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {p}));
  return Collect(r, ReadVideo);
}

StatusOr<std::vector<VideoRecord>> LoadVideoPage(Connection& conn,
                                                 const ports::VideoPageQuery& query) {
  // Assembled from constant fragments: one prepared statement per shape, so
  // each shape keeps its own plan (a creator's page seeks idx_creator).
  std::string sql = SelectSql("videos", kVideoColumns) + "WHERE TRUE";
  Params params;
  auto next = [&params](Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
  };
  if (!query.creator_id.empty()) sql += " AND creator_id = " + next(query.creator_id);
  if (query.status) {
    sql += " AND status = " + next(ports::VideoStatusName(*query.status));
  } else if (!query.include_removed) {
    sql += " AND status <> 'removed'";
  }
  // Keyset continuation, (created_at, video_id) < after, written so the
  // created_at term bounds the index range.
  if (query.after) {
    std::string at = next(query.after->first);
    std::string id = next(query.after->second);
    sql += " AND created_at <= " + at + " AND (created_at < " + at + " OR video_id < " + id + ")";
  }
  sql += " ORDER BY created_at DESC, video_id DESC LIMIT " + next(query.limit);
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, params));
  return Collect(r, ReadVideo);
}

// ---- tasks -----------------------------------------------------------------

Status InsertTask(Connection& conn, const TaskRecord& task) {
  static const std::string sql = InsertSql("tasks", kTaskColumns);
  return conn.Exec(sql, TaskParams(task)).status();
}

StatusOr<bool> InsertTaskIfAbsent(Connection& conn, const TaskRecord& task) {
  static const std::string sql =
      InsertSql("tasks", kTaskColumns) + " ON CONFLICT (task_id) DO NOTHING";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, TaskParams(task)));
  return r.Affected() == 1;
}

Status SaveTask(Connection& conn, const TaskRecord& task) {
  static const std::string sql = UpdateSql("tasks", kTaskColumns, 1);
  return conn.Exec(sql, TaskParams(task)).status();
}

StatusOr<std::optional<TaskRecord>> LoadTask(Connection& conn, std::string_view task_id) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) + "WHERE task_id = $1";
  return QueryTask(conn, sql, task_id);
}

StatusOr<std::optional<TaskRecord>> LockTask(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) + "WHERE task_id = $1 FOR UPDATE";
  return QueryTask(conn, sql, task_id);
}

StatusOr<std::optional<ClaimedTask>> TryClaimTask(Connection& conn, std::string_view task_id) {
  // The sequence rides along (column 26): one round trip for the claim.
  static const std::string sql =
      "SELECT " + ColumnList(kTaskColumns, "t.") +
      ", (SELECT COALESCE(MAX(a.seq), 0) + 1 FROM task_attempts a WHERE a.task_id = t.task_id) "
      "FROM tasks t WHERE t.task_id = $1 FOR UPDATE OF t SKIP LOCKED";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  if (r.Rows() == 0) return std::optional<ClaimedTask>();
  ASSIGN_OR_RETURN(TaskRecord task, ReadTask(r, 0));
  return std::optional<ClaimedTask>(
      ClaimedTask{std::move(task), static_cast<int>(r.GetInt64(0, kTaskColumns.size()))});
}

StatusOr<std::optional<EndingTask>> LockEndingTask(Connection& conn, std::string_view task_id) {
  // The latest attempt's columns follow the task's (from column 26); NULL
  // when the task never ran.
  static const std::string sql =
      "SELECT " + ColumnList(kTaskColumns, "t.") + ", " + ColumnList(kAttemptColumns, "a.") +
      " FROM tasks t LEFT JOIN LATERAL (SELECT * FROM task_attempts x "
      "WHERE x.task_id = t.task_id ORDER BY x.seq DESC LIMIT 1) a ON TRUE "
      "WHERE t.task_id = $1 FOR UPDATE OF t";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  if (r.Rows() == 0) return std::optional<EndingTask>();
  EndingTask out;
  ASSIGN_OR_RETURN(out.task, ReadTask(r, 0));
  const int first = static_cast<int>(kTaskColumns.size());
  if (!r.IsNull(0, first)) {
    ASSIGN_OR_RETURN(AttemptRecord last, ReadAttemptAt(r, 0, first));
    out.last_attempt = std::move(last);
  }
  return std::optional<EndingTask>(std::move(out));
}

void DeferSaveTask(Connection& conn, const TaskRecord& task) {
  static const std::string sql = UpdateSql("tasks", kTaskColumns, 1);
  conn.Defer(sql, TaskParams(task));
}

StatusOr<std::vector<TaskRecord>> LoadTasksOfVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) + "WHERE video_id = $1 ORDER BY task_id";
  return QueryTasks(conn, sql, {video_id});
}

StatusOr<std::vector<TaskRecord>> LockTasksOfVideo(Connection& conn, std::string_view video_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) + "WHERE video_id = $1 ORDER BY task_id FOR UPDATE";
  return QueryTasks(conn, sql, {video_id});
}

StatusOr<ports::StepTally> LoadStepTally(Connection& conn, std::string_view video_id,
                                         std::string_view step) {
  // Both answers in one round trip: a count on the tasks_video index and an
  // existence probe on dead_letters_by_video.
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec("SELECT (SELECT COUNT(*) FROM tasks WHERE video_id = $1 AND "
                             "step = $2 AND state <> 'completed'), "
                             "EXISTS (SELECT 1 FROM dead_letters WHERE video_id = $1)",
                             {video_id, step}));
  ports::StepTally tally;
  tally.unfinished = static_cast<int>(r.GetInt64(0, 0));
  tally.any_dead = r.GetBool(0, 1);
  return tally;
}

StatusOr<std::vector<ports::TaskSummary>> LoadTaskSummaries(Connection& conn,
                                                            std::string_view video_id) {
  ASSIGN_OR_RETURN(Result r, conn.Exec("SELECT task_id, step, state, next_run_at FROM tasks "
                                       "WHERE video_id = $1 ORDER BY task_id",
                                       {video_id}));
  return Collect(r, [](const Result& row, int i) -> StatusOr<ports::TaskSummary> {
    std::string state = row.GetText(i, 2);
    auto parsed = ports::TaskStateFromName(state);
    if (!parsed) return Internal("tasks.state holds '" + state + "'");
    return ports::TaskSummary{row.GetText(i, 0), row.GetText(i, 1), *parsed,
                              row.GetInt64(i, 3)};
  });
}

StatusOr<std::vector<ports::LeaseCandidate>> RunnableHeads(Connection& conn,
                                                           const std::vector<std::string>& pools,
                                                           ports::Millis now, bool skip_locked) {
  // One index seek per (pool, level) on tasks_runnable; the state term
  // repeats the index predicate so the planner may use it.
  static const std::string base =
      "SELECT h.task_id, h.priority, h.next_run_at "
      "FROM unnest($1::text[]) AS p(pool) CROSS JOIN generate_series(0, 3) AS l(level) "
      "CROSS JOIN LATERAL (SELECT task_id, priority, next_run_at FROM tasks "
      "WHERE state IN ('pending', 'retrying') AND pool = p.pool AND priority = l.level "
      "AND next_run_at <= $2::bigint ORDER BY next_run_at, task_id LIMIT 1";
  static const std::string plain = base + ") h";
  static const std::string locking = base + " FOR UPDATE SKIP LOCKED) h";
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec(skip_locked ? locking : plain, {Param::TextArray(pools), now}));
  return Collect(r, [](const Result& row, int i) -> StatusOr<ports::LeaseCandidate> {
    int64_t level = row.GetInt64(i, 1);
    ASSIGN_OR_RETURN(ports::Priority priority,
                     Parsed(ports::PriorityFromLevel(level), "priority level",
                            std::to_string(level)));
    return ports::LeaseCandidate{row.GetText(i, 0), priority, row.GetInt64(i, 2)};
  });
}

StatusOr<std::vector<TaskRecord>> LoadWaitingTasks(Connection& conn, std::string_view pool,
                                                   int limit) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) +
                                 "WHERE state IN ('pending', 'retrying') AND pool = $1 "
                                 "AND next_run_at < $2::bigint ORDER BY next_run_at, task_id "
                                 "LIMIT $3::bigint";
  return QueryTasks(conn, sql, {pool, ports::kParkedRunAt, limit});
}

StatusOr<std::vector<TaskRecord>> LockExpiredLeases(Connection& conn, ports::Millis now) {
  static const std::string sql = SelectSql("tasks", kTaskColumns) +
                                 "WHERE state = 'running' AND lease_expires_at < $1::bigint "
                                 "ORDER BY lease_expires_at, task_id FOR UPDATE SKIP LOCKED";
  return QueryTasks(conn, sql, {now});
}

StatusOr<std::vector<TaskRecord>> LockLeasesOf(Connection& conn, std::string_view worker_id) {
  static const std::string sql =
      SelectSql("tasks", kTaskColumns) +
      "WHERE state = 'running' AND lease_owner = $1 ORDER BY task_id FOR UPDATE";
  return QueryTasks(conn, sql, {worker_id});
}

// ---- task_attempts ---------------------------------------------------------

Status InsertAttempt(Connection& conn, const AttemptRecord& attempt) {
  static const std::string sql = InsertSql("task_attempts", kAttemptColumns);
  return conn.Exec(sql, AttemptParams(attempt)).status();
}

void DeferInsertAttempt(Connection& conn, const AttemptRecord& attempt) {
  static const std::string sql = InsertSql("task_attempts", kAttemptColumns);
  conn.Defer(sql, AttemptParams(attempt));
}

Status SaveAttempt(Connection& conn, const AttemptRecord& attempt) {
  static const std::string sql = UpdateSql("task_attempts", kAttemptColumns, 2);
  return conn.Exec(sql, AttemptParams(attempt)).status();
}

StatusOr<std::vector<AttemptRecord>> LoadAttempts(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("task_attempts", kAttemptColumns) + "WHERE task_id = $1 ORDER BY seq";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  return Collect(r, ReadAttempt);
}

StatusOr<std::optional<AttemptRecord>> LoadLastAttempt(Connection& conn,
                                                       std::string_view task_id) {
  static const std::string sql = SelectSql("task_attempts", kAttemptColumns) +
                                 "WHERE task_id = $1 ORDER BY seq DESC LIMIT 1";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  return First(r, ReadAttempt);
}

StatusOr<int> NextAttemptSeq(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(Result r, conn.Exec("SELECT COALESCE(MAX(seq), 0) + 1 FROM task_attempts "
                                       "WHERE task_id = $1",
                                       {task_id}));
  return r.Rows() > 0 ? static_cast<int>(r.GetInt64(0, 0)) : 1;
}

// ---- dead_letters ----------------------------------------------------------

Status SaveDeadLetter(Connection& conn, const DeadLetter& dead) {
  return conn.Exec(SaveDeadLetterSql(),
                   {dead.task_id, dead.video_id, dead.step, dead.dead_at, dead.reason})
      .status();
}

StatusOr<bool> DeleteDeadLetter(Connection& conn, std::string_view task_id) {
  ASSIGN_OR_RETURN(Result r, conn.Exec("DELETE FROM dead_letters WHERE task_id = $1", {task_id}));
  return r.Affected() == 1;
}

StatusOr<std::optional<DeadLetter>> LoadDeadLetter(Connection& conn, std::string_view task_id) {
  static const std::string sql =
      SelectSql("dead_letters", kDeadLetterColumns) + "WHERE task_id = $1";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, {task_id}));
  return First(r, ReadDeadLetter);
}

StatusOr<std::vector<DeadLetter>> LoadDeadLetters(Connection& conn) {
  static const std::string sql =
      SelectSql("dead_letters", kDeadLetterColumns) + "ORDER BY dead_at, task_id";
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql));
  return Collect(r, ReadDeadLetter);
}

// ---- events ----------------------------------------------------------------

// One statement: the row comes FROM the lock's CTE, so the advisory lock is
// held before the row's event_id default draws from the sequence.
constexpr std::string_view kInsertEventSql =
    "WITH l AS (SELECT pg_advisory_xact_lock($1::bigint)) "
    "INSERT INTO events (video_id, type, payload_json, created_at) "
    "SELECT $2::text, $3::text, $4::text, $5::bigint FROM l RETURNING event_id";

Params EventParams(const Event& event) {
  return {kEventsLockKey, event.video_id, event.type, event.payload_json, event.created_at};
}

StatusOr<int64_t> InsertEvent(Connection& conn, const Event& event) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(kInsertEventSql, EventParams(event)));
  if (r.Rows() != 1) return Internal("INSERT ... RETURNING returned no row");
  return r.GetInt64(0, 0);
}

void DeferEvent(Connection& conn, const Event& event) {
  conn.Defer(kInsertEventSql, EventParams(event));
}

StatusOr<std::vector<Event>> LoadEvents(Connection& conn, int64_t after_id, int limit,
                                        bool unpublished_only) {
  static const std::string all_sql = SelectSql("events", kEventColumns) +
                                     "WHERE event_id > $1::bigint ORDER BY event_id "
                                     "LIMIT $2::bigint";
  static const std::string unpublished_sql =
      SelectSql("events", kEventColumns) +
      "WHERE published_at IS NULL AND event_id > $1::bigint ORDER BY event_id LIMIT $2::bigint";
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec(unpublished_only ? unpublished_sql : all_sql, {after_id, limit}));
  return Collect(r, ReadEvent);
}

StatusOr<int> MarkPublished(Connection& conn, int64_t through_id, ports::Millis now) {
  ASSIGN_OR_RETURN(Result r, conn.Exec("UPDATE events SET published_at = $1::bigint "
                                       "WHERE published_at IS NULL AND event_id <= $2::bigint",
                                       {now, through_id}));
  return static_cast<int>(r.Affected());
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
  ASSIGN_OR_RETURN(std::optional<AttemptRecord> last, LoadLastAttempt(conn, end.task.task_id));
  DeferRunEndRows(conn, end, std::move(last), now);
  DeferRunEndEvent(conn, end, now);
  return Status::Ok();
}

void DeferRunEndRows(Connection& conn, const RunEnd& end,
                     std::optional<AttemptRecord> last_attempt, ports::Millis now) {
  DeferSaveTask(conn, end.task);
  if (last_attempt && last_attempt->outcome == ports::AttemptOutcome::kRunning) {
    static const std::string sql = UpdateSql("task_attempts", kAttemptColumns, 2);
    CloseAttempt(*last_attempt, end, now);
    conn.Defer(sql, AttemptParams(*last_attempt));
  }
  if (end.dead_letter) {
    const DeadLetter& dead = *end.dead_letter;
    conn.Defer(SaveDeadLetterSql(), {dead.task_id, dead.video_id, dead.step, dead.dead_at,
                                    dead.reason});
  }
}

void DeferRunEndEvent(Connection& conn, const RunEnd& end, ports::Millis now) {
  Event event = end.event;
  event.created_at = now;
  DeferEvent(conn, event);
}

}  // namespace vtp::adapters::pg
