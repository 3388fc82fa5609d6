// Row I/O for the PostgreSQL store: one function per query, mapping ports
// records to and from the tables of pg_schema.cc (the same tables and columns
// as the SQLite store). No transactions here -- PostgresStore decides them.
// Functions named Lock* take row locks (FOR UPDATE) for the caller's
// transaction; Load* read without locking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "adapters/pg_db.h"
#include "adapters/task_transitions.h"
#include "core/status.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"

namespace vtp::adapters::pg {

template <typename S>
struct ValueOf;
template <typename T>
struct ValueOf<StatusOr<T>> {
  using type = T;
};
// The record type a row reader (StatusOr<T>(const Result&, int row)) makes.
template <typename Read>
using RowType = typename ValueOf<std::invoke_result_t<Read, const Result&, int>>::type;

// Every row of `r`, converted with `read`.
template <typename Read>
StatusOr<std::vector<RowType<Read>>> Collect(const Result& r, Read read) {
  std::vector<RowType<Read>> out;
  out.reserve(r.Rows());
  for (int i = 0; i < r.Rows(); ++i) {
    ASSIGN_OR_RETURN(RowType<Read> item, read(r, i));
    out.push_back(std::move(item));
  }
  return out;
}

// The first row of `r`, if any.
template <typename Read>
StatusOr<std::optional<RowType<Read>>> First(const Result& r, Read read) {
  if (r.Rows() == 0) return std::optional<RowType<Read>>();
  ASSIGN_OR_RETURN(RowType<Read> item, read(r, 0));
  return std::optional<RowType<Read>>(std::move(item));
}

// videos
Status InsertVideo(Connection& conn, const ports::VideoRecord& video);
Status SaveVideo(Connection& conn, const ports::VideoRecord& video);
StatusOr<std::optional<ports::VideoRecord>> LoadVideo(Connection& conn, std::string_view video_id);
// LoadVideo with FOR UPDATE: the row stays locked until the transaction ends.
StatusOr<std::optional<ports::VideoRecord>> LockVideo(Connection& conn, std::string_view video_id);
StatusOr<std::vector<ports::VideoRecord>> LoadVideos(Connection& conn,
                                                     std::optional<ports::VideoStatus> status);
// One page of ServiceStore::ListVideoPage (the limit already validated); a
// creator's page is one range scan of idx_creator.
StatusOr<std::vector<ports::VideoRecord>> LoadVideoPage(Connection& conn,
                                                        const ports::VideoPageQuery& query);

// tasks
// kAlreadyExists when the task_id exists.
Status InsertTask(Connection& conn, const ports::TaskRecord& task);
// Inserts unless the task_id exists; false when it did (left untouched).
StatusOr<bool> InsertTaskIfAbsent(Connection& conn, const ports::TaskRecord& task);
Status SaveTask(Connection& conn, const ports::TaskRecord& task);
StatusOr<std::optional<ports::TaskRecord>> LoadTask(Connection& conn, std::string_view task_id);
StatusOr<std::optional<ports::TaskRecord>> LockTask(Connection& conn, std::string_view task_id);
// A task row locked to start a run, with the sequence number the run's
// attempt takes (max(seq) + 1).
struct ClaimedTask {
  ports::TaskRecord task;
  int next_seq = 1;
};
// LockTask with SKIP LOCKED (nullopt when the row is missing OR locked by
// another transaction) and NextAttemptSeq, in one query.
StatusOr<std::optional<ClaimedTask>> TryClaimTask(Connection& conn, std::string_view task_id);
// A task row locked to end its run, with its latest attempt (if any).
struct EndingTask {
  ports::TaskRecord task;
  std::optional<ports::AttemptRecord> last_attempt;
};
// LockTask and LoadLastAttempt in one query.
StatusOr<std::optional<EndingTask>> LockEndingTask(Connection& conn, std::string_view task_id);
// SaveTask as a deferred write (Connection::Defer: sent with the next
// statement or COMMIT).
void DeferSaveTask(Connection& conn, const ports::TaskRecord& task);
StatusOr<ports::StepTally> LoadStepTally(Connection& conn, std::string_view video_id,
                                         std::string_view step);
StatusOr<std::vector<ports::TaskSummary>> LoadTaskSummaries(Connection& conn,
                                                            std::string_view video_id);
StatusOr<std::vector<ports::TaskRecord>> LoadTasksOfVideo(Connection& conn,
                                                          std::string_view video_id);
// The same tasks, locked, by task_id.
StatusOr<std::vector<ports::TaskRecord>> LockTasksOfVideo(Connection& conn,
                                                          std::string_view video_id);
// The head of every (pool, level) runnable queue of `pools` at `now`: one
// seek per queue on the tasks_runnable partial index. With `skip_locked`,
// each head is the first row no other transaction holds, and it is locked.
StatusOr<std::vector<ports::LeaseCandidate>> RunnableHeads(Connection& conn,
                                                           const std::vector<std::string>& pools,
                                                           ports::Millis now, bool skip_locked);
// Tasks waiting in `pool` (MetadataStore::ListWaitingTasks), by
// (next_run_at, task_id): a range of the tasks_runnable partial index.
StatusOr<std::vector<ports::TaskRecord>> LoadWaitingTasks(Connection& conn, std::string_view pool,
                                                          int limit);
// Running tasks whose lease expired before `now`, locked (SKIP LOCKED: a
// row another transaction is changing is left to it).
StatusOr<std::vector<ports::TaskRecord>> LockExpiredLeases(Connection& conn, ports::Millis now);
// Running tasks leased to `worker_id` (expired or not), by task_id, locked.
StatusOr<std::vector<ports::TaskRecord>> LockLeasesOf(Connection& conn,
                                                      std::string_view worker_id);

// task_attempts
Status InsertAttempt(Connection& conn, const ports::AttemptRecord& attempt);
void DeferInsertAttempt(Connection& conn, const ports::AttemptRecord& attempt);
Status SaveAttempt(Connection& conn, const ports::AttemptRecord& attempt);
StatusOr<std::vector<ports::AttemptRecord>> LoadAttempts(Connection& conn,
                                                         std::string_view task_id);
StatusOr<std::optional<ports::AttemptRecord>> LoadLastAttempt(Connection& conn,
                                                              std::string_view task_id);
// Call with the task row locked (the sequence is max(seq) + 1).
StatusOr<int> NextAttemptSeq(Connection& conn, std::string_view task_id);

// dead_letters (DeadLetter::attempts is neither stored nor loaded here)
Status SaveDeadLetter(Connection& conn, const ports::DeadLetter& dead);
// false when there was none.
StatusOr<bool> DeleteDeadLetter(Connection& conn, std::string_view task_id);
StatusOr<std::optional<ports::DeadLetter>> LoadDeadLetter(Connection& conn,
                                                          std::string_view task_id);
StatusOr<std::vector<ports::DeadLetter>> LoadDeadLetters(Connection& conn);

// events
// The transaction-scoped advisory lock key every event insert holds until
// its transaction ends (postgres_store.h: Event order).
inline constexpr int64_t kEventsLockKey = 0x7674705f65766e74;  // "vtp_evnt"
// Takes the events lock, then inserts. Ignores event_id/published_at;
// stores created_at as given. Returns the id. Call it after the row locks
// the transaction needs (see postgres_store.h).
StatusOr<int64_t> InsertEvent(Connection& conn, const ports::Event& event);
// InsertEvent as a deferred write, for a caller that does not need the id.
// Defer it last, right before COMMIT, so the lock is held for the shortest
// time.
void DeferEvent(Connection& conn, const ports::Event& event);
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
// dead letter (if any) and the outbox event (created_at = now). Call with the
// task row locked.
Status PersistRunEnd(Connection& conn, const RunEnd& end, ports::Millis now);
// PersistRunEnd's row writes, deferred, given the task's latest attempt
// (closed when it is still running): no round trip of its own.
void DeferRunEndRows(Connection& conn, const RunEnd& end,
                     std::optional<ports::AttemptRecord> last_attempt, ports::Millis now);
// The run end's outbox event (created_at = now), deferred (see DeferEvent).
void DeferRunEndEvent(Connection& conn, const RunEnd& end, ports::Millis now);

}  // namespace vtp::adapters::pg
