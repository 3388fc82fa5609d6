// Row I/O for the SQLite store: one function per query, mapping ports records
// to and from the tables of sqlite_schema.cc. No locking and no transactions
// here -- SqliteStore decides both; these only read and write.
#pragma once

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "adapters/sqlite_db.h"
#include "adapters/task_transitions.h"
#include "core/status.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"

namespace vtp::adapters::sqlite {

template <typename S>
struct ValueOf;
template <typename T>
struct ValueOf<StatusOr<T>> {
  using type = T;
};
// The record type a row reader (StatusOr<T>(const Statement&)) produces.
template <typename Read>
using RowType = typename ValueOf<std::invoke_result_t<Read, const Statement&>>::type;

// Steps `s` to the end, converting each row with `read`.
template <typename Read>
StatusOr<std::vector<RowType<Read>>> Collect(Statement& s, Read read) {
  std::vector<RowType<Read>> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    ASSIGN_OR_RETURN(RowType<Read> item, read(s));
    out.push_back(std::move(item));
  }
}

// The first row of `s`, if any.
template <typename Read>
StatusOr<std::optional<RowType<Read>>> First(Statement& s, Read read) {
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<RowType<Read>>();
  ASSIGN_OR_RETURN(RowType<Read> item, read(s));
  return std::optional<RowType<Read>>(std::move(item));
}

// videos
Status InsertVideo(Connection& conn, const ports::VideoRecord& video);
Status SaveVideo(Connection& conn, const ports::VideoRecord& video);
StatusOr<std::optional<ports::VideoRecord>> LoadVideo(Connection& conn, std::string_view video_id);
StatusOr<std::vector<ports::VideoRecord>> LoadVideos(Connection& conn,
                                                     std::optional<ports::VideoStatus> status);
// One page of ServiceStore::ListVideoPage (the limit already validated); a
// creator's page is one range scan of idx_creator.
StatusOr<std::vector<ports::VideoRecord>> LoadVideoPage(Connection& conn,
                                                        const ports::VideoPageQuery& query);

// tasks
// kAlreadyExists when the task_id exists.
Status InsertTask(Connection& conn, const ports::TaskRecord& task);
Status SaveTask(Connection& conn, const ports::TaskRecord& task);
StatusOr<std::optional<ports::TaskRecord>> LoadTask(Connection& conn, std::string_view task_id);
// The WHERE clause TallyStep counts with (a test checks it is answered from
// the covering index tasks_video).
inline constexpr const char* kUnfinishedOfStepWhere =
    "WHERE video_id = ?1 AND step = ?2 AND state <> 'completed'";
// ports::StepTally from the tasks_video index and dead_letters_by_video.
StatusOr<ports::StepTally> LoadStepTally(Connection& conn, std::string_view video_id,
                                         std::string_view step);
// task_id, step, state and next_run_at of a video's tasks, by task_id.
StatusOr<std::vector<ports::TaskSummary>> LoadTaskSummaries(Connection& conn, std::string_view video_id);
StatusOr<std::vector<ports::TaskRecord>> LoadTasksOfVideo(Connection& conn,
                                                          std::string_view video_id);
// The first runnable task of one (pool, priority) in ready-time order: one
// seek on the tasks_runnable partial index (its state term repeats the
// index's WHERE so the planner may use it). Bound: ?1 pool, ?2 level, ?3 now.
inline constexpr std::string_view kRunnableHeadSql =
    "SELECT task_id, next_run_at FROM tasks "
    "WHERE state IN ('pending', 'retrying') AND pool = ?1 AND priority = ?2 "
    "AND next_run_at <= ?3 ORDER BY next_run_at, task_id LIMIT 1";
StatusOr<std::optional<ports::LeaseCandidate>> RunnableHead(Connection& conn, std::string_view pool,
                                                            ports::Priority priority,
                                                            ports::Millis now);
// Tasks waiting in `pool` (MetadataStore::ListWaitingTasks), by
// (next_run_at, task_id): a range of the tasks_runnable partial index.
StatusOr<std::vector<ports::TaskRecord>> LoadWaitingTasks(Connection& conn, std::string_view pool,
                                                          int limit);
// Running tasks whose lease expired before `now`.
StatusOr<std::vector<ports::TaskRecord>> LoadExpiredLeases(Connection& conn, ports::Millis now);
// Running tasks leased to `worker_id` (expired or not), by task_id: one seek
// on the tasks_owner partial index. Bound: ?1 worker id.
inline constexpr std::string_view kLeasesOfWorkerWhere =
    "WHERE state = 'running' AND lease_owner = ?1 ORDER BY task_id";
StatusOr<std::vector<ports::TaskRecord>> LoadLeasesOf(Connection& conn, std::string_view worker_id);

// task_attempts
Status InsertAttempt(Connection& conn, const ports::AttemptRecord& attempt);
Status SaveAttempt(Connection& conn, const ports::AttemptRecord& attempt);
StatusOr<std::vector<ports::AttemptRecord>> LoadAttempts(Connection& conn,
                                                         std::string_view task_id);
StatusOr<std::optional<ports::AttemptRecord>> LoadLastAttempt(Connection& conn,
                                                              std::string_view task_id);
StatusOr<int> NextAttemptSeq(Connection& conn, std::string_view task_id);

// dead_letters (DeadLetter::attempts is neither stored nor loaded here)
Status SaveDeadLetter(Connection& conn, const ports::DeadLetter& dead);
// false when there was none.
StatusOr<bool> DeleteDeadLetter(Connection& conn, std::string_view task_id);
StatusOr<std::optional<ports::DeadLetter>> LoadDeadLetter(Connection& conn,
                                                          std::string_view task_id);
StatusOr<std::vector<ports::DeadLetter>> LoadDeadLetters(Connection& conn);

// events
// Ignores event_id/published_at; stores created_at as given. Returns the id.
StatusOr<int64_t> InsertEvent(Connection& conn, const ports::Event& event);
StatusOr<std::vector<ports::Event>> LoadEvents(Connection& conn, int64_t after_id, int limit,
                                               bool unpublished_only);
StatusOr<int> MarkPublished(Connection& conn, int64_t through_id, ports::Millis now);

// Composite writes shared by the store's files.
// MetadataStore::CreateVideo's write (also CompleteUpload's): the row
// NewVideo(video, now) and its "video.created" event. kAlreadyExists when
// the id exists.
Status InsertNewVideo(Connection& conn, const ports::VideoRecord& video, ports::Millis now);
// Closes the task's latest attempt if it is still running.
Status CloseOpenAttempt(Connection& conn, std::string_view task_id, const RunEnd& end,
                        ports::Millis now);
// Writes everything a run's end changes: the task row, its open attempt, the
// dead letter (if any) and the outbox event (created_at = now).
Status PersistRunEnd(Connection& conn, const RunEnd& end, ports::Millis now);

}  // namespace vtp::adapters::sqlite
